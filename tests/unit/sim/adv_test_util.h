/* Helpers shared by the exact-solver tests of adversarial training (test_adv_hinge.c,
 * test_adv_square.c): the attack term N(w), the fixed data set and an independent dense SPD
 * solve, used to recompute objectives and duality gaps from w alone. */
#ifndef TESTS_ADV_TEST_UTIL_H
#define TESTS_ADV_TEST_UTIL_H

#include <math.h>
#include <stdlib.h>

#include "cavity/adv_sim.h"
#include "cavity/rng.h"

/* Attack term N(w) of cavity/adv_sim.h, recomputed independently of the library. */
static double Nw(const cav_adv_attack *a, const double *w)
{
    double N = 0.0;
    for (size_t j = 0; j < a->k; j++)
        N += a->norm == CAV_ADV_L2 ? w[j] * w[j] : fabs(w[j]);
    return a->scale * (a->norm == CAV_ADV_L2 ? sqrt(N) : N);
}

/* Solve the SPD system G x = b (n x n, row-major) by Gaussian elimination, in place. */
static void solve_dense(size_t n, double *G, double *b)
{
    for (size_t c = 0; c < n; c++)
        for (size_t r = c + 1; r < n; r++) {
            double f = G[r * n + c] / G[c * n + c];
            for (size_t j = c; j < n; j++)
                G[r * n + j] -= f * G[c * n + j];
            b[r] -= f * b[c];
        }
    for (size_t c = n; c-- > 0;) {
        for (size_t j = c + 1; j < n; j++)
            b[c] -= G[c * n + j] * b[j];
        b[c] /= G[c * n + c];
    }
}

/* Direct-model data: n samples in dimension d from a fixed teacher (seed 17) and data seed 3. */
static void data(size_t n, size_t d, double **X, double **y)
{
    *X = malloc(n * d * sizeof **X);
    *y = malloc(n * sizeof **y);
    double *th = malloc(d * sizeof *th);
    cav_rng r;
    cav_rng_init(&r, 17, 0, 0);
    cav_rng_normal_fill(&r, d, 1.0, th);
    assert_int_equal(cav_adv_data(3, 4, 0, n, d, d, th, *X, NULL, NULL, *y, NULL), CAV_OK);
    free(th);
}

#endif
