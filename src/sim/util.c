/* Small helpers shared by the simulation solvers: option defaults, loss dispatch by name, and
 * numerically stable logistic pieces (log1p/exp forms that never overflow). */
#include <math.h>
#include <string.h>

#include "sim/internal.h"

cav_sim_opts cav_sim_opts_default(void)
{
    cav_sim_opts o;
    o.tol = 1e-8;
    o.max_iter = 1000;
    o.method = CAV_SIM_AUTO;
    o.lbfgs_m = 10;
    o.C_max = 1e8;
    o.seed = 0;
    return o;
}

cav_sim_opts sim_opts(const cav_sim_opts *opts)
{
    return opts ? *opts : cav_sim_opts_default();
}

int sim_loss_kind(const cav_loss *loss)
{
    if (!loss || !loss->type || !loss->type->name) return SIM_LOSS_OTHER;
    const char *s = loss->type->name;
    if (!strcmp(s, "square")) return SIM_LOSS_SQUARE;
    if (!strcmp(s, "hinge")) return SIM_LOSS_HINGE;
    if (!strcmp(s, "logistic")) return SIM_LOSS_LOGISTIC;
    return SIM_LOSS_OTHER;
}

/* log(1 + e^{-z}) = max(-z, 0) + log1p(e^{-|z|}). */
double sim_log1pexp_neg(double z)
{
    return (z < 0 ? -z : 0.0) + log1p(exp(-fabs(z)));
}

/* 1 / (1 + e^{z}), written so the exponential never overflows. */
double sim_sigmoid_neg(double z)
{
    if (z >= 0) {
        double e = exp(-z);
        return e / (1.0 + e);
    }
    return 1.0 / (1.0 + exp(z));
}
