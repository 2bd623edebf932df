/* cavity/hf.h — the hidden-factor model: data with a latent factor invisible to second-order
 * statistics, the learners that do or do not see it (PCA, tied one-neuron autoencoders trained by
 * Adam), and the asymptotic theory (PCA closed forms, population risk and its gradient flow,
 * replica-symmetric state evolution of empirical risk minimisation).
 *
 * Conde Mendes, Bardone, Koller, Medina Moreira, Erba, Troiani, Zdeborová, "A solvable
 * high-dimensional model where nonlinear autoencoders learn structure invisible to PCA while test
 * loss misaligns with generalization", arXiv:2602.10680 (2026). Equations as implemented, with
 * their derivations and what was checked: docs/autoencoder.md.
 *
 * Data. Spikes u*, v* in R^d, orthonormalised and scaled to ||u*||^2 = ||v*||^2 = d. A sample is
 *     x = sqrt(beta_u) lam u* / sqrt(d) + S (sqrt(beta_v) nu v* / sqrt(d) + z),   z ~ N(0, I_d),
 *     S = I - bt v* v*^T/d,   bt = 1 - 1/sqrt(1 + beta_v),
 * so that the direction v* has unit variance, like noise, and for k* >= 2 (below)
 * Cov(x) = I + beta_u u* u*^T/d: v* is invisible to second moments (k* = 1 correlates lam and nu,
 * hence the u* and v* projections, and PCA sees v*). The
 * latent pair: lam ~ N(0, 1), nu in {-1, +1} with E nu = 0 and E[lam nu] = 0 except for k* = 1;
 * the correlation exponent k* is the smallest k with E[lam^k nu] != 0:
 *     K1     nu = sign(lam)                                       (k* = 1)
 *     K2     nu = +1 iff |lam| >= c2, c2 = Phi^{-1}(3/4)           (k* = 2)
 *     K3     nu = sign(lam) sign(|lam| - c3), c3 = sqrt(2 ln 2)    (k* = 3; E lam nu = 0 there)
 *     INDEP  nu = +-1 independent of lam                          (k* = infinity)
 *     MIX    with probability gamma K1, delta K2, else INDEP.
 *
 * Projections. For any w with m_u = w.u* / d, m_v = w.v* / d, q = ||w||^2/d the pre-activation
 * h = w.x/sqrt(d) is, in law, m_u sqrt(beta_u) lam + m_v c sqrt(beta_v) nu + s g, with
 * c = 1/sqrt(1 + beta_v), s^2 = q - m_v^2 c^2 beta_v and g ~ N(0, 1) independent of the latents;
 * jointly with x.v* / sqrt(d) = c (sqrt(beta_v) nu + z_v). cav_hf_project samples that pair
 * exactly.
 *
 * Errors: int status with the message on err (may be NULL); CAV_EINVAL before any work for a bad
 * argument (the message names it and the allowed range).
 */
#ifndef CAVITY_HF_H
#define CAVITY_HF_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/activation.h"
#include "cavity/multi_index.h"
#include "cavity/rng.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_HF_K1 = 0, CAV_HF_K2 = 1, CAV_HF_K3 = 2, CAV_HF_INDEP = 3, CAV_HF_MIX = 4 };

/* Thresholds of the K2 and K3 laws. */
#define CAV_HF_C2 0.67448975019608171 /* Phi^{-1}(3/4) */
#define CAV_HF_C3 1.1774100225154747  /* sqrt(2 ln 2) */

typedef struct cav_hf_data {
    double beta_u; /* strength of the visible spike u* (>= 0) */
    double beta_v; /* strength of the hidden spike v* (>= 0) */
    int latent;    /* CAV_HF_K1 .. CAV_HF_MIX */
    double gamma;  /* MIX: probability of the K1 law, in [0, 1] */
    double delta;  /* MIX: probability of the K2 law, in [0, 1 - gamma] */
} cav_hf_data;

/* Check a data law (ranges above). */
int cav_hf_data_check(const cav_hf_data *g, cav_err *err);
/* Name of a latent law ("k1", "k2", "k3", "indep", "mix"). */
const char *cav_hf_latent_name(int latent);

/* One latent pair (lam, nu). */
void cav_hf_latent(const cav_hf_data *g, cav_rng *r, double *lam, double *nu);
/* P(nu = +1 | lam) under the law (0.5 for INDEP). */
double cav_hf_pplus(const cav_hf_data *g, double lam);
/* Exact E[lam^k nu], k = 0..12. */
double cav_hf_moment(const cav_hf_data *g, int k);

/* Spikes: u, v (d each, d >= 2) from stream (seed, "hf-spikes"): Gaussian vectors, v
 * orthogonalised against u, both scaled to norm sqrt(d). */
int cav_hf_spikes(size_t d, uint64_t seed, double *u, double *v, cav_err *err);

/* n samples into X (n x d row-major) from stream (seed, stream), block b of 64 rows on
 * substream b (the same X for any thread count); lam, nu (n each) may be NULL. */
int cav_hf_sample(const cav_hf_data *g, size_t d, const double *u, const double *v, size_t n,
                  uint64_t seed, uint64_t stream, double *X, double *lam, double *nu, cav_err *err);

/* One exact draw of (h, y) = (w.x/sqrt d, x.v* / sqrt d) for a fresh sample x and a weight with
 * overlaps (m_u, m_v, q) (see above; needs q >= m_u^2 + m_v^2). */
void cav_hf_project(const cav_hf_data *g, double m_u, double m_v, double q, cav_rng *r, double *h,
                    double *y);

/* Downstream task: `draws` draws of `batch` fresh samples, label sign(x.v*), the two class means
 * projected on w; the error is the fraction of class means on the wrong side (sign-sensitive in
 * w, as in the paper; an empty class counts as an error). Randomness from (seed, stream). */
double cav_hf_downstream(const cav_hf_data *g, double m_u, double m_v, double q, long draws,
                         long batch, uint64_t seed, uint64_t stream);

/* Test loss by Monte Carlo: mean of -h sigma(h) + (q/2) sigma(h)^2 over n fresh samples (the
 * reconstruction loss per sample minus the constant ||x||^2/2), with its standard error. */
void cav_hf_test_loss_mc(const cav_hf_data *g, const cav_activation_type *act, double m_u,
                         double m_v, double q, long n, uint64_t seed, double *mean, double *se);

/* ------------------------------------------------------------------------------------------ */
/* Simulation                                                                                  */
/* ------------------------------------------------------------------------------------------ */

enum { CAV_HF_AE = 0, CAV_HF_PCA = 1 };
/* How the autoencoder's Adam runs: one fused pass over the data per epoch (default), or the
 * generic network engine (cavity/nn.h; four passes and the n x d reconstruction). Same objective
 * and update, equal to rounding. */
enum { CAV_HF_ADAM_FUSED = 0, CAV_HF_ADAM_NN = 1 };

typedef struct cav_hf_sim_config {
    cav_hf_data data;
    int learner;                    /* CAV_HF_AE (tied autoencoder) or CAV_HF_PCA */
    const cav_activation_type *act; /* AE activation (linear: the linear autoencoder) */
    size_t d;                       /* dimension >= 2 */
    double alpha;                   /* n = round(alpha d) >= 1 */
    double lr;                      /* Adam learning rate (0.1) */
    long epochs;                    /* full-batch Adam steps (1200) */
    double lambda;                  /* weight decay: the objective gains lambda ||w||^2/2 */
    long ntest;                     /* fresh samples of the test loss */
    long draws;                     /* downstream draws (of 100 samples each) */
    uint64_t seed;
    int engine; /* CAV_HF_ADAM_FUSED (default) or CAV_HF_ADAM_NN */
} cav_hf_sim_config;

typedef struct cav_hf_sim_result {
    int status;
    char msg[CAV_ERR_MSG_LEN];
    double theta_u, theta_v; /* |cos(w, u*)|, |cos(w, v*)| (PCA: first PC vs u*; the larger of
                                the top two PCs vs v*) */
    double m_u, m_v, q;      /* w.u* / d, w.v* / d, ||w||^2 / d (PCA: w = sqrt(d) x first PC) */
    double train_loss;       /* objective / n minus mean ||x||^2/2 (PCA: rank-1 projector) */
    double test_loss;        /* the same on fresh samples (cav_hf_test_loss_mc) */
    double test_loss_se;
    double downstream_error;
} cav_hf_sim_result;

void cav_hf_sim_config_default(cav_hf_sim_config *c);
int cav_hf_sim_check(const cav_hf_sim_config *c, cav_err *err);
/* Draw spikes and data from c->seed, train or diagonalise, measure. */
int cav_hf_sim_run(const cav_hf_sim_config *c, cav_hf_sim_result *r, cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Theory                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* PCA / linear autoencoder (spiked covariance, Baik-Ben Arous-Peche): cos^2 of the top principal
 * direction with u* is (1 - 1/(alpha bu^2))/(1 + 1/(alpha bu)) above alpha bu^2 = 1, else 0;
 * the top eigenvalue of X^T X/n is (1 + bu)(1 + 1/(alpha bu)) above, (1 + alpha^{-1/2})^2 below.
 * theta_v = 0 always. train = -lambda_max/2, test = -(1 + bu theta_u^2)/2 (reduced losses of the
 * rank-1 projector). */
void cav_hf_pca_theory(double beta_u, double alpha, double *theta_u, double *train, double *test);

/* Population risk per sample (constant E||x||^2/2 dropped) of the tied autoencoder,
 *     R(m_u, m_v, q) = E[-h sigma(h)] + (q/2) E[sigma(h)^2],
 * and its gradient in (m_u, m_v, q) (grad may be NULL), by adaptive 2-D Gaussian quadrature over
 * (lam, g) with the latent branches and the kinks of sigma announced. err_est (may be NULL):
 * quadrature error estimate. Needs q > m_v^2 c^2 beta_v. */
int cav_hf_pop_risk(const cav_hf_data *g, const cav_activation_type *act, double m_u, double m_v,
                    double q, double *R, double grad[3], double *err_est, cav_err *err);

/* Gradient flow of the population risk for dw/dt = -d grad_w R (in the overlaps:
 * m_u' = -dR/dm_u - 2 m_u dR/dq, m_v' likewise, q' = -2 (m_u dR/dm_u + m_v dR/dm_v + 2 q dR/dq)),
 * classical RK4 with step dt from x0 = (m_u, m_v, q); rows (steps + 1) x 4 of (t, m_u, m_v, q). */
int cav_hf_flow(const cav_hf_data *g, const cav_activation_type *act, const double x0[3], double dt,
                long steps, double *rows, cav_err *err);

/* Global proximal step of the non-convex loss l_q(h) = -h sigma(h) + (q/2) sigma(h)^2:
 *     h_p = argmin_h [ l_q(h) + (h - Y)^2/(2V) ]
 * closed forms for linear (Y/(1 + V(q - 2))) and relu (that value for Y > 0, else Y); otherwise a
 * grid of `grid` points on [min(Y, 0) - R, max(Y, 0) + R], R = 4 + 2 sqrt(V) (1 + |Y|), refined
 * widened for elu and gelu to contain Y/(1 + V(q - 2)) (their linear tail); every local minimum
 * the grid brackets (derivative changing from - to +) is refined by bisection on the derivative
 * and the lowest objective wins. Returns NaN when the objective is not bounded
 * below (linear, relu, elu, gelu with 1 + V(q - 2) <= 0). */
double cav_hf_prox(const cav_activation_type *act, double q, double V, double Y, int grid);

/* Replica-symmetric state evolution of ERM for the tied autoencoder. */
typedef struct cav_hf_se_opts {
    double abstol;  /* absolute tolerance of the quadratures (1e-9) */
    double damping; /* x <- damping x_old + (1 - damping) x_new (0.8) */
    long max_iter;  /* (1500) */
    double tol;     /* on the largest change of (m_u, m_v, q, V) per iteration (1e-7) */
    int grid;       /* prox grid for activations without closed form (48) */
    double lambda;  /* weight decay */
} cav_hf_se_opts;

typedef struct cav_hf_se_state {
    double m_u, m_v, q, V;
    double mhat_u, mhat_v, qhat, Vhat;
    double train_loss; /* E[l_q(h_p)] + lambda q/(2 alpha) */
    double quad_err;   /* quadrature error estimate of the last update of the overlaps */
} cav_hf_se_state;

void cav_hf_se_opts_default(cav_hf_se_opts *o);
/* Iterate from *st (m_u, m_v, q, V read; a typical start is m = 0.01, q = 1, V = 0.5) to a fixed
 * point at sample ratio alpha. Returns CAV_OK, CAV_EMAXITER (last iterate kept, *resid the last
 * change), CAV_EDIVERGE (prox unbounded or non-finite overlaps). */
int cav_hf_se_solve(const cav_hf_data *g, const cav_activation_type *act, double alpha,
                    const cav_hf_se_opts *o, cav_hf_se_state *st, double *resid, long *iters,
                    cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Bayes-optimal estimation of (u*, v*) (docs/autoencoder.md, "Bayes-optimal estimation")      */
/* ------------------------------------------------------------------------------------------ */

/* The law of a sample is phi_d(x) r(Z), Z = (x.u*, x.v*)/sqrt(d), with r the density ratio of
 * the projections' law to N(0, I_2): estimating W = (u*, v*) is a two-index model without label
 * whose channel is Z_out(omega, V) = E_{Z ~ N(omega, V)} r(Z). log r(a, b) in closed form. */
double cav_hf_bo_logr(const cav_hf_data *g, double a, double b);

/* Posterior of Z under N(omega, V) tilted by r (closed form: Gaussian in Z given the latents,
 * truncated Gaussian in lam on the intervals where P(nu | lam) is constant): logZ = log Z_out,
 * mean, cov (method CAV_MI_EXACT, err 0). CAV_EINVAL (V not positive definite), CAV_ENUMERIC
 * (V[0] > 1 + 1/beta_u: the tilted integral diverges). g_out, dg_out: cav_mi_gout(2, 1, ...). */
int cav_hf_bo_posterior(const cav_hf_data *g, const double omega[2], const double V[4],
                        cav_mi_post *out, cav_err *err);

/* The output side of the Bayes-optimal state evolution (a cav_mi_model with the Gaussian prior
 * N(0, I_2) on the rows of W):
 *     G(Q) = E_{Z ~ p} E_{omega | Z ~ N(Q Z, Q - Q^2)} [g_out g_out^T],  V = I - Q,
 * the planted expectation written as an adaptive quadrature over lam (breaks of the latent laws)
 * of a ngh x ngh Gauss-Hermite rule over omega given the latents (ngh <= 0: 20). */
typedef struct cav_hf_bo_side cav_hf_bo_side;
cav_hf_bo_side *cav_hf_bo_side_alloc(const cav_hf_data *g, int ngh, cav_err *err);
void cav_hf_bo_side_free(cav_hf_bo_side *s);
void cav_hf_bo_side_model(cav_hf_bo_side *s, cav_mi_model *m);
int cav_hf_bo_output(void *ctx, const double *Q, double *G, double *se, cav_err *err);
/* Error estimate of the last output's lam quadrature. */
double cav_hf_bo_side_err(const cav_hf_bo_side *s);

/* Weak-recovery thresholds of the Bayes-optimal estimator from the engine's linear stability:
 * alpha_u = 1/lambda_max of the operator at Q = 0 (1/beta_u^2 for k* >= 2), alpha_v the first
 * alpha with Q_vv > 0: alpha_u when the top eigenvector mixes v (k* = 1) or when v grows as soon
 * as u is learned (E[Z_v | omega_u] != 0, any finite k*), else the engine's conditional threshold
 * of v given u (INFINITY when stable up to 100 alpha_u); kv the order of that growth,
 * G_vv(Q = diag(q, 0)) ~ q^kv, measured at q = 0.02, 0.04 (INFINITY when G_vv = 0). */
typedef struct cav_hf_bo_thr {
    double alpha_u, alpha_v, kv, lambda_max;
} cav_hf_bo_thr;
int cav_hf_bo_thresholds(const cav_hf_data *g, cav_hf_bo_thr *out, cav_err *err);

/* Bayes-optimal AMP (the multi-index GAMP of cavity/mi_sim.h with the channel above, on data of
 * the generator): spikes from seed, n = round(alpha d) samples from (seed, "hf-amp-x"), start
 * W = q0 W* + sqrt(q0 - q0^2) xi (informed) or sqrt(q0) xi, C = (1 - q0) I, from
 * (seed, "hf-amp-init"). traj: (steps + 1) x 8 rows (M = W W*^T/d, Q = W W^T/d, row-major 2 x 2
 * each); the state evolution predicts M = Q = its iterate from Q0 = q0 I (informed, damping 1). */
typedef struct cav_hf_amp_opts {
    long steps;     /* iterations (30) */
    double damping; /* weight of the new iterate, (0, 1] (1) */
    int informed;   /* 1: informed start (1) */
    double q0;      /* start overlap, [0, 1) (0.1) */
    uint64_t seed;  /* data and start (1) */
} cav_hf_amp_opts;
void cav_hf_amp_opts_default(cav_hf_amp_opts *o);
int cav_hf_amp_run(const cav_hf_data *g, size_t d, double alpha, const cav_hf_amp_opts *o,
                   double *traj, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
