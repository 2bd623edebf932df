/* bench_mi — cost of the multi-index engine (cavity/multi_index.h) against the speed targets:
 *   attention  a 50-point Bayes-optimal state-evolution curve of 2-layer tied attention (M = 2,
 *              c = 1) over alpha in [0.02, 1.6], warm-started from the previous point, at a
 *              stated accuracy: n Monte-Carlo samples (default 4000) for the outer average and a
 *              16-node Gauss-Hermite rule per free coordinate for the posterior; target < 60 s on
 *              2 cores;
 *   rbm        a 50-point Bayes-optimal (LKZ) state-evolution curve of the RBM model (k = r = 2,
 *              Rademacher priors, ratio 1/2, alpha 2) over lambda in [0.1, 3], both starts and
 *              the free entropy at every point; target < 1 s;
 *   gamp       GAMP on 2-layer attention at D = 1000, alpha = 1.2 (N = 1200), 50 iterations;
 *              target < 10 s.
 * Times are wall-clock with the OpenMP threads of the environment. Usage:
 * bench_mi [attention|rbm|gamp|all] [n]. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cavity/attention.h"
#include "cavity/mi_sim.h"
#include "cavity/rbm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void bench_attention(long n)
{
    cav_attention a = cav_attention_default();
    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    cav_mi_outer_opts oo = cav_mi_outer_opts_default();
    oo.n = n;
    oo.inner.method = CAV_MI_GH;
    oo.inner.gh_n = 16;
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &oo, NULL);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    double t0 = now(), Q[4] = {1e-3, 0, 0, 1e-3}, worst_se = 0;
    long its = 0;
    int bad = 0;
    printf("attention SE, 50 points, n = %ld MC samples, GH 16, %d threads\n", n,
           omp_get_max_threads());
    for (int i = 0; i < 50; i++) {
        double alpha = 0.02 + (1.6 - 0.02) * i / 49.0;
        cav_mi_se_opts o = cav_mi_se_opts_default();
        o.start = CAV_MI_START_GIVEN;
        for (int j = 0; j < 4; j += 3)
            if (Q[j] < 1e-3) Q[j] = 1e-3;
        o.Q0 = Q;
        o.fixpt.tol = 1e-7;
        o.fixpt.max_iter = 300;
        o.want_se = 1;
        cav_mi_se_result r;
        int st = cav_mi_se_solve(&m, alpha, &o, &r);
        if (st) bad++;
        its += r.iterations;
        memcpy(Q, r.Q, sizeof Q);
        worst_se = fmax(worst_se, fmax(r.Q_se[0], r.Q_se[3]));
        if (i % 7 == 0 || i == 49)
            printf("  alpha %.3f: q1 %.4f +- %.4f  q2 %.4f +- %.4f  (%ld its, status %d)\n", alpha,
                   r.Q[0], r.Q_se[0], r.Q[3], r.Q_se[3], r.iterations, st);
    }
    printf("attention: %.1f s for 50 points (%ld iterations, %d unconverged), largest MC error "
           "of q %.4f\n",
           now() - t0, its, bad, worst_se);
    cav_mi_chside_free(cs);
}

static void bench_rbm(void)
{
    cav_rbm p = cav_rbm_default();
    double t0 = now();
    long its = 0;
    for (int i = 0; i < 50; i++) {
        p.lambda = 0.1 + 2.9 * i / 49.0;
        cav_rbm_bo_result r;
        if (cav_rbm_bo_solve(&p, &r)) printf("  lambda %g: %s\n", p.lambda, r.msg);
        its += r.iterations;
    }
    printf("rbm BO SE: %.3f s for 50 points (both starts + free entropy, %ld iterations)\n",
           now() - t0, its);
    /* AMP-RBM state evolution, k = r = 1, lambda in [1, 3] (where its fixed point has V < smax) */
    cav_rbm q = cav_rbm_default();
    q.k = q.r = 1;
    t0 = now();
    its = 0;
    int bad = 0;
    for (int i = 0; i < 50; i++) {
        q.lambda = 1.0 + 2.0 * i / 49.0;
        cav_rbm_amp_fp f;
        if (cav_rbm_amp_se_solve(&q, NULL, 0, &f)) bad++;
        its += f.iterations;
    }
    printf("rbm AMP-RBM SE (k = r = 1): %.3f s for 50 points (%ld iterations, %d unconverged)\n",
           now() - t0, its, bad);
}

static void bench_gamp(void)
{
    cav_attention a = cav_attention_default();
    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    cav_mi_data d;
    double t0 = now();
    cav_mi_data_draw(&ch, 1000, 1200, 1, &d, NULL);
    double t1 = now();
    cav_mi_gamp_opts o = cav_mi_gamp_opts_default();
    o.steps = 50;
    o.inner.method = CAV_MI_GH;
    o.inner.gh_n = 16;
    o.q0 = 0.05;
    double traj[51 * 9];
    int st = cav_mi_gamp_run(&ch, &d, &o, traj, NULL, NULL);
    double t2 = now();
    printf("GAMP attention D = 1000, N = 1200, 50 iterations: %.2f s (data %.2f s), status %d, "
           "final |M11| %.3f |M22| %.3f\n",
           t2 - t1, t1 - t0, st, fabs(traj[50 * 9]), fabs(traj[50 * 9 + 3]));
    cav_mi_data_free(&d);
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "all";
    long n = argc > 2 ? atol(argv[2]) : 4000;
    if (!strcmp(w, "attention") || !strcmp(w, "all")) bench_attention(n);
    if (!strcmp(w, "rbm") || !strcmp(w, "all")) bench_rbm();
    if (!strcmp(w, "gamp") || !strcmp(w, "all")) bench_gamp();
    return 0;
}
