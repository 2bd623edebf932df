/* cavity/roots.h — scalar root finding and minimisation (Brent's methods).
 *
 * For thresholds and one-dimensional optimisations inside theory engines: no allocation, the
 * function is called with a borrowed context, and a non-finite function value is an error, not a
 * silent wrong answer. Reference: R. P. Brent, Algorithms for Minimization without Derivatives
 * (Prentice-Hall 1973), chapters 4 (zero) and 5 (minimum).
 */
#ifndef CAVITY_ROOTS_H
#define CAVITY_ROOTS_H

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Scalar function with context. */
typedef double (*cav_scalar_fn)(void *ctx, double x);

/* A root of f in [a, b] where f(a), f(b) have opposite signs (or one is zero), to within
 * xtol + 4 eps |x| (xtol >= 0; 0 asks for full precision). At most max_iter function evaluations
 * (<= 0: 200). Writes the root to *x. Returns CAV_OK, CAV_EINVAL when [a, b] does not bracket a
 * sign change (the message gives f(a), f(b)), CAV_ENUMERIC on a non-finite f, CAV_EMAXITER when
 * the budget ran out (*x holds the best bracket end). */
int cav_root_brent(cav_scalar_fn f, void *ctx, double a, double b, double xtol, int max_iter,
                   double *x, cav_err *err);

/* Expand [a, b] geometrically (factor 1.6, at most max_expand times, <= 0: 50) until f changes
 * sign; the bracket is written back to *a, *b. Returns CAV_OK, CAV_EMAXITER if none was found,
 * CAV_ENUMERIC on a non-finite f. */
int cav_root_bracket(cav_scalar_fn f, void *ctx, double *a, double *b, int max_expand,
                     cav_err *err);

/* A local minimum of f on [a, b] by Brent's golden-section / parabolic method, to within
 * xtol + sqrt(eps) |x| (the attainable accuracy of a minimiser). Writes *xmin and *fmin (may be
 * NULL). Returns CAV_OK, CAV_EINVAL when a >= b, CAV_ENUMERIC on a non-finite f, CAV_EMAXITER. */
int cav_min_brent(cav_scalar_fn f, void *ctx, double a, double b, double xtol, int max_iter,
                  double *xmin, double *fmin, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
