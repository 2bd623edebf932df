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

typedef struct toy_par {
    double x, c;
    int mode;
    long limit, n, sleep_us;
} toy_par;
typedef struct toy_out {
    double t, sq;
} toy_out;

static const char *const toy_modes[] = {"plain", "shifted", NULL};
static const cav_param_spec toy_params[] = {
    CAV_FIELD(toy_par, x, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 10, .help = "input"),
    CAV_FIELD(toy_par, c, .kind = CAV_PARAM_REAL, .def = 2, .lo = 0, .hi = INFINITY,
              .flags = CAV_PF_LO_OPEN, .help = "scale"),
    CAV_FIELD(toy_par, mode, .kind = CAV_PARAM_CHOICE, .choices = toy_modes,
              .help = "shift of sq by 1"),
    CAV_FIELD(toy_par, limit, .kind = CAV_PARAM_INT, .def = 1000, .lo = 1, .hi = 100000,
              .flags = CAV_PF_THEORY, .help = "iteration budget"),
    CAV_FIELD(toy_par, n, .kind = CAV_PARAM_INT, .def = 100, .lo = 1, .hi = 1e7,
              .flags = CAV_PF_SIM, .help = "samples"),
    CAV_FIELD(toy_par, sleep_us, .kind = CAV_PARAM_INT, .def = 0, .lo = 0, .hi = 1e7,
              .help = "delay per point"),
};
static const cav_obs_spec toy_obs[] = {CAV_OBS(toy_out, t, "fixed point / sample mean"),
                                       CAV_OBS(toy_out, sq, "c x^2 / mean of squares")};

static void toy_sleep(double us)
{
    if (us <= 0) return;
    struct timespec ts = {(time_t)(us / 1e6), (long)(fmod(us, 1e6) * 1e3)};
    nanosleep(&ts, NULL);
}

static int toy_theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    const toy_par *p = vp;
    double x = p->x, t = warm_in ? warm_in[0] : 0.0, tol = 1e-13;
    long it = 0;
    toy_sleep((double)p->sleep_us);
    for (;;) {
        double tn = x / (1 + t);
        double d = fabs(tn - t);
        t = tn;
        it++;
        if (d < tol) break;
        if (it >= p->limit) {
            res->residual = d;
            res->iterations = it;
            res->obs[0] = t;
            return cav_result_fail(res, CAV_EMAXITER, "no convergence in %ld iterations", it);
        }
    }
    res->residual = fabs(x / (1 + t) - t);
    res->iterations = it;
    res->obs[0] = t;
    res->obs[1] = p->c * x * x + (p->mode == 1 ? 1.0 : 0.0);
    warm_out[0] = t;
    return CAV_OK;
}

static int toy_simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const toy_par *p = vp;
    cav_rng r;
    cav_rng_init(&r, seed, 7, 0);
    double s = 0, s2 = 0;
    long n = p->n;
    toy_sleep((double)p->sleep_us);
    for (long i = 0; i < n; i++) {
        double z = p->x + p->c * cav_rng_normal(&r);
        s += z;
        s2 += z * z;
    }
    res->obs[0] = s / (double)n;
    res->obs[1] = s2 / (double)n + (p->mode == 1 ? 1.0 : 0.0);
    res->residual = 0;
    res->iterations = n;
    return CAV_OK;
}

static const cav_model toy_model = {
    .name = "toy",
    .summary = "toy model for runner tests",
    .paper = "none",
    .size = sizeof(toy_par),
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
