/* cavity/rbm.h — restricted Boltzmann machines on spiked-covariance data, as a multi-index model
 * (Xu, Krzakala, Zdeborová, "Learning with Restricted Boltzmann Machines: Asymptotics of AMP and
 * GD in High Dimensions", arXiv:2505.18046; docs/rbm.md).
 *
 * Data (spiked covariance): x_mu = U* c_mu/sqrt(d) + z_mu in R^d, mu < n = alpha d, z_mu ~
 * N(0, I_d), U* = Ubar Lambda^{1/2} with Ubar in R^{d x r} having iid unit-variance entries
 * (Rademacher or Gaussian), Lambda = diag(lambda, ratio lambda, ratio^2 lambda) (first r),
 * latents c_mu in R^r iid (Rademacher or Gaussian). Cov(x) = I + U* U*^T/d.
 *
 * RBM with k hidden units (Rademacher or Gaussian) and weights W in R^{d x k}; for d -> inf at
 * fixed k the log-likelihood reduces to the multi-index objective
 *     J(W) = (1/n) sum_mu eta(W^T x_mu/sqrt(d)) - psi(W^T W/d),
 *     eta(z) = log E_h exp(h.z),   psi(Q) = log E_h exp(h^T Q h/2),
 * by enumeration of the 2^k hidden states (Rademacher: eta = sum_j log cosh z_j) or in closed
 * form (Gaussian: eta = |z|^2/2, psi = -log det(I - Q)/2, which is PCA).
 *
 * Learners and their theories:
 *   GD     W <- W + eta_lr grad_W (n J(W)), from W = init_scale xi (simulation), compared step
 *          by step with the k-index DMFT (cavity/dmft_k.h);
 *   AMP    AMP-RBM, the GAMP iteration whose fixed points are the stationary points of J, and its
 *          state evolution over the k x r overlap zeta = W^T U* / d, the Gram Q = W^T W/d and the
 *          k x k variance V;
 *   BO     the Bayes-optimal overlaps of low-rank matrix estimation (Lesieur, Krzakala,
 *          Zdeborová, arXiv:1701.00858), solved by the multi-index engine;
 *   PCA    the top-r eigenvectors of X^T X/n, and the BBP formula
 *          cos^2 = (1 - 1/(alpha lambda^2))/(1 + 1/(alpha lambda)) above lambda = 1/sqrt(alpha).
 * Weak-recovery threshold of each spike from the linear stability of the Bayes-optimal state
 * evolution (spike 1: the trivial fixed point; spike j > 1: given the stronger spikes learned).
 */
#ifndef CAVITY_RBM_H
#define CAVITY_RBM_H

#include <stdint.h>

#include "cavity/multi_index.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_RBM_MAXK 3

enum { CAV_RBM_RADEMACHER = 0, CAV_RBM_GAUSSIAN = 1 };

typedef struct cav_rbm {
    int k, r;         /* hidden units, spikes: 1..3 */
    int hidden;       /* student hidden units: CAV_RBM_RADEMACHER or GAUSSIAN */
    int spike_prior;  /* entries of Ubar: RADEMACHER or GAUSSIAN */
    int latent_prior; /* entries of c: RADEMACHER or GAUSSIAN */
    double lambda;    /* strength of spike 1 (>= 0) */
    double ratio;     /* Lambda_jj = ratio^{j-1} lambda (>= 0) */
    double alpha;     /* n/d > 0 */
} cav_rbm;

/* k = r = 2, Rademacher everywhere, lambda 1.4, ratio 0.5, alpha 2. */
cav_rbm cav_rbm_default(void);
/* Validate: CAV_OK or CAV_EINVAL naming the parameter and its range. */
int cav_rbm_check(const cav_rbm *p, cav_err *err);
/* Lambda_jj, j < r. */
double cav_rbm_lambda(const cav_rbm *p, int j);

/* eta and its gradient / Hessian at z (k): hidden type as in cav_rbm. grad, hess may be NULL. */
double cav_rbm_eta(int k, int hidden, const double *z, double *grad, double *hess);
/* psi(Q) and grad psi = (1/2) E_t[h h^T] (k x k; E_t tilted by exp(h^T Q h/2)); Gaussian hidden
 * needs Q < I (CAV_EINVAL otherwise). */
int cav_rbm_psi(int k, int hidden, const double *Q, double *psi, double *grad, cav_err *err);

/* PCA: squared cosine of the top sample eigenvector with a spike of strength lambda at ratio
 * alpha (0 at and below lambda = 1/sqrt(alpha)). */
double cav_rbm_pca_cos2(double alpha, double lambda);

/* ---- Bayes-optimal (Lesieur-Krzakala-Zdeborová) state evolution ----
 * Q = M_u (r x r) <- f_u(alpha Lambda^{1/2} f_c(Lambda^{1/2} Q Lambda^{1/2}) Lambda^{1/2}),
 * f the scalar-channel map of the prior (cavity/multi_index.h prior sides). */
typedef struct cav_rbm_bo {
    cav_rbm p;
    int r;
    double sl[CAV_RBM_MAXK]; /* Lambda^{1/2} */
} cav_rbm_bo;

/* Fill the model (ctx must outlive it). */
int cav_rbm_bo_model(const cav_rbm *p, cav_rbm_bo *ctx, cav_mi_model *m, cav_err *err);

typedef struct cav_rbm_bo_result {
    int status;
    double Mu[CAV_RBM_MAXK * CAV_RBM_MAXK]; /* overlap of the spike estimate (r x r) */
    double cos[CAV_RBM_MAXK];               /* cosine with each spike: sqrt(Mu_jj) */
    double phi;                             /* free entropy (uninformed and informed starts
                                               compared; the larger is returned) */
    long iterations;
    char msg[CAV_ERR_MSG_LEN];
} cav_rbm_bo_result;

int cav_rbm_bo_solve(const cav_rbm *p, cav_rbm_bo_result *out);

/* Weak-recovery threshold in lambda of spike j (0-based) at the given alpha, ratio, priors:
 * spike 0 from the trivial fixed point, spike j > 0 from the fixed point with spikes < j
 * learned (conditional stability). Brent to xtol in [lo, hi] (hi <= 0: 20/sqrt(alpha)). */
int cav_rbm_threshold(const cav_rbm *p, int j, double xtol, double *lambda_c, cav_err *err);

/* ---- AMP-RBM state evolution ----
 * Order parameters zeta (k x r), Q (k x k) and V (k x k; the variance S of the row denoiser
 * W_i = S B_i). Output side with omega = zeta c + Q^{1/2} xi and h the solution of
 * h - V grad eta(h) = omega (the maximiser of eta(h) - (h - omega)^T V^{-1} (h - omega)/2, needs
 * V < I): g = grad eta(h), A = -alpha E[dg/domega], Zh = alpha E[g c^T], Qh = alpha E[g g^T];
 * input side: R = A + 2 alpha grad psi(Q), V' = (1 - damping) V + damping R^{-1} (eigenvalues of
 * R^{-1} capped at smax; V held while R is not positive definite), zeta' = V' Zh Lambda,
 * Q' = V' (Zh Lambda Zh^T + Qh) V'. Expectations over omega by a trapezoid rule in h after the
 * change of variables omega = h - V grad eta(h) (docs/rbm.md); c enumerated (Rademacher) or by
 * Stein's lemma (Gaussian). A fixed point with V = R^{-1} is a stationary point of J. */
typedef struct cav_rbm_amp_state {
    double zeta[CAV_RBM_MAXK * CAV_RBM_MAXK];
    double Q[CAV_RBM_MAXK * CAV_RBM_MAXK];
    double V[CAV_RBM_MAXK * CAV_RBM_MAXK];
} cav_rbm_amp_state;

typedef struct cav_rbm_amp_se_opts {
    int nodes; /* resolution: trapezoid step min(0.5, sd/1.5) * 24/nodes (default 24; 4..200) */
    double damping;  /* weight of the new variance in (0, 1] (default 0.5) */
    double smax;     /* cap on the eigenvalues of V in (0, 1) (default 0.95) */
    long orth_steps; /* k >= 2: the first orth_steps steps keep the units orthogonal (Q'
                        diagonal, docs/rbm.md; default CAV_RBM_AMP_ORTH_STEPS; >= 0) */
} cav_rbm_amp_se_opts;

cav_rbm_amp_se_opts cav_rbm_amp_se_opts_default(void);

/* Variance damping used with k >= 2 hidden units by cav_rbm_amp_se_solve and the `rbm` model:
 * with 0.5 the decoupled fixed point (unit a on spike a) is unstable in the mode that mixes the
 * units (a period-2 cycle of the off-diagonal overlaps, docs/rbm.md). */
#define CAV_RBM_AMP_DAMPING_K2 0.2
/* Early orthogonal phase (k >= 2): the variance S is replaced by the symmetric M with M T M
 * diagonal (T = B^T B/d), so that the units cannot collapse onto the same spike. */
#define CAV_RBM_AMP_ORTH_STEPS 10

/* One SE step with the default options (gh_n > 0: the resolution `nodes`), without the
 * orthogonal phase. */
int cav_rbm_amp_se_step(const cav_rbm *p, const cav_rbm_amp_state *in, int gh_n,
                        cav_rbm_amp_state *out, cav_err *err);

/* `steps` SE steps from `in` (opts NULL: defaults). traj (may be NULL): steps + 1 rows of
 * CAV_RBM_TRAJ_NCOL(k, r) columns as the simulation's: step, NaN (J), zeta (k r), Q (k k). The
 * final state into out (may be NULL). */
int cav_rbm_amp_se_run(const cav_rbm *p, const cav_rbm_amp_state *in,
                       const cav_rbm_amp_se_opts *opts, long steps, double *traj,
                       cav_rbm_amp_state *out, cav_err *err);

/* The uninformed start used by cav_rbm_amp_se_solve(NULL): Q = q0 I, V = v0 I and a weak generic
 * overlap zeta_aj = overlap sqrt(q0 Lambda_jj) (1 on a = j, 0.1/(1 + a + j) off it). */
void cav_rbm_amp_start(const cav_rbm *p, double overlap, double q0, double v0,
                       cav_rbm_amp_state *s);

/* Fixed point of the AMP-RBM state evolution (the stationary point of J that AMP-RBM reaches)
 * by the damped SE iteration from `in` (NULL: cav_rbm_amp_start(p, 0.01, 0.1, 0.5)), to a
 * residual of 1e-10 in at most 5000 steps. out->status: CAV_OK, or CAV_EMAXITER (also when the
 * last iterate still had R not positive definite or R^{-1} capped: not a stationary point). */
typedef struct cav_rbm_amp_fp {
    int status;
    cav_rbm_amp_state s;
    double cos[CAV_RBM_MAXK * CAV_RBM_MAXK]; /* zeta_ij/sqrt(Q_ii Lambda_jj) */
    double residual;
    long iterations;
    char msg[CAV_ERR_MSG_LEN];
} cav_rbm_amp_fp;

int cav_rbm_amp_se_solve(const cav_rbm *p, const cav_rbm_amp_state *in, int gh_n,
                         cav_rbm_amp_fp *out);

/* ---- simulation (src/sim/mi/rbm_sim.c) ---- */
typedef struct cav_rbm_data {
    long d, n;
    int r;
    double *X;     /* n x d */
    double *Ustar; /* d x r (columns: spikes, |U*_j|^2 ~ lambda_j d) */
    double *c;     /* n x r */
} cav_rbm_data;

/* Draw data (allocates): Ubar from (seed, "rbm-u"), c from (seed, "rbm-c"), z from
 * (seed, "rbm-z"). */
int cav_rbm_data_draw(const cav_rbm *p, long d, uint64_t seed, cav_rbm_data *data, cav_err *err);
void cav_rbm_data_free(cav_rbm_data *data);

/* Observables of a d x k weight matrix W (row-major d x k): zeta = W^T U* / d (k x r),
 * cos_ij = zeta_ij/sqrt(Q_ii Lambda_jj) with Lambda_jj = |U*_j|^2/d, Gram Q = W^T W/d (k x k),
 * and J(W) (log-likelihood per sample up to a constant). */
int cav_rbm_observe(const cav_rbm *p, const cav_rbm_data *data, const double *W, double *zeta,
                    double *cosm, double *Q, double *J, cav_err *err);

/* PCA: top-r eigenvectors of X^T X/n scaled to |w|^2 = d, as a d x r matrix (row-major). */
int cav_rbm_pca(const cav_rbm_data *data, double *W, cav_err *err);

/* Gradient ascent on n J(W): W <- W + lr grad. Start W = init_scale xi (init_seed). traj rows
 * every `every` steps: step, J, zeta (k r), Q (k k). */
typedef struct cav_rbm_gd_opts {
    long steps;        /* default 400 */
    double lr;         /* default 0.05 */
    double init_scale; /* default 0.1 */
    long every;        /* default 1 */
    uint64_t init_seed;
} cav_rbm_gd_opts;

cav_rbm_gd_opts cav_rbm_gd_opts_default(void);
#define CAV_RBM_TRAJ_NCOL(k, r) (2 + (k) * (r) + (k) * (k))
long cav_rbm_gd_rows(const cav_rbm_gd_opts *o);
/* W (d x k) in: ignored; out: the final weights (may be NULL). */
int cav_rbm_gd(const cav_rbm *p, const cav_rbm_data *data, const cav_rbm_gd_opts *o, double *traj,
               double *W, cav_err *err);

/* AMP-RBM on the data: `steps` iterations of the algorithm whose state evolution is
 * cav_rbm_amp_se_run with the same damping and smax (the variance moves towards R^{-1} with
 * weight `damping`), start W = init_scale xi (stream (init_seed, "rbm-amp-init")) or W0, V =
 * init_v I. traj rows: step, J, zeta (k r), Q (k k). */
typedef struct cav_rbm_amp_opts {
    long steps;        /* default 60 */
    double damping;    /* default 0.5 */
    double init_scale; /* default 0.1 */
    double init_v;     /* default 0.5 */
    uint64_t init_seed;
    const double *W0; /* start weights (d x k, borrowed; NULL: init_scale xi) */
    double smax;      /* default 0.95 */
    long orth_steps;  /* as in cav_rbm_amp_se_opts */
} cav_rbm_amp_opts;

cav_rbm_amp_opts cav_rbm_amp_opts_default(void);
int cav_rbm_amp(const cav_rbm *p, const cav_rbm_data *data, const cav_rbm_amp_opts *o, double *traj,
                double *W, cav_err *err);

/* Bayes-optimal AMP (bipartite low-rank AMP of Lesieur, Krzakala, Zdeborová) on the data:
 * `steps` iterations from U_hat = init_scale xi (stream (seed, "rbm-bamp-init")); Uhat (d x r)
 * receives the posterior-mean estimate of U*. Its overlaps follow the Bayes-optimal state
 * evolution (cav_rbm_bo_solve) from an uninformed start. */
typedef struct cav_rbm_bamp_opts {
    long steps;        /* default 50 */
    double init_scale; /* default 0.1 */
    uint64_t seed;     /* default 1 */
} cav_rbm_bamp_opts;

cav_rbm_bamp_opts cav_rbm_bamp_opts_default(void);
int cav_rbm_bamp(const cav_rbm *p, const cav_rbm_data *data, const cav_rbm_bamp_opts *o,
                 double *Uhat, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif