/* The `depth` model (cavity/models/depth.h): Dandi, Pesce, Zdeborová & Krzakala,
 * arXiv:2502.13961.
 *
 * Simulation: one run of the library experiment (cavity/depth.h) with the chosen learner per
 * seed; the seed draws the target, the data and the network. Theory (the paper's scaling
 * argument, docs/depth.md; no equation to solve), per learner, with n = d^kappa:
 *   kappa_c  layerwise, joint: max(1 + eps1, k eps1) (learning h*, hence f*); two-layer:
 *            1 + eps1 (learning W*; beyond it random features in dimension d^eps1); kernel: 2
 *            (its largest polynomial degree: below, it learns only the degree-1 part of f*);
 *   kappa_peak (kernel) log(d(d+1)/2 + d + 1)/log d: the dimension of the quadratic kernel's
 *            feature space, where its ridgeless test error peaks;
 *   mw_random sqrt(K m1/d), m1 = floor(d^eps1): E M_W^2 for random first-layer rows;
 *   n = floor(d^kappa);
 *   mw (networks) the d -> infinity limit of M_W: mw_random for kappa <= 1 + eps1 (the rows stay
 *            random), 1 above (they become projections onto span W*).
 *   mse_rel  1 below kappa_c for a target without a linear part (he1 = 0), 0 above it for the
 *            3-layer nets; NaN otherwise.
 * Test errors, mse_null and M_h: NaN (the argument gives thresholds, not values, at finite d).
 * Named quantities: `threshold` (1 + eps1, max(1 + eps1, k eps1), the kernel's degree
 * thresholds 1 and 2), `peak` (the peak sample sizes: feature count and the paper's
 * d(d-1)/2 + d + 1), `levels` (the deep tree's successive jumps). */
#include <math.h>
#include <string.h>

#include "cavity/depth.h"
#include "cavity/models/depth.h"
#include "cavity/nn.h"

typedef cav_depth_params par;
typedef cav_depth_obs obs;

static const char *const learners[] = {"layerwise", "two-layer", "joint", "kernel", NULL};
static const char *const gstars[] = {"tanh", "relu", "linear", "erf", "sigmoid", NULL};
static const char *const optimizers[] = {"adam", "sgd", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
#define SIM CAV_PF_SIM
static const cav_param_spec params[] = {
    F(learner, .kind = CAV_PARAM_CHOICE, .choices = learners, .def = CAV_DEPTH_M_LAYERWISE,
      .help = "layerwise: 3-layer net by the paper's Algorithm 1; two-layer: 2-layer net (W1 as "
              "in stage 1, ridge readout); joint: 3-layer net by Adam on all layers; kernel: "
              "ridge with (x.x'/d)^2 + x.x'/d + 1"),
    F(kappa, .kind = CAV_PARAM_REAL, .def = 1.5, .lo = 0, .hi = 4, .flags = CAV_PF_LO_OPEN,
      .help = "sample exponent: n = floor(d^kappa)"),
    F(d, .kind = CAV_PARAM_INT, .def = 64, .lo = 2, .hi = 1e5, .help = "input dimension"),
    F(eps1, .kind = CAV_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 1,
      .flags = CAV_PF_LO_OPEN | CAV_PF_HI_OPEN, .help = "first level: d^eps1 linear features"),
    F(eps2, .kind = CAV_PARAM_REAL, .def = 0.25, .lo = 0, .hi = 1,
      .flags = CAV_PF_LO_OPEN | CAV_PF_HI_OPEN, .help = "deep tree: level-2 exponent (< eps1)"),
    F(eps3, .kind = CAV_PARAM_REAL, .def = 0.125, .lo = 0, .hi = 1,
      .flags = CAV_PF_LO_OPEN | CAV_PF_HI_OPEN, .help = "deep tree: level-3 exponent (< eps2)"),
    F(levels, .kind = CAV_PARAM_INT, .def = 1, .lo = 1, .hi = 3,
      .help = "levels of the target: 1 (SIGHT) to 3 (deep tree)"),
    F(branches, .kind = CAV_PARAM_INT, .def = 1, .lo = 1, .hi = 16,
      .help = "branches K (MIGHT: f* = sum_m g*(h*_m)/sqrt K)"),
    F(he1, .kind = CAV_PARAM_REAL, .def = 0, .lo = -100, .hi = 100,
      .help = "P = he1 He1 + he2 He2/2 + he3 He3/6 + he4 He4/24 (monic Hermite)"),
    F(he2, .kind = CAV_PARAM_REAL, .def = 1, .lo = -100, .hi = 100, .help = "see he1"),
    F(he3, .kind = CAV_PARAM_REAL, .def = 1, .lo = -100, .hi = 100, .help = "see he1"),
    F(he4, .kind = CAV_PARAM_REAL, .def = 0, .lo = -100, .hi = 100, .help = "see he1"),
    F(gstar, .kind = CAV_PARAM_TYPE, .choices = gstars, .find = cav_activation_find_any,
      .flags = SIM, .help = "simulation: outer function g*(h) = gstar(gscale h)"),
    F(gscale, .kind = CAV_PARAM_REAL, .def = 3, .lo = -1e3, .hi = 1e3, .flags = SIM,
      .help = "simulation: scale inside g*"),
    F(p1, .kind = CAV_PARAM_INT, .def = 512, .lo = 1, .hi = 1e5, .flags = SIM,
      .help = "simulation: first-layer width of the 3-layer nets"),
    F(p2, .kind = CAV_PARAM_INT, .def = 100, .lo = 1, .hi = 1e5, .flags = SIM,
      .help = "simulation: second-layer width"),
    F(p_two, .kind = CAV_PARAM_INT, .def = 0, .lo = 0, .hi = 1e5, .flags = SIM,
      .help = "simulation: width of the 2-layer net (0: p1)"),
    F(t1, .kind = CAV_PARAM_INT, .def = 0, .lo = 0, .hi = 1e6, .flags = SIM,
      .help = "simulation: stage-1 spherical SGD steps (0: floor(15 log d))"),
    F(lr1, .kind = CAV_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 100, .flags = SIM | CAV_PF_LO_OPEN,
      .help = "simulation: stage-1 step (typical first angle)"),
    F(ridge2, .kind = CAV_PARAM_REAL, .def = 1e-3, .lo = 0, .hi = 1e6, .flags = SIM,
      .help = "simulation: ridge of the stage-2 preconditioner"),
    F(eta2, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e3, .flags = SIM | CAV_PF_LO_OPEN,
      .help = "simulation: rms of the second-layer pre-activations after stage 2"),
    F(lambda3, .kind = CAV_PARAM_REAL, .def = 1e-4, .lo = 0, .hi = 1e6, .flags = SIM,
      .help = "simulation: ridge of the 3-layer readout (times n)"),
    F(lambda_two, .kind = CAV_PARAM_REAL, .def = 1e-4, .lo = 0, .hi = 1e6, .flags = SIM,
      .help = "simulation: ridge of the 2-layer readout (times n)"),
    F(t_joint, .kind = CAV_PARAM_INT, .def = 300, .lo = 0, .hi = 1e7, .flags = SIM,
      .help = "simulation: steps of joint training"),
    F(optimizer, .kind = CAV_PARAM_CHOICE, .choices = optimizers, .def = CAV_DEPTH_OPT_ADAM,
      .flags = SIM,
      .help = "simulation: optimiser of joint training, adam or sgd (mini-batch, plain)"),
    F(lr_joint, .kind = CAV_PARAM_REAL, .def = 1e-3, .lo = 0, .hi = 10,
      .flags = SIM | CAV_PF_LO_OPEN, .help = "simulation: learning rate of joint training"),
    F(lambda_kernel, .kind = CAV_PARAM_REAL, .def = 1e-4, .lo = 0, .hi = 1e6, .flags = SIM,
      .help = "simulation: kernel ridge (times n)"),
    F(eps_init, .kind = CAV_PARAM_REAL, .def = 0.2, .lo = 0, .hi = 100,
      .flags = SIM | CAV_PF_LO_OPEN, .help = "simulation: initial scale of W2 and w3"),
    F(batch_frac, .kind = CAV_PARAM_REAL, .def = 0.7, .lo = 0, .hi = 1,
      .flags = SIM | CAV_PF_LO_OPEN, .help = "simulation: mini-batch fraction of n"),
    F(ntest, .kind = CAV_PARAM_INT, .def = 1000, .lo = 1, .hi = 1e7, .flags = SIM,
      .help = "simulation: test points"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, mse, "test mean squared error"),
    CAV_OBS(obs, mse_null, "mean y^2 on the test set (error of the zero predictor)"),
    CAV_OBS(obs, mse_rel,
            "test error relative to the zero predictor, mse/mse_null (1: nothing "
            "learned)"),
    CAV_OBS(obs, mw, "M_W: first-layer overlap with span W* (networks)"),
    CAV_OBS(obs, mh, "M_h: second-layer pre-activations vs h* (3-layer networks)"),
    {.name = "mw_random",
     .offset = offsetof(obs, mw_random),
     .flags = CAV_OF_EXACT,
     .help = "M_W of random rows, sqrt(K d^eps1/d)"},
    {.name = "n",
     .offset = offsetof(obs, n),
     .flags = CAV_OF_EXACT,
     .help = "training samples floor(d^kappa)"},
    {.name = "kappa_c",
     .offset = offsetof(obs, kappa_c),
     .flags = CAV_OF_EXACT,
     .help = "the learner's threshold in kappa (layer-wise/joint: max(1 + eps1, k eps1); "
             "2-layer: 1 + eps1; kernel: 2)"},
    {.name = "kappa_peak",
     .offset = offsetof(obs, kappa_peak),
     .flags = CAV_OF_EXACT,
     .help = "kernel: interpolation peak log(d(d+1)/2 + d + 1)/log d"},
};

static cav_depth_config config_of(const par *p, uint64_t seed)
{
    cav_depth_config c;
    cav_depth_config_default(&c); /* every field is set below */
    c.d = (size_t)p->d;
    c.levels = (int)p->levels;
    c.eps[0] = p->eps1;
    c.eps[1] = p->eps2;
    c.eps[2] = p->eps3;
    c.branches = (int)p->branches;
    c.pcoef[0] = 0.0;
    c.pcoef[1] = p->he1;
    c.pcoef[2] = p->he2;
    c.pcoef[3] = p->he3;
    c.pcoef[4] = p->he4;
    c.gstar = p->gstar;
    c.gscale = p->gscale;
    c.kappa = p->kappa;
    c.n_test = (size_t)p->ntest;
    static const int mask[] = {CAV_DEPTH_LAYERWISE, CAV_DEPTH_TWO_LAYER, CAV_DEPTH_JOINT,
                               CAV_DEPTH_KERNEL};
    c.learners = mask[p->learner];
    c.p1 = (size_t)p->p1;
    c.p2 = (size_t)p->p2;
    c.p_two = (size_t)p->p_two;
    c.eps_init = p->eps_init;
    c.t1 = p->t1;
    c.lr1 = p->lr1;
    c.batch_frac = p->batch_frac;
    c.ridge2 = p->ridge2;
    c.eta2 = p->eta2;
    c.lambda3 = p->lambda3;
    c.lambda_two = p->lambda_two;
    c.t_joint = p->t_joint;
    c.lr_joint = p->lr_joint;
    c.opt_joint = p->optimizer == CAV_DEPTH_OPT_SGD ? CAV_NN_SGD : CAV_NN_ADAM;
    c.lambda_kernel = p->lambda_kernel;
    c.seed = seed;
    return c;
}

static int check(const void *vp, int kind, cav_err *err)
{
    cav_depth_config c = config_of(vp, 0);
    if (kind == CAV_KIND_THEORY) { /* the simulation-only fields are not read */
        c.gstar = &cav_act_tanh;
        c.learners = CAV_DEPTH_KERNEL;
    }
    return cav_depth_check(&c, err);
}

static double kappa_c(const par *p, const cav_depth_config *c)
{
    switch (p->learner) {
    case CAV_DEPTH_M_TWO_LAYER:
        return cav_depth_kappa_w(c);
    case CAV_DEPTH_M_KERNEL:
        return cav_depth_kappa_kernel(2);
    default:
        return cav_depth_kappa_three(c);
    }
}

static void exact(const par *p, const cav_depth_config *c, obs *o)
{
    double m1 = floor(pow((double)p->d, p->eps1) + 1e-9), d = (double)p->d;
    o->mw_random = sqrt((double)p->branches * m1 / d);
    o->n = floor(pow(d, p->kappa) + 1e-9);
    o->kappa_c = kappa_c(p, c);
    o->kappa_peak =
        p->learner == CAV_DEPTH_M_KERNEL ? log(cav_depth_kernel_features(c->d)) / log(d) : NAN;
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const par *p = vp;
    cav_depth_config c = config_of(p, 0);
    obs *o = cav_result_row(res, 0);
    exact(p, &c, o);
    /* d -> infinity: the first layer stays random below 1 + eps1 and becomes a projection onto
     * span W* above it (networks only). */
    if (p->learner != CAV_DEPTH_M_KERNEL)
        o->mw = p->kappa > cav_depth_kappa_w(&c) ? 1.0 : o->mw_random;
    /* d -> infinity relative error: 1 (nothing learned) below the learner's threshold when f* has
     * no part of degree <= 1 in x (the default target: h* is then a symmetric Gaussian in the
     * limit, and He2, He3 have no linear part); the 3-layer nets reach 0 above kappa_c, the
     * others keep an error the argument does not give (NaN). */
    o->mse_rel = NAN;
    if (p->he1 == 0.0) {
        if (p->kappa <= o->kappa_c)
            o->mse_rel = 1.0;
        else if (p->learner == CAV_DEPTH_M_LAYERWISE || p->learner == CAV_DEPTH_M_JOINT)
            o->mse_rel = 0.0;
    }
    return cav_result_set(res, CAV_OK, 0.0, 0, "");
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    cav_depth_config c = config_of(p, seed);
    cav_depth_result r;
    cav_depth_run(&c, &r, NULL);
    cav_result_set(res, r.status, 0.0, 0, r.msg);
    obs *o = cav_result_row(res, 0);
    exact(p, &c, o);
    o->mse_null = r.mse_null;
    o->mw = o->mh = NAN;
    switch (p->learner) {
    case CAV_DEPTH_M_LAYERWISE:
        o->mse = r.mse_layerwise, o->mw = r.mw_layerwise, o->mh = r.mh_layerwise;
        break;
    case CAV_DEPTH_M_TWO_LAYER:
        o->mse = r.mse_two_layer, o->mw = r.mw_two_layer;
        break;
    case CAV_DEPTH_M_JOINT:
        o->mse = r.mse_joint, o->mw = r.mw_joint, o->mh = r.mh_joint;
        break;
    default:
        o->mse = r.mse_kernel;
        break;
    }
    o->mse_rel = o->mse / o->mse_null;
    return res->status;
}

/* Data (n x d and the test set), and per learner: the kernel's n x n Gram matrix; the networks'
 * activations, deltas and Adam state (~ 6 n (p1 + p2) + 4 p1 (d + p2)) and the p1 x p1
 * preconditioner. */
static double memory(const void *vp, int kind)
{
    const par *p = vp;
    if (kind != CAV_KIND_SIM) return 0;
    double d = (double)p->d, n = floor(pow(d, p->kappa)), nt = (double)p->ntest;
    double bytes = 8.0 * (n * d + nt * d + 4.0 * n);
    double p1 = (double)(p->learner == CAV_DEPTH_M_TWO_LAYER && p->p_two ? p->p_two : p->p1);
    double p2 = (double)p->p2;
    if (p->learner == CAV_DEPTH_M_KERNEL)
        bytes += 8.0 * (n * n + 512.0 * n);
    else
        bytes += 8.0 * (6.0 * n * (p1 + p2 + d) + 4.0 * p1 * (d + p2) + p1 * p1);
    return bytes;
}

static int q_threshold(const void *vp, double *v, cav_err *err)
{
    const par *p = vp;
    cav_depth_config c = config_of(p, 0);
    if (cav_depth_degree(&c) < 1)
        return cav_err_set(err, CAV_EINVAL, "depth: the polynomial P is constant (he1..he4 = 0)");
    v[0] = cav_depth_kappa_w(&c);
    v[1] = cav_depth_kappa_three(&c);
    v[2] = cav_depth_kappa_kernel(1);
    v[3] = cav_depth_kappa_kernel(2);
    return CAV_OK;
}

static int q_peak(const void *vp, double *v, cav_err *err)
{
    (void)err;
    const par *p = vp;
    v[0] = cav_depth_kernel_features((size_t)p->d);
    v[1] = cav_depth_kernel_peak_paper((size_t)p->d);
    v[2] = log(v[0]) / log((double)p->d);
    return CAV_OK;
}

static int q_levels(const void *vp, double *v, cav_err *err)
{
    const par *p = vp;
    cav_depth_config c = config_of(p, 0);
    c.gstar = &cav_act_tanh;
    c.learners = CAV_DEPTH_KERNEL;
    c.kappa = 1.0;
    c.d = 1u << 16; /* the exponents alone: any large d (the structure checks need one) */
    int st = cav_depth_check(&c, err);
    if (st) return st;
    double k[CAV_DEPTH_MAX_LEVELS + 1];
    int nk = cav_depth_kappa_levels(&c, k);
    for (int i = 0; i < CAV_DEPTH_MAX_LEVELS + 1; i++)
        v[i] = i < nk ? k[i] : NAN;
    return CAV_OK;
}

static const cav_model_quantity quantities[] = {
    {.name = "threshold",
     .help = "thresholds in kappa = log n/log d: W* recovered (1 + eps1), the 3-layer net "
             "learns f* (max(1 + eps1, k eps1)), the kernel's degree-1 and degree-2 parts (1, 2)",
     .outputs = "kappa_w,kappa_three,kappa_kernel_1,kappa_kernel_2",
     .uses = "eps1,he1,he2,he3,he4",
     .compute = q_threshold},
    {.name = "peak",
     .help = "ridgeless quadratic-kernel interpolation peak: n = d(d+1)/2 + d + 1 (feature count, "
             "what the simulation shows), the paper's d(d-1)/2 + d + 1, and the first in kappa",
     .outputs = "n_peak,n_peak_paper,kappa_peak",
     .uses = "d",
     .compute = q_peak},
    {.name = "levels",
     .help = "deep tree: successive jumps of the layer-wise learner, 1 + eps1, k eps_l + "
             "eps_{l+1}, k eps_L (NaN beyond levels + 1)",
     .outputs = "kappa_1,kappa_2,kappa_3,kappa_4",
     .uses = "eps1,eps2,eps3,levels,he1,he2,he3,he4",
     .compute = q_levels},
};

const cav_model cav_model_depth = {
    .name = "depth",
    .summary = "hierarchical targets: a 3-layer net trained layer-wise beats 2-layer nets and "
               "kernels",
    .paper = "Dandi, Pesce, Zdeborová, Krzakala, The Computational Advantage of Depth: Learning "
             "High-Dimensional Hierarchical Functions with Gradient Descent, arXiv:2502.13961 "
             "(2025)",
    CAV_MODEL_TABLES(par, params, observables),
    .check = check,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "kappa",
    .compare_theory = "1:2:41",
    .compare_sim = "1:2:5",
    .compare_y = "mse_rel,mw",
    .compare_by = "learner",
    .compare_marks = "kappa_c,kappa_peak",
    .compare_set = "learner=layerwise,two-layer,kernel;d=64;seeds=3",
    CAV_MODEL_QUANTITIES(quantities),
};
