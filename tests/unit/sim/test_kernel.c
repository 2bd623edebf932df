/* Kernel learners (src/sim/erm/kernel.c) and random features (src/sim/erm/rf.c).
 * With g(t) = t (mu1 = 1, mustar = 0) the kernel is the linear kernel x.x'/d, so kernel ridge,
 * kernel SVM and kernel logistic must give the same predictor as their linear counterparts
 * (representer theorem: f = sum a_i k(x_i, .) = w.x/sqrt(d) with w = sum a_i x_i/sqrt(d)).
 * The Gram matrix against the El Karoui form mu1^2 XX^T/d + mustar^2 I. RF with the linear
 * activation (mu0 = 0) is linear ridge on the projected data B = X F^T/sqrt(d), solved here by
 * an independent Gauss-Jordan normal-equations solve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cavity/sim.h"
#include "simtest.h"

typedef struct data {
    size_t n, d, nt;
    double *X, *y, *Xt;
} data;

static data make(size_t n, size_t d, size_t nt, double eps, uint64_t seed)
{
    data D = {n,
              d,
              nt,
              malloc(n * d * sizeof(double)),
              malloc(n * sizeof(double)),
              malloc(nt * d * sizeof(double))};
    double *ws = malloc(d * sizeof *ws), *yt = malloc(nt * sizeof *yt);
    cav_sim_teacher(seed, 1, d, NULL, ws, NULL);
    cav_sim_raf_data(seed, 2, n, d, ws, eps, D.X, NULL, D.y, NULL, NULL);
    cav_sim_raf_data(seed, 3, nt, d, ws, 0.0, D.Xt, NULL, yt, NULL, NULL);
    free(ws), free(yt);
    return D;
}

static void release(data *D)
{
    free(D->X), free(D->y), free(D->Xt);
}

/* Compare the kernel predictor (coefficients a) with the linear one (weights w) on test points. */
static double pred_diff(const data *D, const double *a, const double *w)
{
    cav_sim_kernel lin = {1.0, 0.0};
    double *fk = malloc(D->nt * sizeof *fk), *fl = malloc(D->nt * sizeof *fl);
    assert_int_equal(cav_sim_kernel_predict(&lin, D->n, D->d, D->X, a, D->nt, D->Xt, fk, NULL),
                     CAV_OK);
    field(D->nt, D->d, D->Xt, w, fl);
    double r = maxabsdiff(D->nt, fk, fl) / maxabs(D->nt, fl);
    free(fk), free(fl);
    return r;
}

static void test_linear_kernel_equals_linear(void **state)
{
    (void)state;
    data D = make(90, 60, 700, 0.2, 21); /* nt = 700 > 512 exercises predict's blocking */
    cav_sim_kernel lin = {1.0, 0.0};
    double *K = malloc(D.n * D.n * sizeof *K), *a = malloc(D.n * sizeof *a),
           *w = malloc(D.d * sizeof *w);
    assert_int_equal(cav_sim_kernel_gram(&lin, D.n, D.d, D.X, K, NULL), CAV_OK);
    const cav_loss_type *types[3] = {&cav_loss_square, &cav_loss_hinge, &cav_loss_logistic};
    double lambdas[3] = {0.2, 0.5, 0.3};
    for (int k = 0; k < 3; k++) {
        cav_loss loss = {types[k], {0, 0}};
        cav_sim_fit fk, fl;
        cav_err err = {0, ""};
        assert_int_equal(cav_sim_kernel_fit(&loss, D.n, K, D.y, lambdas[k], NULL, a, &fk, &err),
                         CAV_OK);
        assert_int_equal(cav_sim_erm(&loss, D.n, D.d, D.X, D.y, lambdas[k], NULL, w, &fl, &err),
                         CAV_OK);
        /* Same objective (||f||_H^2 = |w|^2) and same predictions. Ridge is exact; the iterative
         * ones agree to their stopping accuracy. */
        double tolp = k == 0 ? 1e-10 : 1e-5;
        assert_true(fabs(fk.objective - fl.objective) <= 1e-8 * fl.objective);
        assert_true(pred_diff(&D, a, w) < tolp);
    }
    /* Ridgeless: n > d so K (rank d) is singular: K^{-1} y must fail cleanly. */
    cav_loss sq = {&cav_loss_square, {0, 0}};
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_kernel_fit(&sq, D.n, K, D.y, 0.0, NULL, a, NULL, &err), CAV_ENUMERIC);
    free(K), free(a), free(w);
    release(&D);
}

static void test_gram_el_karoui(void **state)
{
    (void)state;
    data D = make(60, 300, 1, 0.0, 22);
    cav_sim_kernel k = {0.8, 0.6};
    double *K = malloc(D.n * D.n * sizeof *K);
    assert_int_equal(cav_sim_kernel_gram(&k, D.n, D.d, D.X, K, NULL), CAV_OK);
    double offmax = 0.0, diagdev = 0.0;
    for (size_t i = 0; i < D.n; i++)
        for (size_t j = 0; j < D.n; j++) {
            double t = 0.0;
            for (size_t l = 0; l < D.d; l++)
                t += D.X[i * D.d + l] * D.X[j * D.d + l];
            t /= (double)D.d;
            double ti = 0.0, tj = 0.0;
            for (size_t l = 0; l < D.d; l++) {
                ti += D.X[i * D.d + l] * D.X[i * D.d + l];
                tj += D.X[j * D.d + l] * D.X[j * D.d + l];
            }
            ti /= (double)D.d, tj /= (double)D.d;
            /* exact: mu1^2 t + mustar^2 c^3, c = t / sqrt(ti tj) the cosine, symmetric */
            double c = t / sqrt(ti * tj);
            assert_true(fabs(K[i * D.n + j] - (0.64 * t + 0.36 * c * c * c)) < 1e-12);
            if (i == j)
                diagdev = fmax(diagdev, fabs(K[i * D.n + i] - (0.64 * ti + 0.36)));
            else
                offmax = fmax(offmax, fabs(K[i * D.n + j] - 0.64 * t));
        }
    /* El Karoui: off-diagonal corrections O(d^{-3/2}) (c ~ d^{-1/2}); the diagonal is exactly
     * mu1^2 |x|^2/d + mustar^2 (the non-linear part sees the cosine, whose diagonal is 1). */
    /* Cosines of independent Gaussian vectors are ~ N(0, 1/d): over 1770 pairs all lie within
     * 6/sqrt(d), so the non-linear off-diagonal part is below mustar^2 (6/sqrt(d))^3. */
    assert_true(offmax < 0.36 * pow(6.0 / sqrt(300.0), 3));
    assert_true(diagdev < 1e-12);
    free(K);
    release(&D);
}

static void test_kernel_interpolates_and_hard_margin(void **state)
{
    (void)state;
    data D = make(150, 50, 1, 0.5, 23); /* n > d: linear can't fit facts, the kernel can */
    cav_sim_kernel k = {1.0, 0.7};
    double *K = malloc(D.n * D.n * sizeof *K), *a = malloc(D.n * sizeof *a),
           *f = malloc(D.n * sizeof *f);
    cav_sim_kernel_gram(&k, D.n, D.d, D.X, K, NULL);
    cav_loss sq = {&cav_loss_square, {0, 0}}, hi = {&cav_loss_hinge, {0, 0}};
    assert_int_equal(cav_sim_kernel_fit(&sq, D.n, K, D.y, 0.0, NULL, a, NULL, NULL), CAV_OK);
    for (size_t i = 0; i < D.n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < D.n; j++)
            s += K[i * D.n + j] * a[j];
        f[i] = s;
    }
    assert_true(maxabsdiff(D.n, f, D.y) < 1e-8);
    cav_sim_fit fit;
    assert_int_equal(cav_sim_kernel_fit(&hi, D.n, K, D.y, 0.0, NULL, a, &fit, NULL), CAV_OK);
    assert_int_equal(fit.separable, 1);
    double minm = INFINITY;
    for (size_t i = 0; i < D.n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < D.n; j++)
            s += K[i * D.n + j] * a[j];
        minm = fmin(minm, D.y[i] * s);
        assert_true(a[i] * D.y[i] >= 0.0); /* a = alpha o y, alpha >= 0 */
    }
    assert_true(minm >= 1.0 - 1e-6);
    free(K), free(a), free(f);
    release(&D);
}

static void test_rf_linear_activation(void **state)
{
    (void)state;
    data D = make(80, 40, 1, 0.2, 24);
    size_t p = 60;
    double lambda = 0.1;
    double *F = malloc(p * D.d * sizeof *F), *Z = malloc(D.n * p * sizeof *Z);
    double *a = malloc(p * sizeof *a), *B = malloc(D.n * p * sizeof *B);
    cav_rng_normal_matrix(24, 9, p, D.d, 1.0, F);
    assert_int_equal(cav_sim_rf_features(&cav_act_linear, p, D.d, F, D.n, D.X, Z, NULL), CAV_OK);
    for (size_t i = 0; i < D.n; i++)
        for (size_t j = 0; j < p; j++) {
            double s = 0.0;
            for (size_t l = 0; l < D.d; l++)
                s += D.X[i * D.d + l] * F[j * D.d + l];
            B[i * p + j] = s / sqrt((double)D.d);
        }
    assert_true(maxabsdiff(D.n * p, Z, B) < 1e-12); /* linear: mu0 = 0, z = F x/sqrt(d) */
    assert_int_equal(cav_sim_ridge(D.n, p, Z, D.y, lambda, a, NULL, NULL), CAV_OK);
    /* reference: (B^T B/p + lambda I) a = B^T y/sqrt(p) by Gauss-Jordan */
    double *M = malloc(p * p * sizeof *M), *r = malloc(p * sizeof *r);
    for (size_t u = 0; u < p; u++) {
        r[u] = 0.0;
        for (size_t i = 0; i < D.n; i++)
            r[u] += B[i * p + u] * D.y[i] / sqrt((double)p);
        for (size_t v = 0; v < p; v++) {
            double s = 0.0;
            for (size_t i = 0; i < D.n; i++)
                s += B[i * p + u] * B[i * p + v];
            M[u * p + v] = s / (double)p + (u == v ? lambda : 0.0);
        }
    }
    assert_int_equal(gauss_solve(p, M, r), 0);
    assert_true(maxabsdiff(p, a, r) < 1e-10 * maxabs(p, r));
    /* centring (sanity check): relu features have mean ~ 0 after subtracting mu0 = 1/sqrt(2 pi);
     * given X the exact mean is mu0 (mean_i |x_i|/sqrt(d) - 1) = O(1/d), hence the 0.05 slack. */
    assert_int_equal(cav_sim_rf_features(&cav_act_relu, p, D.d, F, D.n, D.X, Z, NULL), CAV_OK);
    double mean = 0.0;
    for (size_t i = 0; i < D.n * p; i++)
        mean += Z[i];
    mean /= (double)(D.n * p);
    assert_true(fabs(mean) < 5.0 * 0.6 / sqrt((double)(D.n * p)) + 0.05);
    free(F), free(Z), free(a), free(B), free(M), free(r);
    release(&D);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_linear_kernel_equals_linear),
                                       cmocka_unit_test(test_gram_el_karoui),
                                       cmocka_unit_test(test_kernel_interpolates_and_hard_margin),
                                       cmocka_unit_test(test_rf_linear_activation)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
