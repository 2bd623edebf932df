/* Shared helpers for the sim unit tests: a plain Gaussian-elimination solver written
 * independently of LAPACK (the reference for the closed forms), and small data makers. */
#ifndef CAVITY_TEST_SIMTEST_H
#define CAVITY_TEST_SIMTEST_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rng.h"

/* Solve M x = b (m x m, row-major, overwritten) by Gauss-Jordan with partial pivoting. */
static inline int gauss_solve(size_t m, double *M, double *b)
{
    for (size_t c = 0; c < m; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < m; r++)
            if (fabs(M[r * m + c]) > fabs(M[piv * m + c])) piv = r;
        if (M[piv * m + c] == 0.0) return 1;
        if (piv != c) {
            for (size_t j = 0; j < m; j++) {
                double t = M[c * m + j];
                M[c * m + j] = M[piv * m + j];
                M[piv * m + j] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (size_t r = 0; r < m; r++) {
            if (r == c) continue;
            double f = M[r * m + c] / M[c * m + c];
            for (size_t j = c; j < m; j++)
                M[r * m + j] -= f * M[c * m + j];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = 0; c < m; c++)
        b[c] /= M[c * m + c];
    return 0;
}

/* h = X w / sqrt(d) with plain loops. */
static inline void field(size_t n, size_t d, const double *X, const double *w, double *h)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += X[i * d + j] * w[j];
        h[i] = s / sqrt((double)d);
    }
}

static inline double maxabsdiff(size_t n, const double *a, const double *b)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > m) m = fabs(a[i] - b[i]);
    return m;
}

static inline double maxabs(size_t n, const double *a)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i]) > m) m = fabs(a[i]);
    return m;
}

#endif
