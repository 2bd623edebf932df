/* cavity/msense.h — Bayes-optimal matrix sensing with extensive-rank signals: state evolution,
 * MMSE, thresholds (Xu, Maillard, Zdeborová, Krzakala, "Fundamental limits of matrix sensing:
 * exact asymptotics, universality, and applications", arXiv:2503.14121; the symmetric case is the
 * quadratic network of Maillard, Troiani, Martin, Krzakala, Zdeborová, arXiv:2408.03733, the
 * rectangular one the bilinear sequence regression of Erba, Troiani, Biggio, Maillard, Zdeborová,
 * arXiv:2410.18858).
 *
 * Shapes and normalisations:
 *   symmetric    S* = W W^T/m* (d x d, W iid N(0,1), m* = kappa* d), y_mu = Tr(X_mu S*) +
 *                sqrt(delta) z with X_mu GOE (Tr(X A) ~ N(0, (2/d)||A||_F^2)) or, equivalently
 *                (Gaussian universality), (x x^T - I)/sqrt(d); n = alpha d^2.
 *                mmse = (1/d)||E[S*|data] - S*||_F^2 (starts at 1/kappa*, the variance of the MP
 *                law, since the mean I is known); mmse_norm = kappa* mmse.
 *   rectangular  S* = U V^T/sqrt(r) (L x D, rank r), y_mu = <X_mu, S*>/sqrt(L D) + sqrt(delta) z,
 *                X_mu iid N(0,1) entries, n = alpha L D, beta = L/D, rho = r/min(L, D).
 *                mmse = (1/(L D))||E[S*|data] - S*||_F^2 (starts at 1); mmse_norm = mmse.
 *   q = 1 - mmse_norm (normalised overlap of the fluctuating part).
 *
 * State evolution (derived in docs/matrix-sensing.md): with the effective denoising noise R,
 *   symmetric    2 alpha R = mmse_sym(R) + delta/2,     R = xi of cavity/spectral.h;
 *   rectangular  alpha R = mmse_rect(R) + delta,        R = the rectangular noise.
 * Both are a R = m(R) + D with (a, D) = (2 alpha, delta/2) or (alpha, delta). Several roots may
 * exist; the replica potential (mutual information per coordinate, up to constants)
 *   i(R2) - i(R1) = int_{R1}^{R2} (a R - D - m(R))/(2 R^2) dR
 * is minimised (free entropy maximised). R = 0 (perfect recovery) is a candidate when delta = 0,
 * with potential -infinity when a exceeds lim m(R)/R (i.e. alpha > alpha_pr) and +infinity
 * otherwise.
 *
 * Baseline: optimal ridge (the posterior mean for a Gaussian prior with the same covariance): with
 * g the number of measurements per degree of freedom and D' the noise in units of the signal
 * variance per degree of freedom, mse = [-(D' + g - 1) + sqrt((D' + g - 1)^2 + 4 D')]/2 of that
 * variance (symmetric: g = 2 alpha, D' = kappa* delta/2, times 1/kappa*; rectangular: g = alpha,
 * D' = delta). Noiseless: (1 - g)_+.
 *
 * Thresholds: alpha_pr (Bayes-optimal perfect recovery, delta = 0) = kappa* - kappa*^2/2 for
 * kappa* < 1, 1/2 otherwise (symmetric); min(1, rho (1 + R1 - rho)/R1), R1 = max(beta, 1/beta)
 * (rectangular). alpha_mnne (perfect recovery of the minimum-nuclear-norm interpolator,
 * rectangular) = statistical dimension of the descent cone of the nuclear norm at a rank-r point
 * over L D:
 *   [rho (1 + R1 - rho) + min_t { rho (R1 - rho) t^2 + (1 - rho)(R1 - rho) E (s - t)_+^2 }]/R1,
 * s^2 ~ Marchenko–Pastur of ratio (1 - rho)/(R1 - rho), mean 1 (Amelunxen, Lotz, McCoy, Tropp,
 * "Living on the edge", Inf. Inference 2014; same form as Erba et al.).
 */
#ifndef CAVITY_MSENSE_H
#define CAVITY_MSENSE_H

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CAV_MSENSE_SYMMETRIC = 0, CAV_MSENSE_RECTANGULAR = 1 } cav_msense_shape;

typedef struct cav_msense_params {
    cav_msense_shape shape;
    double alpha;      /* samples per matrix entry (> 0) */
    double delta;      /* label-noise variance (>= 0) */
    double kappa_star; /* symmetric: teacher width ratio m* / d (> 0) */
    double beta;       /* rectangular: L/D (> 0) */
    double rho;        /* rectangular: r/min(L, D) in (0, 1] */
} cav_msense_params;

typedef struct cav_msense_result {
    double mmse, mmse_norm, q, mse_ridge;
    double R;        /* effective denoising noise at the chosen fixed point (0: perfect recovery) */
    int nfixed;      /* fixed points found */
    double residual; /* |a R - D - m(R)| at the chosen one */
    int status;
    char msg[256]; /* which fixed point the free entropy selected, and why */
} cav_msense_result;

/* Check the parameters (CAV_EINVAL naming the parameter and its range). */
int cav_msense_check(const cav_msense_params *p, cav_err *err);

/* The effective-noise MMSE m(R) of the shape (symmetric: cav_spectral_rie_mmse; rectangular:
 * cav_spectral_rect_mmse). */
int cav_msense_denoise_mmse(const cav_msense_params *p, double R, double *m, cav_err *err);

/* Solve the state evolution. Returns CAV_OK or the error of a spectral computation; res->status
 * repeats it and res->msg describes the selection. */
int cav_msense_theory(const cav_msense_params *p, cav_msense_result *res, cav_err *err);

/* Optimal ridge MSE, in the shape's mmse units. */
double cav_msense_ridge(const cav_msense_params *p);

/* alpha_pr of the shape (closed form above; the SE transition is checked against it in tests). */
int cav_msense_alpha_pr(const cav_msense_params *p, double *alpha, cav_err *err);

/* alpha_mnne (rectangular shape only; CAV_EINVAL for symmetric). */
int cav_msense_alpha_mnne(const cav_msense_params *p, double *alpha, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
