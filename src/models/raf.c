/* Rules-and-Facts model — work in progress: parameter table only (theory/simulation wiring
 * lands with the ERM engine). */
#include "cavity/model.h"

#include <math.h>

static const cav_param_spec params[] = {
    {"alpha", CAV_PARAM_REAL, "samples per dimension n/d", 1.0, 0, INFINITY, 1, 0, NULL, 0},
};
static const cav_obs_spec obs[] = {{"egen", "rule test error"}};

static int theory(const double *v, const double *wi, double *wo, cav_result *res)
{
    (void)v, (void)wi, (void)wo;
    return cav_result_fail(res, CAV_EUNSUP, "not implemented yet");
}

const cav_model cav_model_raf = {
    .name = "raf", .summary = "Rules-and-Facts", .paper = "arXiv:2603.25579",
    .params = params, .nparams = 1, .obs = obs, .nobs = 1, .theory = theory,
};
