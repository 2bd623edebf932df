/* lambda = 0 just above the separability threshold (regular regime): the V equation is neutral
 * under plain iteration (a E[1 - dprox] = 1), so the engine slaves V to (m, q). Checks: every
 * point of a grid from alpha_c + 0.12 to alpha_c + 0.6 converges for the hinge and logistic
 * losses, and agrees with the small-lambda solution (lambda = 1e-6: the lambda -> 0 limit is
 * continuous above alpha_c, the minimiser has finite norm), and the defining identity
 * alpha E[1 - dprox] = 1 holds at the solution. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "theory/erm/erm_internal.h"

static void check_loss(const cav_loss_type *lt)
{
    cav_loss loss = {lt, {0, 0}};
    cav_channel ch = {&cav_channel_sign_flip, {0.1, 0}};
    double ac;
    assert_int_equal(cav_erm_separability(&ch, &ac, NULL, NULL), CAV_OK);
    for (int i = 0; i < 5; i++) {
        double alpha = ac + 0.12 + 0.12 * i;
        cav_erm_problem p = cav_erm_problem_default(&loss, &ch);
        p.alpha = alpha;
        p.lambda = 0;
        cav_erm_solution s0, s1;
        int st = cav_erm_solve(&p, NULL, NULL, &s0);
        if (st) fprintf(stderr, "%s alpha = %g: %s\n", lt->name, alpha, s0.msg);
        assert_int_equal(st, CAV_OK);
        assert_int_equal(s0.regime, CAV_ERM_REGULAR);
        assert_true(s0.residual <= 1e-10);
        /* alpha E[1 - dprox] = V Vhat = 1 at the solution. */
        assert_true(fabs(s0.V * s0.Vhat - 1.0) < 1e-8);
        p.lambda = 1e-6; /* continuation from the lambda = 0 solution */
        double warm[CAV_ERM_NWARM];
        cav_erm_warm(&s0, warm);
        st = cav_erm_solve(&p, warm, NULL, &s1);
        if (st) fprintf(stderr, "%s alpha = %g, lambda = 1e-6: %s\n", lt->name, alpha, s1.msg);
        assert_int_equal(st, CAV_OK);
        double e0 = cav_erm_egen_sign(s0.m_test, s0.q_test);
        double e1 = cav_erm_egen_sign(s1.m_test, s1.q_test);
        fprintf(stderr, "  %-8s alpha_c = %.4f alpha = %.4f egen(0) = %.6f egen(1e-6) = %.6f\n",
                lt->name, ac, alpha, e0, e1);
        assert_true(fabs(e0 - e1) < 1e-4);
    }
}

static void test_hinge(void **s)
{
    (void)s;
    check_loss(&cav_loss_hinge);
}

static void test_logistic(void **s)
{
    (void)s;
    check_loss(&cav_loss_logistic);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_hinge), cmocka_unit_test(test_logistic)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
