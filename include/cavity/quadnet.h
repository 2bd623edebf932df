/* cavity/quadnet.h — sharp asymptotics of ERM in over-parameterised quadratic networks, by the
 * nuclear-norm route (Erba, Troiani, Zdeborová, Krzakala, "The nuclear route: sharp asymptotics of
 * ERM in overparameterized quadratic networks", arXiv:2505.17958).
 *
 * Model and normalisation. x ~ N(0, I_d); teacher S* = W* W*^T/m*, W* a d x m* matrix of iid
 * N(0,1), m* = kappa* d; labels y = Tr(Z S*) + sqrt(delta) z with Z = (x x^T - I)/sqrt(d) (or GOE,
 * Gaussian universality); n = alpha d^2 samples. A width-m student f(x) = Tr(Z W W^T)/m with
 * weight decay is the estimator S = W W^T/m (PSD, rank <= m = kappa d) of
 *     min_S (1/(4n)) sum_mu (y_mu - Tr(Z_mu S))^2 + (lambda/d) Tr S,   S PSD, rank S <= kappa d
 * (||W||_F^2 = m Tr S, so weight decay is the nuclear norm on the PSD cone). Convex when
 * kappa >= 1; kappa < 1 keeps the top kappa d eigenvalues (the global minimiser of the non-convex
 * problem). lambda = 0 means the limit lambda -> 0+.
 *
 * Equations (derived in docs/quadratic-net.md): S_hat = sum_i (nu_i - theta)_+ 1{nu_i > b} u_i
 * u_i^T with (nu_i, u_i) the spectrum of Y = S* + sqrt(xi) Z_GOE, whose law rho is MP(kappa*)
 * boxplus SC(xi) (cavity/spectral.h); b = max(theta, omega), omega the upper kappa-quantile of rho
 * (omega = -inf when kappa >= 1). With m0, m2, h0, h1 the integrals of rho, rho x^2, rho H,
 * rho H x over [b, top]:
 *     e(xi, theta) = 1 + 1/kappa* + theta^2 m0 - m2 + 4 xi (h1 - theta h0)
 *     (E1)  2 alpha xi = e + delta/2
 *     (E2)  alpha (1 - lambda/theta) = h1 - theta h0
 * Observables: mse = e = (1/d)||S_hat - S*||_F^2; test_error = E(y - Tr(Z S_hat))^2 = 2 e + delta;
 * train_loss = (1/(4n)) sum (y - Tr(Z S_hat))^2 = alpha xi (lambda/theta)^2; rank = m0 (fraction of
 * non-zero eigenvalues of S_hat); mse_bo = the Bayes-optimal MMSE (cavity/msense.h).
 * lambda -> 0+: below the interpolation threshold alpha_inter (delta > 0) the minimum-nuclear-norm
 * interpolator: (E2) with lambda/theta = 0, train_loss = 0; above it theta -> 0 with
 * lambda/theta -> t/alpha, t = alpha - h1(b = max(omega, 0)) > 0: (E1) alone at theta = 0,
 * train_loss = xi t^2/alpha (least squares on the PSD cone). delta = 0: exact recovery (mse = 0)
 * for alpha >= alpha_pr.
 * alpha_inter solves, in xi, 1 + 1/kappa* - m2 + 2 xi h1 + delta/2 = 0 at b = max(omega, 0), and
 * is h1 there (-> 1/4 as delta -> infinity: the statistical dimension of the PSD cone over d^2).
 * alpha_pr is the xi -> 0 end of the noiseless interpolating branch (where
 * 1 + 1/kappa* + theta^2 m0 - m2 + 2 xi (h1 - theta h0) = 0 and alpha = h1 - theta h0), computed at
 * xi = 1e-6 and 1e-8 and extrapolated in sqrt(xi).
 */
#ifndef CAVITY_QUADNET_H
#define CAVITY_QUADNET_H

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_quadnet_params {
    double alpha;      /* n/d^2 > 0 */
    double kappa_star; /* teacher width ratio > 0 */
    double kappa;      /* student width ratio > 0 (>= 1: no rank cap) */
    double lambda;     /* >= 0 (0: the limit lambda -> 0+) */
    double delta;      /* label-noise variance >= 0 */
} cav_quadnet_params;

enum {
    CAV_QUADNET_REGULARISED = 0,   /* lambda > 0 */
    CAV_QUADNET_INTERPOLATING = 1, /* lambda -> 0+, alpha < alpha_inter: min-nuclear-norm */
    CAV_QUADNET_PSD_LS = 2,        /* lambda -> 0+, alpha > alpha_inter: theta = 0 branch */
    CAV_QUADNET_RECOVERED = 3      /* lambda -> 0+, delta = 0, alpha >= alpha_pr: S_hat = S* */
};

typedef struct cav_quadnet_result {
    double mse, test_error, train_loss, rank, xi, theta, mse_bo;
    double alpha_c;  /* lambda = 0: the branch threshold (alpha_inter for delta > 0, alpha_pr for
                        delta = 0); NaN for lambda > 0 */
    int branch;      /* CAV_QUADNET_* */
    double residual; /* max |E1|, |E2| (relative) at the solution */
    int iterations;  /* Newton steps (after the bracketing start when cold) */
    int status;
    char msg[256];
} cav_quadnet_result;

/* CAV_EINVAL naming the parameter and its range. */
int cav_quadnet_check(const cav_quadnet_params *p, cav_err *err);

/* Continuation state carried from one point of a curve to the next (zero-initialise it). */
typedef struct cav_quadnet_warm {
    int has;             /* logxi, theta hold a solution */
    double logxi, theta; /* log xi and theta of the last solution */
    int branch;          /* its branch */
    int has_thr;         /* the threshold below is valid for (thr_ks, thr_k, thr_delta) */
    double thr_ks, thr_k, thr_delta, thr;
} cav_quadnet_warm;

/* Solve the saddle point. warm (may be NULL): in, a nearby solution to start Newton from (and a
 * cached branch threshold); out, this solution. A start that fails falls back to the bracketing
 * solve, so following a curve (also through the double-descent peak of the noisy lambda -> 0+
 * branch) only changes the cost. Returns CAV_OK, or an error (res->status, res->msg say which). */
int cav_quadnet_theory(const cav_quadnet_params *p, cav_quadnet_warm *warm, cav_quadnet_result *res,
                       cav_err *err);

/* Interpolation threshold (kappa as in params, >= 1 for none). delta = 0 gives the delta -> 0+
 * limit kappa~ - kappa~^2/2 + (1 - kappa~)^2/4, kappa~ = min(kappa*, 1) (the statistical
 * dimension of the tangent cone of the PSD cone at S*, over d^2), to which the root tends as
 * delta -> 0 (slowly: 0.43539 at delta = 1e-6 for kappa* = 0.5, limit 0.4375). */
int cav_quadnet_alpha_inter(double kappa_star, double kappa, double delta, double *alpha,
                            cav_err *err);

/* Noiseless strong-recovery threshold of the nuclear-norm estimator (lambda -> 0+, no cap). */
int cav_quadnet_alpha_pr(double kappa_star, double *alpha, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
