/* Warm starts and thread invariance of the smooth-loss ERM solvers (src/sim/erm/logistic.c,
 * lbfgs.c, the fused pass of src/sim/gd/gemv.c):
 *  - cav_sim_logistic_warm from the solution at a neighbouring lambda (and along nested data
 *    sets of growing n, as a runner would along an alpha grid) reaches the same minimiser as a
 *    cold start (relative gradient <= tol for both; objectives equal to 1e-12) in fewer passes;
 *  - started at the minimiser it stops at once (0 iterations), with the same criterion
 *    ||grad J|| <= tol ||grad J(0)|| as from 0;
 *  - cav_sim_svm_warm from the dual point at a neighbouring lambda (scaled by lambda_old /
 *    lambda_new, as the bound variables move with C) reaches the same objective (both at
 *    duality gap <= 1e-8) in fewer epochs (71 -> 46; along nested data sets, alpha extended by
 *    zeros, it did not help dual CD: 71 -> 90);
 *  - every method and cav_sim_lbfgs_warm (smooth hinge) give the same bits with 1 and 2 OpenMP
 *    threads (the fused pass fixes every summation order). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <omp.h>

#include "cavity/sim.h"
#include "simtest.h"

enum { D = 300, N = 900 };

static void data(double *X, double *y)
{
    double ws[D];
    assert_int_equal(cav_sim_teacher(5, 1, D, NULL, ws, NULL), CAV_OK);
    assert_int_equal(cav_sim_raf_data(5, 2, N, D, ws, 0.2, X, NULL, y, NULL, NULL), CAV_OK);
}

static void test_warm_lambda_and_alpha(void **state)
{
    (void)state;
    double *X = malloc(N * D * sizeof *X), *y = malloc(N * sizeof *y);
    double w[D], wc[D];
    data(X, y);
    /* along lambda: 0.1 -> 0.05 */
    cav_sim_fit f0, fc, fw;
    assert_int_equal(cav_sim_logistic(N, D, X, y, 0.1, NULL, w, &f0, NULL), CAV_OK);
    assert_int_equal(cav_sim_logistic(N, D, X, y, 0.05, NULL, wc, &fc, NULL), CAV_OK);
    assert_int_equal(cav_sim_logistic_warm(N, D, X, y, 0.05, NULL, w, &fw, NULL), CAV_OK);
    printf("lambda 0.1 -> 0.05: cold %ld iterations, warm %ld; |J_w - J_c|/J = %.1e\n",
           fc.iterations, fw.iterations, fabs(fw.objective - fc.objective) / fc.objective);
    assert_true(fw.residual <= 1e-8 && fc.residual <= 1e-8);
    assert_true(fabs(fw.objective - fc.objective) <= 1e-12 * fc.objective);
    assert_true(fw.iterations < fc.iterations);
    /* along nested data sets (n = 600 -> 900, the first rows shared), lambda 0.05 */
    assert_int_equal(cav_sim_logistic(600, D, X, y, 0.05, NULL, w, &f0, NULL), CAV_OK);
    assert_int_equal(cav_sim_logistic_warm(N, D, X, y, 0.05, NULL, w, &fw, NULL), CAV_OK);
    printf("n 600 -> 900: cold %ld iterations, warm %ld\n", fc.iterations, fw.iterations);
    assert_true(fabs(fw.objective - fc.objective) <= 1e-12 * fc.objective);
    assert_true(fw.iterations <= fc.iterations);
    /* at the minimiser: nothing to do, and the same criterion as from 0 */
    memcpy(w, wc, sizeof w);
    assert_int_equal(cav_sim_logistic_warm(N, D, X, y, 0.05, NULL, w, &fw, NULL), CAV_OK);
    assert_int_equal(fw.iterations, 0);
    assert_true(fabs(fw.residual - fc.residual) <= 1e-3 * fc.residual);
    assert_true(maxabsdiff(D, w, wc) == 0.0);
    free(X), free(y);
}

static void test_svm_warm(void **state)
{
    (void)state;
    double *X = malloc(N * D * sizeof *X), *y = malloc(N * sizeof *y);
    double *al = calloc(N, sizeof *al), *alc = calloc(N, sizeof *alc), w[D];
    data(X, y);
    cav_sim_fit f0, fc, fw;
    assert_int_equal(cav_sim_svm(N, D, X, y, 0.1, NULL, w, al, &f0, NULL), CAV_OK);
    assert_int_equal(cav_sim_svm(N, D, X, y, 0.05, NULL, w, alc, &fc, NULL), CAV_OK);
    for (size_t i = 0; i < N; i++) /* the bound variables move with C = 1/lambda */
        al[i] *= 0.1 / 0.05;
    assert_int_equal(cav_sim_svm_warm(N, D, X, y, 0.05, NULL, w, al, &fw, NULL), CAV_OK);
    printf("svm lambda 0.1 -> 0.05: cold %ld epochs, warm %ld; |J_w - J_c|/J = %.1e\n",
           fc.iterations, fw.iterations, fabs(fw.objective - fc.objective) / fc.objective);
    assert_true(fw.residual <= 1e-8 && fc.residual <= 1e-8);
    assert_true(fabs(fw.objective - fc.objective) <= 2e-8 * fc.objective);
    assert_true(fw.iterations < fc.iterations);
    free(X), free(y), free(al), free(alc);
}

static void fit_all(const double *X, const double *y, double *out)
{
    const int methods[4] = {CAV_SIM_AUTO, CAV_SIM_NEWTON_CG, CAV_SIM_NEWTON_CHOL, CAV_SIM_LBFGS};
    for (int k = 0; k < 4; k++) {
        cav_sim_opts o = cav_sim_opts_default();
        o.method = methods[k];
        assert_int_equal(cav_sim_logistic(N, D, X, y, 0.02, &o, out + k * D, NULL, NULL), CAV_OK);
    }
    cav_loss sh = {&cav_loss_smooth_hinge, {0.5, 0}};
    memset(out + 4 * D, 0, D * sizeof *out);
    assert_int_equal(cav_sim_lbfgs_warm(&sh, N, D, X, y, 0.02, NULL, out + 4 * D, NULL, NULL),
                     CAV_OK);
}

static void test_thread_invariance(void **state)
{
    (void)state;
    double *X = malloc(N * D * sizeof *X), *y = malloc(N * sizeof *y);
    double *a = malloc(5 * D * sizeof *a), *b = malloc(5 * D * sizeof *b);
    data(X, y);
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    fit_all(X, y, a);
    omp_set_num_threads(2);
    fit_all(X, y, b);
    omp_set_num_threads(nt);
    /* Newton-Cholesky's dsyrk is OpenBLAS's: compare the others bit for bit */
    assert_memory_equal(a, b, 2 * D * sizeof *a);
    assert_memory_equal(a + 3 * D, b + 3 * D, 2 * D * sizeof *a);
    free(X), free(y), free(a), free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_warm_lambda_and_alpha),
                                       cmocka_unit_test(test_svm_warm),
                                       cmocka_unit_test(test_thread_invariance)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
