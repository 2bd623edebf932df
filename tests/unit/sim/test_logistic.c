/* Logistic ERM (src/sim/erm/logistic.c, lbfgs.c): stationarity of the returned w (gradient recomputed
 * here with plain loops), agreement with scikit-learn on a fixed data set (reference weights and
 * objective from tests/ref/sim/logistic_small.py, newton-cholesky at tol 1e-14, relative gradient
 * 1e-16), and agreement of the three methods (Newton-CG, Newton-Cholesky, L-BFGS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "cavity/sim.h"
#include "simtest.h"

typedef struct ref {
    size_t n, d;
    double lambda, J;
    double *X, *y, *w;
} ref;

static ref load(void)
{
    ref r = {0, 0, 0, 0, NULL, NULL, NULL};
    FILE *f = fopen(CAVITY_SOURCE_DIR "/tests/ref/sim/logistic_small.txt", "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%zu %zu %lf", &r.n, &r.d, &r.lambda), 3);
    r.X = malloc(r.n * r.d * sizeof *r.X);
    r.y = malloc(r.n * sizeof *r.y);
    r.w = malloc(r.d * sizeof *r.w);
    for (size_t i = 0; i < r.n; i++) {
        assert_int_equal(fscanf(f, "%lf", &r.y[i]), 1);
        for (size_t j = 0; j < r.d; j++)
            assert_int_equal(fscanf(f, "%lf", &r.X[i * r.d + j]), 1);
    }
    for (size_t j = 0; j < r.d; j++)
        assert_int_equal(fscanf(f, "%lf", &r.w[j]), 1);
    assert_int_equal(fscanf(f, "%lf", &r.J), 1);
    fclose(f);
    return r;
}

/* ||grad J(w)|| / ||grad J(0)|| with plain loops. */
static double relgrad(size_t n, size_t d, const double *X, const double *y, double lambda,
                      const double *w)
{
    double *h = malloc(n * sizeof *h);
    field(n, d, X, w, h);
    double g2 = 0.0, g02 = 0.0;
    for (size_t j = 0; j < d; j++) {
        double g = lambda * w[j], g0 = 0.0;
        for (size_t i = 0; i < n; i++) {
            double a = X[i * d + j] / sqrt((double)d);
            g += -y[i] / (1.0 + exp(y[i] * h[i])) * a;
            g0 += -y[i] * 0.5 * a;
        }
        g2 += g * g;
        g02 += g0 * g0;
    }
    free(h);
    return sqrt(g2 / g02);
}

static void test_matches_sklearn(void **state)
{
    (void)state;
    ref r = load();
    double *w = malloc(r.d * sizeof *w);
    int methods[3] = {CAV_SIM_NEWTON_CG, CAV_SIM_NEWTON_CHOL, CAV_SIM_LBFGS};
    for (int k = 0; k < 3; k++) {
        cav_sim_opts o = cav_sim_opts_default();
        o.method = methods[k];
        cav_sim_fit fit;
        cav_err err = {0, ""};
        assert_int_equal(cav_sim_logistic(r.n, r.d, r.X, r.y, r.lambda, &o, w, &fit, &err), CAV_OK);
        assert_true(fit.residual <= 1e-8);
        double g = relgrad(r.n, r.d, r.X, r.y, r.lambda, w);
        assert_true(g <= 1.5e-8);
        /* |w - w_sk| <= |H^{-1}| |grad| ~ 1e-8 / lambda_min(H) */
        double dw = maxabsdiff(r.d, w, r.w);
        assert_true(dw < 1e-6);
        assert_true(fabs(fit.objective - r.J) < 1e-10 * r.J);
    }
    free(r.X), free(r.y), free(r.w), free(w);
}

static void test_stationarity_raf(void **state)
{
    (void)state;
    size_t d = 150, n = 300;
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w), *w2 = malloc(d * sizeof *w2);
    assert_int_equal(cav_sim_teacher(11, 1, d, NULL, ws, NULL), CAV_OK);
    assert_int_equal(cav_sim_raf_data(11, 2, n, d, ws, 0.3, X, NULL, y, NULL, NULL), CAV_OK);
    double lambdas[2] = {1.0, 1e-3};
    for (int k = 0; k < 2; k++) {
        cav_sim_fit fit, fit2;
        assert_int_equal(cav_sim_logistic(n, d, X, y, lambdas[k], NULL, w, &fit, NULL), CAV_OK);
        assert_true(relgrad(n, d, X, y, lambdas[k], w) <= 1.5e-8);
        cav_sim_opts o = cav_sim_opts_default();
        o.method = CAV_SIM_NEWTON_CHOL;
        assert_int_equal(cav_sim_logistic(n, d, X, y, lambdas[k], &o, w2, &fit2, NULL), CAV_OK);
        assert_true(fabs(fit.objective - fit2.objective) <= 1e-12 * fit.objective);
        assert_true(fit.iterations < 50);
    }
    free(ws), free(X), free(y), free(w), free(w2);
}

static void test_lambda_zero_rejected(void **state)
{
    (void)state;
    double X[2] = {1, -1}, y[2] = {1, -1}, w[1];
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_logistic(2, 1, X, y, 0.0, NULL, w, NULL, &err), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_matches_sklearn),
                                       cmocka_unit_test(test_stationarity_raf),
                                       cmocka_unit_test(test_lambda_zero_rejected)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
