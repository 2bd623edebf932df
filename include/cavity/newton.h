/* cavity/newton.h — Newton's method for small nonlinear systems G(y) = 0 (n <= CAV_NEWTON_MAXN),
 * the fallback of the saddle-point engines when the damped / Anderson fixed-point iteration
 * stalls near a threshold (where the plain map is barely contracting or repulsive).
 *
 * Jacobian by forward differences (step 1e-7 (1 + |y_j|): the residual functions of the engines
 * are smooth in y and their quadrature error is ~1e-12, so J is accurate to ~1e-5 and Newton
 * still converges fast), the step by Gaussian elimination with partial pivoting, and a
 * backtracking search that accepts the first step (1, 1/2, 1/4, ... down to 1e-8) lowering the
 * scalar residual r(y) the callback returns. The caller chooses the variables y (e.g. logs of
 * quantities that must stay positive) and the residual norm.
 */
#ifndef CAVITY_NEWTON_H
#define CAVITY_NEWTON_H

#include <stddef.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_NEWTON_MAXN 8

/* Residual: g[0..n) = G(y) and its scalar norm *r. Returns CAV_OK or an error on err. */
typedef int (*cav_newton_fn)(void *ctx, const double *y, double *g, double *r, cav_err *err);

typedef struct cav_newton_info {
    double residual;  /* r at the returned y */
    long iterations;  /* Newton steps taken */
    long evaluations; /* calls of the residual function */
} cav_newton_info;

/* Solve G(y) = 0 from y (updated in place to the best point found) until r <= tol or maxit
 * steps. Returns CAV_OK (converged), CAV_EMAXITER (budget spent or no step lowers r: y is the
 * best point, info->residual its residual), CAV_ENUMERIC (singular Jacobian), CAV_EINVAL
 * (n out of range), or the residual function's error. info may be NULL. */
int cav_newton_solve(cav_newton_fn f, void *ctx, size_t n, double *y, double tol, int maxit,
                     cav_newton_info *info, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
