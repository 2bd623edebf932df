/* Data generators for teacher-student GLM simulations and the Rules-and-Facts model
 * (docs/raf.md; Farné, Boncoraglio, Zdeborová, arXiv:2603.25579, "Model" section).
 *
 * x_mu ~ N(0, I_d) row-major, teacher field nu = X w* / sqrt(d), labels from a channel or, for
 * RAF, rule y = sign(nu) with probability 1 - eps and fact y = +-1 uniform with probability eps.
 * X comes from cav_rng_normal_matrix (row blocks on their own substreams: identical for any
 * thread count); the labels are drawn sequentially from one stream, so they are too. The field
 * nu is one dgemv, in which every entry is computed by one thread over the full row (OpenBLAS
 * splits dgemv_n over rows), so it does not depend on the thread count either. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cavity/rng.h"
#include "cavity/sim.h"
#include "core/la.h"

int cav_sim_teacher(uint64_t seed, uint64_t stream, size_t d, const cav_prior *prior, double *wstar,
                    cav_err *err)
{
    if (d == 0 || !wstar)
        return cav_err_set(err, CAV_EINVAL, "cav_sim_teacher: d = %zu, wstar = %p", d,
                           (void *)wstar);
    cav_rng r;
    cav_rng_init(&r, seed, stream, 0);
    if (!prior || !prior->type) {
        cav_rng_normal_fill(&r, d, 1.0, wstar);
        return CAV_OK;
    }
    for (size_t i = 0; i < d; i++)
        wstar[i] = prior->type->sample(prior, &r);
    return CAV_OK;
}

/* X and nu = X w* /sqrt(d). */
static int design(uint64_t seed, uint64_t stream, size_t n, size_t d, const double *wstar,
                  double *X, double *nu, cav_err *err)
{
    if (n == 0 || d == 0 || !X || !wstar)
        return cav_err_set(err, CAV_EINVAL,
                           "sim data: n = %zu, d = %zu (need > 0), X and wstar "
                           "non-NULL",
                           n, d);
    cav_rng_normal_matrix(seed, stream, n, d, 1.0, X);
    if (nu)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, 1.0 / sqrt((double)d), X,
                    (blasint)d, wstar, 1, 0.0, nu, 1);
    return CAV_OK;
}

int cav_sim_glm_data(uint64_t seed, uint64_t stream, size_t n, size_t d, const double *wstar,
                     const cav_channel *channel, double *X, double *nu, double *y, cav_err *err)
{
    if (!channel || !channel->type || !channel->type->sample || !y)
        return cav_err_set(err, CAV_EINVAL, "cav_sim_glm_data: channel and y must be given");
    double *field = nu ? nu : malloc(n * sizeof *field);
    if (!field) return cav_err_set(err, CAV_ENOMEM, "cav_sim_glm_data: n = %zu", n);
    int st = design(seed, stream, n, d, wstar, X, field, err);
    if (st == CAV_OK) {
        cav_rng r;
        cav_rng_init(&r, seed, stream ^ CAV_SIM_LABEL_STREAM, 0);
        for (size_t i = 0; i < n; i++)
            y[i] = channel->type->sample(channel, field[i], &r);
    }
    if (!nu) free(field);
    return st;
}

int cav_sim_raf_data(uint64_t seed, uint64_t stream, size_t n, size_t d, const double *wstar,
                     double eps, double *X, double *nu, double *y, unsigned char *fact,
                     cav_err *err)
{
    if (!(eps >= 0.0 && eps <= 1.0))
        return cav_err_set(err, CAV_EINVAL, "cav_sim_raf_data: eps = %g outside [0, 1]", eps);
    if (!y) return cav_err_set(err, CAV_EINVAL, "cav_sim_raf_data: y must be given");
    double *field = nu ? nu : malloc(n * sizeof *field);
    if (!field) return cav_err_set(err, CAV_ENOMEM, "cav_sim_raf_data: n = %zu", n);
    int st = design(seed, stream, n, d, wstar, X, field, err);
    if (st == CAV_OK) {
        cav_rng r;
        cav_rng_init(&r, seed, stream ^ CAV_SIM_LABEL_STREAM, 0);
        for (size_t i = 0; i < n; i++) {
            /* Always draw both numbers so the pattern is independent of eps's branch taken. */
            double u = cav_rng_uniform(&r);
            double s = cav_rng_sign(&r);
            int is_fact = u < eps;
            y[i] = is_fact ? s : (field[i] >= 0.0 ? 1.0 : -1.0);
            if (fact) fact[i] = (unsigned char)is_fact;
        }
    }
    if (!nu) free(field);
    return st;
}
