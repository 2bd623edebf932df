/* cavity/dmft_k.h — discrete-time DMFT of full-batch gradient ascent on the RBM likelihood with
 * k-index fields (docs/rbm-gd.md).
 *
 * Xu, Krzakala, Zdeborová, "Learning with Restricted Boltzmann Machines: Asymptotics of AMP and
 * GD in High Dimensions", arXiv:2505.18046; the DMFT of first-order methods on multi-index models
 * (Celentano, Montanari, Wu 2021; Gerbelot et al. arXiv:2210.06591), here derived for the spiked
 * covariance data of cavity/rbm.h.
 *
 * Dynamics (the GD of cav_rbm_gd, W in R^{d x k}, n = alpha d):
 *   W^{t+1} = W^t + lr [X^T g(X W^t/sqrt d)/sqrt d - 2 alpha W^t grad psi(Q(t))],
 *   g = grad eta, Q = W^T W/d, start W^0 = U* Lambda^{-1} zeta0^T + init_scale xi
 *   (zeta0 = init_overlap on the diagonal: zeta(0) = W^0T U* / d = zeta0 at d -> infinity).
 * Effective processes (k-vectors, kernels k x k blocks):
 *   sample side  h^t = zeta(t) c + omega^t + sum_{s<t} R_w(t,s) g^s,  g^t = grad eta(h^t),
 *                omega Gaussian, Cov(omega^t, omega^s) = C_w(t,s), c ~ latent prior;
 *                C_g(t,s) = E g^t g^sT, R_g(t,s) = E dg^t/domega^s (pathwise), M(t) = E g^t c^T;
 *   weight side  w^{t+1} = (I - 2 alpha lr P(t)) w^t + lr [xi^t + alpha sum_{s<=t} R_g(t,s) w^s
 *                + alpha M(t) u],  Cov xi = alpha C_g,  P(t) = grad psi(C_w(t,t)),
 *                linear: w^t = Abar(t) u + B(t) w0noise + sum_{s<t} R_w(t,s) xi^s,
 *                zeta(t) = Abar(t) Lambda.
 * The solver: a causal sweep (ntraj_init trajectories; pathwise responses on a sub-sample whose
 * whole triangle is kept), then Picard sweeps with ntraj fresh trajectories (each chunk run
 * through all steps), damping on the sample kernels. Residual = max change of (zeta, C_w, R_w)
 * over the steps relative to 1 + max |C_w|, also reported per step. Converged when the residual
 * is <= noise_factor x the Monte-Carlo noise (jackknife over 16 batches), or after the causal
 * sweep when max_iter = 1 (status CAV_OK with the message saying so).
 * Gaussian hidden units (g = h, linear): the sample side is solved exactly,
 *   h = K (zeta c + omega), K = (I - R_w)^{-1} (block lower triangular), R_g = K,
 *   C_g = K (zeta zeta^T + C_w) K^T, M = K zeta, E eta = tr C_g(t,t)/2,
 * in one deterministic causal sweep (no Monte Carlo, standard errors 0), unless opts.path asks
 * for the sampled path.
 * Reproducible from opts.seed for any thread count (per chunk RNG streams, batch sums in fixed
 * order). Status: CAV_OK, CAV_EMAXITER, CAV_EDIVERGE (non-finite fields; Gaussian hidden with
 * Q >= I), CAV_ENOMEM, CAV_EINVAL (bad input, before any work). */
#ifndef CAVITY_DMFT_K_H
#define CAVITY_DMFT_K_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/rbm.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_dmft_k_problem {
    cav_rbm rbm;         /* k, r, hidden, latent_prior, lambda, ratio, alpha (spike_prior unused:
                            only second moments of U* enter) */
    double lr;           /* step > 0 */
    long steps;          /* >= 1 */
    double init_scale;   /* >= 0: std of the noise part of W^0 */
    double init_overlap; /* zeta0 on the diagonal (min(k, r) entries) */
} cav_dmft_k_problem;

typedef struct cav_dmft_k_opts {
    size_t ntraj;        /* trajectories per Picard sweep (default 20000) */
    size_t ntraj_init;   /* trajectories of the causal sweep (default 20000) */
    size_t ntraj_resp;   /* of which responses are propagated pathwise (0, the default: as many
                            as 2e10 multiply-adds of O(T^3 k^3/6) each allow, at least 1024) */
    int max_iter;        /* sweeps, the causal one included (default 3) */
    double noise_factor; /* converged when residual <= this x MC noise (default 3) */
    double damping;      /* weight of the new sample kernels in (0, 1] (default 1) */
    uint64_t seed;       /* default 1 */
    int path;            /* CAV_DMFT_K_AUTO (exact for Gaussian hidden units) or _SAMPLED */
} cav_dmft_k_opts;

enum { CAV_DMFT_K_AUTO = 0, CAV_DMFT_K_SAMPLED = 1 };

cav_dmft_k_opts cav_dmft_k_opts_default(void);
/* lr 0.05, 100 steps, init_scale 0.1, init_overlap 0.2, rbm = k = r = 1 Rademacher, lambda 2,
 * alpha 2. */
void cav_dmft_k_problem_default(cav_dmft_k_problem *p);
/* Validate every parameter (names it and its range). */
int cav_dmft_k_check(const cav_dmft_k_problem *p, const cav_dmft_k_opts *o, cav_err *err);

typedef struct cav_dmft_k cav_dmft_k;

cav_dmft_k *cav_dmft_k_alloc(void);
void cav_dmft_k_free(cav_dmft_k *s);
/* Copy the problem and options (NULL: defaults) after checking them; allocate. */
int cav_dmft_k_set(cav_dmft_k *s, const cav_dmft_k_problem *p, const cav_dmft_k_opts *o);
/* One sweep (the first is causal). CAV_OK, CAV_EDIVERGE, CAV_ENOMEM. */
int cav_dmft_k_iterate(cav_dmft_k *s);
/* CAV_OK when converged, CAV_CONTINUE otherwise. */
int cav_dmft_k_test(const cav_dmft_k *s);
/* Sweeps until converged / budget (CAV_EMAXITER) / failure. */
int cav_dmft_k_solve(cav_dmft_k *s);

/* Rows t = 0..steps of CAV_RBM_TRAJ_NCOL(k, r) columns as cav_rbm_gd's: step, J, zeta (k r),
 * Q (k k); se (may be NULL): jackknife Monte-Carlo standard errors (0 for the step). */
void cav_dmft_k_observables(const cav_dmft_k *s, double *out, double *se);
/* Per-step residual of the last sweep (steps + 1 values; NaN before the second sweep). */
const double *cav_dmft_k_residuals(const cav_dmft_k *s);
int cav_dmft_k_status(const cav_dmft_k *s);
double cav_dmft_k_residual(const cav_dmft_k *s);
double cav_dmft_k_noise(const cav_dmft_k *s);
long cav_dmft_k_iterations(const cav_dmft_k *s);
const cav_err *cav_dmft_k_error(const cav_dmft_k *s);

/* ---- simulation (src/sim/mi/rbm_gd_traj.c) ----
 * Gradient ascent on n J(W) (the update of cav_rbm_gd) on data drawn by cav_rbm_data_draw, from
 * W^0 = U* Lambda^{-1} zeta0^T + init_scale xi (xi from (init_seed, "rbm-gd-init")), for
 * p->steps steps. traj: (steps + 1) rows as cav_dmft_k_observables' (step, J, zeta, Q), rows
 * after a failure NaN. */
int cav_dmft_k_simulate(const cav_dmft_k_problem *p, const cav_rbm_data *data, uint64_t init_seed,
                        double *traj, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
