/* cavity/models/distillation.h — the `distillation` model: do soft labels leak held-out
 * memorised facts? Parameters and observables.
 *
 * Behrens, Zdeborová, "Dataset Distillation for Memorized Data: Soft Labels can Leak Held-Out
 * Teacher Knowledge", arXiv:2506.14457 (2025); docs/distillation.md. A teacher (linear softmax or
 * one hidden layer) memorises n = alpha d balanced random labels in c classes; a student of the
 * same family is trained on the teacher's soft labels softmax(z/tau) for a fraction rho of each
 * class; its accuracy on the held-out memorised points is the leakage. Simulation: the library
 * experiment cavity/distill.h. Theory: the identification threshold alpha_id (exact counting for
 * the linear student, heuristic for the network), the teacher capacity alpha_cap (Cover's 2 for
 * the binary linear teacher), chance levels of the controls, and, where exact, the accuracies
 * they imply. Library use as in models/raf.h.
 */
#ifndef CAVITY_MODELS_DISTILLATION_H
#define CAVITY_MODELS_DISTILLATION_H

#include "cavity/activation.h"
#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_DISTILLATION_LINEAR = 0, CAV_DISTILLATION_MLP = 1 }; /* arch */
enum { CAV_DISTILLATION_ADAM = 0, CAV_DISTILLATION_PINV = 1 };  /* student */
enum { CAV_DISTILLATION_BIAS_AUTO, CAV_DISTILLATION_BIAS_OFF, CAV_DISTILLATION_BIAS_ON };
enum { CAV_DISTILLATION_OPT_ADAM = 0, CAV_DISTILLATION_OPT_GD = 1 };

typedef struct cav_distillation_params {
    int arch;                              /* linear (softmax) or mlp (one hidden layer) */
    long c;                                /* classes */
    double alpha;                          /* n/d, n the points the teacher memorises */
    double rho;                            /* fraction of each class shown to the student */
    double tau;                            /* temperature of the soft labels */
    long p;                                /* mlp: teacher width */
    long p_student;                        /* mlp: student width (0: p) */
    int bias;                              /* auto (linear off, mlp on), off, on */
    long d;                                /* input dimension */
    int student;                           /* simulation: adam (soft labels) or pinv (logits) */
    const cav_activation_type *activation; /* simulation: mlp hidden activation */
    int optimizer;                         /* simulation: adam or gd (full batch) */
    double lr_teacher;                     /* simulation: learning rate of the teacher */
    long epochs_teacher;                   /* simulation: full-batch epochs of the teacher */
    double lr_student;                     /* simulation: learning rate of the student */
    long epochs_student;                   /* simulation: full-batch epochs of the student */
    long ncontrol;                         /* simulation: chance-control points (0: n) */
    long shuffle;                          /* simulation: 1 trains the shuffled student */
} cav_distillation_params;

typedef struct cav_distillation_obs {
    double acc_teacher, acc_student_train, acc_student_heldout, match_teacher;
    double acc_control, acc_shuffle;
    double alpha_id, alpha_cap; /* thresholds in alpha (exact functions of the parameters) */
    double loss_teacher, loss_student;
} cav_distillation_obs;

extern const cav_model cav_model_distillation;

#ifdef __cplusplus
}
#endif
#endif
