/* Family-wise "3 standard errors" for theory-vs-simulation tests that make many comparisons.
 *
 * A test executable compares theory and simulation at m points (observables x parameters x
 * time steps). With a per-comparison cut |z| <= 3, a correct theory still fails with probability
 * 1 - 0.9973^m: 14% for m = 56, 82% for m = 640. So each |z| must stay below the Sidak threshold
 * z*(m) that keeps the probability of any false alarm at 0.27%, the two-sided 3-sigma level:
 *     z* = Phi^{-1}(1 - a/2),  a = 1 - (1 - 0.0027)^(1/m)
 * (z* = 3 for m = 1, 4.06 for m = 56, 4.45 for m = 320, 4.79 for m = 1560). A real error in the
 * theory (a wrong scaling or a missing factor) gives z of 10 and more at these sizes, so the
 * tests keep their power; what they no longer do is fail on the expected largest fluctuation. */
#ifndef TESTS_MODELS_ZCRIT_H
#define TESTS_MODELS_ZCRIT_H

#include <math.h>

#include <gsl/gsl_cdf.h>

static inline double test_zcrit(int m)
{
    double a = -expm1(log1p(-0.0027) / (m > 1 ? m : 1));
    return gsl_cdf_ugaussian_Qinv(a / 2);
}

#endif
