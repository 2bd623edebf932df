/* cavity/depth.h — the computational advantage of depth on hierarchical targets.
 *
 * The finite-size experiment of Dandi, Pesce, Zdeborová & Krzakala, "The Computational Advantage
 * of Depth: Learning High-Dimensional Hierarchical Functions with Gradient Descent",
 * arXiv:2502.13961, on the network engine (cavity/nn.h).
 *
 * Targets (x ~ N(0, I_d); n = floor(d^kappa) training samples, no label noise):
 *   SIGHT (levels = 1): z = W* x with W* (m1 x d, m1 = floor(d^eps1)) of orthonormal rows (QR of a
 *     Gaussian matrix), h*(x) = sum_i a_i P(z_i)/sqrt(m1) with a_i = +-1 (Rademacher),
 *     f*(x) = g*(h*(x)), g*(h) = gstar(gscale h) (default tanh(3 h));
 *     P(z) = sum_j pcoef[j] He_j(z)/j! with He_j the monic Hermite polynomials (default
 *     He2/2 + He3/6, the paper's P_3), k = deg P;
 *   deep (levels L = 2, 3): m_l = floor(d^{eps_l}), eps1 > eps2 > ...; component j of level l >= 2
 *     is u_{l,j} = sum_i a_{l,i} Pn(u_{l-1,i})/sqrt(b_l) over its own block of b_l =
 *     floor(m_{l-1}/m_l) components of level l-1 (u_1 = z), Pn = P/sqrt(Var P) (unit variance
 *     under N(0,1)), and h* = sum_j a_j P(u_{L,j})/sqrt(m_L): a tree, components independent;
 *   MIGHT (branches K > 1): K independent copies with disjoint blocks of one QR factor,
 *     f* = (1/sqrt K) sum_m g*(h*_m).
 *
 * Learners (each optional, `learners` bit mask), ReLU networks with fixed random biases:
 *   LAYERWISE: 3-layer net f = w3 . sigma(W2 sigma(W1 x + b1) + b2), widths p1, p2, trained by
 *     the paper's Algorithm 1: (1) t1 steps of spherical mini-batch SGD on W1 alone (rows on the
 *     unit sphere, batches of floor(batch_frac n) drawn afresh each step) on the correlation loss
 *     -f f*, W2, w3 frozen at their initialisation; (2) W2 <- 0, w3 ~ N(0, 1), one preconditioned
 *     step on W2 with the correlation loss, W2 <- -G (C + ridge2 I)^{-1}, C the second moment of
 *     sigma(W1 x + b1), rescaled so that the pre-activations W2 a1 have root-mean-square eta2 over
 *     the training set; (3) ridge regression of w3 on the second-layer features, ridge
 *     lambda3 n. The step of (1) is lr1 divided by the root-mean-square norm of the projected
 *     row gradients at the start (so lr1 is the typical angle of the first step);
 *   TWO_LAYER: 2-layer net w2 . sigma(W1 x + b1) of width p_two: stage (1) as above on W1, then
 *     ridge regression of w2 (lambda_two n);
 *   JOINT: the 3-layer net trained jointly (all weights, biases fixed) by Adam (or plain SGD) on
 *     the square loss, t_joint steps of rate lr_joint on random batches of floor(batch_frac n);
 *   KERNEL: kernel ridge regression with K(x, x') = (x.x'/d)^2 + x.x'/d + 1, ridge lambda_kernel n.
 * Initialisation (as in the authors' code, except b2): W1 rows N(0, I/d), b1 ~ U[-1, 1],
 * W2 ~ eps_init N(0, 1/p1), b2 ~ U[-1, 1], w3 ~ eps_init N(0, 1/p2).
 *
 * Observables: test MSE of each learner on n_test fresh points (mse_null = mean y^2, the zero
 * predictor); the overlap M_W = sqrt(mean_i (|P_W* w_i|/|w_i|)^2) of the first-layer rows with the
 * span of W* (all branches), whose value for random rows is about sqrt(m1 K/d) (mw_random, exact
 * expectation of the squared overlap: m1 K/d); M_h = mean over second-layer units with a non-zero
 * row of |cos| between the unit's pre-activation W2 a1 + b2 and h*(x) over the test inputs
 * (uncentred, as in the authors' code; first branch for MIGHT).
 *
 * Theory (the paper's scaling argument, n = d^kappa): W* is recovered at kappa = 1 + eps1; the
 * 3-layer net learns h* and f* at kappa = max(1 + eps1, k eps1); the 2-layer net after learning
 * W* acts as random features in dimension d^eps1 (degree q at max(1 + eps1, q eps1)); a kernel
 * learns the degree-q part of f* at kappa = q; the quadratic kernel interpolates (peak of its
 * test error at small ridge) at n equal to the dimension of its feature space,
 * d(d+1)/2 + d + 1 (the paper quotes d(d-1)/2 + d + 1).
 *
 * Randomness: target (seed, hash("depth/target")), train inputs (seed, hash("depth/x")), test
 * inputs (seed, hash("depth/test")), networks (seed, hash("depth/net3" / "depth/net2" /
 * "depth/joint")), batches (seed, hash("depth/batch")). The target and data do not depend on
 * kappa's learner settings; results are bit-identical for any thread count.
 */
#ifndef CAVITY_DEPTH_H
#define CAVITY_DEPTH_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/activation.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_DEPTH_MAX_LEVELS 3
#define CAV_DEPTH_MAX_BRANCHES 16

enum {
    CAV_DEPTH_LAYERWISE = 1,
    CAV_DEPTH_TWO_LAYER = 2,
    CAV_DEPTH_JOINT = 4,
    CAV_DEPTH_KERNEL = 8,
    CAV_DEPTH_ALL = 15
};

typedef struct cav_depth_config {
    /* target */
    size_t d;                         /* dimension >= 2 (64) */
    int levels;                       /* 1 (SIGHT) .. 3 (1) */
    double eps[CAV_DEPTH_MAX_LEVELS]; /* eps1 > eps2 > eps3 > 0 (0.5, 0.25, 0.125) */
    int branches;                     /* K >= 1 (1) */
    double pcoef[5];                  /* P = sum_j pcoef[j] He_j/j! ({0, 0, 1, 1, 0}) */
    const cav_activation_type *gstar; /* outer function (tanh) */
    double gscale;                    /* g*(h) = gstar(gscale h) (3) */
    /* sampling */
    double kappa;  /* n = floor(d^kappa) (1.5) */
    size_t n_test; /* (1000) */
    int learners;  /* bit mask (CAV_DEPTH_LAYERWISE | CAV_DEPTH_KERNEL) */
    /* networks */
    const cav_activation_type *act; /* (relu) */
    size_t p1, p2;                  /* 3-layer widths (512, 100) */
    size_t p_two;                   /* 2-layer width (0: p1) */
    double eps_init;                /* (0.2) */
    long t1;                        /* stage-1 steps (0: floor(15 log d)) */
    double lr1;                     /* stage-1 typical angle (0.5) */
    double batch_frac;              /* (0.7) */
    double ridge2;                  /* preconditioner ridge (1e-3) */
    double eta2;                    /* rms of the second-layer pre-activations after the step (1) */
    double lambda3;                 /* readout ridge (1e-4) */
    double lambda_two;              /* 2-layer readout ridge (1e-4) */
    long t_joint;                   /* (300) */
    int opt_joint;                  /* CAV_NN_ADAM (default) or CAV_NN_SGD (as the authors' code) */
    double lr_joint;                /* (1e-3) */
    double lambda_kernel;           /* (1e-4) */
    uint64_t seed;
} cav_depth_config;

void cav_depth_config_default(cav_depth_config *c);
/* Validate before any work (sizes, 0 < eps_l < 1 decreasing, floor(d^eps_l) >= 1, K m1 <= d,
 * a non-constant P, kappa with n >= 2, rates and ridges, learners in 1..15). */
int cav_depth_check(const cav_depth_config *c, cav_err *err);

typedef struct cav_depth_result {
    int status; /* CAV_OK, CAV_EDIVERGE (joint training diverged), or an error */
    char msg[CAV_ERR_MSG_LEN];
    size_t n;
    double kappa; /* log n / log d as realised */
    double mse_null, mse_layerwise, mse_two_layer, mse_joint, mse_kernel; /* NaN if not run */
    double mw_random, mw_layerwise, mw_two_layer, mw_joint;
    double mh_layerwise, mh_joint;
} cav_depth_result;

int cav_depth_run(const cav_depth_config *c, cav_depth_result *res, cav_err *err);

/* The target alone (for tests and figures). */
typedef struct cav_depth_target cav_depth_target;
int cav_depth_target_alloc(const cav_depth_config *c, cav_depth_target **t, cav_err *err);
void cav_depth_target_free(cav_depth_target *t);
/* y[i] = f*(x_i); h (n x K, may be NULL) = h*_m(x_i). */
void cav_depth_target_eval(const cav_depth_target *t, size_t n, const double *X, double *y,
                           double *h);
/* The K m1 x d matrix of all branches' W* rows (orthonormal). */
const double *cav_depth_target_wstar(const cav_depth_target *t, size_t *rows);
/* M_W of the rows of W (p x d) with the span of W*. */
double cav_depth_overlap_w(const cav_depth_target *t, size_t p, const double *W);

/* Theory (kappa thresholds; see the header comment). */
int cav_depth_degree(const cav_depth_config *c);              /* k = deg P */
double cav_depth_kappa_w(const cav_depth_config *c);          /* 1 + eps1 */
double cav_depth_kappa_three(const cav_depth_config *c);      /* max(1 + eps1, k eps1) */
double cav_depth_kappa_two(const cav_depth_config *c, int q); /* max(1 + eps1, q eps1) */
double cav_depth_kappa_kernel(int q);                         /* q */
/* Kernel interpolation peaks: the feature count d(d+1)/2 + d + 1 and the paper's formula
 * d(d-1)/2 + d + 1, as sample sizes. */
double cav_depth_kernel_features(size_t d);
double cav_depth_kernel_peak_paper(size_t d);
/* The successive jumps of the layer-wise learner on the tree, L = levels: 1 + eps1 (W*), then
 * k eps_l + eps_{l+1} for l < L (weak recovery of level l + 1 given level l), then k eps_L (the
 * last level's polynomial); L + 1 values into out (at most CAV_DEPTH_MAX_LEVELS + 1), returns
 * L + 1. SIGHT (L = 1): 1 + eps1 and k eps1, whose maximum is cav_depth_kappa_three. */
int cav_depth_kappa_levels(const cav_depth_config *c, double *out);

#ifdef __cplusplus
}
#endif
#endif
