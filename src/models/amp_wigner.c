/* The amp-wigner model: Bayes-optimal AMP on the spiked Wigner model with a Rademacher spike,
 * Y = sqrt(snr)/n x x^T + W/sqrt(n), W GOE; time (the AMP step) is the output axis.
 *
 * Theory: state evolution m_0 = init_overlap, gamma_{t+1} = snr m_t,
 * m_{t+1} = E tanh(gamma_{t+1} + sqrt(gamma_{t+1}) Z) (cavity/dmft.h cav_dmft_amp_se), which is
 * what the general symmetric-GFOM DMFT reduces to once AMP's Onsager term cancels the memory
 * (checked in tests/unit/theory/test_dmft.c; docs/dmft.md eq. A). Non-trivial fixed point iff
 * snr > 1. Simulation: gd-sim's cav_amp_wigner_simulate (cavity/dynamics.h).
 */
#include "cavity/dmft.h"
#include "cavity/dynamics.h"
#include "cavity/model.h"

#include <stdio.h>
#include <stdlib.h>

enum { P_SNR, P_STEPS, P_INIT, P_N, NPARAMS };
enum { O_STEP, O_OVERLAP, O_MSE, NOBS };

static const cav_param_spec params[NPARAMS] = {
    {"snr", CAV_PARAM_REAL, "signal-to-noise ratio (beta^2); transition at 1", 1.5, 0, 1e4, 0, 0,
     NULL, 0},
    {"steps", CAV_PARAM_INT, "AMP iterations", 50, 0, 100000, 0, 0, NULL, 0},
    {"init_overlap", CAV_PARAM_REAL,
     "overlap of the informed start (side observation); 0 is the uninformative fixed point", 0.1, 0,
     1, 0, 1, NULL, 0},
    {"n", CAV_PARAM_INT, "simulation: dimension", 2000, 2, 1e5, 0, 0, NULL, CAV_PF_SIM},
};

static const cav_obs_spec obs[NOBS] = {
    {"step", "AMP iteration t"},
    {"overlap", "E[x* xhat^t]"},
    {"mse", "E[(x* - xhat^t)^2]"},
};

static int theory(const double *v, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    long T = (long)v[P_STEPS];
    double *rows = cav_result_rows(res, (size_t)T + 1);
    if (!rows) return cav_result_fail(res, CAV_ENOMEM, "amp-wigner: out of memory");
    cav_err err = {0};
    int st = cav_dmft_amp_se(v[P_SNR], T, v[P_INIT], rows, &err);
    if (st) return cav_result_fail(res, st, "%s", err.msg);
    res->iterations = T;
    res->residual = 0;
    return CAV_OK;
}

static int simulate(const double *v, uint64_t seed, cav_result *res)
{
    long T = (long)v[P_STEPS];
    double *rows = cav_result_rows(res, (size_t)T + 1);
    if (!rows) return cav_result_fail(res, CAV_ENOMEM, "amp-wigner: out of memory");
    cav_amp_wigner_config c = {v[P_SNR], T, (size_t)v[P_N], seed, v[P_INIT]};
    cav_err err = {0};
    int st = cav_amp_wigner_simulate(&c, rows, &err);
    if (st) return cav_result_fail(res, st, "%s", err.msg);
    res->iterations = T;
    return CAV_OK;
}

const cav_model cav_model_amp_wigner = {
    .name = "amp-wigner",
    .summary = "Bayes AMP on spiked Wigner (Rademacher): state evolution = DMFT vs simulation",
    .paper = "Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573 (2026); Deshpande, Montanari "
             "(2014) for the SE",
    .params = params,
    .nparams = NPARAMS,
    .obs = obs,
    .nobs = NOBS,
    .axis = "step",
    .check = NULL,
    .nwarm = 0,
    .theory = theory,
    .simulate = simulate,
    .compare_x = "step",
    .compare_y = "overlap,mse",
    .compare_by = "snr",
    .compare_set = "snr=0.8,1.5,3;steps=30;n=2000;seeds=8",
};
