/* sim/hf/hf_adam.h — full-batch Adam for the tied one-neuron autoencoder in one pass over the
 * data per epoch (hf_adam.c); not public. */
#ifndef CAVITY_SIM_HF_ADAM_H
#define CAVITY_SIM_HF_ADAM_H

#include <stddef.h>

#include "cavity/activation.h"
#include "cavity/status.h"
#include "cavity/nn.h"

/* Train w (d) of x_hat = (w/sqrt d) sigma(w.x/sqrt d) on the n x d rows of X (row-major) by
 * full-batch Adam with the hyper-parameters of o (lr, steps, beta1, beta2, eps; the rest is
 * ignored) on the objective sum_mu ||x_mu - x_hat_mu||^2/2 + wd ||w||^2/2: the objective and the
 * update of cav_nn_train with the network engine's tied autoencoder (equal to rounding), bitwise
 * the same for any number of threads. *obj: the objective at the final w; *steps: updates made.
 * A non-finite objective stops the run with CAV_EDIVERGE (as cav_nn_train). */
int hf_adam_tied(size_t n, size_t d, const double *X, const cav_activation_type *act, double wd,
                 const cav_nn_train_opts *o, double *w, double *obj, long *steps, cav_err *err);

#endif
