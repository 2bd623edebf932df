/* cavity/models/depth.h — the `depth` model: hierarchical targets learned by a 3-layer network
 * trained layer by layer, a 2-layer network, a jointly trained 3-layer network and a kernel.
 *
 * Dandi, Pesce, Zdeborová, Krzakala, "The Computational Advantage of Depth: Learning
 * High-Dimensional Hierarchical Functions with Gradient Descent", arXiv:2502.13961 (2025);
 * docs/depth.md. Targets f*(x) = g*(h*(x)), h* = a*.P(W* x)/sqrt(d^eps1) (SIGHT), several
 * branches (MIGHT) or a tree of levels; n = floor(d^kappa) samples. Simulation: the library
 * experiment cavity/depth.h with one learner per point. Theory: the scaling argument's
 * thresholds in kappa (the learner's kappa_c, the kernel's interpolation peak) and the random
 * baseline of the overlap M_W. Library use as in models/raf.h.
 */
#ifndef CAVITY_MODELS_DEPTH_H
#define CAVITY_MODELS_DEPTH_H

#include "cavity/activation.h"
#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_DEPTH_M_LAYERWISE, CAV_DEPTH_M_TWO_LAYER, CAV_DEPTH_M_JOINT, CAV_DEPTH_M_KERNEL };
enum { CAV_DEPTH_OPT_ADAM = 0, CAV_DEPTH_OPT_SGD = 1 };

typedef struct cav_depth_params {
    int learner;                      /* layerwise, two-layer, joint, kernel */
    double kappa;                     /* n = floor(d^kappa) */
    long d;                           /* input dimension */
    double eps1, eps2, eps3;          /* level exponents (eps2, eps3: deep tree only) */
    long levels;                      /* 1 (SIGHT) .. 3 */
    long branches;                    /* MIGHT branches K */
    double he1, he2, he3, he4;        /* P = sum_j he_j He_j/j! */
    const cav_activation_type *gstar; /* simulation: outer function g*(h) = gstar(gscale h) */
    double gscale;                    /* simulation */
    long p1, p2, p_two;               /* simulation: widths (p_two = 0: p1) */
    long t1;                          /* simulation: stage-1 steps (0: floor(15 log d)) */
    double lr1, ridge2, eta2, lambda3, lambda_two; /* simulation: layer-wise and 2-layer */
    long t_joint;                                  /* simulation: joint training steps */
    int optimizer;                                 /* simulation: joint training by adam or sgd */
    double lr_joint, lambda_kernel;                /* simulation */
    double eps_init, batch_frac;                   /* simulation */
    long ntest;                                    /* simulation: test points */
} cav_depth_params;

typedef struct cav_depth_obs {
    double mse;        /* test mean squared error of the learner */
    double mse_null;   /* mean y^2 on the test set (the zero predictor) */
    double mse_rel;    /* mse/mse_null */
    double mw;         /* overlap M_W of the first layer with span W* (networks) */
    double mh;         /* overlap M_h of the second layer with h* (3-layer networks) */
    double mw_random;  /* M_W of random rows, sqrt(K d^eps1/d) */
    double n;          /* floor(d^kappa) */
    double kappa_c;    /* the learner's threshold in kappa (theory) */
    double kappa_peak; /* kernel: interpolation peak log(d(d+1)/2 + d + 1)/log d */
} cav_depth_obs;

extern const cav_model cav_model_depth;

#ifdef __cplusplus
}
#endif
#endif
