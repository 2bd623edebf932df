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
#include "cavity/models/dmft.h"

#include <stdio.h>
#include <stdlib.h>

typedef cav_amp_wigner_params par;
typedef cav_amp_wigner_obs obs;

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(snr, .kind = CAV_PARAM_REAL, .def = 1.5, .lo = 0, .hi = 1e4,
      .help = "signal-to-noise ratio (beta^2); transition at 1"),
    F(steps, .kind = CAV_PARAM_INT, .def = 50, .lo = 0, .hi = 100000, .help = "AMP iterations"),
    F(init_overlap, .kind = CAV_PARAM_REAL, .def = 0.1, .lo = 0, .hi = 1, .flags = CAV_PF_HI_OPEN,
      .help = "overlap of the informed start (side observation); 0 is the uninformative fixed "
              "point"),
    F(n, .kind = CAV_PARAM_INT, .def = 2000, .lo = 2, .hi = 60000, .flags = CAV_PF_SIM,
      .help = "simulation: dimension"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, step, "AMP iteration t"),
    CAV_OBS(obs, overlap, "E[x* xhat^t]"),
    CAV_OBS(obs, mse, "E[(x* - xhat^t)^2]"),
};

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const par *p = vp;
    double *rows = cav_result_rows(res, (size_t)p->steps + 1);
    if (!rows) return cav_result_fail(res, CAV_ENOMEM, "amp-wigner: out of memory");
    cav_err err = {0};
    int st = cav_dmft_amp_se(p->snr, p->steps, p->init_overlap, rows, &err);
    if (st) return cav_result_fail(res, st, "%s", err.msg);
    return cav_result_set(res, CAV_OK, 0, p->steps, "");
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    double *rows = cav_result_rows(res, (size_t)p->steps + 1);
    if (!rows) return cav_result_fail(res, CAV_ENOMEM, "amp-wigner: out of memory");
    cav_amp_wigner_config c = {p->snr, p->steps, (size_t)p->n, seed, p->init_overlap};
    cav_err err = {0};
    int st = cav_amp_wigner_simulate(&c, rows, &err);
    if (st) return cav_result_fail(res, st, "%s", err.msg);
    res->iterations = p->steps;
    return CAV_OK;
}

/* Memory: the simulation holds the n x n matrix Y; the rows are small. */
static double memory(const void *vp, int kind)
{
    const par *p = vp;
    double n = (double)p->n, rows = 8.0 * 3 * ((double)p->steps + 1);
    return kind == CAV_KIND_SIM ? 8.0 * (n * n + 8 * n) + rows : rows;
}

const cav_model cav_model_amp_wigner = {
    .name = "amp-wigner",
    .summary = "Bayes AMP on spiked Wigner (Rademacher): state evolution = DMFT vs simulation",
    .paper = "Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573 (2026); Deshpande, Montanari "
             "(2014) for the SE",
    CAV_MODEL_TABLES(par, params, observables),
    .axis = "step",
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "step",
    .compare_y = "overlap,mse",
    .compare_by = "snr",
    .compare_set = "snr=0.8,1.5,3;steps=30;n=2000;seeds=8",
};
