/* cavity/saddle.h — the saddle-point driver shared by the theory engines.
 *
 * A replica saddle point or state evolution is a fixed point x = F(x) of a small map (a few
 * order parameters). The driver runs the policy every engine needs, so that no engine writes it
 * again:
 *   1. the damped / Anderson fixed-point iteration of cavity/fixpt.h from x0, with at most
 *      `fixpt_cap` iterations (cheap per step, robust far from thresholds);
 *   2. if that has not converged (and failed for a reason other than bad input or memory),
 *      Newton's method (cavity/newton.h) on G(x) = F(x) - x, first from the last iterate, then
 *      from x0, each with at most `newton_cap` steps; a Newton result replaces the fixed-point
 *      one when it converged or reached a smaller residual. Components flagged `positive` are
 *      handled in log coordinates, so they stay positive. Near a threshold the plain map is
 *      barely contracting or even repulsive, where Newton still converges.
 * The residual is the fixed-point solver's: r(x) = ||F(x) - x||_inf / (1 + ||x||_inf).
 * Then the engine evaluates F once more at the returned x to read its conjugates and
 * observables.
 */
#ifndef CAVITY_SADDLE_H
#define CAVITY_SADDLE_H

#include <stddef.h>

#include "cavity/fixpt.h"
#include "cavity/newton.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_saddle_opts {
    cav_fixpt_opts fixpt; /* tolerance, damping, Anderson; fixpt.max_iter is the total budget */
    int fixpt_cap;        /* fixed-point iterations before the fallback (default 100) */
    int newton_cap;       /* Newton steps per start (default 100, and <= fixpt.max_iter) */
    unsigned positive;    /* bit i set: x[i] > 0 is kept (Newton in log x[i]); n <= 32 */
} cav_saddle_opts;

/* Defaults: cav_fixpt_opts_default(), fixpt_cap 100, newton_cap 100, no positive components. */
cav_saddle_opts cav_saddle_opts_default(void);

typedef struct cav_saddle_result {
    int status;                /* CAV_OK, CAV_EMAXITER, CAV_ENUMERIC, ... of the accepted solve */
    double residual;           /* r(x) at the returned x */
    long iterations;           /* fixed-point iterations plus Newton steps */
    long evaluations;          /* calls of F */
    int newton;                /* 1 if the returned x came from the Newton fallback */
    char msg[CAV_ERR_MSG_LEN]; /* the fixed-point solver's message, or "Newton fallback: ..." */
} cav_saddle_result;

/* Solve x = F(x) for n <= CAV_NEWTON_MAXN unknowns from x0 (borrowed); the best point found is
 * written to x (n doubles). Returns out->status: CAV_OK when r(x) <= o->fixpt.tol, otherwise
 * the status of the accepted attempt with x its last iterate (never garbage: non-convergence is
 * a result). o may be NULL (defaults). */
int cav_saddle_solve(cav_fixpt_map F, void *ctx, size_t n, const double *x0, double *x,
                     const cav_saddle_opts *o, cav_saddle_result *out);

#ifdef __cplusplus
}
#endif
#endif
