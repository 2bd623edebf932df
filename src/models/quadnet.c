/* The quadratic-net model: ERM of over-parameterised quadratic networks by the nuclear-norm route.
 *
 * Erba, Troiani, Zdeborová, Krzakala, "The Nuclear Route: Sharp Asymptotics of ERM in
 * Overparameterized Quadratic Networks", arXiv:2505.17958 (2025).
 *
 * Theory: cavity/quadnet.h (saddle point over MP(kappa*) boxplus SC(xi), thresholds); the
 * Bayes-optimal reference mse_bo from cavity/msense.h. Simulation: cavity/spectral_sim.h (APG on
 * S with the PSD soft-threshold, or GD on W; quadratic or GOE sensing). Normalisation (also in
 * `cavity help quadratic-net`): objective (1/(4n)) sum (y - Tr(Z S))^2 + (lambda/d) Tr S, S* =
 * W* W*^T/m*, y = Tr(Z S*) + sqrt(delta) z, n = alpha d^2; mse = (1/d)||S_hat - S*||_F^2.
 */
#include "cavity/models/spectral.h"
#include "cavity/msense.h"
#include "cavity/quadnet.h"
#include "cavity/spectral_sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef cav_quadnet_model_params par;
typedef cav_quadnet_obs obs;

static const char *const sensings[] = {"quadratic", "goe", NULL};
static const char *const solvers[] = {"apg", "gd", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(alpha, .kind = CAV_PARAM_REAL, .def = 0.3, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "samples n/d^2"),
    F(kappa_star, .kind = CAV_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "teacher width m*/d (S* = W* W*^T/m*, mean-1 Marchenko-Pastur of ratio 1/kappa*)"),
    F(kappa, .kind = CAV_PARAM_REAL, .def = 2, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "student width m/d; >= 1: no rank cap (convex), < 1: keep the top kappa d "
              "eigenvalues"),
    F(lambda, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6,
      .help = "penalty of (1/(4n)) sum (y - Tr(Z S))^2 + (lambda/d) Tr S (= weight decay "
              "lambda/(d m) |W|_F^2); 0 means the limit lambda -> 0+"),
    F(delta, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6,
      .help = "label-noise variance: y = Tr(Z S*) + sqrt(delta) z"),
    F(sensing, .kind = CAV_PARAM_CHOICE, .choices = sensings, .def = CAV_QN_SENSING_QUADRATIC,
      .flags = CAV_PF_SIM,
      .help = "simulation: Z = (x x^T - I)/sqrt(d) (quadratic network) or GOE (stores n d^2 "
              "doubles)"),
    F(solver, .kind = CAV_PARAM_CHOICE, .choices = solvers, .def = CAV_QN_APG, .flags = CAV_PF_SIM,
      .help = "simulation: apg (accelerated proximal gradient on S, PSD soft-threshold) or gd "
              "(gradient descent on the weights W)"),
    F(lambda_sim, .kind = CAV_PARAM_REAL, .def = 1e-3, .lo = 0, .hi = 1e3,
      .flags = CAV_PF_SIM | CAV_PF_LO_OPEN,
      .help = "simulation: lambda used for the lambda -> 0+ limit (lambda = 0)"),
    F(d, .kind = CAV_PARAM_INT, .def = 60, .lo = 4, .hi = 400, .flags = CAV_PF_SIM,
      .help = "simulation: input dimension"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, mse, "matrix MSE (1/d)|S_hat - S*|_F^2"),
    CAV_OBS(obs, test_error, "label test error E(y - Tr(Z S_hat))^2 = 2 mse + delta"),
    CAV_OBS(obs, train_loss, "(1/(4n)) sum (y - Tr(Z S_hat))^2 at the minimiser (no penalty)"),
    CAV_OBS(obs, rank, "fraction of non-zero eigenvalues of S_hat"),
    CAV_OBS(obs, xi, "theory: effective GOE noise variance of the spectral denoising problem"),
    CAV_OBS(obs, theta, "theory: eigenvalue soft threshold"),
    CAV_OBS(obs, mse_bo, "theory: Bayes-optimal MMSE at the same alpha, kappa*, delta"),
    CAV_OBS(obs, alpha_c,
            "theory, lambda = 0: the estimator's threshold, interpolation alpha_inter (delta > 0) "
            "or strong recovery alpha_pr (delta = 0); NaN for lambda > 0"),
    CAV_OBS(obs, alpha_bo,
            "theory, delta = 0: Bayes-optimal perfect recovery kappa* - kappa*^2/2 (1/2 for "
            "kappa* >= 1); NaN for delta > 0"),
};

static cav_quadnet_params theory_params(const par *p)
{
    cav_quadnet_params q = {p->alpha, p->kappa_star, p->kappa, p->lambda, p->delta};
    return q;
}

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    cav_quadnet_params q = theory_params(p);
    int st = cav_quadnet_check(&q, err);
    if (st) return st;
    if (kind == CAV_KIND_SIM) {
        double n = round(p->alpha * (double)p->d * (double)p->d);
        if (n < 1)
            return cav_err_set(err, CAV_EINVAL, "n = round(alpha d^2) = 0: raise alpha or d");
        if (p->sensing == CAV_QN_SENSING_GOE && n * (double)p->d * (double)p->d > 4e7)
            return cav_err_set(err, CAV_EINVAL,
                               "sensing = goe stores n d^2 = %.3g doubles (limit 4e7): lower d "
                               "or use sensing = quadratic",
                               n * (double)p->d * (double)p->d);
    }
    return CAV_OK;
}

/* warm vector: has, logxi, theta, branch, has_thr, thr_ks, thr_k, thr_delta, thr */
#define QN_NWARM 9

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    const par *p = vp;
    cav_quadnet_params q = theory_params(p);
    cav_quadnet_warm w;
    memset(&w, 0, sizeof w);
    if (warm_in && warm_in[0] == 1) {
        w.has = 1, w.logxi = warm_in[1], w.theta = warm_in[2], w.branch = (int)warm_in[3];
    }
    if (warm_in && warm_in[4] == 1) {
        w.has_thr = 1, w.thr_ks = warm_in[5], w.thr_k = warm_in[6], w.thr_delta = warm_in[7];
        w.thr = warm_in[8];
    }
    cav_quadnet_result r;
    cav_err err = {0};
    cav_quadnet_theory(&q, &w, &r, &err);
    cav_result_set(res, r.status, r.residual, r.iterations, r.msg);
    if (warm_out) {
        double v[QN_NWARM] = {w.has,    w.logxi, w.theta,     w.branch, w.has_thr,
                              w.thr_ks, w.thr_k, w.thr_delta, w.thr};
        memcpy(warm_out, v, sizeof v);
    }
    if (r.status == CAV_EINVAL) return res->status;
    obs *o = cav_result_row(res, 0);
    o->mse = r.mse, o->test_error = r.test_error, o->train_loss = r.train_loss;
    o->rank = r.rank, o->xi = r.xi, o->theta = r.theta, o->mse_bo = r.mse_bo;
    o->alpha_c = r.alpha_c;
    o->alpha_bo = NAN;
    if (p->delta == 0) {
        cav_msense_params b = {CAV_MSENSE_SYMMETRIC, 1, 0, p->kappa_star, 1, 1};
        if (cav_msense_alpha_pr(&b, &o->alpha_bo, &err)) o->alpha_bo = NAN;
    }
    return res->status;
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    cav_quadnet_sim_params s = {(int)p->d,
                                p->alpha,
                                p->kappa_star,
                                p->kappa,
                                p->lambda > 0 ? p->lambda : p->lambda_sim,
                                p->delta,
                                p->sensing == CAV_QN_SENSING_GOE ? CAV_SENSING_GOE
                                                                 : CAV_SENSING_QUADRATIC,
                                p->solver == CAV_QN_GD ? CAV_QN_SOLVER_GD : CAV_QN_SOLVER_APG,
                                0,
                                0,
                                seed};
    cav_quadnet_sim_result r;
    cav_err err = {0};
    cav_quadnet_sim(&s, &r, &err);
    cav_result_set(res, r.status, r.residual, r.iterations, r.msg);
    obs *o = cav_result_row(res, 0);
    o->mse = r.mse, o->test_error = r.test_error, o->train_loss = r.train_loss;
    o->rank = r.rank;
    o->xi = o->theta = o->mse_bo = o->alpha_c = o->alpha_bo = NAN;
    return res->status;
}

static double memory(const void *vp, int kind)
{
    const par *p = vp;
    if (kind != CAV_KIND_SIM) return 0;
    double d = (double)p->d, n = p->alpha * d * d;
    double bytes = 8.0 * (6 * d * d + 3 * n);
    bytes += p->sensing == CAV_QN_SENSING_GOE ? 8.0 * n * d * d : 16.0 * n * d;
    return bytes;
}

static int q_threshold(const void *vp, double *value, cav_err *err)
{
    const par *p = vp;
    return cav_quadnet_alpha_inter(p->kappa_star, p->kappa, p->delta, value, err);
}

static int q_recovery(const void *vp, double *value, cav_err *err)
{
    const par *p = vp;
    return cav_quadnet_alpha_pr(p->kappa_star, value, err);
}

static const cav_model_quantity quantities[] = {
    {.name = "threshold",
     .help = "interpolation threshold alpha_inter(kappa*, delta) of the lambda -> 0+ estimator "
             "(-> 1/4 as delta -> infinity; delta = 0: the delta -> 0+ limit)",
     .outputs = "alpha_inter",
     .uses = "kappa_star,kappa,delta",
     .compute = q_threshold},
    {.name = "recovery",
     .help = "noiseless strong-recovery threshold alpha_pr(kappa*) of the nuclear-norm estimator "
             "(lambda -> 0+; the statistical dimension of its descent cone)",
     .outputs = "alpha_pr",
     .uses = "kappa_star",
     .compute = q_recovery},
};

const cav_model cav_model_quadnet = {
    .name = "quadratic-net",
    .summary = "ERM of over-parameterised quadratic networks = nuclear-norm PSD matrix sensing",
    .paper = "Erba, Troiani, Zdeborová, Krzakala, The Nuclear Route: Sharp Asymptotics of ERM in "
             "Overparameterized Quadratic Networks, arXiv:2505.17958 (2025)",
    CAV_MODEL_TABLES(par, params, observables),
    .check = check,
    .nwarm = QN_NWARM,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "alpha",
    .compare_theory = "0.01:1:100",
    .compare_sim = "0.1,0.2,0.3,0.45,0.7",
    .compare_y = "mse,mse_bo",
    .compare_by = "delta",
    .compare_set = "kappa_star=0.5;lambda=0;delta=0,0.5;d=60;sensing=goe;seeds=3",
    .compare_marks = "alpha_c,alpha_bo",
    CAV_MODEL_QUANTITIES(quantities),
};
