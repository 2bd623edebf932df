/* Consistent adversarial attacks on linear classifiers: models `adversarial` (direct,
 * well-specified) and `adversarial-latent` (latent "Hastie" model).
 *
 * Vilucchio, Zdeborová, Loureiro, "On the existence of consistent adversarial attacks in
 * high-dimensional linear classification", arXiv:2506.12454 (2025); model note 05.
 *
 * Theory: the adversarial-training state evolution of include/cavity/adversarial.h (src/theory/
 * adv/adv.c: plain ERM with a margin-shifted loss and a self-consistent l_2 / l_1 penalty), with
 * lambda fixed or optimised (lambda_opt) for egen, erob or erob_cns.
 * Simulation: adv_sim.h's cav_adv_experiment (one seed = fresh teacher, training and test sets;
 * adversarial ERM; exact consistent-attack oracle on n_test fresh points).
 * One attack norm `attack_norm` serves both training (eps_train) and test (eps) attacks.
 * Observables: egen, erob, erob_cns, ebnd_cns, attackable (fractions of test points) and the
 * order parameters m, q, V, P with the same meaning in theory and simulation
 * (adversarial.h): direct m = w.theta/d, q = |w|^2/d, P = ||w||_1/d; latent m = Cov(lam, nu),
 * q = E lam^2, P = ||w||_1/p. Over-parameterisation in the latent model: p/n = 1/(gamma alpha).
 */
#include "cavity/adv_sim.h"
#include "cavity/adversarial.h"
#include "cavity/loss.h"
#include "cavity/model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum {
    P_ALPHA,
    P_GAMMA,
    P_EPS_TRAIN,
    P_EPS,
    P_NORM,
    P_LOSS,
    P_LAMBDA,
    P_LAMBDA_OPT,
    P_REG,
    P_D,
    P_NTEST,
    NPARAMS
};
enum {
    O_EGEN,
    O_EROB,
    O_EROB_CNS,
    O_EBND_CNS,
    O_ATTACKABLE,
    O_M,
    O_Q,
    O_V,
    O_P,
    O_LAMBDA,
    O_OVERPARAM,
    NOBS
};

static const char *const norms[] = {"2", "inf", NULL};
static const char *const losses[] = {"logistic", "hinge", "square", NULL};
static const char *const regs[] = {"2", "1", NULL};
static const char *const lopts[] = {"none", "egen", "erob", "erob_cns", NULL};

#define COMMON_PARAMS_HEAD                                                                         \
    {                                                                                              \
        "alpha", CAV_PARAM_REAL, "training samples per latent / input dimension n/d", 1.0, 0, 1e4, \
            1, 0, NULL, 0                                                                          \
    }

#define COMMON_PARAMS_TAIL                                                                         \
    {"eps_train",                                                                                  \
     CAV_PARAM_REAL,                                                                               \
     "training attack size eps_t (l_2: ||delta|| <= eps_t; l_inf: <= eps_t/sqrt(d)); 0: plain "    \
     "ERM",                                                                                        \
     0.0,                                                                                          \
     0,                                                                                            \
     1e3,                                                                                          \
     0,                                                                                            \
     0,                                                                                            \
     NULL,                                                                                         \
     0},                                                                                           \
        {"eps",                                                                                    \
         CAV_PARAM_REAL,                                                                           \
         "test attack size (same scaling as eps_train)",                                           \
         1.0,                                                                                      \
         0,                                                                                        \
         1e3,                                                                                      \
         0,                                                                                        \
         0,                                                                                        \
         NULL,                                                                                     \
         0},                                                                                       \
        {"attack_norm",                                                                            \
         CAV_PARAM_CHOICE,                                                                         \
         "norm of the training and test attacks: 2 or inf",                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         norms,                                                                                    \
         0},                                                                                       \
        {"loss",                                                                                   \
         CAV_PARAM_CHOICE,                                                                         \
         "training loss (square: exact inner max (|y - h| + eps_t N)^2/2)",                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         losses,                                                                                   \
         0},                                                                                       \
        {"lambda",                                                                                 \
         CAV_PARAM_REAL,                                                                           \
         "penalty strength (ignored when lambda_opt is set)",                                      \
         1e-3,                                                                                     \
         0,                                                                                        \
         1e4,                                                                                      \
         1,                                                                                        \
         0,                                                                                        \
         NULL,                                                                                     \
         0},                                                                                       \
        {"lambda_opt",                                                                             \
         CAV_PARAM_CHOICE,                                                                         \
         "theory: optimise lambda in [1e-4, 1e2] for this error (none: use lambda)",               \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         lopts,                                                                                    \
         CAV_PF_THEORY},                                                                           \
        {"reg_norm",                                                                               \
         CAV_PARAM_CHOICE,                                                                         \
         "penalty: 2 (ridge ||w||^2/2) or 1 (lasso ||w||_1)",                                      \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         regs,                                                                                     \
         0},                                                                                       \
        {"d",  CAV_PARAM_INT, "simulation: latent / input dimension", 500, 2, 1e6, 0, 0,           \
         NULL, CAV_PF_SIM},                                                                        \
    {                                                                                              \
        "ntest", CAV_PARAM_INT, "simulation: fresh test points", 10000, 1, 1e8, 0, 0, NULL,        \
            CAV_PF_SIM                                                                             \
    }

static const cav_param_spec params_direct[NPARAMS] = {
    COMMON_PARAMS_HEAD,
    {"gamma", CAV_PARAM_REAL, "unused by the direct model (latent only)", 1.0, 0, 1e3, 1, 0, NULL,
     0},
    COMMON_PARAMS_TAIL,
};

static const cav_param_spec params_latent[NPARAMS] = {
    COMMON_PARAMS_HEAD,
    {"gamma", CAV_PARAM_REAL,
     "latent dimension per feature d/p > 0; over-parameterisation p/n = 1/(gamma alpha)", 1.0, 0,
     1e3, 1, 0, NULL, 0},
    COMMON_PARAMS_TAIL,
};

static const cav_obs_spec obs[NOBS] = {
    {"egen", "clean error: P(y lam < 0) on fresh points"},
    {"erob", "standard robust error: P(y lam < eps N), any perturbation within the budget"},
    {"erob_cns", "consistent robust error (theta.delta = 0 attacks)"},
    {"ebnd_cns", "consistent boundary error = erob_cns - egen"},
    {"attackable", "fraction of points whose prediction a consistent attack can flip"},
    {"m", "teacher overlap Cov(lam, nu) (direct: w.theta/d)"},
    {"q", "student field variance E lam^2 (direct: |w|^2/d)"},
    {"V", "theory: response order parameter"},
    {"P", "l_1 norm per feature ||w||_1/p (direct: ||w||_1/d)"},
    {"lambda_used", "penalty strength used (the optimum when lambda_opt is set)"},
    {"overparam", "p/n = 1/(gamma alpha) (direct: 1/alpha)"},
};

static void make_problem(int latent, const double *v, cav_adv_problem *p)
{
    cav_loss loss;
    memset(&loss, 0, sizeof loss);
    loss.type = cav_loss_find(losses[(int)v[P_LOSS]]);
    *p = cav_adv_problem_default(&loss);
    p->latent = latent;
    p->alpha = v[P_ALPHA];
    p->gamma = v[P_GAMMA];
    p->eps_train = v[P_EPS_TRAIN];
    p->eps = v[P_EPS];
    p->attack_norm = (int)v[P_NORM] == 0 ? CAV_ADV_L2 : CAV_ADV_LINF;
    p->train_norm = p->attack_norm;
    p->lambda = v[P_LAMBDA];
    p->reg_norm = (int)v[P_REG] == 0 ? 2 : 1;
}

static int check_any(int latent, const double *v, cav_err *err)
{
    cav_adv_problem p;
    make_problem(latent, v, &p);
    return cav_adv_check(&p, err);
}

static int check_direct(const double *v, cav_err *err)
{
    return check_any(0, v, err);
}

static int check_latent(const double *v, cav_err *err)
{
    return check_any(1, v, err);
}

static int theory_any(int latent, const double *v, const double *warm_in, double *warm_out,
                      cav_result *res)
{
    cav_adv_problem p;
    make_problem(latent, v, &p);
    cav_adv_solution s;
    double lam = p.lambda;
    int which = (int)v[P_LAMBDA_OPT];
    if (which == 0)
        cav_adv_solve(&p, warm_in, NULL, &s);
    else
        cav_adv_solve_optlambda(&p, which - 1, 1e-4, 1e2, NULL, &lam, &s);
    res->status = s.status;
    res->residual = s.residual;
    res->iterations = s.iterations;
    snprintf(res->msg, sizeof res->msg, "%s", s.msg);
    if (s.status == CAV_EINVAL || s.status == CAV_EUNSUP) return res->status;
    if (warm_out) cav_adv_warm(&s, warm_out);
    res->obs[O_EGEN] = s.egen;
    res->obs[O_EROB] = s.erob;
    res->obs[O_EROB_CNS] = s.erob_cns;
    res->obs[O_EBND_CNS] = s.ebnd_cns;
    res->obs[O_ATTACKABLE] = s.attackable;
    res->obs[O_M] = s.m;
    res->obs[O_Q] = s.q;
    res->obs[O_V] = s.V;
    res->obs[O_P] = s.P;
    res->obs[O_LAMBDA] = lam;
    res->obs[O_OVERPARAM] = 1.0 / ((latent ? p.gamma : 1.0) * p.alpha);
    return res->status;
}

static int theory_direct(const double *v, const double *w, double *wo, cav_result *r)
{
    return theory_any(0, v, w, wo, r);
}

static int theory_latent(const double *v, const double *w, double *wo, cav_result *r)
{
    return theory_any(1, v, w, wo, r);
}

static int simulate_any(int latent, const double *v, uint64_t seed, cav_result *res)
{
    if ((int)v[P_LAMBDA_OPT] != 0)
        return cav_result_fail(res, CAV_EUNSUP,
                               "lambda_opt = %s is theory-only; simulate at a fixed lambda",
                               lopts[(int)v[P_LAMBDA_OPT]]);
    cav_adv_config c;
    cav_adv_config_default(&c);
    cav_adv_problem p;
    make_problem(latent, v, &p);
    c.latent = latent;
    c.alpha = p.alpha;
    c.gamma = p.gamma;
    c.eps_train = p.eps_train;
    c.eps = p.eps;
    c.attack_norm = p.attack_norm;
    c.train_norm = p.train_norm;
    c.loss = p.loss;
    c.lambda = p.lambda;
    c.reg_norm = p.reg_norm;
    c.d = (size_t)v[P_D];
    c.seed = seed;
    c.n_test = (size_t)v[P_NTEST];
    cav_adv_result r;
    cav_adv_experiment(&c, &r);
    res->status = r.status;
    res->residual = r.residual;
    res->iterations = r.iterations;
    snprintf(res->msg, sizeof res->msg, "%s", r.msg);
    if (r.status != CAV_OK && r.status != CAV_EMAXITER) return res->status;
    res->obs[O_EGEN] = r.egen;
    res->obs[O_EROB] = r.erob;
    res->obs[O_EROB_CNS] = r.erob_cns;
    res->obs[O_EBND_CNS] = r.ebnd_cns;
    res->obs[O_ATTACKABLE] = r.attackable;
    res->obs[O_M] = r.m;
    res->obs[O_Q] = r.q;
    res->obs[O_P] = r.P;
    res->obs[O_LAMBDA] = p.lambda;
    res->obs[O_OVERPARAM] =
        r.n > 0 ? (double)(latent ? r.p : c.d) / (double)r.n : 1.0 / (p.gamma * p.alpha);
    return res->status;
}

static int simulate_direct(const double *v, uint64_t seed, cav_result *res)
{
    return simulate_any(0, v, seed, res);
}

static int simulate_latent(const double *v, uint64_t seed, cav_result *res)
{
    return simulate_any(1, v, seed, res);
}

#define PAPER                                                                                      \
    "Vilucchio, Zdeborová, Loureiro, On the existence of consistent adversarial attacks in "      \
    "high-dimensional linear classification, arXiv:2506.12454 (2025)"

const cav_model cav_model_adversarial = {
    .name = "adversarial",
    .summary = "consistent (label-preserving) adversarial errors of adversarially trained linear "
               "classifiers, well-specified model",
    .paper = PAPER,
    .params = params_direct,
    .nparams = NPARAMS,
    .obs = obs,
    .nobs = NOBS,
    .axis = NULL,
    .check = check_direct,
    .nwarm = CAV_ADV_NWARM,
    .theory = theory_direct,
    .simulate = simulate_direct,
    .compare_x = "alpha",
    .compare_theory = "0.2:2:40",
    .compare_sim = "0.2,0.5,1,1.5,2",
    .compare_y = "egen,erob,erob_cns,ebnd_cns",
    .compare_by = "attack_norm",
    .compare_set = "attack_norm=2,inf;eps=1;lambda=0.001;d=500",
    .quantities = NULL,
    .nquantities = 0,
};

const cav_model cav_model_adversarial_latent = {
    .name = "adversarial-latent",
    .summary = "consistent adversarial errors in the latent (Hastie) model vs "
               "over-parameterisation p/n = 1/(gamma alpha)",
    .paper = PAPER,
    .params = params_latent,
    .nparams = NPARAMS,
    .obs = obs,
    .nobs = NOBS,
    .axis = NULL,
    .check = check_latent,
    .nwarm = CAV_ADV_NWARM,
    .theory = theory_latent,
    .simulate = simulate_latent,
    .compare_x = "gamma",
    .compare_theory = "0.1:2:40",
    .compare_sim = "0.1,0.25,0.5,1,1.5,2",
    .compare_y = "egen,erob_cns,ebnd_cns",
    .compare_by = NULL,
    .compare_set = "alpha=1;eps=1;lambda=0.001;d=500",
    .quantities = NULL,
    .nquantities = 0,
};
