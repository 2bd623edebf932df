/* RIE denoisers of cavity/spectral.h applied to sampled matrices: the empirical error
 * (1/d)||S_hat - S*||_F^2 (symmetric, d = 800) and (1/(L D))||S_hat - S*||_F^2 (rectangular,
 * 600 x 300) must match the asymptotic MMSE formulas within 3 standard errors of the mean over
 * seeds (family-wise over the comparisons: tests/models/zcrit.h), and shrinking the correction by
 * +-20% must do worse (the RIE is the optimum among these). 10 seeds each; about 8 s. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../models/zcrit.h"
#include "core/la.h"
#include "cavity/rng.h"
#include "cavity/spectral.h"

#define NSEED 10

/* One symmetric draw: errors of the RIE with the correction scaled by s = 1, 0.8, 1.2. */
static void sym_draw(int d, double kappa, double xi, uint64_t seed, double err[3])
{
    int m = (int)lround(kappa * d);
    double *W = malloc(sizeof(double) * (size_t)d * (size_t)m);
    double *S = calloc((size_t)d * (size_t)d, sizeof(double));
    double *Y = malloc(sizeof(double) * (size_t)d * (size_t)d);
    double *G = malloc(sizeof(double) * (size_t)d * (size_t)d);
    double *ev = malloc(sizeof(double) * (size_t)d);
    double *B = malloc(sizeof(double) * (size_t)d * (size_t)d);
    cav_rng_normal_matrix(seed, 1, (size_t)d, (size_t)m, 1.0, W);
    cav_rng_normal_matrix(seed, 2, (size_t)d, (size_t)d, 1.0, G);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, d, m, 1.0 / m, W, m, 0.0, S, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < i; j++)
            S[i * d + j] = S[j * d + i];
    /* GOE with semicircle on [-2, 2]: (G + G^T)/sqrt(2d) */
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            Y[i * d + j] = S[i * d + j] + sqrt(xi) * (G[i * d + j] + G[j * d + i]) / sqrt(2.0 * d);
    LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', d, Y, d, ev);
    cav_spectral_mpsc D;
    cav_spectral_mpsc_init(&D, kappa, xi, NULL);
    double *H = malloc(sizeof(double) * (size_t)d);
    for (int i = 0; i < d; i++)
        cav_spectral_mpsc_eval(&D, ev[i], NULL, &H[i]);
    const double sc[3] = {1.0, 0.8, 1.2};
    for (int k = 0; k < 3; k++) {
        /* S_hat = U diag(f) U^T, f = x - 2 s xi H */
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                B[i * d + j] = Y[i * d + j] * (ev[j] - 2 * sc[k] * xi * H[j]);
        double *Sh = G; /* reuse */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, d, 1.0, B, d, Y, d, 0.0, Sh, d);
        double e = 0;
        for (size_t i = 0; i < (size_t)d * (size_t)d; i++)
            e += (Sh[i] - S[i]) * (Sh[i] - S[i]);
        err[k] = e / d;
    }
    free(W), free(S), free(Y), free(G), free(ev), free(B), free(H);
}

static void rect_draw(int L, int D, double rho, double noise, uint64_t seed, double err[3])
{
    int r = (int)lround(rho * (L < D ? L : D)), mn = L < D ? L : D;
    double *U = malloc(sizeof(double) * (size_t)L * (size_t)r);
    double *V = malloc(sizeof(double) * (size_t)r * (size_t)D);
    double *S = malloc(sizeof(double) * (size_t)L * (size_t)D);
    double *Y = malloc(sizeof(double) * (size_t)L * (size_t)D);
    double *Uy = malloc(sizeof(double) * (size_t)L * (size_t)mn);
    double *Vt = malloc(sizeof(double) * (size_t)mn * (size_t)D);
    double *sv = malloc(sizeof(double) * (size_t)mn);
    double *B = malloc(sizeof(double) * (size_t)L * (size_t)mn);
    cav_rng_normal_matrix(seed, 11, (size_t)L, (size_t)r, 1.0, U);
    cav_rng_normal_matrix(seed, 12, (size_t)r, (size_t)D, 1.0, V);
    cav_rng_normal_matrix(seed, 13, (size_t)L, (size_t)D, 1.0, Y);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, D, r, 1.0 / sqrt(r), U, r, V, D, 0.0,
                S, D);
    double sc4 = pow((double)L * D, 0.25);
    for (size_t i = 0; i < (size_t)L * (size_t)D; i++)
        Y[i] = (S[i] + sqrt(noise) * Y[i]) / sc4;
    LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', L, D, Y, D, sv, Uy, mn, Vt, D);
    cav_spectral_rect R;
    cav_spectral_rect_init(&R, (double)L / D, rho, noise, NULL);
    double R1 = R.R1;
    const double sc[3] = {1.0, 0.8, 1.2};
    for (int k = 0; k < 3; k++) {
        for (int j = 0; j < mn; j++) {
            double f = cav_spectral_rect_rie(&R, sv[j]);
            double corr = sv[j] - f; /* = noise R1^{-1/2}((R1-1)/s + 2H) */
            (void)R1;
            f = sv[j] - sc[k] * corr;
            for (int i = 0; i < L; i++)
                B[i * mn + j] = Uy[i * mn + j] * f;
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, D, mn, sc4, B, mn, Vt, D, 0.0, Y,
                    D);
        double e = 0;
        for (size_t i = 0; i < (size_t)L * (size_t)D; i++)
            e += (Y[i] - S[i]) * (Y[i] - S[i]);
        err[k] = e / ((double)L * D);
    }
    free(U), free(V), free(S), free(Y), free(Uy), free(Vt), free(sv), free(B);
}

static void check(const char *what, double theory, double e[NSEED][3], double zc)
{
    double m = 0, v = 0, worse[2] = {0, 0};
    for (int s = 0; s < NSEED; s++)
        m += e[s][0] / NSEED;
    for (int s = 0; s < NSEED; s++)
        v += (e[s][0] - m) * (e[s][0] - m) / (NSEED - 1);
    for (int s = 0; s < NSEED; s++)
        worse[0] += (e[s][1] - e[s][0]) / NSEED, worse[1] += (e[s][2] - e[s][0]) / NSEED;
    double se = sqrt(v / NSEED), z = (m - theory) / se;
    printf("%s: empirical %.6f +- %.6f, theory %.6f (z = %.2f); +-20%% shrinkage costs %.2e, "
           "%.2e\n",
           what, m, se, theory, z, worse[0], worse[1]);
    if (!(fabs(z) < zc)) fail_msg("%s: |z| = %.2f > %.2f", what, fabs(z), zc);
    assert_true(worse[0] > 0 && worse[1] > 0);
}

static void test_rie_sampled(void **st)
{
    (void)st;
    double zc = test_zcrit(4), e[NSEED][3], mm;
    const double sym[2][2] = {{0.5, 0.1}, {2.0, 0.5}};
    for (int c = 0; c < 2; c++) {
        for (int s = 0; s < NSEED; s++)
            sym_draw(800, sym[c][0], sym[c][1], 100 + (uint64_t)s, e[s]);
        assert_int_equal(cav_spectral_rie_mmse(sym[c][0], sym[c][1], &mm, NULL), CAV_OK);
        char name[64];
        snprintf(name, sizeof name, "symmetric kappa* %g xi %g", sym[c][0], sym[c][1]);
        check(name, mm, e, zc);
    }
    const double rect[2][3] = {{600, 300, 0.3}, {400, 400, 0.5}};
    for (int c = 0; c < 2; c++) {
        for (int s = 0; s < NSEED; s++)
            rect_draw((int)rect[c][0], (int)rect[c][1], rect[c][2], 0.2, 200 + (uint64_t)s, e[s]);
        assert_int_equal(
            cav_spectral_rect_mmse(rect[c][0] / rect[c][1], rect[c][2], 0.2, &mm, NULL), CAV_OK);
        char name[64];
        snprintf(name, sizeof name, "rectangular %gx%g rho %g", rect[c][0], rect[c][1], rect[c][2]);
        check(name, mm, e, zc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rie_sampled)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
