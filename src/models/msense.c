/* The matrix-sensing model: Bayes-optimal matrix sensing of extensive-rank signals.
 *
 * Xu, Maillard, Zdeborová, Krzakala, "Fundamental Limits of Matrix Sensing: Exact Asymptotics,
 * Universality, and Applications", arXiv:2503.14121 (COLT 2025).
 *
 * Theory: cavity/msense.h (state evolution with the free-entropy choice between fixed points,
 * optimal ridge, thresholds). Simulation: GAMP-RIE (cavity/spectral_sim.h) with Gaussian sensing
 * (GOE matrices for the symmetric shape, iid Gaussian for the rectangular one).
 * Normalisations (also in `cavity help matrix-sensing`): symmetric mmse = (1/d)||S_hat - S*||_F^2
 * with S* = W W^T/m*, which starts at 1/kappa*; rectangular mmse per entry, starting at 1;
 * mmse_norm = mmse / mmse(alpha = 0) and q = 1 - mmse_norm for both.
 */
#include "cavity/models/spectral.h"
#include "cavity/msense.h"
#include "cavity/spectral_sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef cav_msense_model_params par;
typedef cav_msense_obs obs;

static const char *const shapes[] = {"symmetric", "rectangular", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(shape, .kind = CAV_PARAM_CHOICE, .choices = shapes, .def = CAV_MS_SYMMETRIC,
      .help = "symmetric: S* = W W^T/m* (d x d), y = Tr(Z S*) + noise, mmse = (1/d)|S_hat - "
              "S*|_F^2; rectangular: S* = U V^T/sqrt(r) (L x D), y = <X, S*>/sqrt(L D) + noise, "
              "mmse per entry"),
    F(alpha, .kind = CAV_PARAM_REAL, .def = 0.2, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "samples per matrix entry: n/d^2 (symmetric), n/(L D) (rectangular)"),
    F(delta, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6, .help = "label-noise variance"),
    F(kappa_star, .kind = CAV_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "symmetric: width ratio m*/d of the signal"),
    F(beta, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "rectangular: aspect ratio L/D"),
    F(rho, .kind = CAV_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 1, .flags = CAV_PF_LO_OPEN,
      .help = "rectangular: rank ratio r/min(L, D)"),
    F(d, .kind = CAV_PARAM_INT, .def = 60, .lo = 8, .hi = 300, .flags = CAV_PF_SIM,
      .help = "simulation: d (symmetric) or D (rectangular, L = round(beta D))"),
    F(damping, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 0.95, .flags = CAV_PF_SIM,
      .help = "simulation: GAMP damping (weight of the previous iterate)"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, mmse, "MSE of the posterior mean (GAMP-RIE in simulation), shape's units"),
    CAV_OBS(obs, mmse_norm, "mmse / mmse(alpha = 0): both shapes start at 1"),
    CAV_OBS(obs, q, "normalised overlap 1 - mmse_norm"),
    CAV_OBS(obs, mse_ridge, "theory: optimal ridge (linear) estimator, same units as mmse"),
    CAV_OBS(obs, alpha_pr,
            "theory, delta = 0: Bayes-optimal perfect-recovery threshold (as `quantity "
            "threshold`); NaN for delta > 0"),
};

static cav_msense_params engine_params(const par *p)
{
    cav_msense_params q = {p->shape == CAV_MS_RECTANGULAR ? CAV_MSENSE_RECTANGULAR
                                                          : CAV_MSENSE_SYMMETRIC,
                           p->alpha,
                           p->delta,
                           p->kappa_star,
                           p->beta,
                           p->rho};
    return q;
}

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    cav_msense_params q = engine_params(p);
    int st = cav_msense_check(&q, err);
    if (st) return st;
    if (kind == CAV_KIND_SIM && p->shape == CAV_MS_RECTANGULAR) {
        double D = (double)p->d, L = round(p->beta * D), n = round(p->alpha * L * D);
        if (L < 2) return cav_err_set(err, CAV_EINVAL, "L = round(beta d) < 2: raise beta or d");
        if (n * L * D > 4e7)
            return cav_err_set(err, CAV_EINVAL,
                               "rectangular simulation stores n L D = %.3g doubles (limit 4e7): "
                               "lower d or alpha",
                               n * L * D);
    }
    return CAV_OK;
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const par *p = vp;
    cav_msense_params q = engine_params(p);
    cav_msense_result r;
    cav_err err = {0};
    int st = cav_msense_theory(&q, &r, &err);
    cav_result_set(res, st, r.residual, r.nfixed, st ? err.msg : r.msg);
    if (st) return res->status;
    obs *o = cav_result_row(res, 0);
    o->mmse = r.mmse, o->mmse_norm = r.mmse_norm, o->q = r.q, o->mse_ridge = r.mse_ridge;
    o->alpha_pr = NAN;
    if (p->delta == 0 && cav_msense_alpha_pr(&q, &o->alpha_pr, &err)) o->alpha_pr = NAN;
    return res->status;
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    cav_msense_gamp_params g = {p->shape == CAV_MS_RECTANGULAR,
                                (int)p->d,
                                p->alpha,
                                p->delta,
                                p->kappa_star,
                                p->beta,
                                p->rho,
                                p->damping,
                                0,
                                0,
                                seed};
    cav_msense_gamp_result r;
    cav_err err = {0};
    cav_msense_gamp(&g, &r, &err);
    cav_result_set(res, r.status, r.residual, r.iterations, r.msg);
    obs *o = cav_result_row(res, 0);
    o->mmse = r.mmse, o->mmse_norm = r.mmse_norm, o->q = r.q, o->mse_ridge = NAN;
    o->alpha_pr = NAN;
    return res->status;
}

static double memory(const void *vp, int kind)
{
    const par *p = vp;
    if (kind != CAV_KIND_SIM) return 0;
    double D = (double)p->d, L = p->shape == CAV_MS_RECTANGULAR ? round(p->beta * D) : D;
    double n = p->alpha * L * D;
    double bytes = 8.0 * (8 * L * D + 4 * n);
    bytes += p->shape == CAV_MS_RECTANGULAR ? 8.0 * n * L * D : 16.0 * n * D;
    return bytes;
}

static int q_threshold(const void *vp, double *value, cav_err *err)
{
    const par *p = vp;
    cav_msense_params q = engine_params(p);
    return cav_msense_alpha_pr(&q, value, err);
}

static int q_mnne(const void *vp, double *value, cav_err *err)
{
    const par *p = vp;
    cav_msense_params q = engine_params(p);
    q.shape = CAV_MSENSE_RECTANGULAR;
    return cav_msense_alpha_mnne(&q, value, err);
}

static const cav_model_quantity quantities[] = {
    {.name = "threshold",
     .help = "Bayes-optimal perfect-recovery threshold alpha_pr (noiseless): kappa* - kappa*^2/2 "
             "(symmetric), min(1, rho (1 + beta - rho)/beta) (rectangular, beta >= 1)",
     .outputs = "alpha_pr",
     .uses = "shape,kappa_star,beta,rho",
     .compute = q_threshold},
    {.name = "mnne",
     .help = "perfect-recovery threshold alpha_mnne of the minimum-nuclear-norm estimator "
             "(rectangular shape)",
     .outputs = "alpha_mnne",
     .uses = "beta,rho",
     .compute = q_mnne},
};

const cav_model cav_model_msense = {
    .name = "matrix-sensing",
    .summary = "Bayes-optimal matrix sensing of extensive-rank symmetric or rectangular signals",
    .paper = "Xu, Maillard, Zdeborová, Krzakala, Fundamental Limits of Matrix Sensing: Exact "
             "Asymptotics, Universality, and Applications, arXiv:2503.14121 (2025)",
    CAV_MODEL_TABLES(par, params, observables),
    .check = check,
    .nwarm = 0,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "alpha",
    .compare_theory = "0.01:1:60",
    .compare_sim = "0.1,0.2,0.3,0.5",
    .compare_y = "mmse_norm",
    .compare_by = "shape",
    .compare_set = "shape=symmetric,rectangular;kappa_star=0.5;beta=1;rho=0.5;delta=0;d=80;seeds=6",
    .compare_marks = "alpha_pr",
    CAV_MODEL_QUANTITIES(quantities),
};
