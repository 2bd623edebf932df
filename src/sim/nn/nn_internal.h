/* sim/nn/nn_internal.h — the network object and the passes shared by nn.c, nn_train.c and
 * nn_solve.c (not public). */
#ifndef CAVITY_SIM_NN_INTERNAL_H
#define CAVITY_SIM_NN_INTERNAL_H

#include <stddef.h>

#include "cavity/nn.h"

struct cav_nn {
    cav_nn_spec spec;
    int L; /* hidden layers; layers are 0..L */
    size_t in[CAV_NN_MAX_LAYERS], out[CAV_NN_MAX_LAYERS];
    double *W[CAV_NN_MAX_LAYERS]; /* owned weights (NULL for a tied layer) */
    double *b[CAV_NN_MAX_LAYERS]; /* biases or NULL */
    cav_nn_layer_opts opt[CAV_NN_MAX_LAYERS];
    size_t np;   /* flat parameter count */
    size_t maxw; /* max(d, widths, k) */
    /* Workspace for batches of up to cap rows (grown on demand). */
    size_t cap;
    double *Z[CAV_NN_MAX_LAYERS];  /* pre-activations, n x out_l (Z[L] = logits) */
    double *A[CAV_NN_MAX_HIDDEN];  /* activations of hidden layers */
    double *D[CAV_NN_MAX_HIDDEN];  /* their derivatives sigma'(z) */
    double *dl[2];                 /* deltas, n x maxw each */
    double *lv;                    /* per-sample losses, n */
    double *gW[CAV_NN_MAX_LAYERS]; /* weight gradients (owners only) */
    double *gb[CAV_NN_MAX_LAYERS]; /* bias gradients */
    double *xb, *yb;               /* gathered batch inputs / targets */
    int *lb;                       /* gathered batch labels */
    struct nn_gpu *gpu;            /* cuBLAS offload (cav_nn_use_gpu), or NULL */
};

/* Storage of W_l and whether it is stored transposed (tied layer). */
static inline double *nn_wptr(const cav_nn *net, int l, int *transposed)
{
    int t = net->spec.tie[l];
    if (transposed) *transposed = t > 0;
    return t > 0 ? net->W[t - 1] : net->W[l];
}

static inline double nn_scale(const cav_nn *net, int l)
{
    double s = net->spec.scale[l];
    return s == 0.0 ? 1.0 : s;
}

/* A product of the net: on the GPU when the net uses one and the product is large (at least
 * 1e8 multiply-adds), else the tiled CPU product (nn_la.h). */
void nn_net_gemm(const cav_nn *net, int ta, int tb, size_t M, size_t N, size_t K, double alpha,
                 const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
                 size_t ldc);

/* Grow the workspace to hold batches of n rows. */
int nn_reserve(cav_nn *net, size_t n, cav_err *err);

/* Forward pass on n rows of X (n x d) into the workspace (Z, A and, with deriv, D). */
void nn_forward(cav_nn *net, size_t n, const double *X, int deriv);

/* Data term of the loss at the logits Z[L] (n rows): value (sum or mean) into *value, the
 * gradient w.r.t. the logits into dl[0] (n x k). Y or labels as for the loss kind. */
void nn_loss_delta(cav_nn *net, const cav_nn_loss *loss, size_t n, const double *Y,
                   const int *labels, double *value);

/* Backward pass from dl[0] (after nn_forward with deriv and nn_loss_delta): weight and bias
 * gradients into gW/gb for the layers whose `need` flag is set (all owners if need == NULL), plus
 * weight decay. Returns the weight-decay part of the objective. */
double nn_backward(cav_nn *net, size_t n, const double *X, const int *need);

/* Validate a loss against the net and the data (targets present, shapes). */
int nn_check_loss(const cav_nn *net, const cav_nn_loss *loss, const cav_nn_data *data,
                  const char *who, cav_err *err);

#endif
