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
#include "cavity/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    P_LOSS,
    P_CHANNEL,
    P_ALPHA,
    P_LAMBDA,
    P_ETA,
    P_STEPS,
    P_BATCH,
    P_M0,
    P_Q0,
    P_NOISE,
    P_D,
    P_NTRAJ,
    NPARAMS
};
enum { O_STEP, O_TIME, O_TL, O_TE, O_M, O_Q, O_TL_MC, O_TE_MC, O_M_MC, O_Q_MC, NOBS };

static const char *const losses[] = {"square", "logistic", "smooth-hinge", NULL};
static const char *const channels[] = {"sign", "linear", NULL};

static const cav_param_spec params[NPARAMS] = {
    {"loss", CAV_PARAM_CHOICE, "training loss", 1, 0, 0, 0, 0, losses, 0},
    {"channel", CAV_PARAM_CHOICE, "teacher: sign(nu) or nu + sqrt(noise) xi", 0, 0, 0, 0, 0,
     channels, 0},
    {"alpha", CAV_PARAM_REAL, "samples per dimension n/d", 2, 0, 1e3, 1, 0, NULL, 0},
    {"lambda", CAV_PARAM_REAL, "ridge penalty", 0.1, 0, 1e3, 0, 0, NULL, 0},
    {"eta", CAV_PARAM_REAL,
     "step size; square loss stable iff eta < 2/((1+sqrt alpha)^2 + lambda), logistic up to 4x",
     0.2, 0, 100, 1, 0, NULL, 0},
    {"steps", CAV_PARAM_INT, "number of GD steps", 200, 1, 20000, 0, 0, NULL, 0},
    {"batch", CAV_PARAM_REAL, "SGD batch fraction b (1: full-batch GD)", 1, 0, 1, 1, 0, NULL, 0},
    {"m0", CAV_PARAM_REAL, "initial teacher overlap (needs q0 > m0^2)", 0, -100, 100, 0, 0, NULL,
     0},
    {"q0", CAV_PARAM_REAL, "initial squared norm |w0|^2/d (0: w0 = 0)", 0, 0, 1e4, 0, 0, NULL, 0},
    {"noise", CAV_PARAM_REAL, "label noise variance Delta (linear channel)", 0, 0, 1e4, 0, 0, NULL,
     0},
    {"d", CAV_PARAM_INT, "simulation: dimension", 2000, 2, 1e6, 0, 0, NULL, CAV_PF_SIM},
    {"ntraj", CAV_PARAM_INT, "theory: trajectories of the sampled DMFT path", 50000, 512, 1e8, 0, 0,
     NULL, CAV_PF_THEORY},
};

static const cav_obs_spec obs[NOBS] = {
    {"step", "GD step t"},
    {"time", "t x eta", CAV_OF_EXACT},
    {"train_loss", "mean training loss (no penalty)"},
    {"test_error", "sign: classification error; linear: (1/2) E (y - h)^2"},
    {"m", "teacher overlap w.w*/d"},
    {"q", "squared norm |w|^2/d"},
    {"train_loss_mc", "theory: Monte-Carlo standard error of train_loss"},
    {"test_error_mc", "theory: Monte-Carlo standard error of test_error"},
    {"m_mc", "theory: Monte-Carlo standard error of m"},
    {"q_mc", "theory: Monte-Carlo standard error of q"},
};

static void make(const double *v, cav_dmft_gd_problem *p)
{
    cav_dmft_gd_problem_default(p);
    p->loss.type = cav_loss_find(losses[(int)v[P_LOSS]]);
    p->channel.type = (int)v[P_CHANNEL] == 0 ? &cav_channel_sign : &cav_channel_linear;
    p->channel.par[0] = (int)v[P_CHANNEL] == 0 ? 0 : v[P_NOISE];
    p->alpha = v[P_ALPHA], p->lambda = v[P_LAMBDA], p->eta = v[P_ETA];
    p->steps = (long)v[P_STEPS], p->batch = v[P_BATCH], p->m0 = v[P_M0], p->q0 = v[P_Q0];
}

static int check(const double *v, cav_err *err)
{
    cav_dmft_gd_problem p;
    make(v, &p);
    if ((int)v[P_CHANNEL] == 0 && v[P_NOISE] != 0)
        return cav_err_set(err, CAV_EINVAL, "noise = %g: only the linear channel has label noise",
                           v[P_NOISE]);
    return cav_dmft_gd_check(&p, err);
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

static int theory(const double *v, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    cav_dmft_gd_problem p;
    make(v, &p);
    cav_dmft_opts o = cav_dmft_opts_default();
    o.ntraj = (size_t)v[P_NTRAJ];
    o.ntraj_init = o.ntraj < 10000 ? o.ntraj : 10000;
    cav_dmft_gd *s = cav_dmft_gd_alloc(p.steps);
    size_t nr = (size_t)p.steps + 1;
    double *rows = cav_result_rows(res, nr);
    double *tmp = malloc(nr * 2 * CAV_DMFT_GD_NOBS * sizeof *tmp);
    if (!s || !rows || !tmp) {
        cav_dmft_gd_free(s);
        free(tmp);
        return cav_result_fail(res, CAV_ENOMEM, "dmft-gd: out of memory");
    }
    int st = cav_dmft_gd_set(s, &p, &o);
    if (!st) st = cav_dmft_gd_solve(s, NULL, NULL);
    double *out = tmp, *se = tmp + nr * CAV_DMFT_GD_NOBS;
    if (cav_dmft_gd_iterations(s) > 0) {
        cav_dmft_gd_observables(s, out, se);
        for (size_t t = 0; t < nr; t++) {
            double *r = rows + t * NOBS;
            for (int j = 0; j < CAV_DMFT_GD_NOBS; j++)
                r[j] = out[t * CAV_DMFT_GD_NOBS + (size_t)j];
            for (int j = 0; j < 4; j++)
                r[O_TL_MC + j] = se[t * CAV_DMFT_GD_NOBS + 2 + (size_t)j];
        }
    }
    res->status = st;
    if (st == CAV_EDIVERGE) keep_finite_rows(res);
    res->residual = cav_dmft_gd_residual(s);
    res->iterations = cav_dmft_gd_iterations(s);
    snprintf(res->msg, sizeof res->msg, "%s", cav_dmft_gd_error(s)->msg);
    cav_dmft_gd_free(s);
    free(tmp);
    return st;
}

static int simulate(const double *v, uint64_t seed, cav_result *res)
{
    cav_dmft_gd_problem p;
    make(v, &p);
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.loss = p.loss, c.channel = p.channel, c.alpha = p.alpha, c.lambda = p.lambda;
    c.eta = p.eta, c.batch = p.batch, c.m0 = p.m0, c.q0 = p.q0, c.steps = p.steps;
    c.d = (size_t)v[P_D], c.seed = seed;
    size_t nr = (size_t)p.steps + 1;
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
            rows[t * NOBS + (size_t)j] = out[t * CAV_GD_NOBS + (size_t)j];
    free(out);
    res->status = st;
    if (st == CAV_EDIVERGE) keep_finite_rows(res);
    res->iterations = p.steps;
    res->residual = 0;
    snprintf(res->msg, sizeof res->msg, "%s", err.msg);
    return st;
}

const cav_model cav_model_dmft_gd = {
    .name = "dmft-gd",
    .summary = "GD / mini-batch SGD on a GLM: discrete-time DMFT vs simulation, per step",
    .paper = "Dandi, Gamarnik, Pernice, Zdeborová, Rigorous Asymptotics for First-Order "
             "Algorithms Through the Dynamical Cavity Method, arXiv:2603.14573 (2026)",
    .params = params,
    .nparams = NPARAMS,
    .obs = obs,
    .nobs = NOBS,
    .axis = "step",
    .check = check,
    .nwarm = 0,
    .theory = theory,
    .simulate = simulate,
    .compare_x = "step",
    .compare_theory = NULL,
    .compare_sim = NULL,
    .compare_y = "test_error,train_loss,m,q",
    .compare_by = "alpha",
    .compare_set = "loss=logistic;alpha=0.5,2,4;lambda=0.1;eta=0.2;steps=100;d=2000;seeds=5",
};
