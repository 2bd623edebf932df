/* Benchmark: one adversarial-training logistic fit (src/sim/adv/adv_erm.c) at d = 1000, n = 2000
 * (alpha = 2), lambda = 1e-3, eps_t = 0.5, for the l_2 and the l_inf training attack, plus the
 * plain fit and the consistent-attack thresholds (l_inf weighted median) for reference.
 * Usage: bench_adv_sim [d] [alpha] [lambda] [eps_t]. Prints wall times. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cavity/adv_sim.h"
#include "cavity/rng.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t d = argc > 1 ? (size_t)atol(argv[1]) : 1000;
    double alpha = argc > 2 ? atof(argv[2]) : 2.0;
    double lambda = argc > 3 ? atof(argv[3]) : 1e-3;
    double eps = argc > 4 ? atof(argv[4]) : 0.5;
    size_t n = (size_t)(alpha * (double)d);
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *th = malloc(d * sizeof *th), *w = malloc(d * sizeof *w), *v = malloc(d * sizeof *v);
    cav_rng r;
    cav_rng_init(&r, 1, 2, 3);
    cav_rng_normal_fill(&r, d, 1.0, th);
    cav_err err = {0, ""};
    if (cav_adv_data(1, 7, 0, n, d, d, th, X, NULL, NULL, y, &err)) {
        fprintf(stderr, "bench_adv_sim: %s\n", err.msg);
        return 1;
    }
    cav_loss L = {&cav_loss_logistic, {0, 0}};
    printf("d = %zu, n = %zu, lambda = %g, eps_t = %g, logistic\n", d, n, lambda, eps);
    const int norms[3] = {CAV_ADV_L2, CAV_ADV_L2, CAV_ADV_LINF};
    const double epss[3] = {0.0, eps, eps};
    const char *names[3] = {"plain (eps_t = 0)", "l_2 attack", "l_inf attack"};
    for (int c = 0; c < 3; c++) {
        cav_adv_attack a;
        cav_adv_attack_make(0, 0, norms[c], epss[c], d, d, &a, NULL);
        cav_sim_fit f;
        double t0 = now();
        int st = cav_adv_erm(&L, n, d, X, y, lambda, 2, &a, NULL, w, &f, &err);
        double t1 = now();
        int zeros = 0;
        for (size_t j = 0; j < d; j++)
            zeros += w[j] == 0.0;
        printf("%-18s %8.3f s  status %d  residual %.2e  steps %ld  CG %ld  zeros %d\n", names[c],
               t1 - t0, st, f.residual, f.iterations, f.inner, zeros);
    }
    for (size_t j = 0; j < d; j++)
        v[j] = w[j] / 1000.0;
    double t0 = now();
    double D = cav_adv_consistent_norm(d, v, th, CAV_ADV_LINF, NULL);
    printf("consistent l_inf threshold D = %.6g: %.2e s\n", D, now() - t0);
    free(X), free(y), free(th), free(w), free(v);
    return 0;
}
