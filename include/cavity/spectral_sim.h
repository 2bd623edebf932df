/* cavity/spectral_sim.h — finite-size experiments of the spectral models: ERM of quadratic
 * networks (convex route on S, or gradient descent on the weights W) and GAMP-RIE for
 * Bayes-optimal matrix sensing (symmetric and rectangular). Conventions as in cavity/quadnet.h and
 * cavity/msense.h.
 *
 * Data. Symmetric: S* = W* W*^T/m*, m* = round(kappa* d), n = round(alpha d^2); quadratic sensing
 * Z_mu = (x_mu x_mu^T - I)/sqrt(d), x_mu ~ N(0, I_d) (only the n x d matrix of x is stored:
 * Tr(Z S) = (x^T S x - Tr S)/sqrt(d), and the adjoint sum_mu r_mu Z_mu =
 * (X^T diag(r) X - (sum r) I)/sqrt(d)), or GOE sensing (X_ij ~ N(0, (1 + delta_ij)/d), n d^2
 * doubles stored: small d only). Rectangular: S* = U V^T/sqrt(r), X_mu iid N(0,1) L x D,
 * y = <X_mu, S*>/sqrt(L D) + sqrt(delta) z (n L D doubles stored).
 * Randomness: cav_rng streams keyed by (seed, fixed stream ids), so results do not depend on the
 * thread count.
 *
 * Solvers.
 *  - APG (FISTA with function-value restart, O'Donoghue & Candès 2015) on
 *    f(S) + (lambda/d) Tr S over {S PSD, rank S <= kappa d}, f = (1/(4n)) sum (y - Tr(Z S))^2:
 *    S <- prox(Y - grad f(Y)/L), prox = eigenvalue soft threshold at lambda/(d L) with the negative
 *    part cut (and only the top kappa d kept when kappa < 1), L the top eigenvalue of the Hessian
 *    (power iteration, times 1.01). Converged when the prox-gradient residual
 *    ||S_new - Y||_F/(1 + ||S_new||_F) <= tol. lambda > 0 required.
 *  - GD on W (d x m, m = round(kappa d), S = W W^T/m) for the same objective written on W
 *    (weight decay (lambda/(d m))||W||_F^2), with Armijo backtracking from a small random start;
 *    converged when ||grad_W||_F <= tol (1 + |objective|). Reaches the convex minimiser when m is
 *    at least its rank (Burer–Monteiro).
 *  - GAMP-RIE (Maillard et al., arXiv:2408.03733; Erba et al., arXiv:2410.18858) with Gaussian
 *    sensing (GOE for the symmetric shape): omega = A(S_hat) - V g_old, g = (y - omega)/(delta +
 * V), R = S_hat + A^T(g)/(effective precision), precision from -dg/domega = 1/(delta + V), S_hat <-
 * RIE(R), and V from the denoiser's own divergence on the finite matrix (its large-d limit is the
 * SE's 2 mmse / mmse). Optional damping in the form of Rangan, Schniter, Fletcher and Sarkar (2019)
 * (g, S_hat and its variance mixed with their previous values). Plain GAMP (damping 0) converged
 * fastest in our runs; damping never rescued an instance that did not converge (symmetric d = 60,
 * alpha = 0.1: one seed in three oscillates at every damping). Converged when (1/d)||Delta
 * S_hat||_F^2 (per entry for the rectangular shape) <= tol.
 */
#ifndef CAVITY_SPECTRAL_SIM_H
#define CAVITY_SPECTRAL_SIM_H

#include <stdint.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CAV_SENSING_QUADRATIC = 0, CAV_SENSING_GOE = 1 } cav_sensing;
typedef enum { CAV_QN_SOLVER_APG = 0, CAV_QN_SOLVER_GD = 1 } cav_qn_solver;

typedef struct cav_quadnet_sim_params {
    int d;
    double alpha, kappa_star, kappa, lambda, delta;
    cav_sensing sensing;
    cav_qn_solver solver;
    double tol;   /* default 1e-8 (APG), 1e-7 (GD) when 0 */
    int max_iter; /* default 20000 (APG), 200000 (GD) when 0 */
    uint64_t seed;
} cav_quadnet_sim_params;

typedef struct cav_quadnet_sim_result {
    double mse;        /* (1/d)||S_hat - S*||_F^2 */
    double test_error; /* 2 mse + delta: exact population label error for either sensing */
    double train_loss; /* (1/(4n)) sum (y - Tr(Z S_hat))^2 */
    double objective;  /* train_loss + (lambda/d) Tr S_hat */
    double rank;       /* fraction of eigenvalues of S_hat above 1e-9 max(1, ||S_hat||_2) */
    int n;             /* samples used */
    int iterations;
    double residual;
    int status;
    char msg[160];
} cav_quadnet_sim_result;

/* One experiment. Returns CAV_OK, CAV_EMAXITER (not converged: last iterate reported), CAV_EINVAL,
 * CAV_ENOMEM. */
int cav_quadnet_sim(const cav_quadnet_sim_params *p, cav_quadnet_sim_result *res, cav_err *err);

typedef struct cav_msense_gamp_params {
    int shape; /* 0 symmetric, 1 rectangular (Gaussian sensing) */
    int d;     /* symmetric: d; rectangular: D (columns); L = round(beta D) */
    double alpha, delta;
    double kappa_star; /* symmetric */
    double beta, rho;  /* rectangular */
    double damping;    /* weight of the old iterate in g, S_hat and its variance (0: plain GAMP,
                          the default when < 0) */
    double tol;        /* default 1e-6 when 0 */
    int max_iter;      /* default 300 when 0 */
    uint64_t seed;
    int sensing; /* symmetric: 0 GOE (default; n d^2 doubles stored), 1 quadratic (x x^T - I)/sqrt
                    d, with which the Onsager term of GAMP is not exact and the iteration did not
                    settle in our runs at d = 40-80 */
    int v_divergence; /* 1: V from the denoiser's divergence on the finite matrix instead of the
                         SE's mmse at the current noise (0, the default: that estimate entered
                         2-cycles and blew up in some runs) */
} cav_msense_gamp_params;

typedef struct cav_msense_gamp_result {
    double mmse, mmse_norm, q; /* empirical, in the units of cavity/msense.h */
    int n, iterations;
    double residual;
    int status;
    char msg[160];
} cav_msense_gamp_result;

int cav_msense_gamp(const cav_msense_gamp_params *p, cav_msense_gamp_result *res, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
