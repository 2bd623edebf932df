/* sim/gemv.c — the matrix-vector kernels of the simulations (GD, GAMP, ERM): X w, X^T g and the
 * fused pass that does both while reading X once, bitwise the same for any number of threads.
 *
 * Why our own: OpenBLAS's dgemv splits its work by the thread count, and its kernels sum a
 * block of columns and the leftover columns in different orders, so the last bits of X w and
 * X^T g change with OPENBLAS_NUM_THREADS; a seed would then not reproduce its result.
 *
 * Fixed order:
 *   - X w: each entry is one dot product over its full row (dot4: four rows per sweep over w,
 *     two accumulators per row, even and odd columns, added at the end), so the entry does not
 *     depend on which rows share the sweep or on the thread that runs it;
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
 * and on a loaded machine a descheduled thread then holds up at most one chunk.
 *
 * Wide path (x86-64 with AVX2, chosen at run time): the same floating-point operations in the
 * same order, so the same bits on every CPU. In the baseline dot4 (two-double vectors), row r's
 * sum is (0 + E_r) + O_r, where E_r adds the products x_r[j] w[j] of the even j in order (with
 * the last one when d is odd) and O_r those of the odd j. dot8_wide
 * keeps exactly these two accumulators per row, two rows to a 256-bit register
 * [E_r O_r E_r+1 O_r+1], eight rows per sweep over w (eight independent add chains instead of
 * four, and half the instructions). The axpy kernels are elementwise (no reduction), so any
 * vector width gives the same bits; the file is compiled without contraction of a * b + c into
 * fused multiply-adds (-ffp-contract=off, and the wide kernels' target has no FMA), which
 * would change the rounding. tests/unit/sim/test_gemv.c runs both paths on the same inputs and
 * compares the bits. The fused pass also prefetches the next block's rows while it adds the
 * current block into the partial (the rows are then read from cache by the next dot sweep); a
 * prefetch changes no result. */
#include <stddef.h>
#include <string.h>

#include "sim/gd/gd_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define SIM_GEMV_X86 1
#include <immintrin.h>
#endif

#define SIM_FUSED_ROWS 16 /* rows per block of the fused pass (a multiple of 8) */

int sim_gemv_wide(void)
{
#ifdef SIM_GEMV_X86
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

/* Two doubles (GCC / clang vector extension: elementwise operations, SSE2 on x86-64, NEON on
 * arm64, scalar code elsewhere; lane 0 the even column, lane 1 the odd one). */
typedef double sim_v2d __attribute__((vector_size(16)));

static inline sim_v2d load2(const double *p)
{
    sim_v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* s[r] = x_r . w for the four rows x0..x3 (rows may repeat), in the documented order: an even-
 * and an odd-column accumulator per row, s = (0 + E) + O. (Written out rather than left to
 * `omp simd reduction`, whose lane layout is the compiler's choice: GCC's two-lane SSE2 code is
 * exactly this, clang's four-way interleaved one is not. Elementwise vector operations, no
 * reassociation: the same bits from any compiler.) */
__attribute__((noinline)) static void dot4(size_t d, const double *x0, const double *x1,
                                           const double *x2, const double *x3, const double *w,
                                           double *s)
{
    sim_v2d a0 = {0.0, 0.0}, a1 = a0, a2 = a0, a3 = a0;
    size_t j = 0;
    for (; j + 2 <= d; j += 2) {
        const sim_v2d wj = load2(w + j);
        a0 += load2(x0 + j) * wj;
        a1 += load2(x1 + j) * wj;
        a2 += load2(x2 + j) * wj;
        a3 += load2(x3 + j) * wj;
    }
    if (j < d) { /* odd d: the last (even) column joins the even lane */
        a0[0] += x0[j] * w[j], a1[0] += x1[j] * w[j];
        a2[0] += x2[j] * w[j], a3[0] += x3[j] * w[j];
    }
    s[0] = (0.0 + a0[0]) + a0[1], s[1] = (0.0 + a1[0]) + a1[1];
    s[2] = (0.0 + a2[0]) + a2[1], s[3] = (0.0 + a3[0]) + a3[1];
}

/* acc += (g0 x0 + g1 x1) + (g2 x2 + g3 x3), x0..x3 consecutive rows of X from x; when pf is
 * not NULL, the four rows from pf are prefetched along the way (one cache line per row and
 * eight columns). */
__attribute__((noinline)) static void axpy4(size_t d, const double *x, const double *g, double *acc,
                                            const double *pf)
{
    const double *x0 = x, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
    double g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3];
    size_t j0 = 0;
    if (pf)
        for (; j0 + 8 <= d; j0 += 8) {
            __builtin_prefetch(pf + j0, 0, 3);
            __builtin_prefetch(pf + d + j0, 0, 3);
            __builtin_prefetch(pf + 2 * d + j0, 0, 3);
            __builtin_prefetch(pf + 3 * d + j0, 0, 3);
#pragma omp simd
            for (size_t j = j0; j < j0 + 8; j++)
                acc[j] += (g0 * x0[j] + g1 * x1[j]) + (g2 * x2[j] + g3 * x3[j]);
        }
#pragma omp simd
    for (size_t j = j0; j < d; j++)
        acc[j] += (g0 * x0[j] + g1 * x1[j]) + (g2 * x2[j] + g3 * x3[j]);
}

#ifdef SIM_GEMV_X86
/* dot4's sums for the eight rows x, x + d, .., x + 7 d (see the file comment for the order). */
__attribute__((noinline, target("avx2"))) static void dot8_wide(size_t d, const double *x,
                                                                const double *w, double *s)
{
    const double *x0 = x, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d, *x4 = x3 + d, *x5 = x4 + d,
                 *x6 = x5 + d, *x7 = x6 + d;
    __m256d a01 = _mm256_setzero_pd(), a23 = a01, a45 = a01, a67 = a01;
    size_t j = 0;
#define SIM_PAIR(p, q)                                                                             \
    _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p + j)), _mm_loadu_pd(q + j), 1)
    for (; j + 2 <= d; j += 2) {
        __m256d wj = _mm256_broadcast_pd((const __m128d *)(const void *)(w + j));
        a01 = _mm256_add_pd(a01, _mm256_mul_pd(SIM_PAIR(x0, x1), wj));
        a23 = _mm256_add_pd(a23, _mm256_mul_pd(SIM_PAIR(x2, x3), wj));
        a45 = _mm256_add_pd(a45, _mm256_mul_pd(SIM_PAIR(x4, x5), wj));
        a67 = _mm256_add_pd(a67, _mm256_mul_pd(SIM_PAIR(x6, x7), wj));
    }
#undef SIM_PAIR
    double a[16];
    _mm256_storeu_pd(a, a01);
    _mm256_storeu_pd(a + 4, a23);
    _mm256_storeu_pd(a + 8, a45);
    _mm256_storeu_pd(a + 12, a67);
    if (j < d) { /* odd d: the last (even) column joins the even lane */
        const double *xr[8] = {x0, x1, x2, x3, x4, x5, x6, x7};
        for (int r = 0; r < 8; r++)
            a[2 * r] += xr[r][j] * w[j];
    }
    for (int r = 0; r < 8; r++)
        s[r] = (0.0 + a[2 * r]) + a[2 * r + 1];
}

/* axpy4 four columns at a time. */
__attribute__((noinline, target("avx2"))) static void
axpy4_wide(size_t d, const double *x, const double *g, double *acc, const double *pf)
{
    const double *x0 = x, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
    const __m256d g0 = _mm256_set1_pd(g[0]), g1 = _mm256_set1_pd(g[1]), g2 = _mm256_set1_pd(g[2]),
                  g3 = _mm256_set1_pd(g[3]);
    size_t j = 0;
    for (; j + 8 <= d; j += 8) {
        if (pf) {
            _mm_prefetch((const char *)(pf + j), _MM_HINT_T0);
            _mm_prefetch((const char *)(pf + d + j), _MM_HINT_T0);
            _mm_prefetch((const char *)(pf + 2 * d + j), _MM_HINT_T0);
            _mm_prefetch((const char *)(pf + 3 * d + j), _MM_HINT_T0);
        }
        for (size_t k = j; k < j + 8; k += 4) {
            __m256d a = _mm256_add_pd(_mm256_mul_pd(g0, _mm256_loadu_pd(x0 + k)),
                                      _mm256_mul_pd(g1, _mm256_loadu_pd(x1 + k)));
            __m256d b = _mm256_add_pd(_mm256_mul_pd(g2, _mm256_loadu_pd(x2 + k)),
                                      _mm256_mul_pd(g3, _mm256_loadu_pd(x3 + k)));
            _mm256_storeu_pd(acc + k, _mm256_add_pd(_mm256_loadu_pd(acc + k), _mm256_add_pd(a, b)));
        }
    }
    const double h0 = g[0], h1 = g[1], h2 = g[2], h3 = g[3];
    for (; j < d; j++)
        acc[j] += (h0 * x0[j] + h1 * x1[j]) + (h2 * x2[j] + h3 * x3[j]);
}
#endif

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

/* acc += sum of g_i x_i over rows [i, i1), in groups of four from i, then single rows; while a
 * group is added, the group ahead rows later is prefetched when it lies below pend. */
static void rows_t(int wide, size_t i, size_t i1, size_t d, const double *X, const double *g,
                   double *acc, size_t ahead, size_t pend)
{
    for (; i + 4 <= i1; i += 4) {
        const double *pf = ahead && i + ahead + 4 <= pend ? X + (i + ahead) * d : NULL;
#ifdef SIM_GEMV_X86
        if (wide) {
            axpy4_wide(d, X + i * d, g + i, acc, pf);
            continue;
        }
#endif
        axpy4(d, X + i * d, g + i, acc, pf);
    }
    (void)wide;
    for (; i < i1; i++)
        axpy1(d, X + i * d, g[i], acc);
}

/* h[i0 .. i0+m) <- beta h + alpha X w for a block of m rows from i0. */
static void block_n(int wide, size_t i0, size_t m, size_t d, double alpha, const double *X,
                    const double *w, double beta, double *h)
{
    size_t r = 0;
#ifdef SIM_GEMV_X86
    if (wide)
        for (; r + 8 <= m; r += 8) {
            double s[8];
            dot8_wide(d, X + (i0 + r) * d, w, s);
            for (size_t q = 0; q < 8; q++)
                h[i0 + r + q] = beta == 0.0 ? alpha * s[q] : beta * h[i0 + r + q] + alpha * s[q];
        }
#endif
    (void)wide;
    for (; r < m; r += 4)
        rows_n(i0 + r, m - r < 4 ? m - r : 4, d, alpha, X, w, beta, h);
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
    sim_gemv_t_path(sim_gemv_wide(), n, d, alpha, X, g, beta, v, work);
}

void sim_gemv_t_path(int wide, size_t n, size_t d, double alpha, const double *X, const double *g,
                     double beta, double *v, double *work)
{
#pragma omp parallel for schedule(dynamic, 1) if (n * d > 100000)
    for (long k = 0; k < (long)SIM_GEMV_T_CHUNKS; k++) {
        double *acc = work + (size_t)k * d;
        size_t i0, i1;
        chunk_of(n, k, &i0, &i1);
        for (size_t j = 0; j < d; j++)
            acc[j] = 0.0;
        rows_t(wide, i0, i1, d, X, g, acc, SIM_FUSED_ROWS, i1);
    }
    sim_gemv_t_reduce(n, d, alpha, beta, v, work);
}

void sim_gemv_n(size_t n, size_t d, double alpha, const double *X, const double *w, double beta,
                double *h)
{
    sim_gemv_n_path(sim_gemv_wide(), n, d, alpha, X, w, beta, h);
}

void sim_gemv_n_path(int wide, size_t n, size_t d, double alpha, const double *X, const double *w,
                     double beta, double *h)
{
    const long nb = (long)(n / 8);
#pragma omp parallel for schedule(dynamic, 32) if (n * d > 100000)
    for (long b = 0; b <= nb; b++) {
        size_t i0 = 8 * (size_t)b, cnt = n - i0 < 8 ? n - i0 : 8;
        if (cnt > 0) block_n(wide, i0, cnt, d, alpha, X, w, beta, h);
    }
}

void sim_gemv_fused(size_t n, size_t d, const double *X, double an, const double *w, double bn,
                    double *h, sim_rowfn fn, void *ctx, double *g, double *work)
{
    sim_gemv_fused_path(sim_gemv_wide(), n, d, X, an, w, bn, h, fn, ctx, g, work);
}

void sim_gemv_fused_path(int wide, size_t n, size_t d, const double *X, double an, const double *w,
                         double bn, double *h, sim_rowfn fn, void *ctx, double *g, double *work)
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
            block_n(wide, i, m, d, an, X, w, bn, h);
            fn(ctx, i, m, h + i, g + i);
            rows_t(wide, i, i + m, d, X, g, acc, SIM_FUSED_ROWS, i1);
        }
    }
}
