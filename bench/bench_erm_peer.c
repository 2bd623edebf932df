/* bench_erm_peer — a whole simulate-equivalent ERM run (generate a Rules-and-Facts problem and
 * fit it), the cavity side of bench/peer_logistic.py (numpy + scipy L-BFGS-B) and
 * bench/peer_svm.py (numpy + scikit-learn LinearSVC); bench/paired.sh alternates them.
 *
 * Data as in cav_sim_raf_experiment: teacher w* ~ N(0, I_d), n rows x ~ N(0, I_d), a fact with
 * probability eps = 0.2 (label +-1 uniform), a rule otherwise (label sign(w*.x)). The peers draw
 * the same law with numpy's generator (not the same numbers: each side generates its own, as a
 * user of either would). Criteria: logistic, relative gradient ||grad J|| <= 1e-8 ||grad J(0)||
 * (the solver chosen by cav_sim_logistic's AUTO); hinge, relative duality gap <= 1e-8.
 * Prints the generation, fit and total wall-clock times (CLOCK_MONOTONIC).
 *
 * Usage: bench_erm_peer logistic|hinge n d lambda [seed]
 *        bench_erm_peer check FILE n d lambda   relative primal suboptimality (P(w) - P*)/P* of
 *            the hinge-loss w in FILE (raw doubles: X row-major n x d, y, w; written by
 *            peer_svm.py --dump), P* from cavity at duality gap 1e-12. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cavity/sim.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double hinge_objective(size_t n, size_t d, const double *X, const double *y, double lambda,
                              const double *w)
{
    double J = 0.0, ww = 0.0, s = 1.0 / sqrt((double)d);
    for (size_t i = 0; i < n; i++) {
        double h = 0.0;
        for (size_t j = 0; j < d; j++)
            h += X[i * d + j] * w[j];
        J += fmax(0.0, 1.0 - y[i] * s * h);
    }
    for (size_t j = 0; j < d; j++)
        ww += w[j] * w[j];
    return J + 0.5 * lambda * ww;
}

static int check(const char *path, size_t n, size_t d, double lambda)
{
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w), *ws = malloc(d * sizeof *ws);
    FILE *f = fopen(path, "rb");
    if (!X || !y || !w || !ws || !f || fread(X, sizeof *X, n * d, f) != n * d ||
        fread(y, sizeof *y, n, f) != n || fread(w, sizeof *w, d, f) != d) {
        fprintf(stderr, "bench_erm_peer: cannot read %s\n", path);
        return 1;
    }
    fclose(f);
    cav_sim_opts o = cav_sim_opts_default();
    o.tol = 1e-12;
    cav_sim_fit fit;
    cav_err err = {0, ""};
    int st = cav_sim_svm(n, d, X, y, lambda, &o, ws, NULL, &fit, &err);
    double P = hinge_objective(n, d, X, y, lambda, w);
    double Ps = hinge_objective(n, d, X, y, lambda, ws);
    printf("check: P(w) = %.15g, P* = %.15g (cavity, status %s, gap %.1e): (P - P*)/P* = %.2e\n", P,
           Ps, cav_status_name(st), fit.residual, (P - Ps) / Ps);
    free(X), free(y), free(w), free(ws);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && !strcmp(argv[1], "check"))
        return check(argv[2], (size_t)atol(argv[3]), (size_t)atol(argv[4]), atof(argv[5]));
    if (argc < 5 || (strcmp(argv[1], "logistic") && strcmp(argv[1], "hinge"))) {
        fprintf(stderr, "usage: bench_erm_peer logistic|hinge n d lambda [seed]\n"
                        "       bench_erm_peer check FILE n d lambda\n");
        return 2;
    }
    const int logistic = !strcmp(argv[1], "logistic");
    const size_t n = (size_t)atol(argv[2]), d = (size_t)atol(argv[3]);
    const double lambda = atof(argv[4]);
    const uint64_t seed = argc > 5 ? (uint64_t)atol(argv[5]) : 1;
    double t0 = now();
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w);
    cav_err err = {0, ""};
    if (!ws || !X || !y || !w || cav_sim_teacher(seed, 1, d, NULL, ws, &err) ||
        cav_sim_raf_data(seed, 2, n, d, ws, 0.2, X, NULL, y, NULL, &err)) {
        fprintf(stderr, "bench_erm_peer: %s\n", err.msg);
        return 1;
    }
    double t1 = now();
    cav_sim_fit fit;
    int st = logistic ? cav_sim_logistic(n, d, X, y, lambda, NULL, w, &fit, &err)
                      : cav_sim_svm(n, d, X, y, lambda, NULL, w, NULL, &fit, &err);
    double t2 = now();
    printf("cavity %s n %zu d %zu lambda %g: gen %.4f s fit %.4f s total %.4f s status %s "
           "iterations %ld inner %ld %s %.2e J %.12g\n",
           logistic ? "logistic" : "hinge", n, d, lambda, t1 - t0, t2 - t1, t2 - t0,
           cav_status_name(st), fit.iterations, fit.inner, logistic ? "rel.grad" : "gap",
           fit.residual, fit.objective);
    free(ws), free(X), free(y), free(w);
    return st != CAV_OK;
}
