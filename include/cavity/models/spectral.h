/* cavity/models/spectral.h — the spectral models `quadratic-net` and `matrix-sensing`: their
 * parameters and observables (engines: cavity/quadnet.h, cavity/msense.h, cavity/spectral_sim.h).
 *
 * quadratic-net: Erba, Troiani, Zdeborová, Krzakala, "The nuclear route: sharp asymptotics of ERM
 * in overparameterized quadratic networks", arXiv:2505.17958. ERM of a width-kappa d quadratic
 * network = PSD matrix sensing with a nuclear-norm penalty,
 *     min_S (1/(4n)) sum (y - Tr(Z S))^2 + (lambda/d) Tr S,  S* = W* W*^T/m*, n = alpha d^2.
 * matrix-sensing: Xu, Maillard, Zdeborová, Krzakala, "Fundamental limits of matrix sensing: exact
 * asymptotics, universality, and applications", arXiv:2503.14121. Bayes-optimal estimation,
 * symmetric (S* = W W^T/m*) or rectangular (S* = U V^T/sqrt r) signal.
 * `cavity help quadratic-net` / `cavity help matrix-sensing` list fields, defaults and ranges.
 */
#ifndef CAVITY_MODELS_SPECTRAL_H
#define CAVITY_MODELS_SPECTRAL_H

#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_QN_SENSING_QUADRATIC, CAV_QN_SENSING_GOE };
enum { CAV_QN_APG, CAV_QN_GD };

typedef struct cav_quadnet_model_params {
    double alpha, kappa_star, kappa, lambda, delta;
    int sensing;       /* simulation: quadratic (x x^T - I)/sqrt(d) or goe */
    int solver;        /* simulation: apg (convex, on S) or gd (on W) */
    double lambda_sim; /* simulation: the lambda used when lambda = 0 (the 0+ limit) */
    long d;            /* simulation: dimension */
} cav_quadnet_model_params;

typedef struct cav_quadnet_obs {
    double mse, test_error, train_loss, rank, xi, theta, mse_bo, alpha_c, alpha_bo;
} cav_quadnet_obs;

enum { CAV_MS_SYMMETRIC, CAV_MS_RECTANGULAR };

typedef struct cav_msense_model_params {
    int shape; /* symmetric, rectangular */
    double alpha, delta, kappa_star, beta, rho;
    long d;         /* simulation: d (symmetric) or D (rectangular, L = round(beta D)) */
    double damping; /* simulation: GAMP damping (weight of the old iterate) */
} cav_msense_model_params;

typedef struct cav_msense_obs {
    double mmse, mmse_norm, q, mse_ridge, alpha_pr;
} cav_msense_obs;

extern const cav_model cav_model_quadnet, cav_model_msense;

#ifdef __cplusplus
}
#endif
#endif
