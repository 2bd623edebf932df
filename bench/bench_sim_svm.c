/* Benchmark: hinge-loss SVM (src/sim/erm/svm.c, dual coordinate descent after Hsieh et al., ICML
 * 2008) on Rules-and-Facts data (docs/raf.md): x ~ N(0, I_d), y = sign(w*.x/sqrt d) replaced
 * by a uniform +-1 with probability eps. Times cav_sim_svm to relative duality gap <= 1e-8 and
 * prints epochs, coordinate updates, the gap, support vectors and the objective
 * J = sum max(0, 1 - y w.x/sqrt d) + lambda |w|^2/2.
 * Usage: bench_sim_svm                   the default grid (d = 1000, n = 2000 and 3000)
 *        bench_sim_svm n d lambda eps    one case
 *        bench_sim_svm kernel n d lambda eps   the kernel (Gram operator) path, mu1 = mustar = 1 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cavity/loss.h"
#include "cavity/sim.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int one(int kernel, size_t n, size_t d, double lambda, double eps)
{
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc((kernel ? n : d) * sizeof *w),
           *K = kernel ? malloc(n * n * sizeof *K) : NULL;
    cav_err err = {0, ""};
    if (!ws || !X || !y || !w || (kernel && !K) || cav_sim_teacher(1, 1, d, NULL, ws, &err) ||
        cav_sim_raf_data(1, 2, n, d, ws, eps, X, NULL, y, NULL, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    cav_sim_fit fit;
    double t0 = now(), t1;
    int st;
    if (kernel) {
        cav_sim_kernel ker = {1.0, 1.0};
        cav_sim_kernel_gram(&ker, n, d, X, K, &err);
        cav_loss loss = {&cav_loss_hinge, {0, 0}};
        t0 = now();
        st = cav_sim_kernel_fit(&loss, n, K, y, lambda, NULL, w, &fit, &err);
        t1 = now();
    } else {
        st = cav_sim_svm(n, d, X, y, lambda, NULL, w, NULL, &fit, &err);
        t1 = now();
    }
    printf("%-6s d = %4zu n = %4zu lambda = %-6g eps = %-4g %8.3f s  %-10s epochs %6ld  "
           "updates %9ld  gap %.2e  nsv %5ld  J = %.10g\n",
           kernel ? "kernel" : "linear", d, n, lambda, eps, t1 - t0, cav_status_name(st),
           fit.iterations, fit.inner, fit.residual, fit.nsv, fit.objective);
    fflush(stdout);
    free(ws), free(X), free(y), free(w), free(K);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        int kernel = strcmp(argv[1], "kernel") == 0;
        char **a = argv + kernel;
        if (argc - kernel < 5) {
            fprintf(stderr, "usage: bench_sim_svm [kernel] n d lambda eps\n");
            return 2;
        }
        return one(kernel, (size_t)atol(a[1]), (size_t)atol(a[2]), atof(a[3]), atof(a[4]));
    }
    static const struct {
        size_t n, d;
        double lambda, eps;
    } grid[] = {{2000, 1000, 0.1, 0.2},
                {2000, 1000, 0.1, 0.4},
                {2000, 1000, 0.01, 0.2},
                {2000, 1000, 0.01, 0.4},
                {3000, 1000, 0.01, 0.4}};
    for (size_t k = 0; k < sizeof grid / sizeof grid[0]; k++)
        if (one(0, grid[k].n, grid[k].d, grid[k].lambda, grid[k].eps)) return 1;
    return 0;
}
