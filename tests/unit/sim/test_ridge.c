/* Square-loss ERM (src/sim/erm/ridge.c): closed form against an independent Gauss-Jordan solve of the
 * normal equations (A^T A + lambda I) w = A^T y, A = X/sqrt(d), in both shapes (d < n uses the
 * primal code path, d > n the dual one, so each is checked against the other form); the
 * minimum-norm interpolator at lambda = 0, n < d: A w = y and w in the row space of A; OLS at
 * lambda = 0, n > d: normal equations A^T (A w - y) = 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cavity/sim.h"
#include "simtest.h"

/* Reference ridge via the primal normal equations with Gauss-Jordan. */
static void ref_ridge(size_t n, size_t d, const double *X, const double *y, double lambda,
                      double *w)
{
    double *M = calloc(d * d, sizeof *M);
    for (size_t a = 0; a < d; a++) {
        for (size_t b = 0; b < d; b++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += X[i * d + a] * X[i * d + b];
            M[a * d + b] = s / (double)d + (a == b ? lambda : 0.0);
        }
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += X[i * d + a] * y[i];
        w[a] = s / sqrt((double)d);
    }
    assert_int_equal(gauss_solve(d, M, w), 0);
    free(M);
}

static void check_shape(size_t n, size_t d, double lambda)
{
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w), *wr = malloc(d * sizeof *wr);
    cav_rng_normal_matrix(7, 1, n, d, 1.0, X);
    cav_rng r;
    cav_rng_init(&r, 7, 2, 0);
    cav_rng_normal_fill(&r, n, 1.0, y);
    cav_sim_fit fit;
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_ridge(n, d, X, y, lambda, w, &fit, &err), CAV_OK);
    ref_ridge(n, d, X, y, lambda, wr);
    double dw = maxabsdiff(d, w, wr) / maxabs(d, wr);
    assert_true(dw < 1e-10);
    assert_true(fit.residual < 1e-10);
    free(X), free(y), free(w), free(wr);
}

static void test_ridge_primal_shape(void **state)
{
    (void)state;
    check_shape(120, 40, 0.3); /* d < n: primal Cholesky */
}

static void test_ridge_dual_shape(void **state)
{
    (void)state;
    check_shape(40, 120, 0.3); /* d > n: dual Cholesky, reference is the primal form */
}

static void test_min_norm_interpolator(void **state)
{
    (void)state;
    size_t n = 50, d = 150;
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w), *h = malloc(n * sizeof *h), *wl = malloc(d * sizeof *wl);
    cav_rng_normal_matrix(3, 1, n, d, 1.0, X);
    for (size_t i = 0; i < n; i++)
        y[i] = (i % 3) ? 1.0 : -1.0;
    cav_sim_fit fit;
    assert_int_equal(cav_sim_ridge(n, d, X, y, 0.0, w, &fit, NULL), CAV_OK);
    field(n, d, X, w, h);
    assert_true(maxabsdiff(n, h, y) < 1e-10); /* interpolates */
    /* Minimum norm <=> limit of ridge as lambda -> 0+: |w - w_ridge(1e-9)| = O(1e-9). */
    assert_int_equal(cav_sim_ridge(n, d, X, y, 1e-9, wl, NULL, NULL), CAV_OK);
    assert_true(maxabsdiff(d, w, wl) < 1e-6);
    /* w = sqrt(d) X^T (X X^T)^{-1} y with an independent solve. */
    double *G = malloc(n * n * sizeof *G), *c = malloc(n * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i] = y[i];
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++)
                s += X[i * d + k] * X[j * d + k];
            G[i * n + j] = s;
        }
    }
    assert_int_equal(gauss_solve(n, G, c), 0);
    double err = 0.0;
    for (size_t k = 0; k < d; k++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += X[i * d + k] * c[i];
        err = fmax(err, fabs(sqrt((double)d) * s - w[k]));
    }
    assert_true(err < 1e-9);
    free(X), free(y), free(w), free(h), free(wl), free(G), free(c);
}

static void test_ols(void **state)
{
    (void)state;
    check_shape(200, 30, 0.0);
}

static void test_bad_lambda(void **state)
{
    (void)state;
    double X[4] = {1, 0, 0, 1}, y[2] = {1, -1}, w[2];
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_ridge(2, 2, X, y, -1.0, w, NULL, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "lambda"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ridge_primal_shape), cmocka_unit_test(test_ridge_dual_shape),
        cmocka_unit_test(test_min_norm_interpolator), cmocka_unit_test(test_ols),
        cmocka_unit_test(test_bad_lambda)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
