/* cavity/models/rbm_gd.h — the time-axis model `rbm-gd`: gradient ascent on the RBM likelihood
 * (spiked-covariance data, k hidden units) against its k-index DMFT, step by step.
 *
 * Xu, Krzakala, Zdeborová, "Learning with Restricted Boltzmann Machines: Asymptotics of AMP and
 * GD in High Dimensions", arXiv:2505.18046 (2025); docs/rbm-gd.md. Theory: cavity/dmft_k.h;
 * simulation: cav_dmft_k_simulate on data of cav_rbm_data_draw. One row per step (axis `step`).
 */
#ifndef CAVITY_MODELS_RBM_GD_H
#define CAVITY_MODELS_RBM_GD_H

#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_rbm_gd_params {
    double lambda;       /* strength of spike 1 */
    double ratio;        /* Lambda_jj = ratio^{j-1} lambda */
    double alpha;        /* n/d */
    long k, r;           /* hidden units, spikes (1..3) */
    int hidden;          /* RBM hidden units: rademacher, gaussian */
    int spike_prior;     /* entries of the spikes (simulation only) */
    int latent_prior;    /* latents */
    long steps;          /* gradient-ascent steps */
    double lr;           /* step on n J(W) */
    double init_scale;   /* noise part of W^0 */
    double init_overlap; /* zeta(0) on the diagonal */
    long d;              /* simulation: dimension */
    long ntraj;          /* theory: trajectories of the sampled DMFT */
} cav_rbm_gd_params;

/* Matrices k x r (zeta, cos, zeta_mc) and k x k (gram, gram_mc) in the upper-left corner of 3 x 3
 * (other entries NaN). *_mc: Monte-Carlo standard errors of the theory (0 in simulations). */
typedef struct cav_rbm_gd_obs {
    double step;
    double zeta[3][3], cos[3][3], gram[3][3];
    double loglik;
    double zeta_mc[3][3], gram_mc[3][3];
    double loglik_mc;
} cav_rbm_gd_obs;

extern const cav_model cav_model_rbm_gd;

#ifdef __cplusplus
}
#endif
#endif
