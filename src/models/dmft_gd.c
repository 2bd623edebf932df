/* The dmft-gd model: gradient descent / mini-batch SGD on a GLM, DMFT theory vs simulation,
 * with time (the step) as the output axis.
 *
 * Theory: the discrete-time DMFT solver (cavity/dmft.h, docs/dmft.md; Dandi, Gamarnik, Pernice,
 * Zdeborová, arXiv:2603.14573; Gerbelot et al. arXiv:2210.06591). Simulation: gd-sim's
 * cav_gd_simulate (cavity/dynamics.h), same conventions: L(w) = sum_mu l(y_mu, x_mu.w/sqrt d)
 * + lambda/2 |w|^2, w^{t+1} = w^t - eta grad L, SGD with Bernoulli(batch) selection.
 * Stability: the Hessian of the square loss has top eigenvalue (1 + sqrt alpha)^2 + lambda, so
 * GD is stable iff eta < 2/((1 + sqrt alpha)^2 + lambda) (0.34 at alpha = 2, lambda = 0);
 * logistic allows 4x that. The theory rows carry the Monte-Carlo standard errors of the sampled
 * path in the *_mc columns (0 on the exact square-loss path).
 */
#include "cavity/dmft.h"
#include "cavity/dynamics.h"
#include "cavity/models/dmft.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef cav_dmft_gd_params par;
typedef cav_dmft_gd_obs obs;

static const char *const losses[] = {"square", "logistic", "smooth-hinge", NULL};
static const char *const channels[] = {"sign", "linear", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(loss, .kind = CAV_PARAM_TYPE, .choices = losses, .find = cav_loss_find_any, .def = 1,
      .help = "training loss"),
    F(channel, .kind = CAV_PARAM_CHOICE, .choices = channels,
      .help = "teacher: sign(nu) or nu + sqrt(noise) xi"),
    F(alpha, .kind = CAV_PARAM_REAL, .def = 2, .lo = 0, .hi = 1e3, .flags = CAV_PF_LO_OPEN,
      .help = "samples per dimension n/d"),
    F(lambda, .kind = CAV_PARAM_REAL, .def = 0.1, .lo = 0, .hi = 1e3, .help = "ridge penalty"),
    F(eta, .kind = CAV_PARAM_REAL, .def = 0.2, .lo = 0, .hi = 100, .flags = CAV_PF_LO_OPEN,
      .help = "step size; square loss stable iff eta < 2/((1+sqrt alpha)^2 + lambda), logistic "
              "up to 4x"),
    F(steps, .kind = CAV_PARAM_INT, .def = 200, .lo = 1, .hi = 20000, .help = "number of GD steps"),
    F(batch, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1, .flags = CAV_PF_LO_OPEN,
      .help = "SGD batch fraction b (1: full-batch GD)"),
    F(m0, .kind = CAV_PARAM_REAL, .def = 0, .lo = -100, .hi = 100,
      .help = "initial teacher overlap (needs q0 > m0^2)"),
    F(q0, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e4,
      .help = "initial squared norm |w0|^2/d (0: w0 = 0)"),
    F(noise, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e4,
      .help = "label noise variance Delta (linear channel)"),
    F(d, .kind = CAV_PARAM_INT, .def = 2000, .lo = 2, .hi = 1e6, .flags = CAV_PF_SIM,
      .help = "simulation: dimension"),
    F(ntraj, .kind = CAV_PARAM_INT, .def = 50000, .lo = 512, .hi = 1e8, .flags = CAV_PF_THEORY,
      .help = "theory: trajectories of the sampled DMFT path"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, step, "GD step t"),
    {.name = "time", .offset = offsetof(obs, time), .flags = CAV_OF_EXACT, .help = "t x eta"},
    CAV_OBS(obs, train_loss, "mean training loss (no penalty)"),
    CAV_OBS(obs, test_error, "sign: classification error; linear: (1/2) E (y - h)^2"),
    CAV_OBS(obs, m, "teacher overlap w.w*/d"),
    CAV_OBS(obs, q, "squared norm |w|^2/d"),
    CAV_OBS(obs, train_loss_mc, "theory: Monte-Carlo standard error of train_loss"),
    CAV_OBS(obs, test_error_mc, "theory: Monte-Carlo standard error of test_error"),
    CAV_OBS(obs, m_mc, "theory: Monte-Carlo standard error of m"),
    CAV_OBS(obs, q_mc, "theory: Monte-Carlo standard error of q"),
};

static cav_dmft_gd_problem problem_of(const par *p)
{
    cav_dmft_gd_problem e;
    cav_dmft_gd_problem_default(&e);
    e.loss.type = p->loss;
    e.channel.type = p->channel == CAV_DMFT_GD_SIGN ? &cav_channel_sign : &cav_channel_linear;
    e.channel.par[0] = p->channel == CAV_DMFT_GD_SIGN ? 0 : p->noise;
    e.alpha = p->alpha, e.lambda = p->lambda, e.eta = p->eta;
    e.steps = p->steps, e.batch = p->batch, e.m0 = p->m0, e.q0 = p->q0;
    return e;
}

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    if (p->channel == CAV_DMFT_GD_SIGN && p->noise != 0)
        return cav_err_set(err, CAV_EINVAL,
                           "noise = %g: only the linear channel has label noise; allowed with "
                           "channel = sign: 0",
                           p->noise);
    if (kind == CAV_KIND_SIM && llround(p->alpha * (double)p->d) < 1)
        return cav_err_set(err, CAV_EINVAL,
                           "alpha = %g with d = %ld gives n = round(alpha d) = 0 samples; "
                           "allowed: alpha d >= 0.5",
                           p->alpha, p->d);
    cav_dmft_gd_problem e = problem_of(p);
    return cav_dmft_gd_check(&e, err);
}

/* A diverged run keeps only its rows up to the last step where every observable is finite
 * (at least the first): the status says it diverged, and no NaN rows follow. */
static void keep_finite_rows(cav_result *res)
{
    size_t k = 0;
    for (; k < res->nrows; k++) {
        const double *r = res->rows + k * res->nobs;
        int ok = 1;
        for (int j = 2; j < CAV_DMFT_GD_NOBS; j++)
            ok &= isfinite(r[j]) != 0;
        if (!ok) break;
    }
    res->nrows = k > 0 ? k : 1;
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const par *p = vp;
    cav_dmft_gd_problem e = problem_of(p);
    cav_dmft_opts o = cav_dmft_opts_default();
    o.ntraj = (size_t)p->ntraj;
    o.ntraj_init = o.ntraj < 10000 ? o.ntraj : 10000;
    cav_dmft_gd *s = cav_dmft_gd_alloc(e.steps);
    size_t nr = (size_t)e.steps + 1;
    double *rows = cav_result_rows(res, nr);
    double *tmp = malloc(nr * 2 * CAV_DMFT_GD_NOBS * sizeof *tmp);
    if (!s || !rows || !tmp) {
        cav_dmft_gd_free(s);
        free(tmp);
        return cav_result_fail(res, CAV_ENOMEM, "dmft-gd: out of memory");
    }
    int st = cav_dmft_gd_set(s, &e, &o);
    if (!st) st = cav_dmft_gd_solve(s, NULL, NULL);
    double *out = tmp, *se = tmp + nr * CAV_DMFT_GD_NOBS;
    if (cav_dmft_gd_iterations(s) > 0) {
        cav_dmft_gd_observables(s, out, se);
        for (size_t t = 0; t < nr; t++) {
            double *r = cav_result_row(res, t);
            for (int j = 0; j < CAV_DMFT_GD_NOBS; j++)
                r[j] = out[t * CAV_DMFT_GD_NOBS + (size_t)j];
            obs *ot = cav_result_row(res, t);
            const double *et = se + t * CAV_DMFT_GD_NOBS;
            ot->train_loss_mc = et[2], ot->test_error_mc = et[3], ot->m_mc = et[4];
            ot->q_mc = et[5];
        }
    }
    cav_result_set(res, st, cav_dmft_gd_residual(s), cav_dmft_gd_iterations(s),
                   cav_dmft_gd_error(s)->msg);
    if (st == CAV_EDIVERGE) keep_finite_rows(res);
    cav_dmft_gd_free(s);
    free(tmp);
    return st;
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    cav_dmft_gd_problem e = problem_of(p);
    cav_gd_config c;
    cav_gd_config_default(&c); /* every model field is set below */
    c.loss = e.loss, c.channel = e.channel, c.alpha = e.alpha, c.lambda = e.lambda;
    c.eta = e.eta, c.batch = e.batch, c.m0 = e.m0, c.q0 = e.q0, c.steps = e.steps;
    c.d = (size_t)p->d, c.seed = seed;
    size_t nr = (size_t)e.steps + 1;
    double *rows = cav_result_rows(res, nr);
    double *out = malloc(nr * CAV_GD_NOBS * sizeof *out);
    if (!rows || !out) {
        free(out);
        return cav_result_fail(res, CAV_ENOMEM, "dmft-gd: out of memory");
    }
    cav_err err = {0};
    int st = cav_gd_simulate(&c, out, &err);
    for (size_t t = 0; t < nr; t++)
        for (int j = 0; j < CAV_GD_NOBS; j++)
            rows[t * res->nobs + (size_t)j] = out[t * CAV_GD_NOBS + (size_t)j];
    free(out);
    cav_result_set(res, st, 0, e.steps, err.msg);
    if (st == CAV_EDIVERGE) keep_finite_rows(res);
    return st;
}

/* Memory: the DMFT solver holds about eleven (steps + 2)^2 kernels, the sampled path three
 * values per trajectory and step; the simulation the n x d data and the result rows. */
static double memory(const void *vp, int kind)
{
    const par *p = vp;
    double S = (double)p->steps + 2, rows = 8.0 * S * 2 * (double)CAV_MAX_OBS;
    if (kind == CAV_KIND_THEORY) {
        double traj = p->loss == &cav_loss_square ? 0 : 3.0 * (double)p->ntraj * S;
        return 8.0 * (11 * S * S + traj) + rows;
    }
    double d = (double)p->d;
    return 8.0 * (p->alpha * d * d + 6 * d + 4 * p->alpha * d) + rows;
}

const cav_model cav_model_dmft_gd = {
    .name = "dmft-gd",
    .summary = "GD / mini-batch SGD on a GLM: discrete-time DMFT vs simulation, per step",
    .paper = "Dandi, Gamarnik, Pernice, Zdeborová, Rigorous Asymptotics for First-Order "
             "Algorithms Through the Dynamical Cavity Method, arXiv:2603.14573 (2026)",
    CAV_MODEL_TABLES(par, params, observables),
    .axis = "step",
    .check = check,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "step",
    .compare_y = "test_error,train_loss,m,q",
    .compare_by = "alpha",
    .compare_set = "loss=logistic;alpha=0.5,2,4;lambda=0.1;eta=0.2;steps=100;d=2000;seeds=5",
};
