/* cavity/distill.h — distillation of memorised data: do soft labels leak held-out facts?
 *
 * The finite-size experiment of Behrens & Zdeborová, "Dataset Distillation for Memorized Data:
 * Soft Labels can Leak Held-Out Teacher Knowledge", arXiv:2506.14457, on the network engine
 * (cavity/nn.h). Protocol of one run:
 *   1. data: c classes of n_c = round(alpha d/c) points each (n = c n_c, so alpha = n/d up to
 *      rounding), inputs x ~ N(0, I_d), the label vector (each class n_c times) randomly
 *      permuted: labels carry no structure, fitting them is memorisation;
 *   2. teacher: a linear softmax model z = W x (+ b) or a one-hidden-layer network
 *      z = W2 sigma(W1 x + b1) + b2 of width p, PyTorch's default initialisation, trained by
 *      full-batch Adam (or plain gradient descent) on the cross-entropy of the hard labels;
 *   3. soft labels p_T = softmax(z_T/tau) on all n points;
 *   4. split: in each class, the first floor(rho n_c) points (in data order) form the student's
 *      training set (n_S = c floor(rho n_c)), the others the held-out memorised set, never shown
 *      to the student;
 *   5. student: same family (width p_student), fresh initialisation, full-batch Adam on the
 *      cross-entropy between its untempered softmax and p_T; or, for the linear family, the
 *      logit-matching limit tau -> infinity: the minimum-norm least-squares fit of the teacher's
 *      logits, W_S = Z_T^T X_S^+ (what the paper's binary figure uses);
 *   6. shuffle control: a second student trained on the same soft labels with its inputs permuted
 *      within each class (class information kept, input-to-label link destroyed);
 *   7. chance control: fresh Gaussian inputs with balanced random labels (the paper's code draws
 *      them uniform on [0, 1)^d; both give chance).
 * Observables: acc_teacher (teacher accuracy on its n training points: memorisation),
 * acc_student_train (student on its training points, w.r.t. the original labels),
 * acc_student_heldout (student on the held-out memorised points w.r.t. their original labels: the
 * leakage), match_teacher (student argmax = teacher argmax on the held-out points), acc_control
 * (chance control), acc_shuffle (held-out accuracy of the shuffled student).
 *
 * Theory (counting, derived in docs/distillation.md):
 *   - identifiability of the linear softmax student without bias: matching p_T exactly at a
 *     point x gives c - 1 linear equations (W_S - W_T/tau) x proportional to (1, ..., 1); the
 *     (c - 1) d identifiable parameters are fixed once n_S >= d, for every c and finite tau:
 *     alpha_id = 1/rho (with biases (d + 1)/(rho d));
 *   - teacher capacity: a binary linear classifier without bias separates n random labels in
 *     general position iff n/d < 2 (Cover 1965): alpha_cap = 2 at c = 2;
 *   - heuristics (not theorems): the one-hidden-layer student is identified when its equations
 *     reach its parameters, n_S (c - 1) >= P, P = p (d + b) + c (p + b); a teacher memorises up to
 *     n log2 c ~ 2 P_eff bits with P_eff the number of identifiable parameters ((c - 1) d for the
 *     linear model, P for the network): exact at c = 2 for the linear model only.
 *
 * Randomness: data (seed, hash("distill/x")), labels (seed, hash("distill/labels")), teacher
 * (seed, hash("distill/teacher")), student (seed, hash("distill/student")), shuffle (seed,
 * hash("distill/shuffle")), control (seed, hash("distill/control")): the teacher and the data do
 * not depend on rho, tau or the student's settings. Results are bit-identical for any thread
 * count.
 */
#ifndef CAVITY_DISTILL_H
#define CAVITY_DISTILL_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/activation.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_DISTILL_LINEAR = 0, CAV_DISTILL_MLP = 1 };
enum { CAV_DISTILL_ADAM = 0, CAV_DISTILL_PINV = 1 };

typedef struct cav_distill_config {
    size_t d;         /* input dimension >= 1 (default 200) */
    int c;            /* classes >= 2 (2) */
    double alpha;     /* n/d > 0 (1) */
    double rho;       /* fraction of each class shown to the student, in (0, 1) (0.8) */
    double tau;       /* temperature > 0 (1) */
    int arch;         /* CAV_DISTILL_LINEAR (default) or CAV_DISTILL_MLP */
    size_t p;         /* teacher width (MLP, 500) */
    size_t p_student; /* student width (MLP; 0: same as p) */
    const cav_activation_type *act; /* hidden activation (MLP, relu) */
    int bias;            /* biases in teacher and student (-1: default, 0 linear, 1 MLP) */
    int student;         /* CAV_DISTILL_ADAM (default) or CAV_DISTILL_PINV (linear only) */
    int optimizer;       /* CAV_NN_ADAM (default) or CAV_NN_GD (full batch), teacher and student */
    double lr_teacher;   /* learning rate (1e-3) */
    long epochs_teacher; /* full-batch epochs (5000) */
    double lr_student;   /* (1e-4) */
    long epochs_student; /* (10000) */
    size_t n_control;    /* chance-control points (0: n) */
    int shuffle;         /* also train the shuffled student (1) */
    uint64_t seed;
} cav_distill_config;

void cav_distill_config_default(cav_distill_config *c);

/* Validate (before any work): sizes, c >= 2, alpha > 0, rho in (0, 1), tau > 0, rates > 0,
 * epochs >= 0, pinv only for the linear family, and at least one training and one held-out
 * point per class (1 <= floor(rho n_c) <= n_c - 1). */
int cav_distill_check(const cav_distill_config *c, cav_err *err);

typedef struct cav_distill_result {
    int status; /* CAV_OK, CAV_EDIVERGE (a training diverged), or an error */
    char msg[CAV_ERR_MSG_LEN];
    size_t n, n_train, n_heldout;
    double alpha; /* n/d as realised */
    double acc_teacher, acc_student_train, acc_student_heldout, match_teacher;
    double acc_control, acc_shuffle;   /* NaN when not run */
    double loss_teacher, loss_student; /* final objectives */
} cav_distill_result;

/* One run. res is always filled (status and message on failure). */
int cav_distill_run(const cav_distill_config *c, cav_distill_result *res, cav_err *err);

/* Several students of one teacher: for every (rho[i], tau[j]) the run of cav_distill_run with
 * those values (bit-identical to it), the teacher trained once. res[i * ntau + j]. */
int cav_distill_run_grid(const cav_distill_config *c, size_t nrho, const double *rho, size_t ntau,
                         const double *tau, cav_distill_result *res, cav_err *err);

/* Theory. alpha_id: the identification threshold in alpha = n/d of the linear softmax student
 * (exact counting, (d + bias)/(rho d)); for the MLP the counting heuristic
 * P/((c - 1) rho d). alpha_cap: the teacher's memorisation capacity in alpha: 2 (Cover) for the
 * binary linear model; the counting heuristic 2 P_eff/(d log2 c) otherwise. */
double cav_distill_alpha_id(const cav_distill_config *c);
double cav_distill_alpha_cap(const cav_distill_config *c);

#ifdef __cplusplus
}
#endif
#endif
