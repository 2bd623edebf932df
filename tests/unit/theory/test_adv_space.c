/* Training attacks of the adversarial state evolution: where the training attack acts in the
 * latent model (train_space, src/theory/adv/adv.c "Training attack on the features") and
 * training / test norms that differ (docs/adversarial.md, "Training attacks: norm and space").
 * References, each independent of the feature-space code path:
 *  - where the two spaces define the same training problem, the feature-space equations give the
 *    latent-space solution: gamma = 1 (p = d, F = I: ||F^T w||_1/sqrt(p d) = ||w||_1/p), and an
 *    l_2 attack with gamma > 1 (F = [I_p, 0]: ||F^T w||_2 = ||w||_2) — to 1e-8, on the order
 *    parameters and the errors, for logistic, hinge and square losses, ridge and lasso;
 *  - the direct model has one space: train_space changes nothing (bit for bit);
 *  - eps_t = 0: no training attack, both spaces give the plain solution;
 *  - the test norm only enters the metrics: training in one norm and testing in the other gives
 *    the order parameters of training and testing in the training norm (bit for bit), and the
 *    thresholds of the test norm, N_rob = sqrt(q_z) (l_2) or P_z (l_inf), of that solution;
 *  - a feature-space solution exported with cav_adv_warm restarts at its own fixed point (the
 *    warm vector carries the feature norms q_w, P_w the equations are solved in);
 *  - a feature-space l_inf attack moves the margin by eps_t ||w||_1/p: shift = eps_t P;
 *  - train_space outside {0, 1}: CAV_EINVAL naming it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/adversarial.h"

static cav_adv_problem latent_problem(const cav_loss_type *lt, double gamma, int norm, int reg)
{
    cav_loss loss = {lt, {0, 0}};
    cav_adv_problem p = cav_adv_problem_default(&loss);
    p.latent = 1;
    p.gamma = gamma;
    p.alpha = 1.2;
    p.eps_train = 0.3;
    p.train_norm = p.attack_norm = norm;
    p.reg_norm = reg;
    p.lambda = lt == &cav_loss_square ? 0.1 : 0.02;
    p.eps = 0.8;
    return p;
}

static double rel(double a, double b)
{
    return fabs(a - b) / (1.0 + fabs(b));
}

static void solve_ok(const cav_adv_problem *p, cav_adv_solution *s)
{
    int st = cav_adv_solve(p, NULL, NULL, s);
    if (st)
        print_message("gamma %g norm %d space %d: %s\n", p->gamma, p->train_norm, p->train_space,
                      s->msg);
    assert_int_equal(st, CAV_OK);
}

/* The feature-space and latent-space solutions of p agree to tol. */
static double same_solution(cav_adv_problem p, double tol)
{
    cav_adv_solution a, b;
    p.train_space = CAV_ADV_SPACE_LATENT;
    solve_ok(&p, &a);
    p.train_space = CAV_ADV_SPACE_FEATURES;
    solve_ok(&p, &b);
    const double x[] = {a.m,   a.q,    a.V,    a.P,        a.P_z,        a.q_z,
                        a.q_w, a.egen, a.erob, a.erob_cns, a.attackable, a.shift};
    const double y[] = {b.m,   b.q,    b.V,    b.P,        b.P_z,        b.q_z,
                        b.q_w, b.egen, b.erob, b.erob_cns, b.attackable, b.shift};
    double worst = 0;
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        worst = fmax(worst, rel(y[i], x[i]));
        if (!(rel(y[i], x[i]) <= tol))
            print_message("gamma %g norm %d reg %d: quantity %zu latent %.12g features %.12g\n",
                          p.gamma, p.train_norm, p.reg_norm, i, x[i], y[i]);
        assert_true(rel(y[i], x[i]) <= tol);
    }
    return worst;
}

static void test_spaces_coincide(void **s)
{
    (void)s;
    const cav_loss_type *lt[] = {&cav_loss_logistic, &cav_loss_hinge, &cav_loss_square};
    double worst = 0;
    for (int l = 0; l < 3; l++)
        for (int norm = 0; norm <= 2; norm += 2) {
            worst = fmax(worst, same_solution(latent_problem(lt[l], 1.0, norm, 2), 1e-8));
            /* gamma > 1: the l_2 norms of F^T w and w are equal */
            if (norm == CAV_ADV_L2)
                worst = fmax(worst, same_solution(latent_problem(lt[l], 2.5, norm, 2), 1e-8));
        }
    /* lasso (logistic only: the simulation's solvers cover it there) */
    worst =
        fmax(worst, same_solution(latent_problem(&cav_loss_logistic, 1.0, CAV_ADV_LINF, 1), 1e-8));
    print_message("largest relative difference latent vs features where they coincide: %.2e\n",
                  worst);
}

static void test_spaces_differ(void **s)
{
    (void)s;
    /* gamma != 1 with l_inf, or gamma < 1: different problems, different solutions; the shift
     * of the feature-space l_inf attack is eps_t ||w||_1/p = eps_t P */
    const double gammas[] = {0.4, 2.0};
    for (int g = 0; g < 2; g++) {
        cav_adv_problem p = latent_problem(&cav_loss_logistic, gammas[g], CAV_ADV_LINF, 2);
        cav_adv_solution a, b;
        solve_ok(&p, &a);
        p.train_space = CAV_ADV_SPACE_FEATURES;
        solve_ok(&p, &b);
        print_message("gamma %g l_inf: q %.6f (z) %.6f (x), P %.6f (z) %.6f (x)\n", gammas[g], a.q,
                      b.q, a.P, b.P);
        assert_true(rel(b.q, a.q) > 1e-3);
        assert_true(fabs(b.shift - p.eps_train * b.P) <= 1e-12 * b.shift);
        assert_true(fabs(a.shift - p.eps_train * a.P_z) <= 1e-12 * a.shift);
        /* q = q_z + q_w in both */
        assert_true(rel(b.q, b.q_z + b.q_w) <= 1e-8);
        /* eps_t = 0: nothing to attack, the spaces agree */
        p.eps_train = 0;
        (void)same_solution(p, 1e-10);
    }
}

static void test_direct_ignores_space(void **s)
{
    (void)s;
    cav_loss loss = {&cav_loss_logistic, {0, 0}};
    cav_adv_problem p = cav_adv_problem_default(&loss);
    p.eps_train = 0.4;
    p.train_norm = p.attack_norm = CAV_ADV_LINF;
    cav_adv_solution a, b;
    solve_ok(&p, &a);
    p.train_space = CAV_ADV_SPACE_FEATURES;
    solve_ok(&p, &b);
    assert_true(a.m == b.m && a.q == b.q && a.V == b.V && a.P == b.P && a.erob == b.erob &&
                a.erob_cns == b.erob_cns);
}

static void test_mixed_norms(void **s)
{
    (void)s;
    for (int latent = 0; latent <= 1; latent++)
        for (int tn = 0; tn <= 2; tn += 2) {
            cav_adv_problem p = latent_problem(&cav_loss_logistic, 0.6, tn, 2);
            p.latent = latent;
            p.train_space = latent ? CAV_ADV_SPACE_FEATURES : CAV_ADV_SPACE_LATENT;
            cav_adv_solution same, mixed;
            solve_ok(&p, &same);
            p.attack_norm = tn == CAV_ADV_L2 ? CAV_ADV_LINF : CAV_ADV_L2;
            solve_ok(&p, &mixed);
            /* training unchanged */
            assert_true(same.m == mixed.m && same.q == mixed.q && same.V == mixed.V &&
                        same.P == mixed.P && same.q_z == mixed.q_z && same.P_z == mixed.P_z);
            assert_true(same.egen == mixed.egen);
            /* thresholds of the test norm */
            double nrob = p.attack_norm == CAV_ADV_L2 ? sqrt(same.q_z) : same.P_z;
            assert_true(fabs(mixed.n_rob - nrob) <= 1e-14 * nrob);
            assert_true(mixed.n_cns <= mixed.n_rob);
            assert_true(fabs(mixed.erob_cns - (mixed.egen + mixed.ebnd_cns)) <= 1e-12);
            /* the robust error of the test norm from the closed-form metrics */
            double met[5];
            cav_adv_theory_metrics(same.m, same.q, p.eps, nrob, mixed.n_cns, met);
            assert_true(fabs(met[1] - mixed.erob) <= 1e-14);
            print_message("latent %d train %s test %s: erob %.6f (same norm %.6f)\n", latent,
                          tn == CAV_ADV_L2 ? "2" : "inf", tn == CAV_ADV_L2 ? "inf" : "2",
                          mixed.erob, same.erob);
        }
}

static void test_warm_features(void **s)
{
    (void)s;
    cav_adv_problem p = latent_problem(&cav_loss_logistic, 0.4, CAV_ADV_LINF, 2);
    p.train_space = CAV_ADV_SPACE_FEATURES;
    cav_adv_solution a, b;
    solve_ok(&p, &a);
    double w[CAV_ADV_NWARM];
    cav_adv_warm(&a, w);
    assert_true(w[3] == a.q_w && w[4] == a.P);
    assert_int_equal(cav_adv_solve(&p, w, NULL, &b), CAV_OK);
    print_message("cold start %ld iterations, warm start from the solution %ld\n", a.iterations,
                  b.iterations);
    assert_true(b.iterations <= 1);
    assert_true(rel(b.q, a.q) <= 1e-9 && rel(b.P, a.P) <= 1e-9);
}

static void test_bad_space(void **s)
{
    (void)s;
    cav_adv_problem p = latent_problem(&cav_loss_logistic, 0.5, CAV_ADV_LINF, 2);
    p.train_space = 2;
    cav_err e = {0, ""};
    assert_int_equal(cav_adv_check(&p, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "train_space"));
    cav_adv_solution x;
    assert_int_equal(cav_adv_solve(&p, NULL, NULL, &x), CAV_EINVAL);
    assert_non_null(strstr(x.msg, "train_space"));
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_spaces_coincide),      cmocka_unit_test(test_spaces_differ),
        cmocka_unit_test(test_direct_ignores_space), cmocka_unit_test(test_mixed_norms),
        cmocka_unit_test(test_warm_features),        cmocka_unit_test(test_bad_space),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
