/* sim/gemv.c — the matrix-vector kernels of the simulations (GD, GAMP, ERM): X w, X^T g and the
 * fused pass that does both while reading X once, bitwise the same for any number of threads.
 *
 * Why our own: OpenBLAS's dgemv splits its work by the thread count, and its kernels sum a
 * block of columns and the leftover columns in different orders, so the last bits of X w and
 * X^T g change with OPENBLAS_NUM_THREADS; a seed would then not reproduce its result.
 *
 * Fixed order:
 *   - X w: each entry is one dot product over its full row (dot4: four rows per sweep over w,
 *     one accumulator per row, SIMD lanes fixed at compile time), so the entry does not depend
 *     on which rows share the sweep or on the thread that runs it;
 *   - X^T g: the rows are cut into SIM_GEMV_T_CHUNKS chunks fixed by n; chunk k accumulates its
 *     rows in groups of four from its first row (axpy4, then single rows) into work[k d ..],
 *     and the partials are added in chunk order.
 * A GD step needs both products with a pointwise map in between (g_mu = l'(y_mu, h_mu)); since
 * the map is pointwise, the fused pass computes, for a block of SIM_FUSED_ROWS rows of a chunk,
 * their fields h (dot4), calls the map on the block, and adds the block's rows into the chunk's
 * partial (axpy4) while they are still in cache: X is read from memory once per gradient
 * instead of twice, and every rounding step is that of sim_gemv_n followed by sim_gemv_t. The
 * row kernels are shared (not inlined) so that both paths run the same machine code. Chunks and
 * row groups are handed out dynamically: which thread computes one does not change its bits,
 * and on a loaded machine a descheduled thread then holds up at most one chunk. */
#include <stddef.h>

#include "sim/gd/gd_internal.h"

#define SIM_FUSED_ROWS 16 /* rows per block of the fused pass (a multiple of 4) */

/* s[r] = x_r . w for the four rows x0..x3 (rows may repeat). */
__attribute__((noinline)) static void dot4(size_t d, const double *x0, const double *x1,
                                           const double *x2, const double *x3, const double *w,
                                           double *s)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
    for (size_t j = 0; j < d; j++) {
        double wj = w[j];
        s0 += x0[j] * wj;
        s1 += x1[j] * wj;
        s2 += x2[j] * wj;
        s3 += x3[j] * wj;
    }
    s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
}

/* acc += (g0 x0 + g1 x1) + (g2 x2 + g3 x3), x0..x3 consecutive rows of X from x. */
__attribute__((noinline)) static void axpy4(size_t d, const double *x, const double *g, double *acc)
{
    const double *x0 = x, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
    double g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3];
#pragma omp simd
    for (size_t j = 0; j < d; j++)
        acc[j] += (g0 * x0[j] + g1 * x1[j]) + (g2 * x2[j] + g3 * x3[j]);
}

__attribute__((noinline)) static void axpy1(size_t d, const double *x0, double g0, double *acc)
{
#pragma omp simd
    for (size_t j = 0; j < d; j++)
        acc[j] += g0 * x0[j];
}

/* h[i0 .. i0+cnt) <- beta h + alpha X w for cnt <= 4 rows from row i0. */
static void rows_n(size_t i0, size_t cnt, size_t d, double alpha, const double *X, const double *w,
                   double beta, double *h)
{
    const double *x0 = X + i0 * d;
    const double *x1 = cnt > 1 ? x0 + d : x0, *x2 = cnt > 2 ? x0 + 2 * d : x0;
    const double *x3 = cnt > 3 ? x0 + 3 * d : x0;
    double s[4];
    dot4(d, x0, x1, x2, x3, w, s);
    for (size_t r = 0; r < cnt; r++)
        h[i0 + r] = beta == 0.0 ? alpha * s[r] : beta * h[i0 + r] + alpha * s[r];
}

/* acc += sum of g_i x_i over rows [i, i1), in groups of four from i, then single rows. */
static void rows_t(size_t i, size_t i1, size_t d, const double *X, const double *g, double *acc)
{
    for (; i + 4 <= i1; i += 4)
        axpy4(d, X + i * d, g + i, acc);
    for (; i < i1; i++)
        axpy1(d, X + i * d, g[i], acc);
}

static void chunk_of(size_t n, long k, size_t *i0, size_t *i1)
{
    const size_t rows = (n + SIM_GEMV_T_CHUNKS - 1) / SIM_GEMV_T_CHUNKS;
    size_t a = (size_t)k * rows, b = a + rows;
    *i0 = a < n ? a : n;
    *i1 = b < n ? b : n;
}

void sim_gemv_t_reduce(size_t n, size_t d, double alpha, double beta, double *v, const double *work)
{
    /* 16 d additions: threads only for very long rows (below that a parallel region costs more
     * than the sum, and on a loaded machine every region is a scheduling hazard) */
    (void)n;
#pragma omp parallel for schedule(static) if (d > 65536)
    for (long j = 0; j < (long)d; j++) {
        double s = 0.0;
        for (size_t k = 0; k < SIM_GEMV_T_CHUNKS; k++)
            s += work[k * d + (size_t)j];
        v[j] = beta == 0.0 ? alpha * s : beta * v[j] + alpha * s;
    }
}

void sim_gemv_t(size_t n, size_t d, double alpha, const double *X, const double *g, double beta,
                double *v, double *work)
{
#pragma omp parallel for schedule(dynamic, 1) if (n * d > 100000)
    for (long k = 0; k < (long)SIM_GEMV_T_CHUNKS; k++) {
        double *acc = work + (size_t)k * d;
        size_t i0, i1;
        chunk_of(n, k, &i0, &i1);
        for (size_t j = 0; j < d; j++)
            acc[j] = 0.0;
        rows_t(i0, i1, d, X, g, acc);
    }
    sim_gemv_t_reduce(n, d, alpha, beta, v, work);
}

void sim_gemv_n(size_t n, size_t d, double alpha, const double *X, const double *w, double beta,
                double *h)
{
    const long nb = (long)(n / 4);
#pragma omp parallel for schedule(dynamic, 64) if (n * d > 100000)
    for (long b = 0; b <= nb; b++) {
        size_t i0 = 4 * (size_t)b, cnt = n - i0 < 4 ? n - i0 : 4;
        if (cnt > 0) rows_n(i0, cnt, d, alpha, X, w, beta, h);
    }
}

void sim_gemv_fused(size_t n, size_t d, const double *X, double an, const double *w, double bn,
                    double *h, sim_rowfn fn, void *ctx, double *g, double *work)
{
#pragma omp parallel for schedule(dynamic, 1) if (n * d > 100000)
    for (long k = 0; k < (long)SIM_GEMV_T_CHUNKS; k++) {
        double *acc = work + (size_t)k * d;
        size_t i0, i1;
        chunk_of(n, k, &i0, &i1);
        for (size_t j = 0; j < d; j++)
            acc[j] = 0.0;
        for (size_t i = i0; i < i1; i += SIM_FUSED_ROWS) {
            size_t m = i1 - i < SIM_FUSED_ROWS ? i1 - i : SIM_FUSED_ROWS;
            for (size_t r = 0; r < m; r += 4)
                rows_n(i + r, m - r < 4 ? m - r : 4, d, an, X, w, bn, h);
            fn(ctx, i, m, h + i, g + i);
            rows_t(i, i + m, d, X, g, acc);
        }
    }
}
