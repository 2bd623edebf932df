/* cavity/models/adversarial.h — the consistent-adversarial-attack models `adversarial` (direct,
 * well-specified) and `adversarial-latent` (latent "Hastie" model): parameters and observables.
 *
 * Vilucchio, Zdeborová, Loureiro, "On the existence of consistent adversarial attacks in
 * high-dimensional linear classification", arXiv:2506.12454 (2025). Theory: the adversarial
 * training state evolution of cavity/adversarial.h; simulation: cav_adv_experiment
 * (cavity/adv_sim.h). `cavity help adversarial` lists the fields with defaults and ranges; the
 * direct model has no `gamma` and no `attack_space` (the fields are ignored there). Library use
 * as in models/raf.h. train_norm and attack_space were added after the first release: at their
 * defaults (same, latent) they are left out of store keys and tables (CAV_PF_ADDED).
 */
#ifndef CAVITY_MODELS_ADVERSARIAL_H
#define CAVITY_MODELS_ADVERSARIAL_H

#include "cavity/loss.h"
#include "cavity/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_ADV_NORM_2 = 0, CAV_ADV_NORM_INF = 1 }; /* attack_norm choices */
enum { CAV_ADV_TRAIN_SAME = 0, CAV_ADV_TRAIN_2 = 1, CAV_ADV_TRAIN_INF = 2 }; /* train_norm */
enum { CAV_ADV_ON_LATENT = 0, CAV_ADV_ON_FEATURES = 1 }; /* attack_space choices */
enum { CAV_ADV_RIDGE = 0, CAV_ADV_LASSO = 1 };           /* reg_norm choices */
enum { CAV_ADV_LOPT_NONE, CAV_ADV_LOPT_EGEN, CAV_ADV_LOPT_EROB, CAV_ADV_LOPT_EROB_CNS };

typedef struct cav_adv_params {
    double alpha;              /* n/d (latent: n per latent dimension) */
    double gamma;              /* latent: d/p; ignored by the direct model */
    double eps_train, eps;     /* training / test attack sizes */
    int attack_norm;           /* CAV_ADV_NORM_*: the test attack (and the training attack when
                                  train_norm is CAV_ADV_TRAIN_SAME) */
    int train_norm;            /* CAV_ADV_TRAIN_*: the training attack's norm; SAME = attack_norm */
    int attack_space;          /* latent model: CAV_ADV_ON_LATENT (the training attack acts on z)
                                  or CAV_ADV_ON_FEATURES (on x); ignored by the direct model */
    const cav_loss_type *loss; /* logistic, hinge, square */
    double lambda;             /* penalty strength (ignored when lambda_opt is set) */
    int lambda_opt;            /* CAV_ADV_LOPT_*: theory optimises lambda for this error */
    int reg_norm;              /* CAV_ADV_RIDGE or CAV_ADV_LASSO */
    long d, ntest;             /* simulation: dimension, fresh test points */
} cav_adv_params;

typedef struct cav_adv_obs {
    double egen, erob, erob_cns, ebnd_cns, attackable;
    double m, q, V, P;
    double lambda_used, overparam;
} cav_adv_obs;

extern const cav_model cav_model_adversarial;
extern const cav_model cav_model_adversarial_latent;

#ifdef __cplusplus
}
#endif
#endif
