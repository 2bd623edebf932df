/* lambda optimisation of the adversarial state evolution (cav_adv_solve_optlambda,
 * src/theory/adv/adv.c; the model parameter lambda_opt of src/models/adversarial.c).
 * Reference: the definition of a minimiser, checked by direct evaluation with cav_adv_solve
 * (independent solves at fixed lambda, no warm start):
 *  - the target error (egen, erob or erob_cns) at the returned lambda* is no larger than at
 *    lambda* (1 +- 5%) and at every point of a log grid over the search range [1e-4, 1e2]
 *    (to 1e-8 relative: the fixed point is solved to its residual tolerance 1e-10 or better);
 *  - the returned lambda* lies inside [lo, hi], and out is the solution at lambda* (its error
 *    equals a fresh solve there).
 * Cases: logistic and hinge, direct and latent, with and without adversarial training, l_2 and
 * l_inf (the hinge case crosses the small-lambda max-margin regime, where cav_adv_solve needs its
 * continuation fallback: lambda 1e-4 and 3e-3 failed to converge before it).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/adversarial.h"

static double target(const cav_adv_solution *s, int which)
{
    return which == 0 ? s->egen : which == 1 ? s->erob : s->erob_cns;
}

static double at(cav_adv_problem p, double lambda, int which)
{
    p.lambda = lambda;
    cav_adv_solution s;
    int st = cav_adv_solve(&p, NULL, NULL, &s);
    if (st) print_message("lambda %g: %s\n", lambda, s.msg);
    assert_int_equal(st, CAV_OK);
    return target(&s, which);
}

typedef struct lcase {
    const cav_loss_type *loss;
    int latent;
    double gamma, alpha, eps_train;
    int norm;
    double eps;
} lcase;

static void test_optimum(void **s)
{
    (void)s;
    const lcase cases[] = {
        {&cav_loss_logistic, 0, 1.0, 1.0, 0.0, CAV_ADV_L2, 0.5},
        {&cav_loss_logistic, 0, 1.0, 2.0, 0.3, CAV_ADV_LINF, 0.5},
        {&cav_loss_hinge, 0, 1.0, 1.5, 0.2, CAV_ADV_L2, 1.0},
        {&cav_loss_logistic, 1, 0.5, 1.0, 0.2, CAV_ADV_L2, 0.5},
        {&cav_loss_logistic, 1, 1.6, 0.8, 0.0, CAV_ADV_LINF, 1.0},
    };
    const double lo = 1e-4, hi = 1e2;
    int ncase = (int)(sizeof cases / sizeof cases[0]), interior = 0, edge = 0;
    for (int k = 0; k < ncase; k++)
        for (int which = 0; which < 3; which++) {
            const lcase *c = &cases[k];
            cav_loss loss = {c->loss, {0, 0}};
            cav_adv_problem p = cav_adv_problem_default(&loss);
            p.latent = c->latent;
            p.gamma = c->gamma;
            p.alpha = c->alpha;
            p.eps_train = c->eps_train;
            p.train_norm = p.attack_norm = c->norm;
            p.eps = c->eps;
            cav_adv_solution o;
            double lam = NAN;
            int st = cav_adv_solve_optlambda(&p, which, lo, hi, NULL, &lam, &o);
            if (st) print_message("case %d which %d: %s\n", k, which, o.msg);
            assert_int_equal(st, CAV_OK);
            assert_true(lam >= lo && lam <= hi);
            double f = target(&o, which), fresh = at(p, lam, which);
            assert_true(fabs(f - fresh) <= 1e-8 * fresh);
            double worst = INFINITY; /* smallest competitor value seen */
            const double nb[] = {lam * 0.95, lam * 1.05};
            for (int j = 0; j < 2; j++)
                if (nb[j] >= lo && nb[j] <= hi) worst = fmin(worst, at(p, nb[j], which));
            for (int g = 0; g <= 12; g++) {
                double lg = lo * pow(hi / lo, g / 12.0);
                worst = fmin(worst, at(p, lg, which));
            }
            print_message("case %d which %d: lambda* %.4g, error %.6f, best competitor %.6f\n", k,
                          which, lam, f, worst);
            assert_true(f <= worst * (1 + 1e-8));
            if (lam < lo * 1.01 || lam > hi / 1.01)
                edge++;
            else
                interior++;
        }
    print_message("%d interior optima, %d at the range's edge\n", interior, edge);
}

static void test_bad_range(void **s)
{
    (void)s;
    cav_loss loss = {&cav_loss_logistic, {0, 0}};
    cav_adv_problem p = cav_adv_problem_default(&loss);
    cav_adv_solution o;
    double lam = 0;
    assert_int_equal(cav_adv_solve_optlambda(&p, 0, 1.0, 0.5, NULL, &lam, &o), CAV_EINVAL);
    assert_int_equal(cav_adv_solve_optlambda(&p, 3, 1e-3, 1.0, NULL, &lam, &o), CAV_EINVAL);
    assert_true(isnan(o.egen));
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_optimum),
                                   cmocka_unit_test(test_bad_range)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
