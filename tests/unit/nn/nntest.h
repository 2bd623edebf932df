/* Shared helpers for the network-engine tests. */
#ifndef CAVITY_TEST_NNTEST_H
#define CAVITY_TEST_NNTEST_H

#include <math.h>
#include <stdlib.h>

#include "cavity/nn.h"
#include "cavity/rng.h"

/* Fill x[0..n) with N(0, s^2) from stream (seed, stream). */
static inline void nt_normal(uint64_t seed, uint64_t stream, size_t n, double s, double *x)
{
    cav_rng r;
    cav_rng_init(&r, seed, stream, 0);
    cav_rng_normal_fill(&r, n, s, x);
}

/* Allocate a net and initialise every owned layer with N(0, s^2) weights and biases. */
static inline cav_nn *nt_net(const cav_nn_spec *sp, double s, uint64_t seed)
{
    cav_nn *net = NULL;
    if (cav_nn_alloc(sp, &net, NULL)) return NULL;
    for (int l = 0; l <= sp->hidden; l++) {
        int what = sp->tie[l] ? CAV_NN_INIT_B : CAV_NN_INIT_W | CAV_NN_INIT_B;
        cav_nn_init_layer(net, l, what, CAV_NN_NORMAL, s, seed, 7, NULL);
    }
    return net;
}

#endif
