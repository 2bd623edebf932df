/* bench_gd — cost of one gradient-descent step of cav_gd_simulate at n = 8000, d = 4000 (the
 * two products h = X w and X^T g) against the machine's memory bandwidth and numpy
 * (bench/peer_gd.py does the same two products with numpy / OpenBLAS).
 *
 * A GD step needs X w and X^T g; at these sizes X (256 MB) does not fit in cache, so the step is
 * memory bound. Two separate products read X twice (floor 2 * 8 n d bytes / bandwidth);
 * cavity's fused pass (sim_gemv_fused) reads it once (floor 8 n d / bandwidth) and gives the
 * same bits. The bandwidth is measured here with STREAM-like copy (a[i] = b[i]) and triad
 * (a[i] = b[i] + s c[i]) loops on 64M-double arrays (triad counts 3 * 8 bytes per element, copy
 * 2 * 8, as STREAM does), with the same OpenMP threads. Timed, min and median of `reps` calls:
 *   pair    sim_gemv_n then sim_gemv_t (two passes, what numpy does);
 *   fused   sim_gemv_fused + sim_gemv_t_reduce with the logistic loss in between (one pass: a
 *           GD step's products as cav_gd_simulate runs them);
 *   blas    OpenBLAS cblas_dgemv for the same two products (not used by the library: its last
 *           bits change with the thread count);
 *   step    one whole step of cav_gd_simulate: (time with S steps - time with 0 steps) / S.
 * Effective bandwidth = 2 * 8 n d / time for every line (the bytes two passes would move), so
 * the lines compare directly. Usage: bench_gd [n d steps]. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cavity/dynamics.h"
#include "core/la.h"
#include "sim/gd/gd_internal.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    const cav_loss *loss;
    const double *y;
    double *l;
} rows_ctx;

static void rowfn(void *ctx, size_t i0, size_t m, const double *h, double *g)
{
    const rows_ctx *c = ctx;
    cav_loss_value(c->loss, m, c->y + i0, h, c->l + i0, g, NULL);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best of `reps` of copy and triad, in bytes/s. */
static void stream_bw(size_t len, int reps, double *copy_bw, double *triad_bw)
{
    double *a = malloc(len * sizeof *a), *b = malloc(len * sizeof *b), *c = malloc(len * sizeof *c);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < (long)len; i++)
        a[i] = 1.0, b[i] = 2.0, c[i] = 0.5;
    double bc = INFINITY, bt = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < (long)len; i++)
            a[i] = b[i];
        double t1 = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < (long)len; i++)
            a[i] = b[i] + 3.0 * c[i];
        double t2 = now();
        if (t1 - t0 < bc) bc = t1 - t0;
        if (t2 - t1 < bt) bt = t2 - t1;
    }
    volatile double sink = a[len / 2];
    (void)sink;
    *copy_bw = 2.0 * 8.0 * (double)len / bc;
    *triad_bw = 3.0 * 8.0 * (double)len / bt;
    free(a), free(b), free(c);
}

int main(int argc, char **argv)
{
    size_t n = 8000, d = 4000;
    long steps = 20;
    if (argc == 4) {
        n = (size_t)atol(argv[1]);
        d = (size_t)atol(argv[2]);
        steps = atol(argv[3]);
    }
    int threads = omp_get_max_threads();
    double copy_bw, triad_bw;
    stream_bw((size_t)1 << 26, 5, &copy_bw, &triad_bw);
    printf("threads %d\nstream copy %.2f GB/s, triad %.2f GB/s\n", threads, copy_bw / 1e9,
           triad_bw / 1e9);

    cav_gd_config c;
    cav_gd_config_default(&c);
    c.loss.type = &cav_loss_logistic;
    c.channel.type = &cav_channel_sign;
    c.d = d;
    c.alpha = (double)n / (double)d;
    c.eta = 0.5;
    c.lambda = 0.1;
    double *out = malloc((size_t)(steps + 1) * CAV_GD_NOBS * sizeof *out);
    cav_err err = {0, ""};
    c.steps = 0;
    double t0 = now();
    int st0 = cav_gd_simulate(&c, out, &err);
    double t1 = now();
    c.steps = steps;
    int st1 = cav_gd_simulate(&c, out, &err);
    double t2 = now();
    if (st0 || st1) {
        fprintf(stderr, "bench_gd: %s\n", err.msg);
        return 1;
    }
    double step = ((t2 - t1) - (t1 - t0)) / (double)steps;
    double bytes = 2.0 * 8.0 * (double)n * (double)d;
    printf("gd (logistic) n %zu d %zu: setup %.3f s, step %.2f ms: %.1f GB/s effective, %.2f of "
           "triad\n",
           n, d, t1 - t0, 1e3 * step, bytes / step / 1e9, bytes / step / triad_bw);

    /* The kernels alone: min and median over reps calls. */
    double *X = malloc(n * d * sizeof *X), *w = malloc(d * sizeof *w), *h = malloc(n * sizeof *h);
    double *g = malloc(n * sizeof *g), *l = malloc(n * sizeof *l), *y = malloc(n * sizeof *y);
    double *work = malloc(SIM_GEMV_T_CHUNKS * d * sizeof *work);
    cav_rng_normal_matrix(1, 2, n, d, 1.0, X);
    for (size_t j = 0; j < d; j++)
        w[j] = 1.0 / sqrt((double)d);
    for (size_t i = 0; i < n; i++)
        y[i] = i % 3 ? 1.0 : -1.0;
    enum { REPS = 21 };
    double tm[3][REPS];
    rows_ctx rc = {&c.loss, y, l};
    for (int r = 0; r < REPS; r++) {
        double t0k = now();
        sim_gemv_n(n, d, 1.0, X, w, 0.0, h);
        sim_gemv_t(n, d, 1e-3, X, h, 1.0, w, work);
        double t1k = now();
        sim_gemv_fused(n, d, X, 1.0, w, 0.0, h, rowfn, &rc, g, work);
        sim_gemv_t_reduce(n, d, 1e-3, 1.0, w, work);
        double t2k = now();
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, 1.0, X, (blasint)d, w, 1,
                    0.0, h, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, 1e-3, X, (blasint)d, h, 1,
                    1.0, w, 1);
        double t3k = now();
        tm[0][r] = t1k - t0k, tm[1][r] = t2k - t1k, tm[2][r] = t3k - t2k;
    }
    const char *names[3] = {"pair  (gemv_n + gemv_t)", "fused (one pass)       ",
                            "OpenBLAS dgemv pair    "};
    for (int k = 0; k < 3; k++) {
        qsort(tm[k], REPS, sizeof tm[k][0], cmp_double);
        printf("%s min %6.2f ms median %6.2f ms: %5.1f GB/s effective, %.2f of triad\n", names[k],
               1e3 * tm[k][0], 1e3 * tm[k][REPS / 2], bytes / tm[k][REPS / 2] / 1e9,
               bytes / tm[k][REPS / 2] / triad_bw);
    }
    free(g), free(l), free(y);
    free(X), free(w), free(h), free(out), free(work);
    return 0;
}
