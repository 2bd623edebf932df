/* sim/spectral/spectral_sim_internal.h — the sensing operator shared by the spectral
 * simulations (internal). */
#ifndef CAVITY_SIM_SPECTRAL_INTERNAL_H
#define CAVITY_SIM_SPECTRAL_INTERNAL_H

#include <stdint.h>

#include "cavity/spectral_sim.h"

typedef struct qs_op {
    int d, n;
    cav_sensing kind;
    double *X;    /* quadratic: n x d vectors x_mu; GOE: n symmetric d x d matrices */
    double *work; /* n x d scratch (quadratic) */
} qs_op;

int qs_alloc(qs_op *o, int d, int n, cav_sensing kind, uint64_t seed);
void qs_free(qs_op *o);
/* out[mu] = Tr(Z_mu S) */
void qs_apply(qs_op *o, const double *S, double *out);
/* out = sum_mu r_mu Z_mu */
void qs_adjoint(qs_op *o, const double *r, double *out);
/* S* = W W^T/m* and y = A(S*) + sqrt(delta) z */
int qs_teacher(int d, double kappa_star, double delta, uint64_t seed, qs_op *o, double *S,
               double *y);

#endif
