/* theory/adv_internal.h — private pieces of the adversarial state evolution (not installed):
 * the coordinate populations, the fixed-point context and map (adv.c) and the attack norms at a
 * fixed point (adv_metrics.c). Equations in src/theory/adv/adv.c. */
#ifndef CAVITY_THEORY_ADV_INTERNAL_H
#define CAVITY_THEORY_ADV_INTERNAL_H

#include "cavity/adversarial.h"

/* A population of feature coordinates: fraction f of the p features, teacher coupling c,
 * feature variance w, l_2- and l_inf-attack penalty weights k2, k1 (adv.c). */
typedef struct cav_adv_pop {
    double f, c, w, k2, k1;
} cav_adv_pop;

typedef struct cav_adv_ctx {
    const cav_adv_problem *p;
    cav_adv_pop pop[2];
    int npop;
    double a; /* samples per feature n/p */
    double g; /* gamma (1 for the direct model) */
    /* set by the last cav_adv_map call */
    double hat[4]; /* mhat, qhat, Vhat, eps_t alpha E[y f] */
    double shift;  /* eps_t N */
    double D[2], T[2];
    double q_w, P_w; /* |w|^2/p and ||w||_1/p */
} cav_adv_ctx;

/* Populations of problem p into pop (returns their count), a = n/p and g = gamma (or 1). */
int cav_adv_populations(const cav_adv_problem *p, cav_adv_pop pop[2], double *a, double *g);

/* One evaluation of the state-evolution map x -> F(x), x = (m, q, V, q_z, P). */
int cav_adv_map(cav_adv_ctx *c, const double *x, double *fx, cav_err *err);

/* N_rob and N_cns of the test attack norm at the fixed point in s (after cav_adv_map at it). */
int cav_adv_norms(const cav_adv_ctx *c, const cav_adv_solution *s, double *n_rob, double *n_cns,
                  cav_err *err);

#endif
