/* cavity/attention.h — deep tied low-rank attention as a sequence multi-index model
 * (Troiani, Cui, Dandi, Krzakala, Zdeborová, "Fundamental limits of learning in sequence
 * multi-index models and deep attention networks", arXiv:2502.00901; docs/attention.md).
 *
 * Network (L layers, M tokens, rank one per layer, skip strength c, inverse temperature beta):
 * tokens x in R^{M x D}, z_l = x w_l/sqrt(D) (row l of Z = W x^T/sqrt(D)), A(t) =
 * softmax_rows(beta t t^T) + c I, t_l = B_{l-1} z_l, B_l = A(t_l) B_{l-1} (B_0 = I), output
 * y = softmax_rows(beta h h^T) with h = B_{L-1} z_L (M x M). Teacher W* with iid N(0, 1)
 * entries, N = alpha D noiseless samples. The Bayes-optimal theory is the multi-index engine of
 * cavity/multi_index.h with the attention channel (P = L).
 *
 * Observables: overlaps q_l = (Q)_{ll} of the Bayes estimator; the plug-in generalisation error
 * E||g(Z) - g(omega)||_F^2 (the error of the posterior-mean weights used in the network, with
 * (Z, omega) jointly Gaussian: Cov Z = I, Cov omega = Cov(Z, omega) = Q, per token) and the
 * Bayes-optimal error E||g(Z) - E[g(Z') | omega]||_F^2, Z' ~ N(omega, I - Q).
 * Thresholds: alpha_1 = 1/lambda_max(F) at Q = 0 (the block learned first: the last layer), and
 * alpha_2, the conditional threshold of the remaining layers given the learned one.
 */
#ifndef CAVITY_ATTENTION_H
#define CAVITY_ATTENTION_H

#include <stdint.h>

#include "cavity/multi_index.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_attention {
    int L;       /* layers, 1..CAV_MI_MAXP */
    int M;       /* tokens, >= 2, L*M <= CAV_MI_MAXPM */
    double c;    /* skip strength >= 0 */
    double beta; /* softmax inverse temperature > 0 */
} cav_attention;

/* L = 2, M = 2, c = 1, beta = 1 (the paper's main case). */
cav_attention cav_attention_default(void);
/* Validate: CAV_OK or CAV_EINVAL naming the parameter and its range. */
int cav_attention_check(const cav_attention *a, cav_err *err);
/* The multi-index channel of the network. */
void cav_attention_channel(const cav_attention *a, cav_mi_channel *ch);
/* y = g(Z): Z is L x M row-major, y is M x M row-major. */
void cav_attention_forward(const cav_attention *a, const double *Z, double *y);
/* Loss ||g(Z) - y||_F^2 and its gradient dZ (L x M) by back-propagation through the layers
 * (the gradient of the network's loss in the pre-activations; the weight gradient is
 * dZ x / sqrt(D)). Returns the loss. */
double cav_attention_loss_grad(const cav_attention *a, const double *Z, const double *y,
                               double *dZ);

/* Plug-in generalisation error at overlap Q (L x L, 0 <= Q < I) by Monte Carlo over n draws
 * (seed): *e and its standard error *se. */
int cav_attention_gen_error(const cav_attention *a, const double *Q, long n, uint64_t seed,
                            double *e, double *se, cav_err *err);
/* Bayes-optimal error at Q: E||g(Z)||^2 - E[g(Z') . g(Z'')] with Z', Z'' independent given
 * omega (an unbiased estimator from K >= 2 inner draws per outer draw, n outer draws). */
int cav_attention_bo_error(const cav_attention *a, const double *Q, long n, long K, uint64_t seed,
                           double *e, double *se, cav_err *err);

/* Weak-recovery thresholds. */
typedef struct cav_attention_th_opts {
    cav_mi_inner_opts inner; /* posterior rule (default GH, 20 nodes; the error estimate of
                                alpha_1 repeats the computation with 15) */
    double tol;              /* observation cubature tolerance of alpha_1 (default 1e-6) */
    cav_mi_outer_opts outer; /* Monte Carlo of the conditional threshold (default n = 20000) */
    double ahi;              /* upper end of the alpha_2 search (default 8) */
    double xtol;             /* Brent tolerance of alpha_2 (default 1e-3) */
    int conditional;         /* compute alpha_2 (default 1) */
    long mc_n;               /* > 0: alpha_1 by Monte Carlo over Z with mc_n samples (error: the
                                MC standard error) instead of the observation cubature (default 0) */
} cav_attention_th_opts;

cav_attention_th_opts cav_attention_th_opts_default(void);

typedef struct cav_attention_th {
    int status;
    double alpha1, alpha1_err; /* first threshold and its quadrature error estimate (change with
                                  a 3/4 posterior rule + cubature estimate) */
    double lambda1;            /* lambda_max(F) at Q = 0 */
    double F[CAV_MI_MAXP];     /* per-layer diagonal entries F_ll at Q = 0 (1/F_ll: the
                                  unconditional threshold of layer l alone) */
    int first;                 /* the layer (0-based) carried by the top eigenvector */
    double jensen;             /* 1/(M(M+1)): lower bound of every single-layer threshold */
    double alpha2, alpha2_se;  /* conditional threshold of the other layers given `first` */
    double q_first_at_alpha2;  /* overlap of the learned layer at alpha2 */
    char msg[CAV_ERR_MSG_LEN];
} cav_attention_th;

int cav_attention_thresholds(const cav_attention *a, const cav_attention_th_opts *opts,
                             cav_attention_th *out);

/* ---- simulation: gradient descent on the tied attention network (src/sim/mi/attn_gd.c) ----
 * Student weights w_l in R^D (the same architecture as the teacher), full-batch gradient descent
 * on R(W) = (1/N) sum_mu ||g(W x_mu/sqrt D) - y_mu||_F^2 + (wd/2) sum_l |w_l|^2/D with the step
 * scaled by D (each coordinate moves O(lr) per step):
 *     w_l <- w_l - lr [ (1/(alpha sqrt D)) sum_mu sum_m dl_mu/dz_{lm} x_{mu m} + wd w_l ],
 * from w_l = init_scale xi (xi iid N(0, 1)). Data as cavity/mi_sim.h (stream seed), start from
 * (init_seed, "attention-gd"). Rows of out every `every` steps (and the last):
 * step, train loss (R without the penalty), test error (the plug-in error on n_test fresh
 * samples), then per layer: m_l = w_l.w*_l/D, q_l = |w_l|^2/D, cos_l = |m_l|/sqrt(q_l |w*_l|^2/D).
 */
typedef struct cav_attention_gd_opts {
    long D;            /* dimension (default 500) */
    double alpha;      /* N = alpha D samples (default 1) */
    long steps;        /* GD steps (default 2000) */
    double lr;         /* step (default 0.2) */
    double wd;         /* weight decay (default 0) */
    double init_scale; /* start scale (default 0.1) */
    long n_test;       /* fresh samples for the test error (default 2000) */
    long every;        /* record every this many steps (default 10) */
    uint64_t seed, init_seed;
} cav_attention_gd_opts;

cav_attention_gd_opts cav_attention_gd_opts_default(void);
/* Columns of a row and the number of rows written by cav_attention_gd. */
#define CAV_ATTENTION_GD_NCOL(L) (3 + 3 * (L))
long cav_attention_gd_rows(const cav_attention_gd_opts *o);
/* Run; out has cav_attention_gd_rows(o) x CAV_ATTENTION_GD_NCOL(L) entries. CAV_EDIVERGE when
 * the loss becomes non-finite (rows after it NaN). */
int cav_attention_gd(const cav_attention *a, const cav_attention_gd_opts *o, double *out,
                     cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
