/* A test-local toy model for the generic runner (not registered): its theory and simulation
 * have closed forms, so every number the runner reports can be checked exactly.
 *
 * theory: the fixed point of t = x / (1 + t), i.e. t* = (sqrt(1 + 4x) - 1) / 2 (the positive root
 *         of t^2 + t - x = 0), iterated from the warm start (or 0) until |dt| < tol, failing with
 *         CAV_EMAXITER after `limit` iterations; sq = c * x^2 (closed form).
 * simulate: n draws of N(x, c^2) from cav_rng(seed): t = sample mean, sq = sample mean of the
 *         squares (expected x and x^2 + c^2).
 * sleep_us slows each point down (for the kill-and-resume test). */
#ifndef CAVITY_TEST_TOY_H
#define CAVITY_TEST_TOY_H

#include <math.h>
#include <time.h>

#include "cavity/model.h"
#include "cavity/rng.h"

static const char *const toy_modes[] = {"plain", "shifted", NULL};
static const cav_param_spec toy_params[] = {
    {"x", CAV_PARAM_REAL, "input", 1.0, 0, 10, 0, 0, NULL, 0},
    {"c", CAV_PARAM_REAL, "scale", 2.0, 0, INFINITY, 1, 0, NULL, 0},
    {"mode", CAV_PARAM_CHOICE, "shift of sq by 1", 0, 0, 0, 0, 0, toy_modes, 0},
    {"limit", CAV_PARAM_INT, "iteration budget", 1000, 1, 100000, 0, 0, NULL, CAV_PF_THEORY},
    {"n", CAV_PARAM_INT, "samples", 100, 1, 1e7, 0, 0, NULL, CAV_PF_SIM},
    {"sleep_us", CAV_PARAM_INT, "delay per point", 0, 0, 1e7, 0, 0, NULL, 0},
};
static const cav_obs_spec toy_obs[] = {{"t", "fixed point / sample mean"},
                                       {"sq", "c x^2 / mean of squares"}};

static void toy_sleep(double us)
{
    if (us <= 0) return;
    struct timespec ts = {(time_t)(us / 1e6), (long)(fmod(us, 1e6) * 1e3)};
    nanosleep(&ts, NULL);
}

static int toy_theory(const double *v, const double *warm_in, double *warm_out, cav_result *res)
{
    double x = v[0], t = warm_in ? warm_in[0] : 0.0, tol = 1e-13;
    long it = 0;
    toy_sleep(v[5]);
    for (;;) {
        double tn = x / (1 + t);
        double d = fabs(tn - t);
        t = tn;
        it++;
        if (d < tol) break;
        if (it >= (long)v[3]) {
            res->residual = d;
            res->iterations = it;
            res->obs[0] = t;
            return cav_result_fail(res, CAV_EMAXITER, "no convergence in %ld iterations", it);
        }
    }
    res->residual = fabs(x / (1 + t) - t);
    res->iterations = it;
    res->obs[0] = t;
    res->obs[1] = v[1] * x * x + (v[2] == 1 ? 1.0 : 0.0);
    warm_out[0] = t;
    return CAV_OK;
}

static int toy_simulate(const double *v, uint64_t seed, cav_result *res)
{
    cav_rng r;
    cav_rng_init(&r, seed, 7, 0);
    double s = 0, s2 = 0;
    long n = (long)v[4];
    toy_sleep(v[5]);
    for (long i = 0; i < n; i++) {
        double z = v[0] + v[1] * cav_rng_normal(&r);
        s += z;
        s2 += z * z;
    }
    res->obs[0] = s / (double)n;
    res->obs[1] = s2 / (double)n + (v[2] == 1 ? 1.0 : 0.0);
    res->residual = 0;
    res->iterations = n;
    return CAV_OK;
}

static const cav_model toy_model = {
    .name = "toy",
    .summary = "toy model for runner tests",
    .paper = "none",
    .params = toy_params,
    .nparams = 6,
    .obs = toy_obs,
    .nobs = 2,
    .nwarm = 1,
    .theory = toy_theory,
    .simulate = toy_simulate,
    .compare_x = "x",
    .compare_y = "t,sq",
    .compare_by = "c",
};

#endif
