/* cavity/fixpt.h — fixed-point solver x = F(x) for saddle-point / state-evolution equations.
 *
 * Set / iterate / test in the style of GSL and SUNDIALS' fixed-point module:
 *   damped Picard   x <- (1-a) x + a F(x), with adaptive damping a: the residual
 *                   r(x) = ||F(x) - x||_inf / (1 + ||x||_inf) (relative sup-norm, i.e. judged on
 *                   the equations, not on the step) is monitored; a step that increases it more
 *                   than `grow_tol` times is rejected and a is halved (down to damping_min), and
 *                   a is increased again (x1.5 up to damping_max) after `patience` good steps;
 *   Anderson(m)     type-II Anderson acceleration on the last m residuals (least squares by QR),
 *                   used when anderson_m > 0 and the accelerated point has a smaller residual,
 *                   falling back to the damped step otherwise.
 * Converged when r(x) <= tol. The map may refuse a point (return a positive status, e.g. when
 * a variance would become negative): the solver then halves the damping and retries.
 * Nothing allocates inside iterate(); cav_fixpt_free(NULL) is a no-op.
 */
#ifndef CAVITY_FIXPT_H
#define CAVITY_FIXPT_H

#include <stddef.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The map: fx = F(x) for x, fx of length n. Returns CAV_OK, or a positive status (with a
 * message on `err`) if F cannot be evaluated at x. */
typedef int (*cav_fixpt_map)(void *ctx, const double *x, double *fx, cav_err *err);

typedef struct cav_fixpt_opts {
    double tol;         /* residual tolerance (default 1e-10) */
    int max_iter;       /* iteration budget (default 10000) */
    double damping;     /* initial damping a in (0, 1] (default 1) */
    double damping_min; /* smallest damping before giving up (default 1e-4) */
    double damping_max; /* largest damping (default 1) */
    int anderson_m;     /* Anderson depth, 0 = off (default 5) */
    double grow_tol; /* reject a step whose residual grows by more than this factor (default 2) */
    int patience;    /* good steps before the damping is increased again (default 5) */
} cav_fixpt_opts;

cav_fixpt_opts cav_fixpt_opts_default(void);

typedef struct cav_fixpt cav_fixpt;

/* Allocate a solver for n unknowns (NULL when out of memory). */
cav_fixpt *cav_fixpt_alloc(size_t n);
void cav_fixpt_free(cav_fixpt *s);

/* Set the map, its context (borrowed), the start x0 (copied) and options (NULL: defaults).
 * Evaluates F(x0). Returns CAV_OK or the map's status. */
int cav_fixpt_set(cav_fixpt *s, cav_fixpt_map F, void *ctx, const double *x0,
                  const cav_fixpt_opts *opts);

/* One accepted step (may evaluate F several times while backtracking the damping).
 * Returns CAV_OK, CAV_EDIVERGE when the damping fell below damping_min because the residual kept
 * growing, or the map's status when the map refused every trial down to damping_min. */
int cav_fixpt_iterate(cav_fixpt *s);

/* CAV_OK if the current residual <= tol, CAV_CONTINUE otherwise. */
int cav_fixpt_test(const cav_fixpt *s, double tol);

/* Observer called after each accepted step; a non-zero return stops the solve. */
typedef int (*cav_fixpt_observer)(void *ctx, size_t iter, const double *x, double residual);

/* Iterate until converged or the budget is spent. Returns CAV_OK (converged), CAV_EMAXITER,
 * CAV_EDIVERGE, the map's error (when it refused every trial down to damping_min), or
 * CAV_CONTINUE when the observer stopped an unconverged solve; in every case x(), residual() and
 * iterations() describe the last accepted iterate and cav_fixpt_error(s)->msg says what happened.
 * observer may be NULL. */
int cav_fixpt_solve(cav_fixpt *s, cav_fixpt_observer obs, void *obs_ctx);

const double *cav_fixpt_x(const cav_fixpt *s);    /* current iterate (library-owned) */
double cav_fixpt_residual(const cav_fixpt *s);    /* r(x) of the current iterate */
size_t cav_fixpt_iterations(const cav_fixpt *s);  /* accepted steps so far */
size_t cav_fixpt_evaluations(const cav_fixpt *s); /* calls of F so far */
double cav_fixpt_damping(const cav_fixpt *s);     /* current damping */
const cav_err *cav_fixpt_error(const cav_fixpt *s);

#ifdef __cplusplus
}
#endif
#endif
