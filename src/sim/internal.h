/* sim/internal.h — helpers shared by the finite-size simulation files (not public). */
#ifndef CAVITY_SIM_INTERNAL_H
#define CAVITY_SIM_INTERNAL_H

#include <stddef.h>

#include "cavity/sim.h"

/* Loss kinds the solvers special-case (by the registered type's name). */
enum { SIM_LOSS_OTHER = 0, SIM_LOSS_SQUARE, SIM_LOSS_HINGE, SIM_LOSS_LOGISTIC };
int sim_loss_kind(const cav_loss *loss);

/* Resolve options (NULL -> defaults). */
cav_sim_opts sim_opts(const cav_sim_opts *opts);

/* Stable logistic pieces: log(1 + exp(-z)), and sigma(-z) = 1/(1 + exp(z)). */
double sim_log1pexp_neg(double z);
double sim_sigmoid_neg(double z);

/* Dual coordinate descent for the hinge loss on an abstract Gram operator (svm.c). */
typedef struct sim_dcd_ops {
    void *ctx;
    size_t n;
    /* h_i = current field of sample i (w.a_i for linear, (K (alpha o y))_i for kernel). */
    double (*field)(void *ctx, size_t i);
    /* Add delta * (sample i direction): w += delta a_i, or f += delta K[:, i]. */
    void (*update)(void *ctx, size_t i, double delta);
    /* Q_ii = ||a_i||^2 or K_ii. */
    double (*qdiag)(void *ctx, size_t i);
    /* Recompute the state exactly from beta = alpha o y (length n); write the fields of all
     * samples into h and return ||f||^2 = beta^T K beta. */
    double (*refresh)(void *ctx, const double *beta, double *h);
} sim_dcd_ops;

/* Solve the hinge dual for C = 1/lambda (lambda = 0: hard margin by C-continuation).
 * alpha (length n) in/out. */
int sim_dcd_solve(const sim_dcd_ops *ops, const double *y, double lambda, const cav_sim_opts *opts,
                  double *alpha, cav_sim_fit *fit, cav_err *err);

#endif
