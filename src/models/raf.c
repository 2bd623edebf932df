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
#include "cavity/bayes.h"
#include "cavity/channel.h"
#include "cavity/erm.h"
#include "cavity/models/raf.h"
#include "cavity/sim.h"
#include "cavity/special.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef cav_raf_params par;
typedef cav_raf_obs obs;

static const char *const learners[] = {"linear", "kernel", "rf", "bayes", NULL};
static const char *const losses[] = {"square", "hinge", "logistic", NULL};
static const char *const activations[] = {"relu",   "tanh",      "erf", "sign",
                                          "linear", "quadratic", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(learner, .kind = CAV_PARAM_CHOICE, .choices = learners, .def = CAV_RAF_LINEAR,
      .help = "linear: f = w.x/sqrt(d); kernel: dot-product kernel with (mu1, mustar); rf: random "
              "features (kappa, activation); bayes: Bayes-optimal estimator (theory only)"),
    F(loss, .kind = CAV_PARAM_TYPE, .choices = losses, .find = cav_loss_find_any,
      .help = "training loss (ignored by bayes)"),
    F(alpha, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e6, .flags = CAV_PF_LO_OPEN,
      .help = "samples per input dimension n/d"),
    F(eps, .kind = CAV_PARAM_REAL, .def = 0.2, .lo = 0, .hi = 1,
      .help = "fraction of facts (random labels)"),
    F(lambda, .kind = CAV_PARAM_REAL, .def = 1e-2, .lo = 0, .hi = 1e6,
      .help = "ridge penalty; 0 means the lambda -> 0+ limit"),
    F(mu1, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "kernel: linear Hermite coefficient (K = mu1^2 XX^T/d + mustar^2 I)"),
    F(mustar, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e3,
      .help = "kernel: non-linear coefficient (memorisation capacity)"),
    F(kappa, .kind = CAV_PARAM_REAL, .def = 2, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "rf: features per input dimension p/d"),
    F(activation, .kind = CAV_PARAM_TYPE, .choices = activations, .find = cav_activation_find_any,
      .help = "rf: activation (sets mu1, mustar; features centred)"),
    F(d, .kind = CAV_PARAM_INT, .def = 1000, .lo = 2, .hi = 1e6, .flags = CAV_PF_SIM,
      .help = "simulation: input dimension"),
    F(ntest, .kind = CAV_PARAM_INT, .def = 0, .lo = 0, .hi = 1e8, .flags = CAV_PF_SIM,
      .help = "simulation: rule test points for kernel/rf (0: max(n, 10000)); linear uses the "
              "exact population error"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, egen, "generalisation error: misclassified fresh rule points"),
    CAV_OBS(obs, emem, "memorisation error: training facts whose label is not reproduced"),
    CAV_OBS(obs, etrain_rule, "training error on rule points"),
    CAV_OBS(obs, train_loss, "mean training loss (no penalty)"),
    CAV_OBS(obs, m, "teacher overlap (theory: learner state; simulation: w.w*/d, linear only)"),
    CAV_OBS(obs, q, "self overlap (theory: learner state; simulation: |w|^2/d, linear only)"),
    CAV_OBS(obs, V, "theory: variance order parameter (rescaled by lambda when interpolating)"),
    CAV_OBS(obs, mhat, "theory: conjugate of m"),
    CAV_OBS(obs, qhat, "theory: conjugate of q"),
    CAV_OBS(obs, Vhat, "theory: conjugate of V"),
};

static cav_channel channel_of(double eps)
{
    cav_channel ch;
    memset(&ch, 0, sizeof ch);
    ch.type = &cav_channel_sign_flip;
    ch.par[0] = eps;
    return ch;
}

static cav_loss loss_of(const par *p)
{
    cav_loss loss;
    memset(&loss, 0, sizeof loss);
    loss.type = p->loss;
    return loss;
}

static cav_erm_problem problem_of(const par *p)
{
    cav_loss loss = loss_of(p);
    cav_channel ch = channel_of(p->eps);
    cav_erm_problem e = cav_erm_problem_default(&loss, &ch);
    e.alpha = p->alpha;
    e.lambda = p->lambda;
    e.start = CAV_ERM_START_UNINFORMED;
    e.learner = CAV_LEARNER_LINEAR;
    if (p->learner == CAV_RAF_KERNEL) {
        e.learner = CAV_LEARNER_KERNEL;
        e.mu1 = p->mu1;
        e.mustar = p->mustar;
    } else if (p->learner == CAV_RAF_RF) {
        double mu0;
        e.learner = CAV_LEARNER_RF;
        p->activation->hermite(&mu0, &e.mu1, &e.mustar);
        e.kappa = p->kappa;
    }
    return e;
}

static cav_sim_raf_config sim_config(const par *p, uint64_t seed);

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    if (p->learner == CAV_RAF_BAYES) {
        if (kind == CAV_KIND_SIM)
            return cav_err_set(err, CAV_EINVAL,
                               "learner = bayes has no simulation (theory only); allowed for "
                               "simulate: linear, kernel, rf");
        cav_channel ch = channel_of(p->eps);
        return cav_bayes_check(&ch, p->alpha, err);
    }
    if (p->learner == CAV_RAF_RF) {
        double mu0, mu1, mustar;
        p->activation->hermite(&mu0, &mu1, &mustar);
        if (!(mu1 > 0))
            return cav_err_set(err, CAV_EINVAL,
                               "activation = %s has mu1 = 0: random features carry no linear "
                               "signal; allowed: relu, tanh, erf, sign, linear",
                               p->activation->name);
    }
    if (kind == CAV_KIND_SIM) {
        cav_sim_raf_config c = sim_config(p, 0);
        int st = cav_sim_raf_check(&c, err);
        if (st) return st;
    }
    cav_erm_problem e = problem_of(p);
    return cav_erm_check(&e, err);
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

static int theory_bayes(const par *p, const double *warm_in, double *warm_out, cav_result *res)
{
    cav_channel ch = channel_of(p->eps);
    cav_bayes_solution s;
    double q0 = warm_in && warm_in[0] > 0 && warm_in[0] < 1 ? warm_in[0] : 0.5;
    cav_bayes_solve(&ch, p->alpha, &q0, NULL, &s);
    cav_result_set(res, s.status, s.residual, s.iterations, s.msg);
    obs *o = cav_result_row(res, 0);
    o->egen = cav_bayes_egen_sign(s.q);
    o->q = s.q;
    o->m = s.q; /* Bayes optimality (Nishimori): m = q */
    o->qhat = s.qhat;
    if (warm_out) {
        warm_out[0] = s.q;
        for (int i = 1; i < CAV_ERM_NWARM; i++)
            warm_out[i] = NAN;
    }
    return res->status;
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    const par *p = vp;
    if (p->learner == CAV_RAF_BAYES) return theory_bayes(p, warm_in, warm_out, res);

    cav_erm_problem e = problem_of(p);
    /* A warm start from a Bayes point (NaN entries) is no start at all. */
    const double *warm = warm_in && isfinite(warm_in[CAV_ERM_NWARM - 1]) ? warm_in : NULL;
    cav_erm_solution s;
    cav_erm_solve(&e, warm, NULL, &s);
    cav_result_set(res, s.status, s.residual, s.iterations, s.msg);
    if (s.status == CAV_EINVAL || s.status == CAV_EUNSUP) return res->status;
    if (warm_out) cav_erm_warm(&s, warm_out);

    obs *o = cav_result_row(res, 0);
    o->egen = cav_erm_egen_sign(s.m_test, s.q_test);
    o->m = s.m, o->q = s.q, o->V = s.V;
    o->mhat = s.mhat, o->qhat = s.qhat, o->Vhat = s.Vhat;

    const double m = s.m_chan, q = s.q_chan, V = s.V_chan;
    if (s.regime == CAV_ERM_INTERPOLATING) {
        /* lambda -> 0+ with V ~ 1/lambda: every training label is fitted with margin >= 1. */
        o->emem = 0.0;
        o->etrain_rule = 0.0;
    } else {
        double u0 = V * boundary_slope(&e.loss); /* y h* < 0  <=>  y omega < -u0 */
        double sq = sqrt(q);
        o->emem = cav_H(u0 / sq);
        /* Rule points: 2 P(nu > 0, omega < -u0) = 2 P(nu > 0, -omega/sqrt(q) > u0/sqrt(q)). */
        o->etrain_rule = 2.0 * cav_bvn_upper(0.0, u0 / sq, -m / sq);
    }
    tl_ctx c = {&e.loss};
    cav_err err = {0};
    double tl;
    if (cav_erm_solution_expect(&e, &s, NULL, train_loss_obs, &c, 1, &tl, &err) == CAV_OK)
        o->train_loss = tl;
    return res->status;
}

static cav_sim_raf_config sim_config(const par *p, uint64_t seed)
{
    cav_sim_raf_config c;
    cav_sim_raf_config_default(&c); /* solver options; every model field is set below */
    c.loss = loss_of(p);
    c.learner = p->learner == CAV_RAF_KERNEL ? CAV_SIM_KERNEL
                : p->learner == CAV_RAF_RF   ? CAV_SIM_RF
                                             : CAV_SIM_LINEAR;
    c.alpha = p->alpha, c.eps = p->eps, c.lambda = p->lambda;
    c.mu1 = p->mu1, c.mustar = p->mustar, c.kappa = p->kappa, c.act = p->activation;
    c.d = (size_t)p->d, c.n_test = (size_t)p->ntest, c.seed = seed;
    return c;
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    if (p->learner == CAV_RAF_BAYES)
        return cav_result_fail(res, CAV_EUNSUP, "learner = bayes has no simulation (theory only)");
    cav_sim_raf_config c = sim_config(p, seed);
    cav_sim_raf_result r;
    cav_sim_raf_experiment(&c, &r);
    cav_result_set(res, r.status, r.fit.residual, r.fit.iterations, r.msg);
    obs *o = cav_result_row(res, 0);
    o->egen = r.obs.egen, o->emem = r.obs.emem, o->etrain_rule = r.obs.etrain_rule;
    o->train_loss = r.obs.train_loss, o->m = r.obs.m, o->q = r.obs.q;
    return res->status;
}

/* Memory of one computation: the simulation holds X (n x d), and the kernel learners an n x n
 * Gram matrix plus an n_test x n cross-kernel block; theory needs little. */
static double memory(const void *vp, int kind)
{
    const par *p = vp;
    if (kind != CAV_KIND_SIM) return 0;
    double d = (double)p->d, n = p->alpha * d;
    double nt = p->ntest ? (double)p->ntest : fmax(n, 1e4);
    double bytes = 8.0 * (n * d + 4 * d + 3 * n);
    if (p->learner == CAV_RAF_KERNEL) bytes += 8.0 * (2 * n * n + fmin(nt, 2048.0) * n);
    if (p->learner == CAV_RAF_RF) bytes += 8.0 * (p->kappa * d * (d + 2 * n));
    return bytes;
}

/* `cavity threshold raf --eps E`: separability threshold of RAF data for a linear classifier;
 * below it the max-margin / ridgeless hinge learner memorises every fact. */
static int threshold(const void *vp, double *value, cav_err *err)
{
    const par *p = vp;
    cav_channel ch = channel_of(p->eps);
    return cav_erm_separability(&ch, value, NULL, err);
}

static const cav_model_quantity quantities[] = {
    {.name = "threshold",
     .help = "separability threshold alpha_c(eps) of RAF data for a linear classifier",
     .outputs = "alpha_c",
     .uses = "eps",
     .compute = threshold},
};

const cav_model cav_model_raf = {
    .name = "raf",
    .summary = "Rules-and-Facts: generalising a rule while memorising random facts",
    .paper = "Farné, Boncoraglio, Zdeborová, The Rules-and-Facts Model for Simultaneous "
             "Generalization and Memorization in Neural Networks, arXiv:2603.25579 (2026)",
    CAV_MODEL_TABLES(par, params, observables),
    .check = check,
    .nwarm = CAV_ERM_NWARM,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "alpha",
    .compare_theory = "0.1:4:40",
    .compare_sim = "0.25,0.5,1,1.5,2,3,4",
    .compare_y = "egen,emem",
    .compare_by = "learner",
    .compare_set = "learner=linear,kernel;loss=square;lambda=0.1;eps=0.2;d=1000;mustar=1",
    CAV_MODEL_QUANTITIES(quantities),
};
