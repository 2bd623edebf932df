/* cavity/multi_index.h — (sequence) multi-index models: channels on P x M pre-activations, the
 * Bayes posterior of the pre-activations (Z_out, g_out, dg_out) with an error estimate, the
 * Bayes-optimal state evolution over P x P overlaps, its free entropy, and weak-recovery
 * thresholds from the linear stability of a fixed point (the trivial one, or one where some
 * blocks of indices are learned: conditional thresholds, the "grand staircase").
 *
 * Model. Inputs x in R^{D x M} with iid N(0,1) entries (M tokens), teacher W* in R^{P x D} with
 * iid N(0,1) entries, pre-activations Z = W* x/sqrt(D) in R^{P x M}, labels y ~ P(y | Z),
 * N = alpha D samples, D -> infinity with P, M fixed. Z is stored row-major: vec index
 * i = p*M + m (row p = index, column m = token). Under the prior vec Z ~ N(0, I_P (x) I_M).
 * References: Aubin, Maillard, Barbier, Krzakala, Macris, Zdeborová, "The committee machine",
 * arXiv:1806.05451 (multi-index SE and AMP); Troiani, Dandi, Defilippis, Zdeborová, Loureiro,
 * Krzakala, arXiv:2405.15480 (weak learnability, grand staircase); Troiani, Cui, Dandi,
 * Krzakala, Zdeborová, arXiv:2502.00901 (sequence multi-index models). The equations as
 * implemented are derived in docs/multi-index.md.
 *
 * 1. Channels (cav_mi_channel_type, a registry as for the GLM channels). A channel describes
 *    the preimage ("fibre") of a label: the coordinates of vec Z split into k free ones u
 *    (listed in the layout) and PM - k determined ones, which the channel computes from u, the
 *    observation s (continuous coordinates of y, or a discrete label) and a branch b, with a
 *    log-weight: for any test function, E_Z[f(Z) | y] is proportional to
 *        sum_b int du N(Z_b(u); omega, V (x) I_M) exp(logw_b(u)) f(Z_b(u)).
 *    A deterministic channel y = g(Z) has logw = log of the Jacobian of the determined
 *    coordinates (0 or -inf for indicator constraints such as sign); a noisy channel lists every
 *    coordinate as free and returns log P(y | Z). Z_out(y; omega, V) is the same integral
 *    without f: a density with respect to the observation coordinates s (any fixed reference
 *    measure of y drops out of g_out and of differences of free entropies).
 *
 * 2. Posterior (cav_mi_inner): Z_out, E[Z | y], Cov(Z | y) under N(omega, V (x) I_M) by
 *      EXACT     k = 0 (finite sum over branches);
 *      ADAPTIVE  k = 1, 2 and P*M <= 4: the adaptive Gauss-Kronrod rules of cavity/gauss.h in
 *                the whitened free coordinates, kinks announced by the channel, error control;
 *      GH        tensor Gauss-Hermite rule of n nodes per free coordinate (any k <= 4), error
 *                estimate by comparison with the rule of n - n/4 nodes when asked; a branch
 *                whose posterior is much narrower than the prior (small V) is integrated
 *                again around its modes (mode-adapted Gauss-Hermite on a Gaussian mixture);
 *      MC        importance sampling with the prior of the free coordinates as proposal
 *                (common random numbers: a fixed set of draws per object), self-normalised,
 *                error by the delta method, effective sample size reported.
 *    Then g_out = V^{-1}(E[Z|y] - omega) (per token) and
 *    dg_out = d g_out/d omega = V^{-1}(Cov(Z|y) - V (x) I) V^{-1} (a PM x PM matrix).
 *
 * 3. State evolution (cav_mi_se): Q <- f_prior(alpha G(Q)), with G(Q) = E[g_out g_out^T] (token
 *    sum) for a channel, omega = Q^{1/2} Xi, Z = omega + (I - Q)^{1/2} U, y ~ P(y|Z), and
 *    f_prior(Qhat) = Qhat (I + Qhat)^{-1} for the Gaussian prior. The two sides are pluggable
 *    (cav_mi_model), so that other Bayes-optimal state evolutions over P x P overlaps (low-rank
 *    matrix estimation, separable discrete priors) use the same solver and stability tools.
 *    Solved by the saddle-point driver of cavity/saddle.h (fixed point, Newton fallback; the
 *    fixed-point solver of cavity/fixpt.h beyond 8 unknowns) on the packed upper triangle of Q
 *    (symmetric by construction), after an escape phase of plain iterations, from an uninformed (Q
 * = eps I), informed (Q = (1 - eps) I) or given start; the free entropy decides between competing
 * fixed points. The expectation over (Xi, U, y) is a Monte-Carlo average over a fixed sample set
 * (common random numbers: the map is deterministic, its fixed point well defined) with its standard
 *    error, or, for P*M = 1 and a deterministic channel, adaptive 2-D cubature.
 *
 * 4. Stability. Near a fixed point Q* whose blocks split into learned (L) and unlearned (U),
 *    with Q*_UU = Q*_UL = 0 and E[Z_U | y, omega_L] = 0, the U block of the map is linear to
 *    leading order: Q_UU <- alpha F(Q_UU),
 *        F(E)_{pp'} = E_{y, omega_L} sum_m [(C - I)(E (x) I_M)(C - I)]_{(pm), (p'm)}
 *    with C = Cov(vec Z_U | y, omega_L, V) (docs/multi-index.md, eq. F). F is a
 *    self-adjoint positive operator on symmetric U x U matrices; the block is learned when
 *    alpha lambda_max(F) > 1. At Q* = 0 this gives alpha_c = 1/lambda_max(F), unless
 *    E[Z|y] != 0 on a set of labels of positive measure (then those directions are learned at
 *    every alpha > 0: alpha_c = 0). With L learned, Q*_LL depends on alpha and the conditional
 *    threshold is the root of alpha lambda_max(F(Q*_LL(alpha))) = 1.
 *
 * Status codes: CAV_OK; CAV_EINVAL (bad argument, before any work, the message names it);
 * CAV_EUNSUP (method not available for this channel/size); CAV_EMAXITER / CAV_EDIVERGE (solver
 * did not converge: the last iterate and residual are kept); CAV_ENUMERIC (a non-finite value:
 * a label outside the range of the channel, an underflowing posterior).
 */
#ifndef CAVITY_MULTI_INDEX_H
#define CAVITY_MULTI_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/fixpt.h"
#include "cavity/rng.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_MI_MAXP 8    /* indices P at most */
#define CAV_MI_MAXPM 16  /* P*M at most */
#define CAV_MI_MAXY 64   /* label length at most */
#define CAV_MI_NPAR 4    /* channel hyper-parameters */
#define CAV_MI_MAXBR 256 /* fibre branches at most */

/* ------------------------------------------------------------------------------------------ */
/* Channels                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct cav_mi_channel cav_mi_channel;

/* What the engine needs to know of a channel at given P, M and hyper-parameters. */
typedef struct cav_mi_layout {
    int ny;                 /* length of the label y */
    int nfree;              /* k: free coordinates of vec Z on a fibre (0..P*M) */
    int free[CAV_MI_MAXPM]; /* their indices in vec Z, increasing */
    int nbranch;            /* branches of the fibre (>= 1) */
    int nobs;               /* continuous observation coordinates s (0 for discrete labels) */
    int nlabels;            /* number of discrete labels (0 for continuous observations) */
    int deterministic;      /* 1 when y = g(Z) (sample ignores its rng) */
    double obs_scale;       /* scale of s under the prior (observation cubature weight) */
} cav_mi_layout;

typedef struct cav_mi_channel_type {
    const char *name; /* "sign", "square", "linear", "attention" */
    const char *summary;
    /* Validate P, M and par[]: CAV_OK or CAV_EINVAL with a message naming the parameter. */
    int (*check)(const cav_mi_channel *self, cav_err *err);
    /* Fill the layout (after check). */
    void (*layout)(const cav_mi_channel *self, cav_mi_layout *lay);
    /* y = label of pre-activations Z (P*M, row-major); rng used by noisy channels only. */
    void (*sample)(const cav_mi_channel *self, const double *Z, cav_rng *rng, double *y);
    /* Observation of a label: continuous coordinates s[0..nobs), or for discrete labels
     * s[0] = the label index in [0, nlabels). CAV_OK or CAV_ENUMERIC when y is not a label. */
    int (*observe)(const cav_mi_channel *self, const double *y, double *s);
    /* Fibre: for n points u (n x k row-major) of the free coordinates, branch b, observation s:
     * zdet (n x (PM - k)) the determined coordinates (in increasing vec index order) and
     * logw[n] the log-weight (-INFINITY off the fibre). */
    void (*fibre)(const cav_mi_channel *self, const double *s, int b, size_t n, const double *u,
                  double *zdet, double *logw);
    /* Kinks of the fibre weight along free coordinate j (u_j = pts[.], at most 8); NULL: none. */
    int (*kinks)(const cav_mi_channel *self, const double *s, int b, int j, double *pts);
    /* P*M = 1 only: kinks of the label map z -> y (for the outer cubature); NULL: none. */
    int (*zkinks)(const cav_mi_channel *self, double *pts);
} cav_mi_channel_type;

struct cav_mi_channel {
    const cav_mi_channel_type *type;
    int P, M;
    double par[CAV_MI_NPAR];
};

/* sign: y_i = sign(Z_i) for every pre-activation (P*M <= 4, 2^{PM} labels). P = M = 1 is the
 * noiseless perceptron. */
extern const cav_mi_channel_type cav_mi_channel_sign;
/* square: y_i = Z_i^2 (phase retrieval for P = M = 1); s = sqrt(y), 2^{PM} sign branches. */
extern const cav_mi_channel_type cav_mi_channel_square;
/* linear: y = Z + sqrt(Delta) xi, par[0] = Delta > 0 (Gaussian, closed-form reference). */
extern const cav_mi_channel_type cav_mi_channel_linear;
/* attention: deep tied low-rank attention, P = L layers, M tokens, par[0] = c (skip strength,
 * >= 0), par[1] = beta (softmax inverse temperature, > 0). Layer l has the pre-activation row
 * z_l (M tokens); A(t) = softmax_rows(beta t t^T) + c I; B_0 = I, t_l = B_{l-1} z_l,
 * B_l = A(t_l) B_{l-1}; output y = softmax_rows(beta h h^T) (M x M, row-major), h = B_{L-1} z_L.
 * y determines h up to its sign (the output inversion, docs/attention.md), so the fibre has the
 * rows 1..L-1 free, z_L = B_{L-1}^{-1}(+-h) and weight 1/|det B_{L-1}|; s = h (M coordinates).
 * See cavity/attention.h for the network, errors and thresholds. */
extern const cav_mi_channel_type cav_mi_channel_attention;

const cav_mi_channel_type *const *cav_mi_channel_registry(void);
const cav_mi_channel_type *cav_mi_channel_find(const char *name);

/* Validate (type set, 1 <= P <= CAV_MI_MAXP, M >= 1, P*M <= CAV_MI_MAXPM, the type's own
 * check): CAV_OK or CAV_EINVAL naming the parameter. err may be NULL. */
int cav_mi_channel_check(const cav_mi_channel *ch, cav_err *err);
/* Layout of a valid channel. */
int cav_mi_channel_layout(const cav_mi_channel *ch, cav_mi_layout *lay, cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Posterior of the pre-activations (Z_out, g_out, dg_out)                                      */
/* ------------------------------------------------------------------------------------------ */

enum { CAV_MI_AUTO = 0, CAV_MI_EXACT, CAV_MI_ADAPTIVE, CAV_MI_GH, CAV_MI_MC };

typedef struct cav_mi_inner_opts {
    int method;    /* CAV_MI_AUTO (EXACT for k = 0, ADAPTIVE for k <= 2 and PM <= 4, GH for
                      k <= 4, else MC), or one of the methods (default AUTO) */
    double tol;    /* ADAPTIVE: relative tolerance of every moment (default 1e-8) */
    int gh_n;      /* GH: nodes per free coordinate, 2..64 (default 20) */
    int gh_check;  /* GH: also evaluate the n - n/4 rule and report the difference (default 0) */
    int gh_adapt;  /* GH: when the rule does not resolve a branch's posterior (effective node
                      count < 30% of the rule's), integrate it again with a defensive mixture of
                      the prior and Laplace approximations at its modes (default 1) */
    long mc_n;     /* MC: importance samples (default 4096) */
    uint64_t seed; /* MC: seed of the fixed draws (default 1) */
} cav_mi_inner_opts;

cav_mi_inner_opts cav_mi_inner_opts_default(void);

typedef struct cav_mi_post {
    double logZ;                             /* log Z_out(y; omega, V) */
    double mean[CAV_MI_MAXPM];               /* E[vec Z | y] */
    double cov[CAV_MI_MAXPM * CAV_MI_MAXPM]; /* Cov(vec Z | y), PM x PM row-major */
    double err; /* error estimate: max of |d logZ|, |d mean_i|, |d cov_ij| */
    double ess; /* MC: effective sample size (other methods: 0) */
    long nodes; /* integrand evaluations (fibre points x branches) */
    int method; /* method used */
} cav_mi_post;

typedef struct cav_mi_inner cav_mi_inner;

/* Allocate a posterior evaluator for a channel (copied; checked) and options (NULL: defaults).
 * Not thread-safe: one per thread. NULL on bad input or no memory (message on err). */
cav_mi_inner *cav_mi_inner_alloc(const cav_mi_channel *ch, const cav_mi_inner_opts *opts,
                                 cav_err *err);
void cav_mi_inner_free(cav_mi_inner *w);
/* Method that AUTO resolves to for this channel. */
int cav_mi_inner_method(const cav_mi_inner *w);

/* Posterior at observation s (as returned by observe()), omega (P*M), V (P x P, symmetric
 * positive definite). CAV_OK, CAV_EINVAL (V not positive definite), CAV_ENUMERIC (the label has
 * zero likelihood under N(omega, V): Z_out underflows), CAV_EUNSUP, CAV_EMAXITER (adaptive
 * budget spent: result kept, err says how far). The message is on err. */
int cav_mi_posterior(cav_mi_inner *w, const double *s, const double *omega, const double *V,
                     cav_mi_post *out, cav_err *err);

/* g_out (P*M) and dg_out (PM x PM row-major, may be NULL) from a posterior (see above). */
int cav_mi_gout(int P, int M, const cav_mi_post *post, const double *omega, const double *V,
                double *gout, double *dgout);

/* ------------------------------------------------------------------------------------------ */
/* State evolution                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* The two sides of a Bayes-optimal state evolution over P x P overlaps (matrices row-major).
 * output: G(Q), the conjugate overlap per unit alpha (Qhat = alpha G(Q)); se (may be NULL):
 *         Monte-Carlo standard errors of G (0 for quadrature).
 * prior:  Q = f(Qhat).
 * lin (optional): the linearised output side in the unlearned block at a fixed point Q*: for
 *         the orthonormal basis E_a of symmetric U x U matrices (E_pp, (E_pq + E_qp)/sqrt 2,
 *         p < q, in row order of the unlearned indices), Fop[a*nb + b] = <E_a, dG[E_b]>
 *         (nb = nu (nu + 1)/2), se likewise; the engine falls back on finite differences of
 *         output when lin is NULL (fine for deterministic sides, noisy for Monte Carlo).
 *         trivial (may be NULL): E[E[Z_U|.] E[Z_U|.]^T] (nu x nu); nonzero means the block is
 *         learned without threshold.
 * psi_out, psi_prior (optional): the free-entropy terms, Phi = -tr(Q Qhat)/2 + psi_prior(Qhat)
 *         + alpha psi_out(Q). */
typedef struct cav_mi_model {
    int P;
    void *out_ctx;   /* context of output, lin, psi_out (borrowed) */
    void *prior_ctx; /* context of prior, psi_prior (borrowed) */
    int (*output)(void *ctx, const double *Q, double *G, double *se, cav_err *err);
    int (*prior)(void *ctx, const double *Qhat, double *Q, cav_err *err);
    int (*lin)(void *ctx, const double *Q, const int *unlearned, int nu, double *Fop, double *se,
               double *trivial, cav_err *err);
    int (*psi_out)(void *ctx, const double *Q, double *val, double *se, cav_err *err);
    int (*psi_prior)(void *ctx, const double *Qhat, double *val, cav_err *err);
} cav_mi_model;

/* Prior sides. Gaussian N(0, I_P): Q = Qhat (I + Qhat)^{-1}, psi = (tr Qhat - log det(I+Qhat))/2
 * (ctx: a pointer to int P). */
int cav_mi_prior_gaussian(void *ctx, const double *Qhat, double *Q, cav_err *err);
int cav_mi_psi_gaussian(void *ctx, const double *Qhat, double *val, cav_err *err);
/* Separable Rademacher prior (each of the P coordinates +-1 independently, P <= 6):
 * Q = E[w <w>^T] for B = Qhat w + Qhat^{1/2} xi, posterior ~ exp(B.w - w^T Qhat w/2) over the
 * 2^P states, E over xi by Gauss-Hermite (P = 1: adaptive). ctx: pointer to int P. */
int cav_mi_prior_rademacher(void *ctx, const double *Qhat, double *Q, cav_err *err);
int cav_mi_psi_rademacher(void *ctx, const double *Qhat, double *val, cav_err *err);

/* Output side of a channel: Monte-Carlo average over a fixed set of n samples (Xi, U, channel
 * noise) drawn from seed, or 2-D adaptive cubature when P*M = 1, the channel is deterministic and
 * outer = CAV_MI_ADAPTIVE (the default for P*M = 1). OpenMP over samples; the result does not
 * depend on the thread count. */
typedef struct cav_mi_outer_opts {
    int outer;               /* CAV_MI_AUTO, CAV_MI_MC or CAV_MI_ADAPTIVE (P*M = 1 only) */
    long n;                  /* MC samples (default 20000) */
    uint64_t seed;           /* MC seed (default 1) */
    double tol;              /* ADAPTIVE outer relative tolerance (default 1e-9) */
    cav_mi_inner_opts inner; /* posterior evaluation */
    int threads;             /* OpenMP threads (0: the runtime default) */
} cav_mi_outer_opts;

cav_mi_outer_opts cav_mi_outer_opts_default(void);

typedef struct cav_mi_chside cav_mi_chside;

/* Allocate the output side of a channel (copied). NULL on bad input (message on err). */
cav_mi_chside *cav_mi_chside_alloc(const cav_mi_channel *ch, const cav_mi_outer_opts *opts,
                                   cav_err *err);
void cav_mi_chside_free(cav_mi_chside *c);
/* Fill a model with this output side, the Gaussian prior, lin and both free-entropy terms. */
void cav_mi_chside_model(cav_mi_chside *c, cav_mi_model *m);
/* Largest inner error estimate and smallest MC effective sample size seen in the last
 * output/lin/psi evaluation (diagnostics). */
double cav_mi_chside_inner_err(const cav_mi_chside *c);
/* Fraction of outer samples whose posterior failed (label of zero likelihood, skipped). */
double cav_mi_chside_failed(const cav_mi_chside *c);

/* Linearised output at a given Q on the unlearned block (the lin method of the model). */
int cav_mi_chside_lin(cav_mi_chside *c, const double *Q, const int *unlearned, int nu, double *Fop,
                      double *se, double *trivial, cav_err *err);

/* ---- the solver ---- */

enum { CAV_MI_START_UNINFORMED = 0, CAV_MI_START_INFORMED = 1, CAV_MI_START_GIVEN = 2 };

typedef struct cav_mi_se_opts {
    cav_fixpt_opts fixpt; /* tol default 1e-10, damping, Anderson (see cavity/fixpt.h) */
    int start;            /* CAV_MI_START_* (default UNINFORMED) */
    double eps;           /* start Q = eps I or (1 - eps) I (default 1e-3) */
    const double *Q0;     /* START_GIVEN: P x P (borrowed) */
    const int *frozen;    /* P flags (may be NULL): indices whose rows/columns of Q stay at
                             the start value (learned-block restrictions) */
    int want_se;          /* compute Q_se by the delta method (default 1; costs P(P+1)/2 extra
                             evaluations of the output side) */
    int escape;           /* plain iterations allowed while the residual grows, before the
                             accelerated solver takes over (default 500) */
} cav_mi_se_opts;

cav_mi_se_opts cav_mi_se_opts_default(void);

typedef struct cav_mi_se_result {
    int status;
    int P;
    double Q[CAV_MI_MAXP * CAV_MI_MAXP];    /* overlap at the last iterate */
    double Qhat[CAV_MI_MAXP * CAV_MI_MAXP]; /* alpha G(Q) */
    double Q_se[CAV_MI_MAXP * CAV_MI_MAXP]; /* MC standard error of the fixed point (delta
                                               method through the map's Jacobian; 0 if exact) */
    double residual;
    long iterations;
    char msg[CAV_ERR_MSG_LEN];
} cav_mi_se_result;

/* Solve Q = prior(alpha output(Q)). The model is borrowed. Returns out->status. */
int cav_mi_se_solve(const cav_mi_model *m, double alpha, const cav_mi_se_opts *opts,
                    cav_mi_se_result *out);

/* Plain SE iteration (no acceleration) for `steps` steps from Q0 with damping a (new weight):
 * Q^{t+1} = (1 - a) Q^t + a prior(alpha output(Q^t)); traj ((steps+1) x P*P) receives the
 * iterates. What GAMP follows step by step. */
int cav_mi_se_iterate(const cav_mi_model *m, double alpha, const double *Q0, long steps, double a,
                      double *traj, cav_err *err);

/* Free entropy Phi(Q) at a fixed point (Qhat = alpha G(Q)) and its MC standard error. CAV_EUNSUP
 * when the model has no psi terms. */
int cav_mi_free_entropy(const cav_mi_model *m, double alpha, const double *Q, double *phi,
                        double *se, cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Stability and thresholds                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct cav_mi_stab {
    int nu; /* size of the unlearned block */
    int unlearned[CAV_MI_MAXP];
    double Fop[36 * 36]; /* operator in the orthonormal basis (nb x nb, nb = nu(nu+1)/2) */
    double Fop_se[36 * 36];
    double eig[36];                         /* eigenvalues, decreasing */
    double evec[36 * 36];                   /* eigenvectors (columns, basis coordinates) */
    double vmax[CAV_MI_MAXP * CAV_MI_MAXP]; /* top eigenvector as a nu x nu matrix */
    double lambda_max, lambda_se;           /* top eigenvalue and its MC error (first order) */
    double trivial_max;                     /* largest eigenvalue of E[E[Z_U|.]E[Z_U|.]^T] */
    double alpha_c;                         /* 1/lambda_max (0 when trivial_max > trivial_tol) */
} cav_mi_stab;

/* Linear stability of the U block at Q (P x P; Q_UU and Q_UL must be 0) for the model m at
 * alpha (alpha enters only through the prior's derivative at alpha G(Q)): the operator
 * dT_UU = f_prior' o alpha dG_UU, reported per unit alpha. unlearned: nu indices (NULL, nu = 0:
 * all). trivial_tol: when the largest eigenvalue of E[E[Z_U|.] E[Z_U|.]^T] exceeds it the block
 * counts as learned without threshold (default when <= 0: 1e-4; a symmetric posterior gives 0
 * up to quadrature asymmetry, ~1e-6, a genuine trivial direction O(0.1), e.g. 2/pi for sign). */
int cav_mi_stability(const cav_mi_model *m, double alpha, const double *Q, const int *unlearned,
                     int nu, double trivial_tol, cav_mi_stab *out, cav_err *err);

/* Conditional threshold of the unlearned block U given the learned block L (the other indices):
 * the alpha in [alo, ahi] where alpha lambda_max(F_U(Q*_LL(alpha))) = 1, Q*_LL(alpha) the fixed
 * point of the L block with U frozen at 0, reached from se_opts->start on L: UNINFORMED (eps I,
 * the branch an algorithm from a random start follows; the default) or INFORMED ((1 - eps) I,
 * warm-started along the root search; noiseless channels may have a high-overlap branch there).
 * Brent on [alo, ahi] to xtol. Writes alpha_c, its MC error estimate (from the
 * error of lambda_max and the slope), and Q*_LL at alpha_c (P x P). CAV_EINVAL when [alo, ahi]
 * does not bracket the crossing (the message gives both values). */
typedef struct cav_mi_cond_result {
    int status;
    double alpha_c, alpha_se;
    double Q[CAV_MI_MAXP * CAV_MI_MAXP];
    double lambda_max;
    double flo, fhi; /* alpha lambda_max - 1 at alo and ahi */
    long evaluations;
    char msg[CAV_ERR_MSG_LEN];
} cav_mi_cond_result;

int cav_mi_threshold_conditional(const cav_mi_model *m, const int *unlearned, int nu, double alo,
                                 double ahi, double xtol, const cav_mi_se_opts *se_opts,
                                 cav_mi_cond_result *out);

/* Stability of the trivial fixed point of a channel by cubature over the observation (discrete
 * labels summed; continuous observations with nobs <= 2 by adaptive cubature with a Gaussian
 * weight of the channel's obs_scale) or by Monte Carlo over Z (n samples, seed) otherwise or when
 * mc_n > 0. out->alpha_c = 1/lambda_max, or 0 when E[Z|y] != 0 (sign-type channels).
 * tower (may be NULL): E_y Cov(Z|y) (PM x PM), which must be the identity (a check). */
int cav_mi_channel_stability(const cav_mi_channel *ch, const cav_mi_inner_opts *inner, double tol,
                             long mc_n, uint64_t seed, cav_mi_stab *out, double *tower,
                             double *err_est, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
