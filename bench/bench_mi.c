/* bench_mi — cost of the multi-index engine (cavity/multi_index.h) against the speed targets:
 *   attention  a 50-point Bayes-optimal state-evolution curve of 2-layer tied attention (M = 2,
 *              c = 1) over alpha in [0.05, 1], warm-started from the previous point, at a
 *              stated accuracy: n Monte-Carlo samples (default 2000) for the outer average, a
 *              gh-node Gauss-Hermite rule per free coordinate for the posterior (default 12),
 *              fixed point to tol (default 1e-4, below the Monte-Carlo error of q, which is
 *              printed); target < 60 s on 2 cores;
 *   rbm        a 50-point Bayes-optimal (LKZ) state-evolution curve of the RBM model (k = r = 2,
 *              Rademacher priors, ratio 1/2, alpha 2) over lambda in [0.1, 3], both starts and
 *              the free entropy at every point; target < 1 s;
 *   gamp       GAMP on 2-layer attention at D = 1000, alpha = 1.2 (N = 1200), 50 iterations, with
 *              the model's posterior rule (12-node Gauss-Hermite, mode-adapted); target < 10 s.
 *   alpha2     the accuracy of the conditional threshold alpha_2 of 2-layer attention: for alpha on
 *              a grid, the fixed point q2*(alpha) of the last layer with layer 1 frozen at 0 (from
 *              q2 = 1e-3) and f(alpha) = alpha lambda_max(F_1(q2*)) - 1 with its Monte-Carlo error,
 *              for independent sample sets (seeds); the root of f is alpha_2.
 * Times are wall-clock with the OpenMP threads of the environment. Usage:
 * bench_mi [attention|rbm|gamp|all] [n] [gh] [tol]
 * bench_mi alpha2 c n gh seed alo ahi npoints. */
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

static long n_eval;
static cav_mi_model base;
static int counted(void *ctx, const double *Q, double *G, double *se, cav_err *err)
{
    n_eval++;
    return base.output(ctx, Q, G, se, err);
}

static void bench_attention(long n, int gh, double tol)
{
    cav_attention a = cav_attention_default();
    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    cav_mi_outer_opts oo = cav_mi_outer_opts_default();
    oo.n = n;
    oo.inner.method = CAV_MI_GH;
    oo.inner.gh_n = gh;
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &oo, NULL);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    base = m;
    m.output = counted;
    n_eval = 0;
    double t0 = now(), Q[4] = {1e-3, 0, 0, 1e-3}, worst_se = 0, sum_se = 0;
    long its = 0;
    int bad = 0;
    printf("attention SE, 50 points, n = %ld MC samples, GH %d, tol %g, %d threads\n", n, gh, tol,
           omp_get_max_threads());
    for (int i = 0; i < 50; i++) {
        double alpha = 0.05 + (1.0 - 0.05) * i / 49.0;
        cav_mi_se_opts o = cav_mi_se_opts_default();
        o.start = CAV_MI_START_GIVEN;
        for (int j = 0; j < 4; j += 3)
            if (Q[j] < 1e-3) Q[j] = 1e-3;
        o.Q0 = Q;
        o.fixpt.tol = tol;
        o.fixpt.max_iter = 300;
        o.want_se = 1;
        cav_mi_se_result r;
        int st = cav_mi_se_solve(&m, alpha, &o, &r);
        if (st) bad++;
        its += r.iterations;
        memcpy(Q, r.Q, sizeof Q);
        worst_se = fmax(worst_se, fmax(r.Q_se[0], r.Q_se[3]));
        sum_se += r.Q_se[0] + r.Q_se[3];
        if (i % 7 == 0 || i == 49)
            printf("  alpha %.3f: q1 %.4f +- %.4f  q2 %.4f +- %.4f  (%ld its, status %d)\n", alpha,
                   r.Q[0], r.Q_se[0], r.Q[3], r.Q_se[3], r.iterations, st);
    }
    printf("attention: %.1f s for 50 points (%ld iterations, %ld map evaluations, %d "
           "unconverged), MC error of q: largest %.4f, mean %.4f\n",
           now() - t0, its, n_eval, bad, worst_se, sum_se / 100);
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
    o.inner.gh_n = 12;
    o.q0 = 0.05;
    double traj[51 * 9];
    int st = cav_mi_gamp_run(&ch, &d, &o, traj, NULL, NULL);
    double t2 = now();
    printf("GAMP attention D = 1000, N = 1200, 50 iterations: %.2f s (data %.2f s), status %d, "
           "final |M11| %.3f |M22| %.3f\n",
           t2 - t1, t1 - t0, st, fabs(traj[50 * 9]), fabs(traj[50 * 9 + 3]));
    cav_mi_data_free(&d);
}

static void bench_alpha2(int argc, char **argv)
{
    if (argc < 9) {
        printf("usage: bench_mi alpha2 c n gh seed alo ahi npoints\n");
        return;
    }
    cav_attention a = cav_attention_default();
    a.c = atof(argv[2]);
    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    cav_mi_outer_opts oo = cav_mi_outer_opts_default();
    oo.n = atol(argv[3]);
    oo.inner.method = CAV_MI_GH;
    oo.inner.gh_n = atoi(argv[4]);
    oo.seed = (uint64_t)atol(argv[5]);
    double alo = atof(argv[6]), ahi = atof(argv[7]);
    int np = atoi(argv[8]);
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &oo, NULL);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    int frozen[2] = {1, 0}, un[1] = {0};
    for (int i = 0; i < np; i++) {
        double alpha = np > 1 ? alo + (ahi - alo) * i / (np - 1.0) : alo, t0 = now();
        double Q0[4] = {0, 0, 0, 1e-3};
        cav_mi_se_opts o = cav_mi_se_opts_default();
        o.start = CAV_MI_START_GIVEN;
        o.Q0 = Q0;
        o.frozen = frozen;
        o.fixpt.tol = 1e-7;
        o.fixpt.max_iter = 400;
        cav_mi_se_result r;
        int st = cav_mi_se_solve(&m, alpha, &o, &r);
        cav_mi_stab s;
        int st2 = cav_mi_stability(&m, alpha, r.Q, un, 1, 0, &s, NULL);
        printf("c %g n %ld gh %d seed %s alpha %.4f q2 %.5f +- %.5f f %.4f +- %.4f trivial %.1e "
               "(status %d %d, %.1f s)\n",
               a.c, oo.n, oo.inner.gh_n, argv[5], alpha, r.Q[3], r.Q_se[3],
               alpha * s.lambda_max - 1, alpha * s.lambda_se, s.trivial_max, st, st2, now() - t0);
        fflush(stdout);
    }
    cav_mi_chside_free(cs);
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "all";
    if (!strcmp(w, "alpha2")) {
        bench_alpha2(argc, argv);
        return 0;
    }
    long n = argc > 2 ? atol(argv[2]) : 2000;
    int gh = argc > 3 ? atoi(argv[3]) : 12;
    double tol = argc > 4 ? atof(argv[4]) : 1e-4;
    if (!strcmp(w, "attention") || !strcmp(w, "all")) bench_attention(n, gh, tol);
    if (!strcmp(w, "rbm") || !strcmp(w, "all")) bench_rbm();
    if (!strcmp(w, "gamp") || !strcmp(w, "all")) bench_gamp();
    return 0;
}
