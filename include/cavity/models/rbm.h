/* cavity/models/rbm.h — the `rbm` model: a restricted Boltzmann machine with k hidden units
 * learning spiked-covariance data of rank r, by AMP-RBM, gradient ascent on the likelihood, the
 * Bayes-optimal estimator or PCA.
 *
 * Xu, Krzakala, Zdeborová, "Learning with Restricted Boltzmann Machines: Asymptotics of AMP and
 * GD in High Dimensions", arXiv:2505.18046 (2025); docs/rbm.md. The engine is cavity/rbm.h
 * (itself on the multi-index engine of cavity/multi_index.h). Library use as in models/raf.h:
 * cav_model_defaults(&cav_model_rbm, &p), then cav_model_theory / cav_model_simulate.
 */
#ifndef CAVITY_MODELS_RBM_H
#define CAVITY_MODELS_RBM_H

#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_RBM_M_BO = 0, CAV_RBM_M_PCA = 1, CAV_RBM_M_GD = 2, CAV_RBM_M_AMP = 3 };

typedef struct cav_rbm_model_params {
    int method;        /* bo, pca, gd, amp */
    double lambda;     /* strength of spike 1 */
    double ratio;      /* Lambda_jj = ratio^{j-1} lambda */
    double alpha;      /* n/d */
    long k, r;         /* hidden units, spikes (1..3) */
    int hidden;        /* RBM hidden units: rademacher, gaussian */
    int spike_prior;   /* entries of the spikes: rademacher, gaussian */
    int latent_prior;  /* latents: rademacher, gaussian */
    long d;            /* simulation: dimension (n = round(alpha d)) */
    long steps;        /* simulation: gradient-ascent steps (gd) */
    double lr;         /* simulation: gradient-ascent step (gd) */
    double init_scale; /* simulation: start W = init_scale xi (gd, amp) */
    long iters;        /* simulation: AMP-RBM iterations (amp) */
} cav_rbm_model_params;

/* Observables: matrices k x r (zeta, cos) and k x k (gram) in the upper-left corner of 3 x 3
 * (other entries NaN); thresholds of spikes 1..r (NaN beyond r). */
typedef struct cav_rbm_obs {
    double zeta[3][3]; /* overlap W^T U* / d */
    double cos[3][3];  /* zeta_ij / sqrt(gram_ii Lambda_jj) */
    double gram[3][3]; /* W^T W / d */
    double loglik;     /* J(W) = (1/n) sum eta(W^T x/sqrt d) - psi(W^T W/d) (simulation) */
    double lambda_c1, lambda_c2, lambda_c3; /* weak-recovery threshold in lambda of each spike */
} cav_rbm_obs;

extern const cav_model cav_model_rbm;

#ifdef __cplusplus
}
#endif
#endif
