/* bench/bench_blocks.c — throughput of the loss proximal maps (the hot loop of the ERM replica
 * engine: ~1e7 logistic prox calls per curve). Times cav_loss_prox on batches of 4096 points with
 * omega ~ N(0, 4), y = +-1 and V in {0.01, 1, 100}, and prints calls per second per loss.
 * Usage: bench_blocks [total_calls]   (default 2e7 per loss and V)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cavity/loss.h"
#include "cavity/rng.h"

#define BATCH 4096

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : 20000000L;
    static double y[BATCH], om[BATCH], V[BATCH], h[BATCH], d[BATCH];
    cav_rng rng;
    cav_rng_init(&rng, 1, 0, 0);
    for (int i = 0; i < BATCH; i++) {
        y[i] = cav_rng_sign(&rng);
        om[i] = 2.0 * cav_rng_normal(&rng);
    }
    static const double Vs[] = {0.01, 1.0, 100.0};
    double sink = 0;
    printf("loss,V,calls,seconds,calls_per_second,ns_per_call\n");
    for (const cav_loss_type *const *t = cav_loss_registry(); *t; t++)
        for (int iv = 0; iv < 3; iv++) {
            cav_loss L = {*t, {0, 0}};
            for (int i = 0; i < BATCH; i++)
                V[i] = Vs[iv];
            long reps = total / BATCH;
            double t0 = now();
            for (long r = 0; r < reps; r++) {
                om[r % BATCH] += 1e-9; /* keep the compiler honest */
                cav_loss_prox(&L, BATCH, y, om, V, h, d);
                sink += h[r % BATCH] + d[(r * 7) % BATCH];
            }
            double dt = now() - t0;
            double calls = (double)reps * BATCH;
            printf("%s,%g,%.0f,%.3f,%.3g,%.2f\n", (*t)->name, Vs[iv], calls, dt, calls / dt,
                   1e9 * dt / calls);
        }
    fprintf(stderr, "checksum %g\n", sink);
    return 0;
}
