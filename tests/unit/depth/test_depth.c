/* tests/unit/depth/test_depth.c — hierarchical targets and the depth experiment
 * (cavity/depth.h; Dandi, Pesce, Zdeborová & Krzakala, arXiv:2502.13961).
 *
 *  - targets: W* has orthonormal rows (1e-12); with one linear feature h* = +-P(z), z = W* x, and
 *    P = He2/2 + He3/6 written out; f* = tanh(3 h*) exactly; MIGHT y = (g(h1) + g(h2))/sqrt 2;
 *    Monte Carlo mean and variance of h* (SIGHT, 4e4 samples) within 4 standard errors of 0 and
 *    Var P = 1/2 + 1/6 = 2/3; the deep tree with P(z) = z is a unit-norm linear form (additive,
 *    |v| = 1 to 1e-12), which checks the blocks and normalisations of every level;
 *  - overlap M_W: 1 for the rows of W*; for 4000 random rows its square within 4 standard errors
 *    of the exact mean m1/d (the squared projection of a uniform direction on an m1-dimensional
 *    subspace is Beta(m1/2, (d - m1)/2));
 *  - theory functions at the paper's values (eps1 = 1/2, k = 3, d = 64);
 *  - the kernel interpolation peak (ridge 1e-12, d = 12, 4 seeds): the test error at
 *    n = d(d+1)/2 + d + 1 = 91 (the dimension of the quadratic kernel's feature space) exceeds
 *    the one at the paper's n = d(d-1)/2 + d + 1 = 79 by more than e^1, and the one at 103;
 *  - the experiment at d = 64, one seed: M_W rises from near its random baseline sqrt(8/64) at
 *    kappa = 1.25 to above 0.7 at kappa = 1.75; the layer-wise 3-layer test MSE is above 0.95 of
 *    the null (zero-predictor) error at kappa = 1.25 and below 0.9 of it at kappa = 1.75, while
 *    the quadratic kernel's is still above 0.85 of it at kappa = 1.75 (its threshold is 2);
 *  - a whole run (all four learners, d = 24) is bit-identical with 1 and 3 threads;
 *  - bad input is rejected with CAV_EINVAL.
 * Run time about 10 s on an idle core.
 */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/depth.h"
#include "cavity/rng.h"

static void test_targets(void **state)
{
    (void)state;
    cav_depth_config c;
    cav_depth_config_default(&c);
    cav_depth_target *t = NULL;
    assert_int_equal(cav_depth_target_alloc(&c, &t, NULL), CAV_OK);
    size_t q;
    const double *W = cav_depth_target_wstar(t, &q);
    assert_int_equal(q, 8);
    double e = 0.0;
    for (size_t a = 0; a < q; a++)
        for (size_t b = 0; b < q; b++) {
            double s = 0.0;
            for (size_t j = 0; j < 64; j++)
                s += W[a * 64 + j] * W[b * 64 + j];
            e = fmax(e, fabs(s - (a == b)));
        }
    assert_true(e < 1e-12);
    /* moments of h* and f* = tanh(3 h*) */
    const size_t n = 40000;
    const double nd = (double)n;
    double *X = malloc(n * 64 * sizeof *X), *y = malloc(n * sizeof *y), *h = malloc(n * 8);
    cav_rng_normal_matrix(3, 1, n, 64, 1.0, X);
    cav_depth_target_eval(t, n, X, y, h);
    double m = 0, m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(y[i] == tanh(3.0 * h[i]));
        m += h[i] / nd;
        m2 += h[i] * h[i] / nd;
        m4 += h[i] * h[i] * h[i] * h[i] / nd;
    }
    double se1 = sqrt(m2 / nd), se2 = sqrt((m4 - m2 * m2) / nd);
    print_message("E h* = %.4f (se %.4f), E h*^2 = %.4f (se %.4f), Var P = 2/3\n", m, se1, m2, se2);
    assert_true(fabs(m) < 4 * se1);
    assert_true(fabs(m2 - 2.0 / 3.0) < 4 * se2);
    cav_depth_target_free(t);
    /* one linear feature (d = 4, eps1 = 0.01: floor(4^0.01) = 1): h* = a P(z) */
    c.d = 4;
    c.eps[0] = 0.01;
    assert_int_equal(cav_depth_target_alloc(&c, &t, NULL), CAV_OK);
    W = cav_depth_target_wstar(t, &q);
    assert_int_equal(q, 1);
    for (size_t i = 0; i < 50; i++) {
        double z = 0.0;
        for (int j = 0; j < 4; j++)
            z += W[j] * X[i * 4 + j];
        double P = (z * z - 1) / 2 + (z * z * z - 3 * z) / 6, hv, yv;
        cav_depth_target_eval(t, 1, X + i * 4, &yv, &hv);
        assert_true(fabs(fabs(hv) - fabs(P)) < 1e-12 * (1 + fabs(P)));
    }
    cav_depth_target_free(t);
    /* MIGHT, two branches */
    cav_depth_config_default(&c);
    c.branches = 2;
    assert_int_equal(cav_depth_target_alloc(&c, &t, NULL), CAV_OK);
    cav_depth_target_eval(t, 100, X, y, h);
    for (size_t i = 0; i < 100; i++)
        assert_true(fabs(y[i] - (tanh(3 * h[2 * i]) + tanh(3 * h[2 * i + 1])) / sqrt(2.0)) < 1e-15);
    W = cav_depth_target_wstar(t, &q);
    assert_int_equal(q, 16);
    /* deep tree, 2 levels (d = 256: m1 = 16, m2 = 4, blocks of 4). With P(z) = z every level is
     * linear with unit-norm Rademacher/sqrt(block) weights, so h* = v.x with |v| = 1: additive in
     * x and of variance exactly 1. */
    cav_depth_target_free(t);
    cav_depth_config_default(&c);
    c.levels = 2;
    c.d = 256;
    memset(c.pcoef, 0, sizeof c.pcoef);
    c.pcoef[1] = 1.0;
    double *X2 = malloc(3 * 256 * sizeof *X2), hh[3], yy[3];
    cav_rng_normal_matrix(4, 1, 2, 256, 1.0, X2);
    for (int j = 0; j < 256; j++)
        X2[512 + j] = X2[j] + X2[256 + j];
    assert_int_equal(cav_depth_target_alloc(&c, &t, NULL), CAV_OK);
    cav_depth_target_eval(t, 3, X2, yy, hh);
    assert_true(fabs(hh[2] - hh[0] - hh[1]) < 1e-12);
    double v = 0; /* |v|^2 from h*(e_j) */
    for (int j = 0; j < 256; j++) {
        double ej[256] = {0}, hj, yj;
        ej[j] = 1.0;
        cav_depth_target_eval(t, 1, ej, &yj, &hj);
        v += hj * hj;
    }
    assert_true(fabs(v - 1.0) < 1e-12);
    cav_depth_target_free(t);
    free(X), free(X2), free(y), free(h);
}

static void test_overlap(void **state)
{
    (void)state;
    cav_depth_config c;
    cav_depth_config_default(&c);
    cav_depth_target *t = NULL;
    assert_int_equal(cav_depth_target_alloc(&c, &t, NULL), CAV_OK);
    size_t q;
    const double *W = cav_depth_target_wstar(t, &q);
    assert_true(fabs(cav_depth_overlap_w(t, q, W) - 1.0) < 1e-12);
    const size_t p = 4000;
    double *R = malloc(p * 64 * sizeof *R);
    cav_rng_normal_matrix(5, 1, p, 64, 1.0, R);
    double mw = cav_depth_overlap_w(t, p, R);
    /* Beta(4, 28): mean 1/8, variance ab/((a+b)^2 (a+b+1)) */
    double var = 4.0 * 28.0 / (32.0 * 32.0 * 33.0), se = sqrt(var / (double)p);
    print_message("random rows: M_W^2 = %.4f, expected 0.125 (se %.4f)\n", mw * mw, se);
    assert_true(fabs(mw * mw - 0.125) < 4 * se);
    free(R);
    cav_depth_target_free(t);
}

static void test_theory(void **state)
{
    (void)state;
    cav_depth_config c;
    cav_depth_config_default(&c);
    assert_int_equal(cav_depth_degree(&c), 3);
    assert_true(cav_depth_kappa_w(&c) == 1.5);
    assert_true(cav_depth_kappa_three(&c) == 1.5);
    assert_true(cav_depth_kappa_two(&c, 4) == 2.0);
    assert_true(cav_depth_kappa_kernel(2) == 2.0);
    assert_true(cav_depth_kernel_features(64) == 2145.0);
    assert_true(cav_depth_kernel_peak_paper(64) == 2081.0);
    c.levels = 2;
    double k[4];
    assert_int_equal(cav_depth_kappa_levels(&c, k), 3);
    assert_true(k[0] == 1.5 && k[1] == 1.75 && k[2] == 0.75);
}

static double kernel_log_err(size_t d, size_t n)
{
    cav_depth_config c;
    cav_depth_config_default(&c);
    c.d = d;
    c.learners = CAV_DEPTH_KERNEL;
    c.lambda_kernel = 1e-12;
    c.n_test = 2000;
    c.kappa = log((double)n + 0.5) / log((double)d);
    double s = 0.0;
    for (uint64_t seed = 0; seed < 4; seed++) {
        c.seed = seed;
        cav_depth_result r;
        assert_int_equal(cav_depth_run(&c, &r, NULL), CAV_OK);
        assert_int_equal(r.n, n);
        s += log(r.mse_kernel / r.mse_null) / 4;
    }
    return s;
}

static void test_kernel_peak(void **state)
{
    (void)state;
    double e79 = kernel_log_err(12, 79), e91 = kernel_log_err(12, 91),
           e103 = kernel_log_err(12, 103);
    print_message("kernel d = 12: log(mse/null) at n = 79: %.2f, 91: %.2f, 103: %.2f\n", e79, e91,
                  e103);
    assert_true(e91 > e79 + 1.0);
    assert_true(e91 > e103);
}

static void test_experiment_d64(void **state)
{
    (void)state;
    cav_depth_config c;
    cav_depth_config_default(&c);
    c.seed = 1;
    cav_depth_result lo, hi;
    c.kappa = 1.25;
    c.learners = CAV_DEPTH_LAYERWISE;
    assert_int_equal(cav_depth_run(&c, &lo, NULL), CAV_OK);
    c.kappa = 1.75;
    c.learners = CAV_DEPTH_LAYERWISE | CAV_DEPTH_KERNEL;
    assert_int_equal(cav_depth_run(&c, &hi, NULL), CAV_OK);
    print_message("kappa 1.25: n %zu, layerwise %.3f (null %.3f), M_W %.3f (random %.3f), "
                  "M_h %.3f\n",
                  lo.n, lo.mse_layerwise, lo.mse_null, lo.mw_layerwise, lo.mw_random,
                  lo.mh_layerwise);
    print_message(
        "kappa 1.75: n %zu, layerwise %.3f, kernel %.3f (null %.3f), M_W %.3f, M_h %.3f\n", hi.n,
        hi.mse_layerwise, hi.mse_kernel, hi.mse_null, hi.mw_layerwise, hi.mh_layerwise);
    assert_true(fabs(lo.mw_random - sqrt(8.0 / 64.0)) < 1e-15);
    assert_true(lo.mw_layerwise < 1.4 * lo.mw_random);
    assert_true(hi.mw_layerwise > 0.7);
    assert_true(hi.mh_layerwise > 2 * lo.mh_layerwise);
    assert_true(lo.mse_layerwise > 0.95 * lo.mse_null);
    assert_true(hi.mse_layerwise < 0.9 * hi.mse_null);
    assert_true(hi.mse_kernel > 0.85 * hi.mse_null);
}

static void test_thread_invariance(void **state)
{
    (void)state;
    cav_depth_config c;
    cav_depth_config_default(&c);
    c.d = 24;
    c.kappa = 2.0;
    c.p1 = 200;
    c.p2 = 40;
    c.t_joint = 20;
    c.learners = CAV_DEPTH_ALL;
    cav_depth_result a, b;
    int old = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(cav_depth_run(&c, &a, NULL), CAV_OK);
    omp_set_num_threads(3);
    assert_int_equal(cav_depth_run(&c, &b, NULL), CAV_OK);
    omp_set_num_threads(old);
    assert_true(isfinite(a.mse_joint) && isfinite(a.mse_two_layer) && isfinite(a.mh_joint));
    assert_memory_equal(&a.mse_null, &b.mse_null, 11 * sizeof(double)); /* mse_null .. mh_joint */
}

static void test_bad_input(void **state)
{
    (void)state;
    cav_depth_config c;
    cav_err err = {0};
    cav_depth_result r;
    cav_depth_config_default(&c);
    c.eps[0] = 1.0;
    assert_int_equal(cav_depth_run(&c, &r, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "eps1"));
    assert_int_equal(r.status, CAV_EINVAL);
    cav_depth_config_default(&c);
    c.learners = 0;
    assert_int_equal(cav_depth_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "learners"));
    cav_depth_config_default(&c);
    c.lr1 = 0.0;
    assert_int_equal(cav_depth_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "lr1"));
    cav_depth_config_default(&c);
    c.branches = 9; /* 9 x 8 > 64 */
    assert_int_equal(cav_depth_check(&c, &err), CAV_EINVAL);
    cav_depth_config_default(&c);
    c.kappa = 0.1; /* n = 1 */
    assert_int_equal(cav_depth_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "kappa"));
    cav_depth_config_default(&c);
    c.levels = 2;
    c.eps[1] = 0.6;
    assert_int_equal(cav_depth_check(&c, &err), CAV_EINVAL);
    cav_depth_config_default(&c);
    memset(c.pcoef, 0, sizeof c.pcoef);
    assert_int_equal(cav_depth_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "constant"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targets),        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_theory),         cmocka_unit_test(test_kernel_peak),
        cmocka_unit_test(test_experiment_d64), cmocka_unit_test(test_thread_invariance),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
