/* bench_dmft_k: the k-index DMFT of gradient ascent on the RBM likelihood (cavity/dmft_k.h).
 * Rows: the sampled path (k = 1 and 2, Rademacher, alpha = 2, lambda 2.5), the exact path
 * (Gaussian hidden units), and the gradient-ascent simulation at n = 8000, d = 4000.
 * Usage: bench_dmft_k [ntraj (20000)] [steps (100)]. Figures in bench/README.md. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cavity/dmft_k.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void row(int k, int hidden, size_t ntraj, long steps)
{
    cav_dmft_k_problem p;
    cav_dmft_k_problem_default(&p);
    p.rbm.k = p.rbm.r = k, p.rbm.hidden = p.rbm.latent_prior = hidden;
    p.rbm.lambda = 2.5, p.rbm.ratio = 0.5, p.steps = steps, p.lr = hidden ? 0.02 : 0.05;
    cav_dmft_k_opts o = cav_dmft_k_opts_default();
    o.ntraj = o.ntraj_init = ntraj, o.max_iter = 2;
    cav_dmft_k *s = cav_dmft_k_alloc();
    double t0 = now();
    int st = cav_dmft_k_set(s, &p, &o);
    if (!st) st = cav_dmft_k_solve(s);
    printf("dmft k %d %-9s steps %4ld ntraj %6zu: %7.2f s (status %d, %ld sweeps, noise %.2g)\n", k,
           hidden ? "gaussian" : "rademach", steps, hidden ? (size_t)0 : ntraj, now() - t0, st,
           cav_dmft_k_iterations(s), cav_dmft_k_noise(s));
    cav_dmft_k_free(s);
}

int main(int argc, char **argv)
{
    size_t ntraj = argc > 1 ? (size_t)atol(argv[1]) : 20000;
    long steps = argc > 2 ? atol(argv[2]) : 100;
    row(1, CAV_RBM_RADEMACHER, ntraj, steps);
    row(2, CAV_RBM_RADEMACHER, ntraj, steps / 2);
    row(1, CAV_RBM_GAUSSIAN, ntraj, 4 * steps);
    cav_dmft_k_problem p;
    cav_dmft_k_problem_default(&p);
    p.steps = steps;
    cav_rbm_data D;
    cav_err e = {0};
    double t0 = now();
    if (cav_rbm_data_draw(&p.rbm, 4000, 1, &D, &e)) return 1;
    double t1 = now();
    double *tr = malloc(sizeof(double) * (size_t)(steps + 1) * CAV_RBM_TRAJ_NCOL(1, 1));
    int st = cav_dmft_k_simulate(&p, &D, 1, tr, &e);
    printf("gd simulation k 1 n 8000 d 4000 steps %ld: data %.2f s, gd %.2f s (status %d)\n", steps,
           t1 - t0, now() - t1, st);
    free(tr);
    cav_rbm_data_free(&D);
    return 0;
}
