/* cavity/nn.h — small dense neural networks with exact hand-written gradients, their optimisers,
 * and kernel ridge regression: the simulation engine of the experiments that train networks
 * (distillation of memorised data, hierarchical targets and depth, tied autoencoders).
 *
 * ---------------------------------------------------------------------------------------------
 * Network. L = spec.hidden hidden layers (0 to 3; 0 is a linear model), layers l = 0..L, layer l
 * maps a_{l-1} (a_{-1} = x in R^d) to
 *     z_l = s_l W_l a_{l-1} + b_l,     a_l = sigma_l(z_l) (l < L),     output z = z_L in R^k,
 * W_l of shape out_l x in_l (row-major), s_l = spec.scale[l] a fixed multiplier (1 by default;
 * 1/sqrt(in) gives the "standard" scaling of the theory papers), b_l optional (spec.bias[l]).
 * Tied layers: spec.tie[l] = m + 1 makes W_l = W_m^T (the same storage; shapes must agree), e.g.
 * the tied autoencoder x_hat = (w/sqrt d) sigma(w.x/sqrt d) is hidden = 1, width 1, k = d,
 * tie[1] = 1, scale[0] = scale[1] = 1/sqrt(d). Output: the logits z (scalar k = 1 or vector), or
 * with spec.softmax the probabilities p = softmax(z/tau) at temperature spec.tau.
 *
 * Per layer (cav_nn_layer_opts, cav_nn_layer()): learning-rate multiplier lr (1), weight decay wd
 * (0; the objective gains wd/2 ||W_l||^2), frozen weights / bias (not updated by any optimiser),
 * spherical (each row of W_l is kept on its sphere: the gradient is projected on the tangent space
 * of the row and the row renormalised to its norm before the step).
 *
 * Losses (per sample; the objective is their mean over the batch, or their sum with loss.sum, plus
 * the weight decays). With tau the net's temperature:
 *   square    (1/2) ||z - y||^2                       (y: n x k targets)
 *   ce        -log softmax(z/tau)_c                   (labels c in 0..k-1; k >= 2)
 *   soft-ce   -sum_j q_j log softmax(z/tau)_j         (q: n x k probabilities, e.g. a teacher's)
 *   bce       softplus(z/tau) - y z/tau               (k = 1, y in [0, 1]; binary cross-entropy
 *                                                      of sigmoid(z/tau) against y)
 *   corr      -sum_j z_j y_j                          (the correlation loss -f f*)
 * Gradients w.r.t. z: square z - y; ce (p - e_c)/tau; soft-ce (p sum_j q_j - q)/tau; bce
 * (sigmoid(z/tau) - y)/tau; corr -y. The backward pass is the chain rule written out over
 * matrix products: dW_l = s_l delta_l^T a_{l-1}, db_l = sum_mu delta_l,
 * delta_{l-1} = s_l (delta_l W_l) o sigma'(z_{l-1}).
 *
 * Optimisers (cav_nn_train): full-batch GD, mini-batch SGD, Adam (PyTorch's: bias-corrected
 * moments, theta -= lr mhat/(sqrt(vhat) + eps)), each step scaled per layer by its lr multiplier.
 * Batches: full (batch = 0), epochs of a fresh permutation cut into batches (the last one
 * shorter), or a random subset of `batch` samples drawn at every step (without replacement).
 * Beside the optimisers: one preconditioned step on a layer (W <- W - eta G (C + ridge I)^{-1},
 * C = A^T A/n the second moment of the layer's input, G the loss gradient), and the ridge
 * regression of the output layer on the last hidden features.
 *
 * Reproducibility: the same inputs give bit-identical results for any number of OpenMP threads
 * and any OpenBLAS thread count. Products are cut into tiles of their output fixed by the sizes
 * and computed by single-threaded BLAS calls spread over OpenMP threads; every reduction over
 * samples has a fixed order. While a function of this header runs, OpenBLAS's own thread count
 * is set to 1 and restored afterwards (a no-op when already 1, as in the sweep runner).
 * Randomness (initialisation, batches) comes from cav_rng streams keyed by the caller's seed.
 *
 * Ownership and threads: a cav_nn owns its parameters and a workspace that grows to the largest
 * batch seen; one net must not be used from two threads at once (distinct nets may). Arrays
 * passed in are borrowed. Errors: int status with the message on err (may be NULL): CAV_EINVAL
 * for bad arguments (named, before any work), CAV_ENOMEM, CAV_EDIVERGE for a non-finite loss,
 * CAV_ENUMERIC for a matrix that is not positive definite.
 */
#ifndef CAVITY_NN_H
#define CAVITY_NN_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/activation.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_NN_MAX_HIDDEN 3
#define CAV_NN_MAX_LAYERS (CAV_NN_MAX_HIDDEN + 1)

/* Architecture; cav_nn_spec_default() fills d = k = 1, hidden = 0, scales 1, tau 1, no bias,
 * no ties, no softmax, relu activations. */
typedef struct cav_nn_spec {
    size_t d;                                          /* input dimension >= 1 */
    int hidden;                                        /* hidden layers, 0..3 */
    size_t width[CAV_NN_MAX_HIDDEN];                   /* their widths >= 1 */
    const cav_activation_type *act[CAV_NN_MAX_HIDDEN]; /* their activations */
    size_t k;                                          /* output dimension >= 1 */
    int softmax;                                       /* output softmax(z/tau) (k >= 2) */
    double tau;                                        /* temperature > 0 */
    int bias[CAV_NN_MAX_LAYERS];                       /* layer l has a bias */
    double scale[CAV_NN_MAX_LAYERS];                   /* s_l (0 means 1) */
    int tie[CAV_NN_MAX_LAYERS];                        /* m + 1: W_l = W_m^T; 0: own */
} cav_nn_spec;

void cav_nn_spec_default(cav_nn_spec *s);

/* Per-layer training settings (defaults: lr 1, wd 0, nothing frozen, not spherical). */
typedef struct cav_nn_layer_opts {
    double lr;     /* learning-rate multiplier >= 0 */
    double wd;     /* weight decay >= 0 on W_l (not on b_l) */
    int freeze_w;  /* 1: W_l is not updated */
    int freeze_b;  /* 1: b_l is not updated */
    int spherical; /* 1: rows of W_l stay on their spheres */
} cav_nn_layer_opts;

typedef struct cav_nn cav_nn;

/* Validate a spec (sizes >= 1, hidden in 0..3, activations set, tau > 0 and finite, scales
 * finite, ties to an earlier untied layer of transposed shape, softmax needs k >= 2). */
int cav_nn_spec_check(const cav_nn_spec *s, cav_err *err);

/* Allocate a network (parameters zero). *out = NULL on error. */
int cav_nn_alloc(const cav_nn_spec *s, cav_nn **out, cav_err *err);
void cav_nn_free(cav_nn *net);
/* Deep copy (parameters, spec and layer settings; not the workspace). */
int cav_nn_copy(const cav_nn *src, cav_nn **out, cav_err *err);

const cav_nn_spec *cav_nn_get_spec(const cav_nn *net);
/* Layer settings of layer l (0..hidden), mutable; NULL for a bad l. */
cav_nn_layer_opts *cav_nn_layer(cav_nn *net, int l);
/* Parameters of layer l: W_l (rows x cols, row-major; for a tied layer the storage of the layer
 * it is tied to, whose shape is the transpose) and b_l (NULL without bias). Mutable. */
double *cav_nn_weight(cav_nn *net, int l);
double *cav_nn_bias(cav_nn *net, int l);
size_t cav_nn_rows(const cav_nn *net, int l); /* out_l */
size_t cav_nn_cols(const cav_nn *net, int l); /* in_l */

/* Flat parameter vector: for l = 0..hidden, W_l (unless tied) then b_l (if any). */
size_t cav_nn_nparams(const cav_nn *net);
void cav_nn_get_params(const cav_nn *net, double *theta);
void cav_nn_set_params(cav_nn *net, const double *theta);

/* Initialisation (re-initialisation) of layer l from stream (seed, stream, l):
 *   NORMAL  W ~ N(0, scale^2), b ~ N(0, scale^2)
 *   UNIFORM W, b ~ U(-scale, scale)
 *   ZERO    W = b = 0
 *   TORCH   W, b ~ U(-1/sqrt(in_l), 1/sqrt(in_l)) (PyTorch nn.Linear; scale ignored)
 * what: CAV_NN_INIT_W, CAV_NN_INIT_B or both (bitwise or). A tied layer cannot be initialised
 * (initialise the layer it is tied to). */
enum { CAV_NN_NORMAL = 0, CAV_NN_UNIFORM = 1, CAV_NN_ZERO = 2, CAV_NN_TORCH = 3 };
enum { CAV_NN_INIT_W = 1, CAV_NN_INIT_B = 2 };
int cav_nn_init_layer(cav_nn *net, int l, int what, int kind, double scale, uint64_t seed,
                      uint64_t stream, cav_err *err);

/* Forward pass on n inputs X (n x d): out (n x k) receives the logits z (probs = 0) or the
 * softmax(z/tau) probabilities (probs = 1, softmax nets only). */
int cav_nn_forward(cav_nn *net, size_t n, const double *X, double *out, int probs, cav_err *err);

/* Hidden layer l (0..hidden-1) on n inputs: its pre-activations z_l (pre = 1) or activations
 * a_l (pre = 0), n x width_l. */
int cav_nn_hidden_out(cav_nn *net, int l, int pre, size_t n, const double *X, double *H,
                      cav_err *err);

/* Losses. */
enum { CAV_NN_SQUARE = 0, CAV_NN_CE = 1, CAV_NN_SOFT_CE = 2, CAV_NN_BCE = 3, CAV_NN_CORR = 4 };
typedef struct cav_nn_loss {
    int kind; /* CAV_NN_SQUARE ... CAV_NN_CORR */
    int sum;  /* 1: sum over samples; 0: mean (default) */
} cav_nn_loss;
/* Loss kind from its name ("square", "ce", "soft-ce", "bce", "corr"); -1 if unknown. */
int cav_nn_loss_find(const char *name);
const char *cav_nn_loss_name(int kind);
const char *cav_nn_loss_names(void);

/* A data set: n samples, inputs X (n x d); targets Y (n x k: square, soft-ce, bce, corr) or
 * labels (ce). Borrowed. */
typedef struct cav_nn_data {
    size_t n;
    const double *X;
    const double *Y;
    const int *labels;
} cav_nn_data;

/* Objective (data term + weight decays) at the current parameters, and its gradient w.r.t. the
 * flat parameter vector (grad: cav_nn_nparams doubles, NULL for the value only; frozen
 * parameters included). */
int cav_nn_loss_grad(cav_nn *net, const cav_nn_loss *loss, const cav_nn_data *data, double *value,
                     double *grad, cav_err *err);

/* Optimisation. */
enum { CAV_NN_GD = 0, CAV_NN_SGD = 1, CAV_NN_ADAM = 2 };
enum { CAV_NN_BATCH_EPOCH = 0, CAV_NN_BATCH_RANDOM = 1 };
typedef struct cav_nn_train_opts {
    int method;     /* CAV_NN_GD, CAV_NN_SGD, CAV_NN_ADAM */
    double lr;      /* learning rate > 0 */
    long steps;     /* parameter updates >= 0 */
    size_t batch;   /* samples per step; 0 or >= n: full batch */
    int batch_mode; /* CAV_NN_BATCH_EPOCH or CAV_NN_BATCH_RANDOM */
    double beta1;   /* Adam (0.9) */
    double beta2;   /* Adam (0.999) */
    double eps;     /* Adam (1e-8) */
    uint64_t seed;  /* batch stream key */
    uint64_t stream;
    /* Called before step t (t = 0..steps-1, every t with t % every == 0) with the objective on
     * that step's batch, and once more at the end with t = the number of updates made and the
     * objective on the full data (when every > 0). Returning non-zero before a step stops the
     * training there (status CAV_OK). */
    long every;
    int (*observe)(void *ctx, long t, double loss);
    void *ctx;
} cav_nn_train_opts;

/* Defaults: Adam, lr 1e-3, 100 steps, full batch, betas 0.9/0.999, eps 1e-8, seed 0. */
void cav_nn_train_opts_default(cav_nn_train_opts *o);

typedef struct cav_nn_train_info {
    int status;  /* CAV_OK, CAV_EDIVERGE (non-finite objective), or an error */
    long steps;  /* updates made */
    double loss; /* objective on the full data after training (NaN after divergence) */
} cav_nn_train_info;

/* Optimise the net on data. A non-finite objective stops with CAV_EDIVERGE (message names the
 * step); the parameters are then those of that step. info may be NULL. */
int cav_nn_train(cav_nn *net, const cav_nn_loss *loss, const cav_nn_data *data,
                 const cav_nn_train_opts *opts, cav_nn_train_info *info, cav_err *err);

/* One preconditioned gradient step on layer l (weights only, not tied):
 *   W_l <- W_l - eta G_l (C_l + ridge I)^{-1},  C_l = A_{l-1}^T A_{l-1}/n,
 * G_l the gradient of the objective w.r.t. W_l on data, A_{l-1} the layer's inputs (X for l = 0).
 * ridge > 0 unless C_l is known to be positive definite. */
int cav_nn_precond_step(cav_nn *net, int l, const cav_nn_loss *loss, const cav_nn_data *data,
                        double eta, double ridge, cav_err *err);

/* Ridge regression of the output layer L on the last hidden features H = a_{L-1} (X if L = 0):
 *   minimise sum_mu ||y_mu - z_mu||^2 + lambda n ||s_L W_L||_F^2,  z = s_L W_L h + b_L,
 * the bias (if any) unpenalised, through (H_c^T H_c + lambda n I) V = H_c^T Y_c with centred H_c,
 * Y_c (plain H, Y without bias), W_L = V^T/s_L. Y: n x k in data->Y. lambda >= 0 (0 needs H_c of
 * full column rank). The output layer must not be tied. */
int cav_nn_ridge_readout(cav_nn *net, const cav_nn_data *data, double lambda, cav_err *err);

/* GPU offload (a library built with -DCAVITY_CUDA=ON; off by default). cav_nn_gpu_status():
 * 0 built without CUDA, 1 built with CUDA but no usable device, 2 a device is present.
 * cav_nn_use_gpu(net, 1, err) sends this net's large forward and backward products (at least
 * 1e8 multiply-adds) to cuBLAS dgemm, the operands copied to the device per product; CAV_EUNSUP
 * without a device. GPU results agree with the CPU path to rounding, not bitwise (the thread
 * invariance above is a property of the CPU path); a product the device fails on is computed on
 * the CPU. on = 0 returns to the CPU. */
int cav_nn_gpu_status(void);
int cav_nn_use_gpu(cav_nn *net, int on, cav_err *err);

/* Row-wise softmax(Z/tau) of the n x k matrix Z into P (may alias Z), by the max-shifted form. */
void cav_nn_softmax(size_t n, size_t k, const double *Z, double tau, double *P);

/* ---------------------------------------------------------------------------------------------
 * Kernel ridge regression with a polynomial dot-product kernel
 *     K(x, x') = sum_{j=0}^{degree} c_j t^j,   t = x.x'/scale,
 * e.g. the quadratic kernel (x.x')^2 + x.x' + 1: degree 2, c = (1, 1, 1), scale 1. Fit:
 *     (K + lambda n I) A = Y   (K the n x n training Gram matrix, Y n x k),
 * by the engine's tiled Cholesky (n up to ~1e4: 8 n^2 bytes), predictions F = K(Xt, X) A.
 * Bit-identical for any thread count. lambda > 0 (or K positive definite). */
typedef struct cav_nn_kernel {
    int degree;   /* 0..4 */
    double c[5];  /* coefficients c_0..c_degree */
    double scale; /* > 0 */
} cav_nn_kernel;

int cav_nn_krr_fit(const cav_nn_kernel *ker, size_t n, size_t d, const double *X, size_t k,
                   const double *Y, double lambda, double *A, cav_err *err);
int cav_nn_krr_predict(const cav_nn_kernel *ker, size_t n, size_t d, const double *X, size_t k,
                       const double *A, size_t nt, const double *Xt, double *F, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
