/* bench_spectral — speed of the spectral models: a 100-point quadratic-net theory curve
 * (lambda -> 0+, kappa* 0.5, delta 0.5, alpha in (0, 1], continuation through the double-descent
 * peak), a 100-point Bayes-optimal curve (symmetric, kappa* 0.5, delta 0), and one convex ERM
 * simulation (APG, quadratic sensing) at d = 100, alpha = 0.5, lambda = 0.1. Figures in
 * bench/README.md. */
#include <stdio.h>
#include <time.h>

#include "cavity/msense.h"
#include "cavity/quadnet.h"
#include "cavity/spectral_sim.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    cav_err e = {0};
    double t0 = now();
    cav_quadnet_warm w = {0};
    int fails = 0;
    for (int i = 1; i <= 100; i++) {
        cav_quadnet_params p = {0.01 * i, 0.5, 2, 0, 0.5};
        cav_quadnet_result r;
        fails += cav_quadnet_theory(&p, &w, &r, &e) != CAV_OK;
    }
    printf("quadratic-net theory, 100 points: %.3f s (%d failed)\n", now() - t0, fails);
    t0 = now(), fails = 0;
    for (int i = 1; i <= 100; i++) {
        cav_msense_params p = {CAV_MSENSE_SYMMETRIC, 0.006 * i, 0, 0.5, 1, 1};
        cav_msense_result r;
        fails += cav_msense_theory(&p, &r, &e) != CAV_OK;
    }
    printf("Bayes-optimal symmetric, 100 points: %.3f s (%d failed)\n", now() - t0, fails);
    t0 = now(), fails = 0;
    for (int i = 1; i <= 20; i++) {
        cav_msense_params p = {CAV_MSENSE_RECTANGULAR, 0.05 * i, 0, 1, 2, 0.3};
        cav_msense_result r;
        fails += cav_msense_theory(&p, &r, &e) != CAV_OK;
    }
    printf("Bayes-optimal rectangular, 20 points: %.3f s (%d failed)\n", now() - t0, fails);
    t0 = now();
    cav_quadnet_sim_params sp = {100, 0.5, 0.5, 2, 0.1, 0, CAV_SENSING_QUADRATIC,
                                 CAV_QN_SOLVER_APG, 0, 0, 1};
    cav_quadnet_sim_result sr;
    int st = cav_quadnet_sim(&sp, &sr, &e);
    printf("convex ERM d = 100, alpha = 0.5 (n = %d): %.2f s, status %d, %s, mse %.4f\n", sr.n,
           now() - t0, st, sr.msg, sr.mse);
    return 0;
}
