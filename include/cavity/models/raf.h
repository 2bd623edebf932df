/* cavity/models/raf.h — the Rules-and-Facts model (`raf`): its parameters and observables.
 *
 * Farné, Boncoraglio, Zdeborová, "The Rules-and-Facts Model for Simultaneous Generalization and
 * Memorization in Neural Networks", arXiv:2603.25579 (2026). Inputs x ~ N(0, I_d), teacher
 * w* ~ N(0, I_d); with probability 1 - eps a sample is a rule, y = sign(w*.x/sqrt d), with
 * probability eps a fact, y = +-1 at random. Learners: ERM with a square / hinge / logistic loss
 * and a ridge penalty on linear, dot-product-kernel or random features, and the Bayes-optimal
 * estimator (theory only). `cavity help raf` lists the fields with defaults and ranges.
 *
 * Library use (the defaults are those of the CLI):
 *     cav_raf_params p;
 *     cav_model_defaults(&cav_model_raf, &p);
 *     p.alpha = 2;
 *     cav_result r;
 *     cav_result_init(&r, (size_t)cav_model_raf.nobs);
 *     cav_model_raf.theory(&p, NULL, NULL, &r);
 *     const cav_raf_obs *o = cav_result_row(&r, 0);   // o->egen, o->emem, ...
 */
#ifndef CAVITY_MODELS_RAF_H
#define CAVITY_MODELS_RAF_H

#include "cavity/activation.h"
#include "cavity/loss.h"
#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_RAF_LINEAR, CAV_RAF_KERNEL, CAV_RAF_RF, CAV_RAF_BAYES };

typedef struct cav_raf_params {
    int learner;                           /* CAV_RAF_*: linear, kernel, rf, bayes */
    const cav_loss_type *loss;             /* square, hinge, logistic (ignored by bayes) */
    double alpha;                          /* n/d */
    double eps;                            /* fraction of facts */
    double lambda;                         /* ridge; 0 = the lambda -> 0+ limit */
    double mu1, mustar;                    /* kernel: K = mu1^2 XX^T/d + mustar^2 I */
    double kappa;                          /* rf: p/d */
    const cav_activation_type *activation; /* rf activation */
    long d;                                /* simulation: input dimension */
    long ntest;                            /* simulation: rule test points (kernel / rf) */
} cav_raf_params;

typedef struct cav_raf_obs {
    double egen, emem, etrain_rule, train_loss;
    double m, q, V, mhat, qhat, Vhat;
} cav_raf_obs;

extern const cav_model cav_model_raf;

#ifdef __cplusplus
}
#endif
#endif
