/* Adversarial state evolution (src/theory/adv/adv.c, adv_metrics.c; include/cavity/adversarial.h).
 * References, each independent of the code under test:
 *  - eps_t = 0 is plain ERM: cav_erm_solve with the sign channel, same loss and ridge (the
 *    generic ERM engine, erm.h) — m, q, V to 1e-8;
 *  - margin-shifted square-loss channel sums against their closed form (target y(1 + c)):
 *    E f^2 = ((1+c)^2 - 2 m (1+c) sqrt(2/pi) + q)/(1+V)^2, E(1-dh)/V = 1/(1+V),
 *    E nu f = ((1+c) sqrt(2/pi) - m)/(1+V), E y f = ((1+c) - m sqrt(2/pi))/(1+V);
 *  - Gaussian weights (ridge, no l_inf training): P_z = sqrt(2/pi) sqrt(q_z) and the l_inf
 *    consistent norm min_t E|w - t theta| = sqrt(2/pi) sqrt(q_z - m^2) (closed form);
 *  - metric identities (docs/adversarial.md): erob_cns = egen + ebnd_cns, erob_cns <= erob,
 *    eps = 0 -> ebnd_cns = 0 and erob = egen; egen = arccos(m/sqrt(q))/pi.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/adversarial.h"
#include "cavity/erm.h"
#include "theory/erm/erm_internal.h"

#define SQ2PI 0.79788456080286535588 /* sqrt(2/pi) */

static void test_plain_erm(void **s)
{
    (void)s;
    const cav_loss_type *lt[] = {&cav_loss_square, &cav_loss_hinge, &cav_loss_logistic};
    const double alphas[] = {0.3, 1.0, 2.0}, lams[] = {1e-2, 0.5};
    double worst = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 2; k++) {
                cav_loss loss = {lt[i], {0, 0}};
                cav_channel ch = {&cav_channel_sign, {0, 0}};
                cav_erm_problem ep = cav_erm_problem_default(&loss, &ch);
                ep.alpha = alphas[j];
                ep.lambda = lams[k];
                ep.start = CAV_ERM_START_INFORMED;
                cav_erm_solution es;
                assert_int_equal(cav_erm_solve(&ep, NULL, NULL, &es), CAV_OK);
                for (int norm = 0; norm <= 2; norm += 2) {
                    cav_adv_problem ap = cav_adv_problem_default(&loss);
                    ap.alpha = alphas[j];
                    ap.lambda = lams[k];
                    ap.train_norm = norm;
                    ap.attack_norm = norm;
                    cav_adv_solution as;
                    int st = cav_adv_solve(&ap, NULL, NULL, &as);
                    if (st)
                        print_message("%s alpha %g lambda %g: %s\n", lt[i]->name, alphas[j],
                                      lams[k], as.msg);
                    assert_int_equal(st, CAV_OK);
                    double d[3] = {fabs(as.m - es.m) / (1 + fabs(es.m)),
                                   fabs(as.q - es.q) / (1 + es.q), fabs(as.V - es.V) / (1 + es.V)};
                    for (int c = 0; c < 3; c++) {
                        worst = fmax(worst, d[c]);
                        assert_true(d[c] < 1e-8);
                    }
                    assert_true(fabs(as.egen - cav_erm_egen_sign(es.m, es.q)) < 1e-8);
                    /* Gaussian weights: P = sqrt(2/pi) sqrt(q) */
                    assert_true(fabs(as.P_z - SQ2PI * sqrt(as.q_z)) < 1e-9);
                }
            }
    print_message("eps_t = 0 vs cav_erm_solve: worst relative difference %.2e\n", worst);
}

static void test_shift_square(void **s)
{
    (void)s;
    cav_loss loss = {&cav_loss_square, {0, 0}};
    cav_channel ch = {&cav_channel_sign, {0, 0}};
    const double cs[] = {0.0, 0.3, 1.7}, ms[] = {0.1, 0.6}, qs[] = {0.5, 2.0}, Vs[] = {0.2, 3.0};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            for (int e = 0; e < 2; e++)
                for (int g = 0; g < 2; g++) {
                    double c = cs[a], q = qs[e], m = ms[b] * sqrt(q), V = Vs[g], r[4];
                    cav_err err = {0};
                    assert_int_equal(cav_erm_chan_sums_shift(&loss, &ch, m, q, V, c, r, &err),
                                     CAV_OK);
                    double D = 1 + V, t = 1 + c;
                    double ref[4] = {(t * t - 2 * m * t * SQ2PI + q) / (D * D), 1 / D,
                                     (t * SQ2PI - m) / D, (t - m * SQ2PI) / D};
                    for (int k = 0; k < 4; k++)
                        assert_true(fabs(r[k] - ref[k]) < 1e-9 * (1 + fabs(ref[k])));
                }
}

static void check_identities(const cav_adv_solution *x)
{
    if (!(x->erob_cns <= x->erob + 1e-12))
        print_message("erob %.15g erob_cns %.15g n_rob %.15g n_cns %.15g m %g q %g\n", x->erob,
                      x->erob_cns, x->n_rob, x->n_cns, x->m, x->q);
    assert_true(fabs(x->erob_cns - (x->egen + x->ebnd_cns)) < 1e-12);
    assert_true(x->erob_cns <= x->erob + 1e-12);
    assert_true(x->ebnd_cns >= -1e-15);
    assert_true(x->n_cns <= x->n_rob + 1e-9);
    assert_true(x->attackable >= x->ebnd_cns - 1e-12);
    assert_true(fabs(x->egen - acos(x->m / sqrt(x->q)) / 3.14159265358979323846) < 1e-12);
}

static void test_identities(void **s)
{
    (void)s;
    cav_loss loss = {&cav_loss_logistic, {0, 0}};
    int count = 0;
    const double alphas[] = {0.2, 1.0, 2.0}, epsts[] = {0.0, 0.3}, epss[] = {0.0, 0.5, 3.0};
    const double gammas[] = {0.3, 1.0, 1.8};
    for (int lat = 0; lat < 2; lat++)
        for (int ia = 0; ia < 3; ia++)
            for (int it = 0; it < 2; it++)
                for (int norm = 0; norm <= 2; norm += 2)
                    for (int ig = 0; ig < (lat ? 3 : 1); ig++)
                        for (int reg = 1; reg <= 2; reg++) {
                            cav_adv_problem p = cav_adv_problem_default(&loss);
                            p.latent = lat;
                            p.gamma = gammas[ig];
                            p.alpha = alphas[ia];
                            p.eps_train = epsts[it];
                            p.train_norm = p.attack_norm = norm;
                            p.reg_norm = reg;
                            p.lambda = reg == 1 ? 0.05 : 0.01;
                            cav_adv_solution x;
                            double warm[CAV_ADV_NWARM];
                            int have = 0;
                            for (int ie = 0; ie < 3; ie++) {
                                p.eps = epss[ie];
                                int st = cav_adv_solve(&p, have ? warm : NULL, NULL, &x);
                                if (st) print_message("%s\n", x.msg);
                                assert_int_equal(st, CAV_OK);
                                cav_adv_warm(&x, warm);
                                have = 1;
                                check_identities(&x);
                                if (p.eps == 0) {
                                    assert_true(fabs(x.ebnd_cns) < 1e-15);
                                    assert_true(fabs(x.erob - x.egen) < 1e-12);
                                    assert_true(fabs(x.attackable) < 1e-15);
                                }
                                count++;
                            }
                        }
    print_message("identities checked at %d points\n", count);
}

/* Ridge without an l_inf training attack: w is Gaussian, so the l_inf consistent norm has the
 * closed form sqrt(2/pi) sqrt(q_z - m^2) (direct; latent gamma <= 1 where v = w_A). */
static void test_linf_gaussian(void **s)
{
    (void)s;
    cav_loss loss = {&cav_loss_logistic, {0, 0}};
    const double gammas[] = {1.0, 0.5, 0.2};
    for (int lat = 0; lat < 2; lat++)
        for (int ig = 0; ig < (lat ? 3 : 1); ig++)
            for (int et = 0; et < 2; et++) {
                cav_adv_problem p = cav_adv_problem_default(&loss);
                p.latent = lat;
                p.gamma = gammas[ig];
                p.alpha = 1.3;
                p.eps_train = et ? 0.4 : 0.0; /* l_2 training keeps w Gaussian */
                p.train_norm = CAV_ADV_L2;
                p.attack_norm = CAV_ADV_LINF;
                p.eps = 1.0;
                cav_adv_solution x;
                assert_int_equal(cav_adv_solve(&p, NULL, NULL, &x), CAV_OK);
                double ref = SQ2PI * sqrt(x.q_z - x.m * x.m);
                assert_true(fabs(x.n_cns - ref) < 1e-8);
                assert_true(fabs(x.n_rob - SQ2PI * sqrt(x.q_z)) < 1e-9);
            }
}

/* Adversarial training: the margin shift is eps_t N at the fixed point, the penalty strength
 * Phat > 0, and the robust error at the training budget falls relative to eps_t = 0. */
static void test_adv_training(void **s)
{
    (void)s;
    cav_loss loss = {&cav_loss_logistic, {0, 0}};
    for (int norm = 0; norm <= 2; norm += 2) {
        cav_adv_problem p = cav_adv_problem_default(&loss);
        p.alpha = 2.0;
        p.lambda = 1e-3;
        p.train_norm = p.attack_norm = norm;
        p.eps = 0.5;
        cav_adv_solution x0, x1;
        assert_int_equal(cav_adv_solve(&p, NULL, NULL, &x0), CAV_OK);
        p.eps_train = 0.5;
        assert_int_equal(cav_adv_solve(&p, NULL, NULL, &x1), CAV_OK);
        double N = norm == CAV_ADV_L2 ? sqrt(x1.q_z) : x1.P_z;
        assert_true(fabs(x1.shift - 0.5 * N) < 1e-12);
        assert_true(x1.Phat > 0);
        assert_true(x1.erob < x0.erob);
        print_message("norm %d: erob %.4f (eps_t 0) -> %.4f (eps_t 0.5), egen %.4f -> %.4f\n", norm,
                      x0.erob, x1.erob, x0.egen, x1.egen);
    }
}

static void test_bad_input(void **s)
{
    (void)s;
    cav_loss loss = {&cav_loss_logistic, {0, 0}};
    cav_adv_problem p = cav_adv_problem_default(&loss);
    cav_err e = {0};
    p.eps = -0.1;
    assert_int_equal(cav_adv_check(&p, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "eps"));
    p = cav_adv_problem_default(&loss);
    p.attack_norm = 1;
    assert_int_equal(cav_adv_check(&p, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "attack_norm"));
    p = cav_adv_problem_default(&loss);
    p.latent = 1;
    p.gamma = 0;
    assert_int_equal(cav_adv_check(&p, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "gamma"));
    p = cav_adv_problem_default(&loss);
    p.loss.type = &cav_loss_square; /* robust square loss (test_adv_square.c): accepted */
    p.eps_train = 0.1;
    assert_int_equal(cav_adv_check(&p, &e), CAV_OK);
    p.loss.type = &cav_loss_smooth_hinge;
    assert_int_equal(cav_adv_check(&p, &e), CAV_EINVAL);
    cav_adv_solution x;
    assert_int_equal(cav_adv_solve(&p, NULL, NULL, &x), CAV_EINVAL);
    assert_true(isnan(x.egen));
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_plain_erm),    cmocka_unit_test(test_shift_square),
        cmocka_unit_test(test_identities),   cmocka_unit_test(test_linf_gaussian),
        cmocka_unit_test(test_adv_training), cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
