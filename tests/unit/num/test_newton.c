/* Newton's method for small systems (cavity/newton.h). References: closed-form roots. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cavity/newton.h"

/* G(x, y) = (x^2 + y^2 - 2, x - y): root (1, 1) from a start in the positive quadrant. */
static int circle(void *ctx, const double *y, double *g, double *r, cav_err *err)
{
    (void)ctx, (void)err;
    g[0] = y[0] * y[0] + y[1] * y[1] - 2;
    g[1] = y[0] - y[1];
    *r = fmax(fabs(g[0]), fabs(g[1]));
    return CAV_OK;
}

/* G(x) = atan(x): plain Newton from x = 2 overshoots and diverges; backtracking converges. */
static int arctan(void *ctx, const double *y, double *g, double *r, cav_err *err)
{
    (void)ctx, (void)err;
    g[0] = atan(y[0]);
    *r = fabs(g[0]);
    return CAV_OK;
}

/* G constant in y[1]: singular Jacobian. */
static int flat(void *ctx, const double *y, double *g, double *r, cav_err *err)
{
    (void)ctx, (void)err;
    g[0] = y[0] - 1;
    g[1] = 1;
    *r = fmax(fabs(g[0]), 1);
    return CAV_OK;
}

static void test_circle(void **s)
{
    (void)s;
    double y[2] = {2.0, 0.5};
    cav_newton_info info;
    assert_int_equal(cav_newton_solve(circle, NULL, 2, y, 1e-13, 50, &info, NULL), CAV_OK);
    assert_true(fabs(y[0] - 1) < 1e-12 && fabs(y[1] - 1) < 1e-12);
    assert_true(info.residual <= 1e-13);
    assert_true(info.iterations < 12); /* quadratic convergence */
}

static void test_backtracking(void **s)
{
    (void)s;
    double y[1] = {2.0};
    assert_int_equal(cav_newton_solve(arctan, NULL, 1, y, 1e-14, 60, NULL, NULL), CAV_OK);
    assert_true(fabs(y[0]) < 1e-14);
}

static void test_errors(void **s)
{
    (void)s;
    double y[2] = {0.0, 0.0};
    cav_err e = {0};
    assert_int_equal(cav_newton_solve(flat, NULL, 2, y, 1e-12, 10, NULL, &e), CAV_ENUMERIC);
    assert_int_equal(cav_newton_solve(flat, NULL, 0, y, 1e-12, 10, NULL, &e), CAV_EINVAL);
    assert_int_equal(cav_newton_solve(flat, NULL, CAV_NEWTON_MAXN + 1, y, 1e-12, 10, NULL, &e),
                     CAV_EINVAL);
    double z[2] = {2.0, 0.5};
    cav_newton_info info;
    assert_int_equal(cav_newton_solve(circle, NULL, 2, z, 1e-13, 1, &info, &e), CAV_EMAXITER);
    assert_true(info.residual > 1e-13 && info.iterations == 1);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_circle),
                                   cmocka_unit_test(test_backtracking),
                                   cmocka_unit_test(test_errors)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
