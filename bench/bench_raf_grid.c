/* bench_raf_grid — the kernel simulations of the main job (`cavity compare raf`: kernel ridge,
 * lambda = 0.1, eps = 0.2, d = 1000, mu1 = mustar = 1, alpha = 0.25, 0.5, 1, 1.5, 2, 3, 4) run
 * point by point (cav_sim_raf_experiment, what the runner does today) and seed by seed over the
 * whole alpha grid (cav_sim_raf_experiment_grid: one Gram matrix, one Cholesky factorisation,
 * one cross kernel per seed). Prints both times and the largest differences of the
 * observables between the two (they agree to rounding; error counts exactly).
 * Usage: bench_raf_grid [seeds d] (default 2 seeds, d = 1000; the main job runs 10). */
#include <math.h>
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

static double rel(double a, double b)
{
    if (isnan(a) && isnan(b)) return 0.0;
    return fabs(a - b) / fmax(fabs(a), 1e-300);
}

int main(int argc, char **argv)
{
    const int S = argc > 1 ? atoi(argv[1]) : 2;
    const size_t d = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    const double alphas[] = {0.25, 0.5, 1, 1.5, 2, 3, 4};
    enum { NA = sizeof alphas / sizeof alphas[0] };
    cav_sim_raf_config c;
    cav_sim_raf_config_default(&c);
    c.learner = CAV_SIM_KERNEL;
    c.loss.type = &cav_loss_square;
    c.lambda = 0.1, c.eps = 0.2, c.d = d, c.mu1 = 1, c.mustar = 1;
    cav_sim_raf_result one[NA], grid[NA];
    double t_one = 0, t_grid = 0, d_count = 0, d_loss = 0, d_obj = 0;
    for (int s = 0; s < S; s++) {
        c.seed = (uint64_t)(1 + s);
        double t0 = now();
        for (int k = 0; k < NA; k++) {
            c.alpha = alphas[k];
            cav_sim_raf_experiment(&c, one + k);
        }
        double t1 = now();
        cav_sim_raf_experiment_grid(&c, NA, alphas, grid);
        double t2 = now();
        t_one += t1 - t0, t_grid += t2 - t1;
        for (int k = 0; k < NA; k++) {
            if (one[k].status || grid[k].status) {
                fprintf(stderr, "bench_raf_grid: status %d / %d: %s %s\n", one[k].status,
                        grid[k].status, one[k].msg, grid[k].msg);
                return 1;
            }
            d_count = fmax(d_count, fabs(one[k].obs.egen - grid[k].obs.egen));
            d_count = fmax(d_count, fabs(one[k].obs.emem - grid[k].obs.emem));
            d_count = fmax(d_count, fabs(one[k].obs.etrain_rule - grid[k].obs.etrain_rule));
            d_loss = fmax(d_loss, rel(one[k].obs.train_loss, grid[k].obs.train_loss));
            d_obj = fmax(d_obj, rel(one[k].fit.objective, grid[k].fit.objective));
        }
        printf("seed %d: point by point %.2f s, grid %.2f s\n", s + 1, t1 - t0, t2 - t1);
    }
    printf("kernel ridge, d = %zu, %d alphas x %d seeds: point by point %.2f s, grid %.2f s "
           "(%.2fx); max |diff| of egen / emem / etrain_rule %.2g, max rel. diff of train_loss "
           "%.2g, of the objective %.2g\n",
           d, NA, S, t_one, t_grid, t_one / t_grid, d_count, d_loss, d_obj);
    return 0;
}
