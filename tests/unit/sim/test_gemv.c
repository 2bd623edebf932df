/* The simulations' matrix-vector kernels (src/sim/gd/gemv.c): the wide path (AVX2, chosen at run
 * time) and the baseline path give the same bits, and both follow the documented summation
 * order, for any thread count.
 *
 * References:
 *   - the documented order, evaluated here by plain scalar loops: X w entry r is
 *     (0 + E_r) + O_r, E_r the products x_r[j] w[j] of the even j added in order from 0, O_r
 *     those of the odd j; X^T g is the sum in chunk order of 16 chunk partials, each adding its
 *     rows in groups of four, (g0 x0 + g1 x1) + (g2 x2 + g3 x3), then single rows;
 *   - the two paths against each other (memcmp), on odd and even d, n not a multiple of the
 *     4-, 8- and 16-row blocks, one and two threads.
 * On a CPU without AVX2 the comparison of the paths is skipped (the baseline is still checked
 * against the reference); on the development machine (AVX-512) it runs. */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/rng.h"
#include "sim/gd/gd_internal.h"

/* Reference of one X w entry in the documented order. */
static double ref_dot(size_t d, const double *x, const double *w)
{
    double e = 0.0, o = 0.0;
    for (size_t j = 0; j < d; j += 2) {
        e += x[j] * w[j];
        if (j + 1 < d) o += x[j + 1] * w[j + 1];
    }
    return (0.0 + e) + o;
}

/* Reference of X^T g (alpha = 1, beta = 0) in the documented order. */
static void ref_t(size_t n, size_t d, const double *X, const double *g, double *v, double *acc)
{
    const size_t rows = (n + SIM_GEMV_T_CHUNKS - 1) / SIM_GEMV_T_CHUNKS;
    for (size_t k = 0; k < SIM_GEMV_T_CHUNKS; k++) {
        double *a = acc + k * d;
        size_t i = k * rows < n ? k * rows : n, i1 = (k + 1) * rows < n ? (k + 1) * rows : n;
        memset(a, 0, d * sizeof *a);
        for (; i + 4 <= i1; i += 4)
            for (size_t j = 0; j < d; j++)
                a[j] += (g[i] * X[i * d + j] + g[i + 1] * X[(i + 1) * d + j]) +
                        (g[i + 2] * X[(i + 2) * d + j] + g[i + 3] * X[(i + 3) * d + j]);
        for (; i < i1; i++)
            for (size_t j = 0; j < d; j++)
                a[j] += g[i] * X[i * d + j];
    }
    for (size_t j = 0; j < d; j++) {
        double s = 0.0;
        for (size_t k = 0; k < SIM_GEMV_T_CHUNKS; k++)
            s += acc[k * d + j];
        v[j] = 1.0 * s;
    }
}

static void rowfn(void *ctx, size_t i0, size_t m, const double *h, double *g)
{
    (void)ctx, (void)i0;
    for (size_t i = 0; i < m; i++)
        g[i] = tanh(h[i]) - 0.25 * h[i];
}

typedef struct {
    double *h, *g, *v, *work;
} outs;

static void run_path(int wide, size_t n, size_t d, const double *X, const double *w, outs *o)
{
    sim_gemv_fused_path(wide, n, d, X, 1.0, w, 0.0, o->h, rowfn, NULL, o->g, o->work);
    sim_gemv_t_reduce(n, d, 1.0, 0.0, o->v, o->work);
}

static void check_size(size_t n, size_t d, int wide_ok)
{
    double *X = malloc(n * d * sizeof *X), *w = malloc(d * sizeof *w);
    double *buf = calloc(4 * (2 * n + d + SIM_GEMV_T_CHUNKS * d), sizeof *buf);
    double *rh = malloc(n * sizeof *rh), *rg = malloc(n * sizeof *rg), *rv = malloc(d * sizeof *rv);
    double *racc = malloc(SIM_GEMV_T_CHUNKS * d * sizeof *racc), *t = malloc(n * sizeof *t);
    assert_non_null(X), assert_non_null(buf), assert_non_null(racc);
    cav_rng r;
    cav_rng_init(&r, 11, n, d);
    cav_rng_normal_fill(&r, n * d, 1.0, X);
    cav_rng_normal_fill(&r, d, 1.0 / sqrt((double)d), w);
    outs o[4];
    double *p = buf;
    for (int k = 0; k < 4; k++) {
        o[k].h = p, p += n;
        o[k].g = p, p += n;
        o[k].v = p, p += d;
        o[k].work = p, p += SIM_GEMV_T_CHUNKS * d;
    }
    /* reference */
    for (size_t i = 0; i < n; i++)
        rh[i] = ref_dot(d, X + i * d, w);
    rowfn(NULL, 0, n, rh, rg);
    ref_t(n, d, X, rg, rv, racc);
    /* baseline path with 1 and 2 threads, wide path with 1 and 2 threads */
    for (int k = 0; k < 4; k++) {
        int wide = k >= 2, threads = 1 + (k & 1);
        if (wide && !wide_ok) continue;
        omp_set_num_threads(threads);
        run_path(wide, n, d, X, w, &o[k]);
        assert_memory_equal(o[k].h, rh, n * sizeof *rh);
        assert_memory_equal(o[k].g, rg, n * sizeof *rg);
        assert_memory_equal(o[k].v, rv, d * sizeof *rv);
        assert_memory_equal(o[k].work, racc, SIM_GEMV_T_CHUNKS * d * sizeof *racc);
        /* the unfused kernels: X w, and X^T g (beta = 0.5 on a copy of v) */
        sim_gemv_n_path(wide, n, d, 1.0, X, w, 0.0, t);
        assert_memory_equal(t, rh, n * sizeof *t);
        double *v2 = malloc(d * sizeof *v2), *v3 = malloc(d * sizeof *v3);
        for (size_t j = 0; j < d; j++)
            v2[j] = v3[j] = (double)j;
        sim_gemv_t_path(wide, n, d, 2.0, X, rg, 0.5, v2, o[k].work);
        for (size_t j = 0; j < d; j++)
            v3[j] = 0.5 * v3[j] + 2.0 * rv[j];
        assert_memory_equal(v2, v3, d * sizeof *v2);
        free(v2), free(v3);
    }
    if (wide_ok) assert_memory_equal(o[0].h, o[3].h, n * sizeof *rh);
    omp_set_num_threads(2);
    free(X), free(w), free(buf), free(rh), free(rg), free(rv), free(racc), free(t);
}

static void test_paths_same_bits(void **state)
{
    (void)state;
    const int wide_ok = sim_gemv_wide();
#if defined(__x86_64__)
    if (!wide_ok) print_message("gemv: no AVX2 on this CPU, only the baseline path is checked\n");
#endif
    static const size_t sizes[][2] = {
        {1, 1},    {3, 2},     {7, 5},      {16, 8},     {37, 13},     {64, 1},     {100, 33},
        {257, 64}, {511, 127}, {1000, 200}, {1203, 301}, {2000, 1000}, {4000, 1001}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        check_size(sizes[k][0], sizes[k][1], wide_ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_same_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
