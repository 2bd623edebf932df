/* Benchmark: L2 logistic regression ERM on Rules-and-Facts data (src/sim/erm/logistic.c) at
 * n = 4000, d = 2000 by default, against scikit-learn (bench/sklearn_logistic.py).
 * Usage: bench_sim_logistic [n d lambda eps datafile]. Writes the data set as raw little-endian
 * doubles (X row-major n x d, then y) to datafile (default /tmp/cavity_bench_logistic.bin) so the
 * Python script fits exactly the same problem, then times every method of cav_sim_logistic to the
 * stated criterion ||grad J|| <= 1e-8 ||grad J(0)|| and prints time, steps and objective
 * J = sum log(1 + exp(-y w.x/sqrt d)) + lambda |w|^2/2. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cavity/sim.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 4000, d = argc > 2 ? (size_t)atol(argv[2]) : 2000;
    double lambda = argc > 3 ? atof(argv[3]) : 1.0, eps = argc > 4 ? atof(argv[4]) : 0.2;
    const char *path = argc > 5 ? argv[5] : "/tmp/cavity_bench_logistic.bin";
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(d * sizeof *w);
    cav_err err = {0, ""};
    if (cav_sim_teacher(1, 1, d, NULL, ws, &err) ||
        cav_sim_raf_data(1, 2, n, d, ws, eps, X, NULL, y, NULL, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(X, sizeof *X, n * d, f) != n * d || fwrite(y, sizeof *y, n, f) != n) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        return 1;
    }
    fclose(f);
    printf("cavity logistic: n = %zu, d = %zu, lambda = %g, eps = %g, data in %s\n", n, d, lambda,
           eps, path);
    const char *names[4] = {"auto", "newton-cg", "newton-cholesky", "lbfgs"};
    int methods[4] = {CAV_SIM_AUTO, CAV_SIM_NEWTON_CG, CAV_SIM_NEWTON_CHOL, CAV_SIM_LBFGS};
    for (int k = 0; k < 4; k++) {
        cav_sim_opts o = cav_sim_opts_default();
        o.method = methods[k];
        cav_sim_fit fit;
        double t0 = now();
        int st = cav_sim_logistic(n, d, X, y, lambda, &o, w, &fit, &err);
        double t1 = now();
        printf("  %-16s %8.3f s  status %-8s steps %4ld  cg %5ld  rel.grad %.2e  J = %.12f\n",
               names[k], t1 - t0, cav_status_name(st), fit.iterations, fit.inner, fit.residual,
               fit.objective);
    }
    free(ws), free(X), free(y), free(w);
    return 0;
}
