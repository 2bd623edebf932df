/* Hinge ERM by dual coordinate descent (src/sim/erm/svm.c): KKT conditions of the box dual
 * (Hsieh et al. 2008: alpha = 0 => margin >= 1, 0 < alpha < C => margin = 1, alpha = C =>
 * margin <= 1), the duality gap recomputed here from w and alpha, the primal objective; the
 * hard-margin classifier on separable data (all margins >= 1, support vectors exactly at 1,
 * w = sum alpha y a); non-separable data reported as CAV_EDIVERGE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cavity/sim.h"
#include "simtest.h"

static void test_soft_margin_kkt(void **state)
{
    (void)state;
    size_t d = 100, n = 300;
    double lambda = 0.5, C = 1.0 / lambda;
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w), *al = malloc(n * sizeof *al), *h = malloc(n * sizeof *h);
    cav_sim_teacher(5, 1, d, NULL, ws, NULL);
    cav_sim_raf_data(5, 2, n, d, ws, 0.4, X, NULL, y, NULL, NULL);
    cav_sim_fit fit;
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_svm(n, d, X, y, lambda, NULL, w, al, &fit, &err), CAV_OK);
    assert_true(fit.residual <= 1e-8);
    field(n, d, X, w, h);
    double P = 0.0, sa = 0.0, ww = 0.0, kkt = 0.0;
    for (size_t j = 0; j < d; j++)
        ww += w[j] * w[j];
    for (size_t i = 0; i < n; i++) {
        double mg = y[i] * h[i];
        P += fmax(0.0, 1.0 - mg);
        sa += al[i];
        assert_true(al[i] >= 0.0 && al[i] <= C);
        if (al[i] == 0.0)
            kkt = fmax(kkt, 1.0 - mg);
        else if (al[i] == C)
            kkt = fmax(kkt, mg - 1.0);
        else
            kkt = fmax(kkt, fabs(mg - 1.0));
    }
    /* gap in the scaled form: (P/lambda + ||w||^2/2) - (sum alpha - ||w||^2/2) */
    double Pl = C * P + 0.5 * ww, D = sa - 0.5 * ww;
    assert_true((Pl - D) / Pl <= 1.01e-8);
    assert_true(kkt < 1e-3); /* KKT violation shrinks like sqrt(gap) */
    assert_true(fabs(fit.objective - (P + 0.5 * lambda * ww)) < 1e-9 * fit.objective);
    free(ws), free(X), free(y), free(w), free(al), free(h);
}

static void test_hard_margin_separable(void **state)
{
    (void)state;
    size_t d = 80, n = 120; /* rule labels only: separable by w* */
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w), *al = malloc(n * sizeof *al), *h = malloc(n * sizeof *h);
    cav_sim_teacher(9, 1, d, NULL, ws, NULL);
    cav_sim_raf_data(9, 2, n, d, ws, 0.0, X, NULL, y, NULL, NULL);
    cav_sim_fit fit;
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_svm(n, d, X, y, 0.0, NULL, w, al, &fit, &err), CAV_OK);
    assert_int_equal(fit.separable, 1);
    assert_true(fit.residual <= 1e-8);
    field(n, d, X, w, h);
    double minm = INFINITY, svdev = 0.0, sa = 0.0, ww = 0.0;
    for (size_t j = 0; j < d; j++)
        ww += w[j] * w[j];
    for (size_t i = 0; i < n; i++) {
        double mg = y[i] * h[i];
        minm = fmin(minm, mg);
        sa += al[i];
        if (al[i] > 1e-8 * maxabs(n, al)) svdev = fmax(svdev, fabs(mg - 1.0));
    }
    assert_true(minm >= 1.0 - 1e-6);
    assert_true(svdev < 1e-6);
    /* at the optimum of the hard-margin dual sum alpha = ||w||^2 */
    assert_true(fabs(sa - ww) < 1e-6 * ww);
    assert_true(fit.nsv > 0 && fit.nsv <= (long)n);
    free(ws), free(X), free(y), free(w), free(al), free(h);
}

static void test_hard_margin_nonseparable(void **state)
{
    (void)state;
    size_t d = 20, n = 120; /* random labels (eps = 1) at alpha = 6 > 2 (Cover): not separable */
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w);
    cav_sim_teacher(4, 1, d, NULL, ws, NULL);
    cav_sim_raf_data(4, 2, n, d, ws, 1.0, X, NULL, y, NULL, NULL);
    cav_sim_opts o = cav_sim_opts_default();
    o.C_max = 1e4;
    cav_sim_fit fit;
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_svm(n, d, X, y, 0.0, &o, w, NULL, &fit, &err), CAV_EDIVERGE);
    assert_int_equal(fit.separable, 0);
    assert_non_null(strstr(err.msg, "not separable"));
    free(ws), free(X), free(y), free(w);
}

/* A case that needed many epochs of plain dual CD (Rules-and-Facts, d = 200, n = 600, lambda =
 * 0.01: C = 100, eps = 0.4): the gap and the KKT conditions are recomputed here from X, y, w and
 * alpha only. Before the shrinking + free-set polish (src/sim/erm/svm.c) this took 5000+ epochs; a
 * budget of 500 epochs (max_iter = 25) must now suffice, and the polish makes the free support
 * vectors sit on the margin to rounding accuracy. Also: the same seed gives the same alpha. */
static void test_large_C_kkt(void **state)
{
    (void)state;
    size_t d = 200, n = 600;
    double lambda = 0.01, C = 1.0 / lambda;
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w), *al = malloc(n * sizeof *al), *h = malloc(n * sizeof *h);
    double *al2 = malloc(n * sizeof *al2), *w2 = malloc(d * sizeof *w2);
    cav_sim_teacher(11, 1, d, NULL, ws, NULL);
    cav_sim_raf_data(11, 2, n, d, ws, 0.4, X, NULL, y, NULL, NULL);
    cav_sim_opts o = cav_sim_opts_default();
    o.max_iter = 25;
    o.seed = 7;
    cav_sim_fit fit;
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_svm(n, d, X, y, lambda, &o, w, al, &fit, &err), CAV_OK);
    assert_true(fit.residual <= 1e-8);
    assert_true(fit.iterations <= 500);
    field(n, d, X, w, h);
    /* w = sum alpha_mu y_mu x_mu / sqrt(d) */
    double wdev = 0.0, wmax = maxabs(d, w);
    for (size_t j = 0; j < d; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += al[i] * y[i] * X[i * d + j];
        wdev = fmax(wdev, fabs(s / sqrt((double)d) - w[j]));
    }
    assert_true(wdev < 1e-10 * wmax);
    double P = 0.0, sa = 0.0, ww = 0.0, kkt = 0.0;
    long nsv = 0;
    for (size_t j = 0; j < d; j++)
        ww += w[j] * w[j];
    for (size_t i = 0; i < n; i++) {
        double mg = y[i] * h[i];
        P += fmax(0.0, 1.0 - mg);
        sa += al[i];
        nsv += al[i] > 0;
        assert_true(al[i] >= 0.0 && al[i] <= C);
        if (al[i] == 0.0)
            kkt = fmax(kkt, 1.0 - mg);
        else if (al[i] == C)
            kkt = fmax(kkt, mg - 1.0);
        else
            kkt = fmax(kkt, fabs(mg - 1.0));
    }
    double Pl = C * P + 0.5 * ww, D = sa - 0.5 * ww;
    assert_true((Pl - D) / Pl <= 1.01e-8);
    assert_true(kkt < 1e-6);
    assert_int_equal(nsv, fit.nsv);
    assert_true(fabs(fit.objective - (P + 0.5 * lambda * ww)) < 1e-9 * fit.objective);
    cav_sim_fit fit2;
    assert_int_equal(cav_sim_svm(n, d, X, y, lambda, &o, w2, al2, &fit2, &err), CAV_OK);
    assert_int_equal(fit2.iterations, fit.iterations);
    assert_true(maxabsdiff(n, al, al2) == 0.0);
    free(ws), free(X), free(y), free(w), free(al), free(h), free(al2), free(w2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soft_margin_kkt), cmocka_unit_test(test_hard_margin_separable),
        cmocka_unit_test(test_hard_margin_nonseparable), cmocka_unit_test(test_large_C_kkt)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
