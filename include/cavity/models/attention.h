/* cavity/models/attention.h — the `attention` model: Bayes-optimal learning of deep tied
 * low-rank attention (L = 2 or 3 layers, M tokens, rank one per layer) as a sequence multi-index
 * model; theory by the multi-index state evolution, simulation by GAMP or gradient descent.
 *
 * Troiani, Cui, Dandi, Krzakala, Zdeborová, "Fundamental limits of learning in sequence
 * multi-index models and deep attention networks: high-dimensional asymptotics and sharp
 * thresholds", arXiv:2502.00901 (2025); docs/attention.md. The engine is cavity/attention.h on
 * cavity/multi_index.h. Library use as in models/raf.h.
 */
#ifndef CAVITY_MODELS_ATTENTION_H
#define CAVITY_MODELS_ATTENTION_H

#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_ATT_M_GAMP = 0, CAV_ATT_M_GD = 1 };

typedef struct cav_attention_model_params {
    double alpha;      /* samples per dimension N/D */
    long layers;       /* L: 2 or 3 */
    long M;            /* tokens */
    double c, beta;    /* skip strength, softmax inverse temperature */
    long nsamples;     /* theory: Monte-Carlo samples of the state evolution's average */
    long gh;           /* theory: Gauss-Hermite nodes per free coordinate (0: 12 for L = 2, 6) */
    int thresholds;    /* theory: also compute alpha_1, alpha_2 (no, yes) */
    int method;        /* simulation: gamp, gd */
    long d;            /* simulation: dimension D */
    long iters;        /* simulation: GAMP iterations */
    long steps;        /* simulation: GD steps */
    double lr;         /* simulation: GD step */
    double init_scale; /* simulation: GAMP start overlap q0 / GD start scale */
    long ntest;        /* simulation: fresh samples of the test error */
} cav_attention_model_params;

typedef struct cav_attention_obs {
    double q1, q2, q3;   /* overlaps per layer (NaN beyond L) */
    double gen_error;    /* plug-in generalisation error E||g(Z) - g(omega)||_F^2 */
    double gen_error_bo; /* Bayes-optimal error (theory) */
    double alpha_1;      /* first weak-recovery threshold (the last layer) */
    double alpha_2;      /* conditional threshold of the other layers given the last */
} cav_attention_obs;

extern const cav_model cav_model_attention;

#ifdef __cplusplus
}
#endif
#endif
