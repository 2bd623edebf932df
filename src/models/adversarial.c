/* Consistent adversarial attacks on linear classifiers: models `adversarial` (direct,
 * well-specified) and `adversarial-latent` (latent "Hastie" model).
 *
 * Vilucchio, Zdeborová, Loureiro, "On the existence of consistent adversarial attacks in
 * high-dimensional linear classification", arXiv:2506.12454 (2025); docs/adversarial.md.
 *
 * Theory: the adversarial-training state evolution of include/cavity/adversarial.h (src/theory/
 * adv/adv.c: plain ERM with a margin-shifted loss and a self-consistent l_2 / l_1 penalty), with
 * lambda fixed or optimised (lambda_opt) for egen, erob or erob_cns.
 * Simulation: adv_sim.h's cav_adv_experiment (one seed = fresh teacher, training and test sets;
 * adversarial ERM; exact consistent-attack oracle on n_test fresh points).
 * `attack_norm` is the norm of the test attack (eps) and, unless `train_norm` says otherwise, of
 * the training attack (eps_train); `attack_space` (latent model) says whether the training
 * attack acts on the latent z (as the test attack) or on the features x. Both fields were added
 * after the first release with CAV_PF_ADDED: at their defaults (same, latent) they stay out of
 * store keys and tables, so stores and tables of earlier versions are unchanged
 * (docs/adversarial.md, "Training attacks: norm and space").
 * Observables: egen, erob, erob_cns, ebnd_cns, attackable (fractions of test points) and the
 * order parameters m, q, V, P with the same meaning in theory and simulation
 * (adversarial.h): direct m = w.theta/d, q = |w|^2/d, P = ||w||_1/d; latent m = Cov(lam, nu),
 * q = E lam^2, P = ||w||_1/p. Over-parameterisation in the latent model: p/n = 1/(gamma alpha).
 */
#include "cavity/adv_sim.h"
#include "cavity/adversarial.h"
#include "cavity/models/adversarial.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef cav_adv_params par;
typedef cav_adv_obs obs;

static const char *const norms[] = {"2", "inf", NULL};
static const char *const tnorms[] = {"same", "2", "inf", NULL};
static const char *const spaces[] = {"latent", "features", NULL};
static const char *const losses[] = {"logistic", "hinge", "square", NULL};
static const char *const regs[] = {"2", "1", NULL};
static const char *const lopts[] = {"none", "egen", "erob", "erob_cns", NULL};

#define P(FIELD, ...) CAV_FIELD(par, FIELD, __VA_ARGS__)
#define ALPHA                                                                                      \
    P(alpha, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e4, .flags = CAV_PF_LO_OPEN,        \
      .help = "training samples per latent / input dimension n/d")
/* The attack fields after alpha (and, in the latent model, gamma). */
#define ATTACKS                                                                                    \
    P(eps_train, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e3,                             \
      .help = "training attack size eps_t (l_2: ||delta|| <= eps_t; l_inf: <= eps_t/sqrt(d), "     \
              "on the features eps_t/sqrt(p)); 0: plain ERM"),                                     \
        P(eps, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e3,                               \
          .help = "test attack size (same scaling as eps_train)"),                                 \
        P(attack_norm, .kind = CAV_PARAM_CHOICE, .choices = norms,                                 \
          .help = "norm of the test attack, and of the training attack when train_norm = same: "   \
                  "2 or inf"),                                                                     \
        P(train_norm, .kind = CAV_PARAM_CHOICE, .choices = tnorms, .flags = CAV_PF_ADDED,          \
          .help = "norm of the training attack: same (as attack_norm), 2 or inf")
/* Every field after the attack fields (and, in the latent model, attack_space). */
#define TAIL                                                                                       \
    P(loss, .kind = CAV_PARAM_TYPE, .choices = losses, .find = cav_loss_find_any,                  \
      .help = "training loss (square: exact inner max (|y - h| + eps_t N)^2/2)"),                  \
        P(lambda, .kind = CAV_PARAM_REAL, .def = 1e-3, .lo = 0, .hi = 1e4,                         \
          .flags = CAV_PF_LO_OPEN, .help = "penalty strength (ignored when lambda_opt is set)"),   \
        P(lambda_opt, .kind = CAV_PARAM_CHOICE, .choices = lopts, .flags = CAV_PF_THEORY,          \
          .help = "theory: optimise lambda in [1e-4, 1e2] for this error (none: use lambda)"),     \
        P(reg_norm, .kind = CAV_PARAM_CHOICE, .choices = regs,                                     \
          .help = "penalty: 2 (ridge ||w||^2/2) or 1 (lasso ||w||_1)"),                            \
        P(d, .kind = CAV_PARAM_INT, .def = 500, .lo = 2, .hi = 1e6, .flags = CAV_PF_SIM,           \
          .help = "simulation: latent / input dimension"),                                         \
        P(ntest, .kind = CAV_PARAM_INT, .def = 10000, .lo = 1, .hi = 1e8, .flags = CAV_PF_SIM,     \
          .help = "simulation: fresh test points")

static const cav_param_spec params_direct[] = {ALPHA, ATTACKS, TAIL};
static const cav_param_spec params_latent[] = {
    ALPHA,
    P(gamma, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "latent dimension per feature d/p > 0; over-parameterisation p/n = 1/(gamma "
              "alpha)"),
    ATTACKS,
    P(attack_space, .kind = CAV_PARAM_CHOICE, .choices = spaces, .flags = CAV_PF_ADDED,
      .help = "where the training attack acts: latent (on z, like the test attack; l_inf shift "
              "eps_t ||F^T w||_1/sqrt(p d)) or features (on x; l_inf shift eps_t ||w||_1/p)"),
    TAIL};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, egen, "clean error: P(y lam < 0) on fresh points"),
    CAV_OBS(obs, erob,
            "standard robust error: P(y lam < eps N), any perturbation within the "
            "budget"),
    CAV_OBS(obs, erob_cns, "consistent robust error (theta.delta = 0 attacks)"),
    CAV_OBS(obs, ebnd_cns, "consistent boundary error = erob_cns - egen"),
    CAV_OBS(obs, attackable, "fraction of points whose prediction a consistent attack can flip"),
    CAV_OBS(obs, m, "teacher overlap Cov(lam, nu) (direct: w.theta/d)"),
    CAV_OBS(obs, q, "student field variance E lam^2 (direct: |w|^2/d)"),
    CAV_OBS(obs, V, "theory: response order parameter"),
    CAV_OBS(obs, P, "l_1 norm per feature ||w||_1/p (direct: ||w||_1/d)"),
    {.name = "lambda_used",
     .offset = offsetof(obs, lambda_used),
     .help = "penalty strength used (the optimum when lambda_opt is set)"},
    CAV_OBS(obs, overparam, "p/n = 1/(gamma alpha) (direct: 1/alpha)"),
};

static cav_adv_problem problem_of(int latent, const par *p)
{
    cav_loss loss;
    memset(&loss, 0, sizeof loss);
    loss.type = p->loss;
    cav_adv_problem e = cav_adv_problem_default(&loss);
    e.latent = latent;
    e.alpha = p->alpha;
    e.gamma = latent ? p->gamma : 1.0;
    e.eps_train = p->eps_train;
    e.eps = p->eps;
    e.attack_norm = p->attack_norm == CAV_ADV_NORM_2 ? CAV_ADV_L2 : CAV_ADV_LINF;
    e.train_norm = p->train_norm == CAV_ADV_TRAIN_SAME ? e.attack_norm
                   : p->train_norm == CAV_ADV_TRAIN_2  ? CAV_ADV_L2
                                                       : CAV_ADV_LINF;
    e.train_space = latent && p->attack_space == CAV_ADV_ON_FEATURES ? CAV_ADV_SPACE_FEATURES
                                                                     : CAV_ADV_SPACE_LATENT;
    e.lambda = p->lambda;
    e.reg_norm = p->reg_norm == CAV_ADV_RIDGE ? 2 : 1;
    return e;
}

static cav_adv_config sim_config(int latent, const par *p, uint64_t seed)
{
    cav_adv_config c;
    cav_adv_config_default(&c); /* solver options; every model field is set below */
    cav_adv_problem e = problem_of(latent, p);
    c.latent = latent;
    c.alpha = e.alpha, c.gamma = e.gamma, c.eps_train = e.eps_train, c.eps = e.eps;
    c.attack_norm = e.attack_norm, c.train_norm = e.train_norm;
    c.loss = e.loss, c.lambda = e.lambda, c.reg_norm = e.reg_norm;
    c.d = (size_t)p->d, c.n_test = (size_t)p->ntest, c.seed = seed;
    c.train_on_features = e.train_space == CAV_ADV_SPACE_FEATURES;
    return c;
}

static int check_any(int latent, const par *p, int kind, cav_err *err)
{
    if (kind == CAV_KIND_SIM && latent && floor((double)p->d / p->gamma) < 1)
        return cav_err_set(err, CAV_EINVAL,
                           "d = %ld with gamma = %g gives p = floor(d/gamma) = 0 "
                           "features; allowed: d >= gamma",
                           p->d, p->gamma);
    if (kind == CAV_KIND_SIM && llround(p->alpha * (double)p->d) < 1)
        return cav_err_set(err, CAV_EINVAL,
                           "alpha = %g with d = %ld gives n = round(alpha d) = 0 "
                           "training samples; allowed: alpha d >= 0.5",
                           p->alpha, p->d);
    cav_adv_problem e = problem_of(latent, p);
    return cav_adv_check(&e, err);
}

static int theory_any(int latent, const par *p, const double *warm_in, double *warm_out,
                      cav_result *res)
{
    cav_adv_problem e = problem_of(latent, p);
    cav_adv_solution s;
    double lam = e.lambda;
    if (p->lambda_opt == CAV_ADV_LOPT_NONE)
        cav_adv_solve(&e, warm_in, NULL, &s);
    else
        cav_adv_solve_optlambda(&e, p->lambda_opt - 1, 1e-4, 1e2, NULL, &lam, &s);
    cav_result_set(res, s.status, s.residual, s.iterations, s.msg);
    if (s.status == CAV_EINVAL || s.status == CAV_EUNSUP) return res->status;
    if (warm_out) cav_adv_warm(&s, warm_out);
    obs *o = cav_result_row(res, 0);
    o->egen = s.egen, o->erob = s.erob, o->erob_cns = s.erob_cns, o->ebnd_cns = s.ebnd_cns;
    o->attackable = s.attackable;
    o->m = s.m, o->q = s.q, o->V = s.V, o->P = s.P;
    o->lambda_used = lam;
    o->overparam = 1.0 / (e.gamma * e.alpha);
    return res->status;
}

static int simulate_any(int latent, const par *p, uint64_t seed, cav_result *res)
{
    if (p->lambda_opt != CAV_ADV_LOPT_NONE)
        return cav_result_fail(res, CAV_EUNSUP,
                               "lambda_opt = %s is theory-only; simulate at a fixed lambda",
                               lopts[p->lambda_opt]);
    cav_adv_config c = sim_config(latent, p, seed);
    cav_adv_result r;
    cav_adv_experiment(&c, &r);
    cav_result_set(res, r.status, r.residual, r.iterations, r.msg);
    if (r.status != CAV_OK && r.status != CAV_EMAXITER) return res->status;
    obs *o = cav_result_row(res, 0);
    o->egen = r.egen, o->erob = r.erob, o->erob_cns = r.erob_cns, o->ebnd_cns = r.ebnd_cns;
    o->attackable = r.attackable;
    o->m = r.m, o->q = r.q, o->P = r.P;
    o->lambda_used = c.lambda;
    o->overparam = r.n > 0 ? (double)(latent ? r.p : c.d) / (double)r.n : 1.0 / (c.gamma * c.alpha);
    return res->status;
}

/* Memory of one experiment: training and test data (n x p, n_test x p; the latent model also
 * holds F, p x d) and the solver's work (dense p x p Hessians for the exact hinge / square fits
 * with eps_t > 0). */
static double memory_any(int latent, const par *p, int kind)
{
    if (kind != CAV_KIND_SIM) return 0;
    double d = (double)p->d, f = latent ? floor(d / p->gamma) : d, n = p->alpha * d;
    double bytes = 8.0 * (n * f + (double)p->ntest * f + (latent ? f * d : 0) + 10 * (n + f));
    if (p->eps_train > 0 && p->loss != &cav_loss_logistic) bytes += 8.0 * 3 * f * f;
    return bytes;
}

/* The entry points of the direct (LATENT 0) and latent (LATENT 1) models, and their common table
 * fields. */
#define ENTRY_POINTS(NAME, LATENT)                                                                 \
    static int check_##NAME(const void *p, int kind, cav_err *err)                                 \
    {                                                                                              \
        return check_any(LATENT, p, kind, err);                                                    \
    }                                                                                              \
    static int theory_##NAME(const void *p, const double *w, double *wo, cav_result *r)            \
    {                                                                                              \
        return theory_any(LATENT, p, w, wo, r);                                                    \
    }                                                                                              \
    static int simulate_##NAME(const void *p, uint64_t seed, cav_result *res)                      \
    {                                                                                              \
        return simulate_any(LATENT, p, seed, res);                                                 \
    }                                                                                              \
    static double memory_##NAME(const void *p, int kind)                                           \
    {                                                                                              \
        return memory_any(LATENT, p, kind);                                                        \
    }
ENTRY_POINTS(direct, 0)
ENTRY_POINTS(latent, 1)
#define ENTRY_FIELDS(NAME)                                                                         \
    .check = check_##NAME, .nwarm = CAV_ADV_NWARM, .theory = theory_##NAME,                        \
    .simulate = simulate_##NAME, .memory = memory_##NAME

#define PAPER                                                                                      \
    "Vilucchio, Zdeborová, Loureiro, On the existence of consistent adversarial attacks in "      \
    "high-dimensional linear classification, arXiv:2506.12454 (2025)"

const cav_model cav_model_adversarial = {
    .name = "adversarial",
    .summary = "consistent (label-preserving) adversarial errors of adversarially trained linear "
               "classifiers, well-specified model",
    .paper = PAPER,
    CAV_MODEL_TABLES(par, params_direct, observables),
    .retired = "gamma=1",
    ENTRY_FIELDS(direct),
    .compare_x = "alpha",
    .compare_theory = "0.2:2:40",
    .compare_sim = "0.2,0.5,1,1.5,2",
    .compare_y = "egen,erob,erob_cns,ebnd_cns",
    .compare_by = "attack_norm",
    .compare_set = "attack_norm=2,inf;eps=1;lambda=0.001;d=500",
};

const cav_model cav_model_adversarial_latent = {
    .name = "adversarial-latent",
    .summary = "consistent adversarial errors in the latent (Hastie) model vs "
               "over-parameterisation p/n = 1/(gamma alpha)",
    .paper = PAPER,
    CAV_MODEL_TABLES(par, params_latent, observables),
    ENTRY_FIELDS(latent),
    .compare_x = "gamma",
    .compare_theory = "0.1:2:40",
    .compare_sim = "0.1,0.25,0.5,1,1.5,2",
    .compare_y = "egen,erob_cns,ebnd_cns",
    .compare_set = "alpha=1;eps=1;lambda=0.001;d=500",
};
