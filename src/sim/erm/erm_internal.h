/* sim/erm/erm_internal.h — the smooth-loss ERM machinery shared by the L-BFGS (lbfgs.c) and
 * Newton (logistic.c) solvers: one evaluation of (J, grad J) is one fused pass over X
 * (sim_gemv_fused), bitwise the same for any thread count. Not public. */
#ifndef CAVITY_SIM_ERM_INTERNAL_H
#define CAVITY_SIM_ERM_INTERNAL_H

#include <stddef.h>

#include "sim/internal.h"

/* Pointwise loss on n samples: l = l(y, h), dl = l'(y, h), ddl = l''(y, h) (ddl may be NULL).
 * Called concurrently on disjoint row blocks. */
typedef void (*sim_lossfn)(void *ctx, size_t n, const double *y, const double *h, double *l,
                           double *dl, double *ddl);

/* J(w) = sum_mu l(y_mu, s x_mu.w) + (lambda/2)|w|^2, s = 1/sqrt(d). D (length n, may be NULL)
 * receives l'' at the fields of the last evaluation (Newton). */
typedef struct sim_erm_problem {
    size_t n, d;
    const double *X, *y;
    double lambda, s;
    sim_lossfn lossfn;
    void *ctx;
    double *D;
} sim_erm_problem;

/* One fused pass at w: z = s X w, l, dl (and P->D) at z, g = lambda w + s X^T dl; returns J.
 * work: SIM_GEMV_T_CHUNKS d doubles. */
double sim_erm_eval(const sim_erm_problem *P, const double *w, double *z, double *l, double *dl,
                    double *g, double *work);

/* ||grad J(0)|| (the reference of the stopping rule); leaves l, dl at h = 0 and g = grad J(0).
 * h: n doubles of scratch (set to 0). One pass. */
double sim_erm_grad0(const sim_erm_problem *P, double *h, double *l, double *dl, double *g,
                     double *work);

/* Armijo step along p from w (z = s X w, J, g current): tries w + p with one pass (accepted
 * almost always), otherwise backtracks along the ray with s X p = z(w + p) - z(w) in O(n) per
 * trial and evaluates the accepted point (a second pass). On success (1) wt, zt, l, dl, gt, *Jt
 * (and P->D) hold the new point; 0: no decrease at any of 60 halvings (rounding floor).
 * h: n doubles of scratch. */
int sim_erm_step(const sim_erm_problem *P, double J, const double *g, const double *w,
                 const double *p, double *wt, const double *z, double *zt, double *h, double *l,
                 double *dl, double *gt, double *work, double *Jt);

/* sim_lossfn for a registered loss (ctx: const cav_loss *). */
void sim_vtable_lossfn(void *ctx, size_t n, const double *y, const double *h, double *l, double *dl,
                       double *ddl);

/* L-BFGS (lbfgs.c) from w = 0, or from w on entry when warm. */
int sim_lbfgs_core(const sim_erm_problem *P, const cav_sim_opts *opts, int warm, double *w,
                   cav_sim_fit *fit, cav_err *err);

#endif
