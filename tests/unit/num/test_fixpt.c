/* Tests of num/fixpt.c (damped Picard with adaptive damping, Anderson acceleration) and
 * num/roots.c (Brent root and minimum).
 *
 * Maps and their fixed points (closed forms):
 *   F(x) = 3 - 2x: fixed point 1, |F'| = 2 (plain iteration diverges; damped slope 1 - 3a);
 *   F(x, y) = (cos y, 0.5 sin x + 0.3) -> contraction with fixed point found to 1e-14 by a long
 *   Picard run; used to compare the iteration counts of Picard and Anderson;
 *   F(x) = 4 + 1.5 (4 - x) (fixed point 4), refused outside [0, 8.5].
 * Roots: x^3 - 2x - 5 = 0 at 2.0945514815423265 (Newton's example), cos x = x at
 * 0.7390851332151607 (Dottie number), both to 16 digits (standard values).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/fixpt.h"
#include "cavity/roots.h"

static int map_lin(void *ctx, const double *x, double *fx, cav_err *err)
{
    (void)ctx;
    (void)err;
    fx[0] = 3.0 - 2.0 * x[0];
    return CAV_OK;
}

static void test_damping_rescues_divergent_map(void **state)
{
    (void)state;
    cav_fixpt *s = cav_fixpt_alloc(1);
    assert_non_null(s);
    cav_fixpt_opts o = cav_fixpt_opts_default();
    o.anderson_m = 0;
    double x0 = 0.0;
    assert_int_equal(cav_fixpt_set(s, map_lin, NULL, &x0, &o), CAV_OK);
    int st = cav_fixpt_solve(s, NULL, NULL);
    assert_int_equal(st, CAV_OK);
    assert_true(fabs(cav_fixpt_x(s)[0] - 1.0) < 1e-9);
    assert_true(cav_fixpt_residual(s) <= 1e-10);
    assert_true(cav_fixpt_damping(s) < 1.0);
    assert_true(cav_fixpt_iterations(s) > 0);
    assert_true(cav_fixpt_evaluations(s) >= cav_fixpt_iterations(s) + 1);
    assert_int_equal(cav_fixpt_error(s)->code, CAV_OK);
    /* with damping pinned to 1 it cannot converge */
    o.damping_min = 1.0;
    o.max_iter = 50;
    assert_int_equal(cav_fixpt_set(s, map_lin, NULL, &x0, &o), CAV_OK);
    st = cav_fixpt_solve(s, NULL, NULL);
    assert_true(st == CAV_EDIVERGE || st == CAV_EMAXITER);
    assert_true(cav_fixpt_residual(s) > 1e-3);
    /* Anderson solves the linear map in a couple of steps */
    o = cav_fixpt_opts_default();
    assert_int_equal(cav_fixpt_set(s, map_lin, NULL, &x0, &o), CAV_OK);
    assert_int_equal(cav_fixpt_solve(s, NULL, NULL), CAV_OK);
    assert_true(fabs(cav_fixpt_x(s)[0] - 1.0) < 1e-9);
    assert_true(cav_fixpt_iterations(s) <= 4);
    cav_fixpt_free(s);
}

/* A slowly contracting nonlinear 2-D map: x <- 0.95 x + 0.05 cos(y), y <- 0.9 y + 0.1 sin(x)+0.03
 * (Jacobian eigenvalues near 0.95: Picard needs hundreds of steps). */
static int map_nl(void *ctx, const double *x, double *fx, cav_err *err)
{
    (void)err;
    int *calls = ctx;
    (*calls)++;
    fx[0] = 0.95 * x[0] + 0.05 * cos(x[1]);
    fx[1] = 0.9 * x[1] + 0.1 * sin(x[0]) + 0.03;
    return CAV_OK;
}

static void test_anderson_beats_picard(void **state)
{
    (void)state;
    cav_fixpt *s = cav_fixpt_alloc(2);
    double x0[2] = {0.0, 0.0}, xp[2];
    int calls = 0;
    cav_fixpt_opts o = cav_fixpt_opts_default();
    o.tol = 1e-12;
    o.anderson_m = 0;
    assert_int_equal(cav_fixpt_set(s, map_nl, &calls, x0, &o), CAV_OK);
    assert_int_equal(cav_fixpt_solve(s, NULL, NULL), CAV_OK);
    size_t it_picard = cav_fixpt_iterations(s);
    xp[0] = cav_fixpt_x(s)[0];
    xp[1] = cav_fixpt_x(s)[1];
    /* it is a fixed point in the sense of the contract: |F(x) - x|_inf <= tol (1 + |x|_inf) */
    double f[2], xn = fmax(fabs(xp[0]), fabs(xp[1]));
    map_nl(&calls, xp, f, NULL);
    assert_true(fmax(fabs(f[0] - xp[0]), fabs(f[1] - xp[1])) <= 1e-12 * (1.0 + xn));
    o.anderson_m = 5;
    assert_int_equal(cav_fixpt_set(s, map_nl, &calls, x0, &o), CAV_OK);
    assert_int_equal(cav_fixpt_solve(s, NULL, NULL), CAV_OK);
    size_t it_and = cav_fixpt_iterations(s);
    assert_true(fabs(cav_fixpt_x(s)[0] - xp[0]) < 1e-10);
    assert_true(fabs(cav_fixpt_x(s)[1] - xp[1]) < 1e-10);
    assert_true(it_picard > 200);
    assert_true(5 * it_and < it_picard);
    assert_true(cav_fixpt_evaluations(s) < it_picard / 3);
    cav_fixpt_free(s);
}

static void test_maxiter(void **state)
{
    (void)state;
    cav_fixpt *s = cav_fixpt_alloc(2);
    double x0[2] = {0.0, 0.0};
    int calls = 0;
    cav_fixpt_opts o = cav_fixpt_opts_default();
    o.anderson_m = 0;
    o.max_iter = 10;
    assert_int_equal(cav_fixpt_set(s, map_nl, &calls, x0, &o), CAV_OK);
    assert_int_equal(cav_fixpt_solve(s, NULL, NULL), CAV_EMAXITER);
    assert_int_equal(cav_fixpt_iterations(s), 10);
    double r = cav_fixpt_residual(s);
    assert_true(r > o.tol && isfinite(r));
    assert_int_equal(cav_fixpt_test(s, o.tol), CAV_CONTINUE);
    assert_int_equal(cav_fixpt_error(s)->code, CAV_EMAXITER);
    assert_non_null(strstr(cav_fixpt_error(s)->msg, "not converged"));
    cav_fixpt_free(s);
}

/* F(x) = 4 + 1.5 (4 - x) (fixed point 4, slope -1.5), refused outside [0, 8.5]: from x0 = 0 the
 * full step goes to F(0) = 10, which the map refuses; halving the damping lands inside. */
static int map_refuse(void *ctx, const double *x, double *fx, cav_err *err)
{
    int *refused = ctx;
    if (x[0] < 0.0 || x[0] > 8.5) {
        (*refused)++;
        return cav_err_set(err, CAV_ENUMERIC, "x = %g outside [0, 8.5]", x[0]);
    }
    fx[0] = 4.0 + 1.5 * (4.0 - x[0]);
    return CAV_OK;
}

static void test_refusing_map(void **state)
{
    (void)state;
    cav_fixpt *s = cav_fixpt_alloc(1);
    int refused = 0;
    double x0 = 0.0; /* F(0) = 10: a full step leaves the domain */
    cav_fixpt_opts o = cav_fixpt_opts_default();
    o.anderson_m = 0;
    assert_int_equal(cav_fixpt_set(s, map_refuse, &refused, &x0, &o), CAV_OK);
    assert_int_equal(cav_fixpt_solve(s, NULL, NULL), CAV_OK);
    assert_true(refused > 0);
    assert_true(fabs(cav_fixpt_x(s)[0] - 4.0) < 1e-8);
    /* a start the map refuses is reported at set */
    x0 = -1.0;
    assert_int_equal(cav_fixpt_set(s, map_refuse, &refused, &x0, &o), CAV_ENUMERIC);
    assert_non_null(strstr(cav_fixpt_error(s)->msg, "outside"));
    assert_int_equal(cav_fixpt_iterate(s), CAV_EINVAL);
    cav_fixpt_free(s);
}

/* A map that refuses everything but its start point: the solver reports the map's status. */
static int map_only_start(void *ctx, const double *x, double *fx, cav_err *err)
{
    (void)ctx;
    if (x[0] != 0.0) return cav_err_set(err, CAV_ENUMERIC, "refused");
    fx[0] = 1.0;
    return CAV_OK;
}

static void test_refuse_all(void **state)
{
    (void)state;
    cav_fixpt *s = cav_fixpt_alloc(1);
    double x0 = 0.0;
    assert_int_equal(cav_fixpt_set(s, map_only_start, NULL, &x0, NULL), CAV_OK);
    assert_int_equal(cav_fixpt_solve(s, NULL, NULL), CAV_ENUMERIC);
    assert_true(cav_fixpt_damping(s) < 2e-4);
    assert_int_equal(cav_fixpt_iterations(s), 0);
    assert_true(cav_fixpt_x(s)[0] == 0.0); /* last accepted iterate */
    cav_fixpt_free(s);
}

static int stop_after_3(void *ctx, size_t iter, const double *x, double residual)
{
    (void)x;
    (void)residual;
    size_t *seen = ctx;
    *seen = iter;
    return iter >= 3;
}

static void test_observer_stop(void **state)
{
    (void)state;
    cav_fixpt *s = cav_fixpt_alloc(2);
    double x0[2] = {0.0, 0.0};
    int calls = 0;
    size_t seen = 0;
    assert_int_equal(cav_fixpt_set(s, map_nl, &calls, x0, NULL), CAV_OK);
    assert_int_equal(cav_fixpt_solve(s, stop_after_3, &seen), CAV_CONTINUE);
    assert_int_equal(seen, 3);
    assert_int_equal(cav_fixpt_iterations(s), 3);
    cav_fixpt_free(s);
    cav_fixpt_free(NULL);
    assert_null(cav_fixpt_alloc(0));
}

static void test_bad_opts(void **state)
{
    (void)state;
    cav_fixpt *s = cav_fixpt_alloc(1);
    double x0 = 0.0;
    cav_fixpt_opts o = cav_fixpt_opts_default();
    o.damping = 0.0;
    assert_int_equal(cav_fixpt_set(s, map_lin, NULL, &x0, &o), CAV_EINVAL);
    assert_non_null(strstr(cav_fixpt_error(s)->msg, "damping"));
    o = cav_fixpt_opts_default();
    o.tol = -1;
    assert_int_equal(cav_fixpt_set(s, map_lin, NULL, &x0, &o), CAV_EINVAL);
    cav_fixpt_free(s);
}

/* ---- roots ---- */

static double f_cubic(void *ctx, double x)
{
    int *n = ctx;
    (*n)++;
    return x * x * x - 2.0 * x - 5.0; /* Newton's classic: root 2.0945514815423265 */
}

static double f_cos(void *ctx, double x)
{
    (void)ctx;
    return cos(x) - x; /* Dottie number 0.7390851332151607 */
}

static double f_min(void *ctx, double x)
{
    (void)ctx;
    return (x - 1.3) * (x - 1.3) * (1.0 + 0.1 * x * x) + exp(-x); /* smooth, one minimum */
}

static double f_min_deriv(void *ctx, double x)
{
    (void)ctx;
    return 2.0 * (x - 1.3) * (1.0 + 0.1 * x * x) + (x - 1.3) * (x - 1.3) * 0.2 * x - exp(-x);
}

static double f_nan(void *ctx, double x)
{
    (void)ctx;
    return x > 0.5 ? NAN : x - 1.0;
}

static void test_roots(void **state)
{
    (void)state;
    int n = 0;
    double x;
    cav_err e = {0};
    assert_int_equal(cav_root_brent(f_cubic, &n, 2.0, 3.0, 0.0, 0, &x, &e), CAV_OK);
    assert_true(fabs(x - 2.0945514815423265) < 1e-15);
    assert_true(n < 15);
    assert_int_equal(cav_root_brent(f_cos, NULL, 0.0, 1.0, 0.0, 0, &x, &e), CAV_OK);
    assert_true(fabs(x - 0.7390851332151607) < 2e-16);
    assert_int_equal(cav_root_brent(f_cos, NULL, 1.0, 2.0, 0.0, 0, &x, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "sign"));
    assert_int_equal(cav_root_brent(f_nan, NULL, 0.0, 2.0, 0.0, 0, &x, &e), CAV_ENUMERIC);
    double a = 3.0, b = 3.5;
    assert_int_equal(cav_root_bracket(f_cos, NULL, &a, &b, 0, &e), CAV_OK);
    assert_true((f_cos(NULL, a) > 0) != (f_cos(NULL, b) > 0));
    /* minimum: where the derivative vanishes (root of f' by Brent as the reference) */
    double xm, fm, xr;
    assert_int_equal(cav_min_brent(f_min, NULL, -2.0, 5.0, 0.0, 0, &xm, &fm, &e), CAV_OK);
    assert_int_equal(cav_root_brent(f_min_deriv, NULL, 0.0, 3.0, 0.0, 0, &xr, &e), CAV_OK);
    assert_true(fabs(xm - xr) < 1e-7); /* sqrt(eps) accuracy of a minimiser */
    assert_true(fabs(fm - f_min(NULL, xr)) < 1e-14);
    assert_int_equal(cav_min_brent(f_min, NULL, 1.0, 1.0, 0.0, 0, &xm, &fm, &e), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damping_rescues_divergent_map),
        cmocka_unit_test(test_anderson_beats_picard),
        cmocka_unit_test(test_maxiter),
        cmocka_unit_test(test_refusing_map),
        cmocka_unit_test(test_refuse_all),
        cmocka_unit_test(test_observer_stop),
        cmocka_unit_test(test_bad_opts),
        cmocka_unit_test(test_roots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
