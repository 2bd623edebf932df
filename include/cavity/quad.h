/* cavity/quad.h — adaptive quadrature of smooth (vector) integrands over a finite interval.
 *
 * int_a^b f(x) dx for f with up to CAV_GAUSS_MAXOUT components, by the engine of cavity/gauss.h
 * without its Gaussian weight: [a, b] is cut at the caller's breakpoints (kinks, or just initial
 * panels), each panel integrated by the 15-point Gauss–Kronrod rule with the QUADPACK error
 * estimate, and the panel with the largest error relative to its component's tolerance bisected
 * until every component satisfies sum err_k <= max(abstol, reltol |I_k|).
 *
 * Failure is a status, never a handler: unlike GSL's QAG this never calls the process-wide GSL
 * error handler, so it is safe in concurrent threads. Integrable endpoint singularities should be
 * removed by a change of variable first (e.g. x = a + (b - a)(1 - cos t)/2 for square-root edges).
 */
#ifndef CAVITY_QUAD_H
#define CAVITY_QUAD_H

#include "cavity/gauss.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_quad_opts {
    double abstol;  /* absolute tolerance per component (default 1e-12) */
    double reltol;  /* relative tolerance per component (default 1e-10) */
    int max_panels; /* refinement budget in panels, the initial ones included (default 400) */
} cav_quad_opts;

cav_quad_opts cav_quad_opts_default(void);

/* int_a^b f(x) dx, componentwise, f batched as in cavity/gauss.h (out[i*nout + k] = f_k(x[i])).
 * breaks[0..nbreaks): interior cut points (those outside (a, b) are ignored; <=
 * CAV_GAUSS_MAXBREAKS). res[nout]: the integrals; abserr[nout] (may be NULL): error estimates; opts
 * NULL: defaults. Returns CAV_OK, CAV_EMAXITER when the budget ran out (res holds the best
 * estimate; err says which component missed by how much), CAV_ENUMERIC on a non-finite integrand,
 * CAV_EINVAL on bad arguments (a >= b, nout outside [1, CAV_GAUSS_MAXOUT], ...). */
int cav_quad_integrate(cav_gauss_fn f, void *ctx, int nout, double a, double b,
                       const double *breaks, int nbreaks, const cav_quad_opts *opts, double *res,
                       double *abserr, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
