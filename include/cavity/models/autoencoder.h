/* cavity/models/autoencoder.h — the hidden-factor autoencoder models: `autoencoder` (PCA and tied
 * one-neuron autoencoders against the sample ratio alpha) and `autoencoder-flow` (the gradient
 * flow of the population risk in time).
 *
 * Conde Mendes, Bardone, Koller, Medina Moreira, Erba, Troiani, Zdeborová, "A solvable
 * high-dimensional model where nonlinear autoencoders learn structure invisible to PCA while test
 * loss misaligns with generalization", arXiv:2602.10680 (2026). Data, learners and theory:
 * cavity/hf.h and docs/autoencoder.md. `cavity help autoencoder` lists the fields with defaults
 * and ranges.
 *
 * Library use:
 *     cav_autoencoder_params p;
 *     cav_model_defaults(&cav_model_autoencoder, &p);
 *     p.alpha = 8;
 *     cav_result r;
 *     cav_result_init(&r, (size_t)cav_model_autoencoder.nobs);
 *     cav_model_autoencoder.theory(&p, NULL, NULL, &r);
 *     const cav_autoencoder_obs *o = cav_result_row(&r, 0);   // o->theta_v, ...
 */
#ifndef CAVITY_MODELS_AUTOENCODER_H
#define CAVITY_MODELS_AUTOENCODER_H

#include "cavity/activation.h"
#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_AUTOENCODER_AE = 0, CAV_AUTOENCODER_PCA = 1, CAV_AUTOENCODER_BO = 2 };

typedef struct cav_autoencoder_params {
    int learner; /* ae (tied autoencoder), pca, or bo (Bayes-optimal estimator of u*, v*: state
                    evolution in theory, AMP in simulation) */
    const cav_activation_type *activation; /* ae activation (linear: the linear autoencoder) */
    int latent;                            /* CAV_HF_K1 .. CAV_HF_MIX (cavity/hf.h) */
    double gamma, delta;                   /* mix: probabilities of the k1 and k2 laws */
    double beta_u, beta_v;                 /* spike strengths */
    double alpha;                          /* n/d */
    double lambda;                         /* weight decay */
    long d;                                /* simulation: dimension */
    double lr;                             /* simulation: Adam learning rate */
    long epochs;                           /* simulation: full-batch Adam steps */
    long ntest;                            /* simulation: fresh samples of the test loss */
    long draws;                            /* downstream draws of 100 samples */
    long amp_steps;                        /* simulation, bo: AMP iterations */
} cav_autoencoder_params;

typedef struct cav_autoencoder_obs {
    double theta_u, theta_v, q, m_u, m_v, train_loss, test_loss, downstream_error, V;
} cav_autoencoder_obs;

typedef struct cav_autoencoder_flow_params {
    const cav_activation_type *activation;
    int latent;
    double gamma, delta, beta_u, beta_v;
    long d;            /* start: m_u = m_v = 1/sqrt(d), q = 1 */
    double dt;         /* RK4 step */
    long steps;        /* steps */
    double theta_weak; /* threshold of theta_v for the weak-recovery time */
} cav_autoencoder_flow_params;

typedef struct cav_autoencoder_flow_obs {
    double t, theta_u, theta_v, q, m_u, m_v, test_loss;
} cav_autoencoder_flow_obs;

extern const cav_model cav_model_autoencoder;
extern const cav_model cav_model_autoencoder_flow;

#ifdef __cplusplus
}
#endif
#endif
