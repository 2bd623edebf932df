/* The saddle-point driver (cavity/saddle.h): the fixed point alone when it converges within its
 * cap, the Newton fallback (in log coordinates for positive components) when it does not, and
 * an honest status with the best point when no fixed point exists. References: closed forms. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/saddle.h"

/* F(x) = (x + 2/x)/2: Babylonian map, contracting, fixed point sqrt(2). */
static int babylon(void *ctx, const double *x, double *fx, cav_err *err)
{
    (void)ctx, (void)err;
    fx[0] = 0.5 * (x[0] + 2.0 / x[0]);
    return CAV_OK;
}

/* F(x) = 4/x: fixed point 2, F'(2) = -1, so the plain iteration cycles (x0 -> 4/x0 -> x0). */
static int cycle(void *ctx, const double *x, double *fx, cav_err *err)
{
    (void)ctx;
    if (!(x[0] > 0)) return cav_err_set(err, CAV_ENUMERIC, "x = %g <= 0", x[0]);
    fx[0] = 4.0 / x[0];
    return CAV_OK;
}

/* F(x) = x + 1 + x^2: no real fixed point (x^2 + 1 = 0). */
static int none(void *ctx, const double *x, double *fx, cav_err *err)
{
    (void)ctx, (void)err;
    fx[0] = x[0] + 1 + x[0] * x[0];
    return CAV_OK;
}

static void test_fixed_point_alone(void **s)
{
    (void)s;
    double x0 = 3, x;
    cav_saddle_result r;
    assert_int_equal(cav_saddle_solve(babylon, NULL, 1, &x0, &x, NULL, &r), CAV_OK);
    assert_true(fabs(x - sqrt(2.0)) < 1e-10);
    assert_int_equal(r.newton, 0);
    assert_true(r.residual <= cav_fixpt_opts_default().tol);
}

static void test_newton_fallback(void **s)
{
    (void)s;
    double x0 = 5, x;
    cav_saddle_opts o = cav_saddle_opts_default();
    o.fixpt_cap = 2; /* far too few for the fixed point */
    o.fixpt.anderson_m = 0;
    o.positive = 1u;
    cav_saddle_result r;
    assert_int_equal(cav_saddle_solve(cycle, NULL, 1, &x0, &x, &o, &r), CAV_OK);
    assert_int_equal(r.newton, 1);
    assert_true(fabs(x - 2.0) < 1e-9);
    assert_true(r.residual <= o.fixpt.tol);
    assert_true(strstr(r.msg, "Newton fallback") != NULL);
}

static void test_no_fixed_point(void **s)
{
    (void)s;
    double x0 = 0.5, x;
    cav_saddle_opts o = cav_saddle_opts_default();
    o.fixpt.max_iter = 50;
    cav_saddle_result r;
    int st = cav_saddle_solve(none, NULL, 1, &x0, &x, &o, &r);
    assert_true(st != CAV_OK);
    assert_true(isfinite(x));
    assert_true(r.residual > o.fixpt.tol && isfinite(r.residual));
    assert_true(r.msg[0] != '\0');
}

static void test_bad_size(void **s)
{
    (void)s;
    double x0[CAV_NEWTON_MAXN + 1] = {0}, x[CAV_NEWTON_MAXN + 1];
    cav_saddle_result r;
    assert_int_equal(cav_saddle_solve(babylon, NULL, CAV_NEWTON_MAXN + 1, x0, x, NULL, &r),
                     CAV_EINVAL);
    assert_true(strstr(r.msg, "n = ") != NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_point_alone),
        cmocka_unit_test(test_newton_fallback),
        cmocka_unit_test(test_no_fixed_point),
        cmocka_unit_test(test_bad_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
