/* The Rules-and-Facts (RAF) model.
 *
 * Farné, Boncoraglio, Zdeborová, "The Rules-and-Facts Model for Simultaneous Generalization and
 * Memorization in Neural Networks", arXiv:2603.25579 (2026).
 *
 * Data: x ~ N(0, I_d), teacher w* ~ N(0, I_d), nu = w*.x/sqrt(d). With probability 1 - eps a
 * sample is a rule, y = sign(nu); with probability eps a fact, y = +-1 uniformly, independent of
 * x. Marginally the sign-flip channel P(y|nu) = (1 + (1-eps) y sign(nu))/2 (channel.h).
 * Learners: ERM with a square / hinge / logistic loss and a ridge penalty (lambda = 0: the
 * lambda -> 0+ limit, min-norm / max-margin), on linear, dot-product-kernel or random features;
 * and the Bayes-optimal estimator as the reference.
 *
 * Theory: the Gaussian-covariate ERM replica engine (erm.h) with the sign-flip channel, and the
 * Bayes-optimal state evolution (bayes.h). Observables at the fixed point, with channel-side
 * overlaps (m, q, V) (kernel / RF: what the channel sees):
 *   egen        = arccos(m_test/sqrt(q_test))/pi, error on fresh rule points;
 *   emem        = P(y h*(y, omega, V) < 0) for a fact: y independent of omega ~ N(0, q). The
 *                 prox is nondecreasing in omega, so for a margin loss l(y, h) = phi(y h) the
 *                 event is y omega < u0 with u0 = V phi'(0) (square: -V, hinge: -V, logistic:
 *                 -V/2), hence emem = H(V |phi'(0)| / sqrt(q)); 0 in the interpolating regime
 *                 (the training labels are fitted: y h* >= 1 for square and hinge);
 *   etrain_rule = P(y h* < 0) on rule points, y = sign(nu): 2 P(nu > 0, omega < u0), a
 *                 bivariate normal orthant with correlation m/sqrt(q);
 *   train_loss  = E l(y, h*) over the RAF channel (one-dimensional quadrature, erm.h).
 * Simulation: sim.h's cav_sim_raf_experiment (one seed = fresh teacher, training and test set).
 */
#include "cavity/activation.h"
#include "cavity/bayes.h"
#include "cavity/channel.h"
#include "cavity/erm.h"
#include "cavity/loss.h"
#include "cavity/model.h"
#include "cavity/sim.h"
#include "cavity/special.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Parameter indices, in the order of the spec table below. */
enum {
    P_LEARNER,
    P_LOSS,
    P_ALPHA,
    P_EPS,
    P_LAMBDA,
    P_MU1,
    P_MUSTAR,
    P_KAPPA,
    P_ACT,
    P_D,
    P_NTEST,
    NPARAMS
};
enum { L_LINEAR, L_KERNEL, L_RF, L_BAYES };
/* Observable indices. */
enum { O_EGEN, O_EMEM, O_ETRAIN, O_TLOSS, O_M, O_Q, O_V, O_MHAT, O_QHAT, O_VHAT, NOBS };

static const char *const learners[] = {"linear", "kernel", "rf", "bayes", NULL};
static const char *const losses[] = {"square", "hinge", "logistic", NULL};
static const char *const activations[] = {"relu",   "tanh",      "erf", "sign",
                                          "linear", "quadratic", NULL};

static const cav_param_spec params[NPARAMS] = {
    {"learner", CAV_PARAM_CHOICE,
     "linear: f = w.x/sqrt(d); kernel: dot-product kernel with (mu1, mustar); rf: random "
     "features (kappa, activation); bayes: Bayes-optimal estimator (theory only)",
     L_LINEAR, 0, 0, 0, 0, learners, 0},
    {"loss", CAV_PARAM_CHOICE, "training loss (ignored by bayes)", 0, 0, 0, 0, 0, losses, 0},
    {"alpha", CAV_PARAM_REAL, "samples per input dimension n/d", 1.0, 0, 1e6, 1, 0, NULL, 0},
    {"eps", CAV_PARAM_REAL, "fraction of facts (random labels)", 0.2, 0, 1, 0, 0, NULL, 0},
    {"lambda", CAV_PARAM_REAL, "ridge penalty; 0 means the lambda -> 0+ limit", 1e-2, 0, 1e6, 0, 0,
     NULL, 0},
    {"mu1", CAV_PARAM_REAL, "kernel: linear Hermite coefficient (K = mu1^2 XX^T/d + mustar^2 I)",
     1.0, 0, 1e3, 1, 0, NULL, 0},
    {"mustar", CAV_PARAM_REAL, "kernel: non-linear coefficient (memorisation capacity)", 1.0, 0,
     1e3, 0, 0, NULL, 0},
    {"kappa", CAV_PARAM_REAL, "rf: features per input dimension p/d", 2.0, 0, 1e3, 1, 0, NULL, 0},
    {"activation", CAV_PARAM_CHOICE, "rf: activation (sets mu1, mustar; features centred)", 0, 0, 0,
     0, 0, activations, 0},
    {"d", CAV_PARAM_INT, "simulation: input dimension", 1000, 2, 1e6, 0, 0, NULL, CAV_PF_SIM},
    {"ntest", CAV_PARAM_INT,
     "simulation: rule test points for kernel/rf (0: max(n, 10000)); linear uses the exact "
     "population error",
     0, 0, 1e8, 0, 0, NULL, CAV_PF_SIM},
};

static const cav_obs_spec obs[NOBS] = {
    {"egen", "generalisation error: misclassified fresh rule points"},
    {"emem", "memorisation error: training facts whose label is not reproduced"},
    {"etrain_rule", "training error on rule points"},
    {"train_loss", "mean training loss (no penalty)"},
    {"m", "teacher overlap (theory: learner state; simulation: w.w*/d, linear only)"},
    {"q", "self overlap (theory: learner state; simulation: |w|^2/d, linear only)"},
    {"V", "theory: variance order parameter (rescaled by lambda when interpolating)"},
    {"mhat", "theory: conjugate of m"},
    {"qhat", "theory: conjugate of q"},
    {"Vhat", "theory: conjugate of V"},
};

static void make_loss(const double *v, cav_loss *loss)
{
    memset(loss, 0, sizeof *loss);
    loss->type = cav_loss_find(losses[(int)v[P_LOSS]]);
}

static void make_channel(double eps, cav_channel *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->type = &cav_channel_sign_flip;
    ch->par[0] = eps;
}

static const cav_activation_type *activation_of(const double *v)
{
    return cav_activation_find(activations[(int)v[P_ACT]]);
}

static void make_problem(const double *v, cav_erm_problem *p)
{
    cav_loss loss;
    cav_channel ch;
    make_loss(v, &loss);
    make_channel(v[P_EPS], &ch);
    *p = cav_erm_problem_default(&loss, &ch);
    p->alpha = v[P_ALPHA];
    p->lambda = v[P_LAMBDA];
    p->start = CAV_ERM_START_UNINFORMED;
    switch ((int)v[P_LEARNER]) {
    case L_KERNEL:
        p->learner = CAV_LEARNER_KERNEL;
        p->mu1 = v[P_MU1];
        p->mustar = v[P_MUSTAR];
        break;
    case L_RF: {
        double mu0;
        p->learner = CAV_LEARNER_RF;
        activation_of(v)->hermite(&mu0, &p->mu1, &p->mustar);
        p->kappa = v[P_KAPPA];
        break;
    }
    default:
        p->learner = CAV_LEARNER_LINEAR;
    }
}

static int check(const double *v, cav_err *err)
{
    int learner = (int)v[P_LEARNER];
    if (learner == L_BAYES) {
        cav_channel ch;
        make_channel(v[P_EPS], &ch);
        return cav_bayes_check(&ch, v[P_ALPHA], err);
    }
    if (learner == L_RF) {
        double mu0, mu1, mustar;
        activation_of(v)->hermite(&mu0, &mu1, &mustar);
        if (!(mu1 > 0))
            return cav_err_set(err, CAV_EINVAL,
                               "activation = %s has mu1 = 0: random features carry no linear "
                               "signal; allowed: relu, tanh, erf, sign, linear",
                               activations[(int)v[P_ACT]]);
    }
    cav_erm_problem p;
    make_problem(v, &p);
    return cav_erm_check(&p, err);
}

/* Loss slope phi'(0) at the decision boundary, |l'(y = 1, h = 0)|. */
static double boundary_slope(const cav_loss *loss)
{
    double y = 1, h = 0, l, dl;
    loss->type->value(loss, 1, &y, &h, &l, &dl, NULL);
    return fabs(dl);
}

typedef struct {
    const cav_loss *loss;
} tl_ctx;

static void train_loss_obs(void *ctx, size_t n, const double *y, const double *omega,
                           const double *hstar, const double *dprox, double *out)
{
    (void)omega, (void)dprox;
    const tl_ctx *c = ctx;
    c->loss->type->value(c->loss, n, y, hstar, out, NULL, NULL);
}

static int theory_bayes(const double *v, const double *warm_in, double *warm_out, cav_result *res)
{
    cav_channel ch;
    make_channel(v[P_EPS], &ch);
    cav_bayes_solution s;
    double q0 = warm_in && warm_in[0] > 0 && warm_in[0] < 1 ? warm_in[0] : 0.5;
    cav_bayes_solve(&ch, v[P_ALPHA], &q0, NULL, &s);
    res->status = s.status;
    res->residual = s.residual;
    res->iterations = s.iterations;
    snprintf(res->msg, sizeof res->msg, "%s", s.msg);
    res->obs[O_EGEN] = cav_bayes_egen_sign(s.q);
    res->obs[O_Q] = s.q;
    res->obs[O_M] = s.q; /* Bayes optimality (Nishimori): m = q */
    res->obs[O_QHAT] = s.qhat;
    if (warm_out) {
        warm_out[0] = s.q;
        for (int i = 1; i < CAV_ERM_NWARM; i++)
            warm_out[i] = NAN;
    }
    return res->status;
}

static int theory(const double *v, const double *warm_in, double *warm_out, cav_result *res)
{
    if ((int)v[P_LEARNER] == L_BAYES) return theory_bayes(v, warm_in, warm_out, res);

    cav_erm_problem p;
    make_problem(v, &p);
    /* A warm start from a Bayes point (NaN entries) is no start at all. */
    const double *warm = warm_in && isfinite(warm_in[CAV_ERM_NWARM - 1]) ? warm_in : NULL;
    cav_erm_solution s;
    cav_erm_solve(&p, warm, NULL, &s);
    res->status = s.status;
    res->residual = s.residual;
    res->iterations = s.iterations;
    snprintf(res->msg, sizeof res->msg, "%s", s.msg);
    if (s.status == CAV_EINVAL || s.status == CAV_EUNSUP) return res->status;
    if (warm_out) cav_erm_warm(&s, warm_out);

    res->obs[O_EGEN] = cav_erm_egen_sign(s.m_test, s.q_test);
    res->obs[O_M] = s.m;
    res->obs[O_Q] = s.q;
    res->obs[O_V] = s.V;
    res->obs[O_MHAT] = s.mhat;
    res->obs[O_QHAT] = s.qhat;
    res->obs[O_VHAT] = s.Vhat;

    const double m = s.m_chan, q = s.q_chan, V = s.V_chan;
    if (s.regime == CAV_ERM_INTERPOLATING) {
        /* lambda -> 0+ with V ~ 1/lambda: every training label is fitted with margin >= 1. */
        res->obs[O_EMEM] = 0.0;
        res->obs[O_ETRAIN] = 0.0;
    } else {
        double u0 = V * boundary_slope(&p.loss); /* y h* < 0  <=>  y omega < -u0 */
        double sq = sqrt(q);
        res->obs[O_EMEM] = cav_H(u0 / sq);
        /* Rule points: 2 P(nu > 0, omega < -u0) = 2 P(nu > 0, -omega/sqrt(q) > u0/sqrt(q)). */
        res->obs[O_ETRAIN] = 2.0 * cav_bvn_upper(0.0, u0 / sq, -m / sq);
    }
    tl_ctx c = {&p.loss};
    cav_err err = {0};
    double tl;
    if (cav_erm_solution_expect(&p, &s, NULL, train_loss_obs, &c, 1, &tl, &err) == CAV_OK)
        res->obs[O_TLOSS] = tl;
    return res->status;
}

static int simulate(const double *v, uint64_t seed, cav_result *res)
{
    int learner = (int)v[P_LEARNER];
    if (learner == L_BAYES)
        return cav_result_fail(res, CAV_EUNSUP,
                               "learner = bayes has no simulation (theory only); allowed for "
                               "simulate: linear, kernel, rf");
    cav_sim_raf_config cfg;
    cav_sim_raf_config_default(&cfg);
    make_loss(v, &cfg.loss);
    cfg.learner = learner == L_KERNEL ? CAV_SIM_KERNEL
                  : learner == L_RF   ? CAV_SIM_RF
                                      : CAV_SIM_LINEAR;
    cfg.alpha = v[P_ALPHA];
    cfg.eps = v[P_EPS];
    cfg.lambda = v[P_LAMBDA];
    cfg.mu1 = v[P_MU1];
    cfg.mustar = v[P_MUSTAR];
    cfg.kappa = v[P_KAPPA];
    cfg.act = activation_of(v);
    cfg.d = (size_t)v[P_D];
    cfg.n_test = (size_t)v[P_NTEST];
    cfg.seed = seed;
    cav_sim_raf_result r;
    cav_sim_raf_experiment(&cfg, &r);
    res->status = r.status;
    res->residual = r.fit.residual;
    res->iterations = r.fit.iterations;
    snprintf(res->msg, sizeof res->msg, "%s", r.msg);
    res->obs[O_EGEN] = r.obs.egen;
    res->obs[O_EMEM] = r.obs.emem;
    res->obs[O_ETRAIN] = r.obs.etrain_rule;
    res->obs[O_TLOSS] = r.obs.train_loss;
    res->obs[O_M] = r.obs.m;
    res->obs[O_Q] = r.obs.q;
    return res->status;
}

/* `cavity threshold raf --eps E`: separability threshold of RAF data for a linear classifier;
 * below it the max-margin / ridgeless hinge learner memorises every fact. */
static int threshold(const double *v, double *value, cav_err *err)
{
    cav_channel ch;
    make_channel(v[P_EPS], &ch);
    return cav_erm_separability(&ch, value, NULL, err);
}

static const cav_model_quantity quantities[] = {
    {"threshold", "separability threshold alpha_c(eps) of RAF data for a linear classifier",
     "alpha_c", threshold},
};

const cav_model cav_model_raf = {
    .name = "raf",
    .summary = "Rules-and-Facts: generalising a rule while memorising random facts",
    .paper = "Farné, Boncoraglio, Zdeborová, The Rules-and-Facts Model for Simultaneous "
             "Generalization and Memorization in Neural Networks, arXiv:2603.25579 (2026)",
    .params = params,
    .nparams = NPARAMS,
    .obs = obs,
    .nobs = NOBS,
    .axis = NULL,
    .check = check,
    .nwarm = CAV_ERM_NWARM,
    .theory = theory,
    .simulate = simulate,
    .compare_x = "alpha",
    .compare_theory = "0.1:4:40",
    .compare_sim = "0.25,0.5,1,1.5,2,3,4",
    .compare_y = "egen,emem",
    .compare_by = "learner",
    .compare_set = "learner=linear,kernel;loss=square;lambda=0.1;eps=0.2;d=1000;mustar=1",
    .quantities = quantities,
    .nquantities = 1,
};
