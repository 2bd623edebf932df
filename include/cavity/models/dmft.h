/* cavity/models/dmft.h — the time-axis models of first-order methods: `dmft-gd` (gradient descent
 * / mini-batch SGD on a GLM, DMFT theory vs simulation, per step) and `amp-wigner` (Bayes AMP on
 * spiked Wigner, state evolution vs simulation, per iteration): parameters and observables.
 *
 * Dandi, Gamarnik, Pernice, Zdeborová, "Rigorous Asymptotics for First-Order Algorithms Through
 * the Dynamical Cavity Method", arXiv:2603.14573 (2026); docs/dmft.md. Each result has one row
 * per step (the axis is the first observable). Library use as in models/raf.h, with the rows
 * read by cav_result_row(&r, t).
 */
#ifndef CAVITY_MODELS_DMFT_H
#define CAVITY_MODELS_DMFT_H

#include "cavity/loss.h"
#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_DMFT_GD_SIGN = 0, CAV_DMFT_GD_LINEAR = 1 }; /* channel choices */

typedef struct cav_dmft_gd_params {
    const cav_loss_type *loss; /* square, logistic, smooth-hinge */
    int channel;               /* CAV_DMFT_GD_SIGN: y = sign(nu); LINEAR: nu + sqrt(noise) xi */
    double alpha, lambda, eta; /* n/d, ridge, step size */
    long steps;                /* GD steps */
    double batch;              /* SGD batch fraction (1: full-batch GD) */
    double m0, q0;             /* start: teacher overlap and squared norm */
    double noise;              /* label noise variance (linear channel) */
    long d;                    /* simulation: dimension */
    long ntraj;                /* theory: trajectories of the sampled DMFT path */
} cav_dmft_gd_params;

typedef struct cav_dmft_gd_obs {
    double step, time, train_loss, test_error, m, q;
    double train_loss_mc, test_error_mc, m_mc, q_mc; /* theory: Monte-Carlo standard errors */
} cav_dmft_gd_obs;

typedef struct cav_amp_wigner_params {
    double snr;          /* beta^2; transition at 1 */
    long steps;          /* AMP iterations */
    double init_overlap; /* overlap of the informed start */
    long n;              /* simulation: dimension */
} cav_amp_wigner_params;

typedef struct cav_amp_wigner_obs {
    double step, overlap, mse;
} cav_amp_wigner_obs;

extern const cav_model cav_model_dmft_gd;
extern const cav_model cav_model_amp_wigner;

#ifdef __cplusplus
}
#endif
#endif
