/* theory/adv_internal.h — private pieces of the adversarial state evolution (not installed):
 * the coordinate populations, the fixed-point context and map (adv.c) and the attack norms at a
 * fixed point (adv_metrics.c). Equations in src/theory/adv/adv.c. */
#ifndef CAVITY_THEORY_ADV_INTERNAL_H
#define CAVITY_THEORY_ADV_INTERNAL_H

#include "cavity/adversarial.h"

/* A population of feature coordinates: fraction f of the p features, teacher coupling c,
 * feature variance w, weights k2 = d dq_z/d(w_i^2) and k1 = d dP_z/d|w_i| of the latent-space
 * norms, and t2, t1 the same for the norms the training attack sees (= k2, k1 for an attack on z;
 * gamma, gamma for an attack on the features) (adv.c). */
typedef struct cav_adv_pop {
    double f, c, w, k2, k1, t2, t1;
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
    double q_z, P_z; /* |v|^2/d and ||v||_1/d */
} cav_adv_ctx;

/* Populations of problem p into pop (returns their count), a = n/p and g = gamma (or 1). */
int cav_adv_populations(const cav_adv_problem *p, cav_adv_pop pop[2], double *a, double *g);

/* One evaluation of the state-evolution map x -> F(x), x = (m, q, V, q_t, P_t) with (q_t, P_t)
 * the l_2 and l_1 order parameters of the training attack's space: (q_z, P_z) on z, (q_w, P_w)
 * on the features. */
int cav_adv_map(cav_adv_ctx *c, const double *x, double *fx, cav_err *err);

/* N_rob and N_cns of the test attack norm at the fixed point in s (after cav_adv_map at it). */
int cav_adv_norms(const cav_adv_ctx *c, const cav_adv_solution *s, double *n_rob, double *n_cns,
                  cav_err *err);

#endif
