/* Benchmark of the generic runner (src/run): store overhead per point (target < 1 ms) and the
 * speedup of 2 workers over 1 on a simulation-like workload (CPU-bound seeds).
 * Usage: bench_run [points] [samples per seed]. Uses a bench-local model (not registered). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cavity/rng.h"
#include "cavity/run.h"

typedef struct bench_par {
    double x;
    long n;
} bench_par;
typedef struct bench_obs {
    double mean, var;
} bench_obs;
static const cav_param_spec params[] = {
    CAV_FIELD(bench_par, x, .kind = CAV_PARAM_REAL, .lo = -1e9, .hi = 1e9, .help = "mean"),
    CAV_FIELD(bench_par, n, .kind = CAV_PARAM_INT, .def = 1000, .lo = 1, .hi = 1e9,
              .help = "samples"),
};
static const cav_obs_spec obs[] = {CAV_OBS(bench_obs, mean, "sample mean"),
                                   CAV_OBS(bench_obs, var, "sample variance")};

static int theory(const void *vp, const double *wi, double *wo, cav_result *res)
{
    (void)wi, (void)wo;
    const bench_par *p = vp;
    /* n > 1000: a CPU-bound point (n sine evaluations), for the chain speedup. */
    double acc = 0;
    for (long i = 0; p->n > 1000 && i < p->n; i++)
        acc += sin(p->x + 1e-9 * (double)i);
    res->obs[0] = p->x;
    res->obs[1] = acc == 1e300 ? 2 : 1; /* 1, and keeps the loop */
    res->residual = 0;
    return CAV_OK;
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const bench_par *p = vp;
    cav_rng r;
    cav_rng_init(&r, seed, 1, 0);
    double s = 0, s2 = 0;
    long n = p->n;
    for (long i = 0; i < n; i++) {
        double z = p->x + cav_rng_normal(&r);
        s += z;
        s2 += z * z;
    }
    res->obs[0] = s / (double)n;
    res->obs[1] = s2 / (double)n - res->obs[0] * res->obs[0];
    res->residual = 0;
    return CAV_OK;
}

static const cav_model bench_model = {
    .name = "bench",
    .summary = "bench",
    .paper = "-",
    .size = sizeof(bench_par),
    .params = params,
    .nparams = 2,
    .obs = obs,
    .nobs = 2,
    .theory = theory,
    .simulate = simulate,
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double timed_run(const cav_grid *g, int kind, int jobs, int nseeds, cav_store *st)
{
    cav_run_opts o;
    cav_run_opts_init(&o);
    o.kind = kind;
    o.jobs = jobs;
    o.nseeds = nseeds;
    o.store = st;
    cav_run *r;
    cav_err err = {0};
    double t = now();
    if (cav_run_exec(g, &o, &r, &err)) {
        fprintf(stderr, "bench_run: %s\n", err.msg);
        exit(1);
    }
    t = now() - t;
    cav_run_free(r);
    return t;
}

int main(int argc, char **argv)
{
    int npts = argc > 1 ? atoi(argv[1]) : 2000;
    const char *samples = argc > 2 ? argv[2] : "400000";
    cav_err err = {0};
    cav_grid g;
    char grid[64];
    snprintf(grid, sizeof grid, "0:1:%d", npts);
    cav_grid_init(&g, &bench_model, &err);
    cav_grid_set(&g, "x", grid, &err);
    const char *path = "bench_run.db";
    remove(path);
    cav_store *st;
    if (cav_store_open(path, CAV_STORE_WRITE, &st, &err)) {
        fprintf(stderr, "bench_run: %s\n", err.msg);
        return 1;
    }
    /* Store overhead: trivial theory points with and without the store. */
    double t0 = timed_run(&g, CAV_KIND_THEORY, 1, 1, NULL);
    double t1 = timed_run(&g, CAV_KIND_THEORY, 1, 1, st);
    double t2 = timed_run(&g, CAV_KIND_THEORY, 1, 1, st); /* all read back (resume) */
    printf("store: %d points, write %.3f ms/point (no store %.4f ms), resume read %.3f ms/point\n",
           npts, 1e3 * (t1 - t0) / npts, 1e3 * t0 / npts, 1e3 * (t2 - t0) / npts);
    cav_store_close(st);
    remove(path);
    /* Speedup on CPU-bound seeds: 8 points x 4 seeds of `samples` normals each. */
    cav_grid_free(&g);
    cav_grid_init(&g, &bench_model, &err);
    cav_grid_set(&g, "x", "0:1:8", &err);
    cav_grid_set(&g, "n", samples, &err);
    double s1 = timed_run(&g, CAV_KIND_SIM, 1, 4, NULL);
    double s2 = timed_run(&g, CAV_KIND_SIM, 2, 4, NULL);
    printf("simulation: 32 seeds x %s samples: jobs 1 %.3f s, jobs 2 %.3f s, speedup %.2f\n",
           samples, s1, s2, s1 / s2);
    cav_grid_free(&g);
    /* One theory chain of 512 CPU-bound points: segments of 64 in parallel from their seams. */
    cav_grid_init(&g, &bench_model, &err);
    cav_grid_set(&g, "x", "0:1:512", &err);
    if (cav_grid_set(&g, "n", "200000", &err)) fprintf(stderr, "bench_run: %s\n", err.msg);
    double c1 = timed_run(&g, CAV_KIND_THEORY, 1, 1, NULL);
    double c2 = timed_run(&g, CAV_KIND_THEORY, 2, 1, NULL);
    printf("theory: one chain of 512 points: jobs 1 %.3f s, jobs 2 %.3f s, speedup %.2f\n", c1,
           c2, c1 / c2);
    cav_grid_free(&g);
    return 0;
}
