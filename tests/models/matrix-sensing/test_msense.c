/* matrix-sensing (Bayes-optimal SE, cavity/msense.h). References: rectangular perfect recovery
 * min(1, rho (1 + beta - rho)/beta) (degrees of freedom r (L + D - r)/(L D); Erba et al.,
 * arXiv:2410.18858), its beta < 1 form by transposition; noiseless optimal ridge 1 - alpha
 * (closed form); the minimum-nuclear-norm threshold lies between alpha_pr and 1. Under 2 s. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/msense.h"

static void test_rect_perfect_recovery(void **s)
{
    (void)s;
    const double cases[][2] = {{1, 0.5}, {2, 0.2}, {0.5, 0.2}, {3, 0.6}};
    for (int c = 0; c < 4; c++) {
        double b = cases[c][0], r = cases[c][1], R1 = b >= 1 ? b : 1 / b, apr;
        cav_msense_params p = {CAV_MSENSE_RECTANGULAR, 1, 0, 1, b, r};
        assert_int_equal(cav_msense_alpha_pr(&p, &apr, NULL), CAV_OK);
        assert_true(fabs(apr - fmin(1, r * (1 + R1 - r) / R1)) < 1e-15);
        /* the SE transition sits there: mmse > 0 just below, 0 just above */
        cav_msense_result res;
        p.alpha = 0.97 * apr;
        assert_int_equal(cav_msense_theory(&p, &res, NULL), CAV_OK);
        if (!(res.mmse > 1e-4))
            fail_msg("beta %g rho %g: mmse %.3g below alpha_pr", b, r, res.mmse);
        p.alpha = 1.03 * apr;
        assert_int_equal(cav_msense_theory(&p, &res, NULL), CAV_OK);
        assert_true(res.mmse == 0 && res.q == 1);
        assert_non_null(strstr(res.msg, "perfect recovery"));
        double mn;
        assert_int_equal(cav_msense_alpha_mnne(&p, &mn, NULL), CAV_OK);
        printf("beta %g rho %g: alpha_pr %.6f alpha_mnne %.6f\n", b, r, apr, mn);
        assert_true(mn > apr && mn <= 1);
    }
}

static void test_ridge(void **s)
{
    (void)s;
    const double as[] = {0.1, 0.3, 0.7, 1.5};
    for (int i = 0; i < 4; i++) {
        cav_msense_params p = {CAV_MSENSE_RECTANGULAR, as[i], 0, 1, 2, 0.3};
        assert_true(fabs(cav_msense_ridge(&p) - fmax(0, 1 - as[i])) < 1e-15);
        /* Bayes-optimal never worse than ridge */
        cav_msense_result r;
        assert_int_equal(cav_msense_theory(&p, &r, NULL), CAV_OK);
        assert_true(r.mmse <= r.mse_ridge + 1e-12);
        assert_true(fabs(r.mse_ridge - (1 - as[i] > 0 ? 1 - as[i] : 0)) < 1e-15);
    }
    /* noisy ridge solves E^2 + E (D + g - 1) - D = 0 */
    cav_msense_params p = {CAV_MSENSE_RECTANGULAR, 0.4, 0.3, 1, 1, 0.5};
    double e = cav_msense_ridge(&p);
    assert_true(fabs(e * e + e * (0.3 + 0.4 - 1) - 0.3) < 1e-14);
}

/* mmse_norm starts at 1 for both shapes and decreases */
static void test_normalisation(void **s)
{
    (void)s;
    cav_msense_params sym = {CAV_MSENSE_SYMMETRIC, 1e-4, 0.1, 0.5, 1, 1};
    cav_msense_params rect = {CAV_MSENSE_RECTANGULAR, 1e-4, 0.1, 1, 2, 0.3};
    cav_msense_result a, b;
    assert_int_equal(cav_msense_theory(&sym, &a, NULL), CAV_OK);
    assert_int_equal(cav_msense_theory(&rect, &b, NULL), CAV_OK);
    assert_true(fabs(a.mmse_norm - 1) < 1e-3 && fabs(b.mmse_norm - 1) < 1e-3);
    sym.alpha = 0.2, rect.alpha = 0.2;
    double a0 = a.mmse_norm, b0 = b.mmse_norm;
    assert_int_equal(cav_msense_theory(&sym, &a, NULL), CAV_OK);
    assert_int_equal(cav_msense_theory(&rect, &b, NULL), CAV_OK);
    assert_true(a.mmse_norm < a0 && b.mmse_norm < b0);
    assert_true(a.residual < 1e-10 && b.residual < 1e-10);
}

static void test_bad_input(void **s)
{
    (void)s;
    cav_err e = {0};
    cav_msense_result r;
    cav_msense_params p = {CAV_MSENSE_RECTANGULAR, 0.5, 0, 1, 2, 1.5};
    assert_int_equal(cav_msense_theory(&p, &r, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "rho"));
    p.rho = 0.5, p.beta = 0;
    assert_int_equal(cav_msense_theory(&p, &r, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "beta"));
    p.beta = 1, p.delta = -0.1;
    assert_int_equal(cav_msense_theory(&p, &r, &e), CAV_EINVAL);
    p.delta = 0, p.shape = (cav_msense_shape)5;
    assert_int_equal(cav_msense_theory(&p, &r, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "shape"));
    cav_msense_params q = {CAV_MSENSE_SYMMETRIC, 0.5, 0, 0, 1, 1};
    assert_int_equal(cav_msense_theory(&q, &r, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "kappa_star"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rect_perfect_recovery),
        cmocka_unit_test(test_ridge),
        cmocka_unit_test(test_normalisation),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
