/* bench_dmft — cost of the DMFT solver of GD on a GLM (cavity/dmft.h, docs/dmft.md), against the
 * speed targets (docs/dmft.md):
 *   exact     square loss, full batch, exact path (eq. X), 1000 steps: whole solve < 1 s;
 *   logistic  logistic loss, sign teacher, 1e5 trajectories (8192 of them with pathwise
 *             responses), 200 steps: one self-consistency (Picard) iteration < 2 s on 2 cores,
 *             whole solve < 1 min;
 *   mc        Monte-Carlo standard error (jackknife over 16 batches) of the outputs at the last
 *             step vs the number of trajectories N: it should fall like 1/sqrt N.
 * Times are wall-clock (CLOCK_MONOTONIC) with the OpenMP threads of the environment
 * (OMP_NUM_THREADS). Usage: bench_dmft [exact|logistic|mc|all] [steps]. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cavity/dmft.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    double t0, last;
} timer;

static int observe(void *ctx, long iter, double residual, double damping)
{
    timer *tm = ctx;
    double t = now();
    printf("  iteration %2ld: %7.3f s  residual %.3e  damping %.3g\n", iter, t - tm->last,
           residual, damping);
    fflush(stdout);
    tm->last = t;
    return 0;
}

static void bench_exact(long T)
{
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.alpha = 2, p.lambda = 0.1, p.eta = 0.2, p.steps = T;
    cav_dmft_gd *s = cav_dmft_gd_alloc(T);
    cav_dmft_gd_set(s, &p, NULL);
    double t0 = now();
    int st = cav_dmft_gd_solve(s, NULL, NULL);
    double t1 = now();
    printf("exact path (square, alpha 2, lambda 0.1, eta 0.2), %ld steps: %.3f s, status %d, "
           "%ld iteration(s), residual %.2e   [target < 1 s at 1000 steps]\n",
           T, t1 - t0, st, cav_dmft_gd_iterations(s), cav_dmft_gd_residual(s));
    cav_dmft_gd_free(s);
}

static void logistic_problem(cav_dmft_gd_problem *p, long T)
{
    cav_dmft_gd_problem_default(p);
    p->loss.type = &cav_loss_logistic;
    p->channel.type = &cav_channel_sign;
    p->alpha = 2, p->lambda = 0.1, p->eta = 0.4, p->steps = T;
}

static void bench_logistic(long T)
{
    cav_dmft_gd_problem p;
    logistic_problem(&p, T);
    cav_dmft_opts o = cav_dmft_opts_default();
    printf("sampled path (logistic, sign, alpha 2, lambda 0.1, eta 0.4), %ld steps, ntraj %zu, "
           "ntraj_init %zu, ntraj_resp %zu, %d threads:\n",
           T, o.ntraj, o.ntraj_init, o.ntraj_resp, omp_get_max_threads());
    cav_dmft_gd *s = cav_dmft_gd_alloc(T);
    cav_dmft_gd_set(s, &p, &o);
    timer tm;
    tm.t0 = tm.last = now();
    int st = cav_dmft_gd_solve(s, observe, &tm);
    double t1 = now();
    printf("  whole solve: %.2f s, status %d (%s)   [targets: Picard iteration < 2 s, solve "
           "< 60 s]\n",
           t1 - tm.t0, st, cav_dmft_gd_error(s)->msg);
    cav_dmft_gd_free(s);
}

static void bench_mc(long T)
{
    cav_dmft_gd_problem p;
    logistic_problem(&p, T);
    const size_t Ns[] = {12500, 25000, 50000, 100000};
    double out[(size_t)(T + 1) * CAV_DMFT_GD_NOBS], se[(size_t)(T + 1) * CAV_DMFT_GD_NOBS];
    printf("Monte-Carlo error (jackknife) at step %ld vs N (logistic, alpha 2, lambda 0.1, eta "
           "0.4); sqrt(N/N0)-scaled SE should stay flat:\n",
           T);
    printf("  %8s %9s %12s %10s %12s %10s %12s %10s %8s\n", "N", "time/s", "test_error", "se",
           "m", "se", "q", "se", "iters");
    double se0 = 0;
    for (int k = 0; k < 4; k++) {
        cav_dmft_opts o = cav_dmft_opts_default();
        o.ntraj = Ns[k];
        o.ntraj_init = Ns[k] < 10000 ? Ns[k] : 10000;
        cav_dmft_gd *s = cav_dmft_gd_alloc(T);
        cav_dmft_gd_set(s, &p, &o);
        double t0 = now();
        cav_dmft_gd_solve(s, NULL, NULL);
        double dt = now() - t0;
        cav_dmft_gd_observables(s, out, se);
        const double *r = out + (size_t)T * CAV_DMFT_GD_NOBS, *e = se + (size_t)T * 6;
        if (k == 0) se0 = e[CAV_DMFT_M];
        printf("  %8zu %9.2f %12.6f %10.2e %12.6f %10.2e %12.6f %10.2e %8ld  se(m) x "
               "sqrt(N/N0) = %.2e\n",
               Ns[k], dt, r[CAV_DMFT_TEST_ERROR], e[CAV_DMFT_TEST_ERROR], r[CAV_DMFT_M],
               e[CAV_DMFT_M], r[CAV_DMFT_Q], e[CAV_DMFT_Q], cav_dmft_gd_iterations(s),
               e[CAV_DMFT_M] * sqrt((double)Ns[k] / (double)Ns[0]));
        cav_dmft_gd_free(s);
    }
    (void)se0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    long T = argc > 2 ? atol(argv[2]) : 0;
    int all = !strcmp(what, "all");
    if (all || !strcmp(what, "exact")) bench_exact(T > 0 ? T : 1000);
    if (all || !strcmp(what, "logistic")) bench_logistic(T > 0 ? T : 200);
    if (all || !strcmp(what, "mc")) bench_mc(T > 0 ? T : 200);
    return 0;
}
