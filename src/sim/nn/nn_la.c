/* sim/nn/nn_la.c — thread-count-invariant tiled products and Cholesky (see nn_la.h). */
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "sim/nn/nn_la.h"

int nn_blas_enter(void)
{
    int old = cav_la_set_threads(1);
    return old;
}

void nn_blas_leave(int saved)
{
    if (saved != 1) cav_la_set_threads(saved);
}

/* Tile length along a split dimension of length S for a product of `flops` multiply-adds: one
 * tile below ~4M flops or S < 512 (threads cost more than they bring), otherwise an even number
 * of tiles (2 to 8) of at least 256 rows or columns, a multiple of 8. Fewer, larger tiles keep
 * OpenBLAS's packing of the other operand (repeated per tile) negligible. Depends on the sizes
 * only, never on the thread count. */
static size_t tile_len(size_t S, double flops)
{
    if (flops < 4e6 || S < 512) return S;
    size_t T = S / 256;
    if (T > 8) T = 8;
    T &= ~(size_t)1;
    size_t len = (S + T - 1) / T;
    return (len + 7) / 8 * 8;
}

void nn_gemm(int ta, int tb, size_t M, size_t N, size_t K, double alpha, const double *A,
             size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    if (M == 0 || N == 0) return;
    if (K == 0) {
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                C[i * ldc + j] = beta == 0.0 ? 0.0 : beta * C[i * ldc + j];
        return;
    }
    const enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans;
    const enum CBLAS_TRANSPOSE TB = tb ? CblasTrans : CblasNoTrans;
    const double flops = (double)M * (double)N * (double)K;
    const int rows = M >= N; /* split the larger output dimension */
    const size_t S = rows ? M : N, len = tile_len(S, flops), T = (S + len - 1) / len;
#pragma omp parallel for schedule(dynamic, 1) if (T > 1)
    for (long t = 0; t < (long)T; t++) {
        size_t s0 = (size_t)t * len, s1 = s0 + len < S ? s0 + len : S, m = s1 - s0;
        if (rows) {
            const double *At = ta ? A + s0 : A + s0 * lda;
            cblas_dgemm(CblasRowMajor, TA, TB, (blasint)m, (blasint)N, (blasint)K, alpha, At,
                        (blasint)lda, B, (blasint)ldb, beta, C + s0 * ldc, (blasint)ldc);
        } else {
            const double *Bt = tb ? B + s0 * ldb : B + s0;
            cblas_dgemm(CblasRowMajor, TA, TB, (blasint)M, (blasint)m, (blasint)K, alpha, A,
                        (blasint)lda, Bt, (blasint)ldb, beta, C + s0, (blasint)ldc);
        }
    }
}

/* Blocked right-looking Cholesky, lower, row-major. Panel width NB; the trailing update is cut
 * into TB x TB tiles at absolute positions, one single-threaded dgemm/dsyrk per tile. */
#define CHOL_NB 128
#define CHOL_TB 256

int nn_potrf(size_t n, double *A)
{
    for (size_t k0 = 0; k0 < n; k0 += CHOL_NB) {
        const size_t b = k0 + CHOL_NB < n ? CHOL_NB : n - k0;
        double *D = A + k0 * n + k0;
        lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)b, D, (lapack_int)n);
        if (info > 0) return (int)(k0 + (size_t)info);
        if (info < 0) return (int)(k0 + 1);
        const size_t r0 = k0 + b;
        if (r0 >= n) break;
        const size_t m = n - r0, nt = (m + CHOL_TB - 1) / CHOL_TB;
        /* Panel: rows r0..n of columns k0..k0+b, P <- P L_kk^{-T}, one tile of rows each. */
#pragma omp parallel for schedule(dynamic, 1) if (nt > 1)
        for (long t = 0; t < (long)nt; t++) {
            size_t i0 = r0 + (size_t)t * CHOL_TB, mi = i0 + CHOL_TB < n ? CHOL_TB : n - i0;
            cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit,
                        (blasint)mi, (blasint)b, 1.0, D, (blasint)n, A + i0 * n + k0, (blasint)n);
        }
        /* Trailing update of the lower triangle: A_ij -= P_i P_j^T for tiles j <= i. */
        const long npairs = (long)(nt * (nt + 1) / 2);
#pragma omp parallel for schedule(dynamic, 1) if (npairs > 1)
        for (long q = 0; q < npairs; q++) {
            size_t ti = 0, rem = (size_t)q;
            while (rem > ti) {
                rem -= ti + 1;
                ti++;
            }
            size_t tj = rem;
            size_t i0 = r0 + ti * CHOL_TB, mi = i0 + CHOL_TB < n ? CHOL_TB : n - i0;
            size_t j0 = r0 + tj * CHOL_TB, mj = j0 + CHOL_TB < n ? CHOL_TB : n - j0;
            const double *Pi = A + i0 * n + k0, *Pj = A + j0 * n + k0;
            if (ti == tj)
                cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (blasint)mi, (blasint)b, -1.0,
                            Pi, (blasint)n, 1.0, A + i0 * n + i0, (blasint)n);
            else
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)mi, (blasint)mj,
                            (blasint)b, -1.0, Pi, (blasint)n, Pj, (blasint)n, 1.0, A + i0 * n + j0,
                            (blasint)n);
        }
    }
    return 0;
}

void nn_potrs(size_t n, size_t k, const double *L, double *B)
{
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)n,
                (blasint)k, 1.0, L, (blasint)n, B, (blasint)k);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (blasint)n,
                (blasint)k, 1.0, L, (blasint)n, B, (blasint)k);
}

void nn_colsum(size_t n, size_t m, double alpha, const double *G, size_t ldg, double beta,
               double *s)
{
    const size_t CB = 256, nb = (m + CB - 1) / CB;
#pragma omp parallel for schedule(static) if (n * m > 200000)
    for (long c = 0; c < (long)nb; c++) {
        size_t j0 = (size_t)c * CB, j1 = j0 + CB < m ? j0 + CB : m;
        double acc[256];
        for (size_t j = j0; j < j1; j++)
            acc[j - j0] = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double *g = G + i * ldg;
            for (size_t j = j0; j < j1; j++)
                acc[j - j0] += g[j];
        }
        for (size_t j = j0; j < j1; j++)
            s[j] = beta == 0.0 ? alpha * acc[j - j0] : beta * s[j] + alpha * acc[j - j0];
    }
}
