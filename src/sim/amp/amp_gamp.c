/* sim/amp/amp_gamp.c — generalised AMP (Rangan, "Generalized approximate message passing for
 * estimation with random linear mixing", ISIT 2011) for a teacher-student GLM with Gaussian
 * prior, Bayes-optimal output function from the channel, and its state evolution (the
 * Bayes-optimal GLM SE of cavity/bayes.h; Barbier, Krzakala, Macris, Miolane, Zdeborová,
 * PNAS 2019, eqs. of the "replica formula" section). Scalings in cavity/dynamics.h.
 *
 * With F = X/sqrt(d) (entries of variance 1/d, so sum_i F_mu,i^2 vhat_i ~ mean(vhat) and
 * sum_mu F_mu,i^2 (-dg_mu) ~ (1/d) sum_mu (-dg_mu)), GAMP in its scalar-variance form is
 *     V^t     = mean_i vhat_i^t
 *     omega^t = F what^t - V^t g^{t-1}                     (output Onsager term, g^{-1} = 0)
 *     g^t     = gout(y, omega^t, V^t),  dg^t = dgout(y, omega^t, V^t)
 *     A^t     = -(1/d) sum_mu dg_mu^t
 *     B^t     = F^T g^t + A^t what^t                       (input Onsager term)
 *     what^{t+1}, vhat^{t+1} = E, Var [w | B^t = A^t w + sqrt(A^t) z]   (prior denoiser)
 * SE: omega^t ~ sqrt(q_t) xi with V^t = 1 - q_t, A^t -> qhat(q_t) and, for the N(0,1) prior,
 * q_{t+1} = qhat/(1 + qhat) — the iteration of the fixed-point map of cavity/bayes.h, started
 * at q_0 = init_overlap (cav_bayes_se_path). The two products of a step (F what, then F^T g
 * with g = gout(omega) pointwise in between) are one pass over X (sim_gemv_fused), bitwise the
 * same as two. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/dynamics.h"
#include "cavity/prior.h"
#include "cavity/rng.h"
#include "cavity/sim.h"
#include "sim/gd/gd_internal.h"

void cav_gamp_config_default(cav_gamp_config *c)
{
    if (!c) return;
    memset(c, 0, sizeof *c);
    c->channel.type = &cav_channel_sign;
    c->alpha = 2.0;
    c->steps = 30;
    c->d = 1000;
    c->seed = 0;
    c->init_overlap = 0.0;
}

static int check_common(const cav_channel *channel, double alpha, long steps, double init,
                        const double *out, cav_err *err)
{
    if (!channel) return cav_err_set(err, CAV_EINVAL, "gamp: channel is NULL");
    int st = cav_channel_check(channel, err);
    if (st) return st;
    if (!channel->type->out)
        return cav_err_set(err, CAV_EINVAL, "gamp: channel %s has no output function",
                           channel->type->name);
    if (!(alpha > 0.0) || !isfinite(alpha))
        return cav_err_set(err, CAV_EINVAL, "gamp: alpha = %g must be finite and > 0", alpha);
    if (steps < 0) return cav_err_set(err, CAV_EINVAL, "gamp: steps = %ld must be >= 0", steps);
    if (!(init >= 0.0 && init < 1.0))
        return cav_err_set(err, CAV_EINVAL, "gamp: init_overlap = %g must be in [0, 1)", init);
    if (!out) return cav_err_set(err, CAV_EINVAL, "gamp: out is NULL");
    return CAV_OK;
}

/* The pointwise part of a GAMP step for sim_gemv_fused: g, dg = gout(y, omega, V) on a row block.
 */
typedef struct {
    const cav_channel *channel;
    const double *y, *V;
    double *dg;
} gamp_rows;

static void gamp_rowfn(void *ctx, size_t i0, size_t m, const double *om, double *g)
{
    const gamp_rows *c = ctx;
    c->channel->type->out(c->channel, m, c->y + i0, om, c->V + i0, NULL, g, c->dg + i0);
}

int cav_gamp_simulate(const cav_gamp_config *c, double *out, cav_err *err)
{
    if (!c) return cav_err_set(err, CAV_EINVAL, "gamp: config is NULL");
    int st = check_common(&c->channel, c->alpha, c->steps, c->init_overlap, out, err);
    if (st) return st;
    if (!c->channel.type->sample)
        return cav_err_set(err, CAV_EINVAL, "gamp: channel %s has no sampler",
                           c->channel.type->name);
    if (c->d < 1 || (double)c->d * c->alpha * (double)c->d > 2e9)
        return cav_err_set(err, CAV_EINVAL, "gamp: d = %zu must be >= 1 with n d <= 2e9", c->d);
    const size_t d = c->d, n = (size_t)llround(c->alpha * (double)d);
    if (n < 1)
        return cav_err_set(err, CAV_EINVAL, "gamp: n = round(alpha d) = 0 (alpha = %g, d = %zu)",
                           c->alpha, d);
    const double sd = sqrt((double)d);
    const cav_prior prior = {&cav_prior_gaussian, {0.0, 0.0}};
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *ws = malloc(d * sizeof *ws), *wh = malloc(d * sizeof *wh);
    double *vh = malloc(d * sizeof *vh), *B = malloc(d * sizeof *B);
    double *om = malloc(n * sizeof *om), *g = malloc(n * sizeof *g), *dg = malloc(n * sizeof *dg);
    double *Vv = malloc(n * sizeof *Vv), *work = malloc(SIM_GEMV_T_CHUNKS * d * sizeof *work);
    if (!X || !y || !ws || !wh || !vh || !B || !om || !g || !dg || !Vv || !work) {
        st = cav_err_set(err, CAV_ENOMEM, "gamp: cannot allocate X (%zu x %zu)", n, d);
        goto done;
    }
    st = cav_sim_teacher(c->seed, cav_rng_hash("gamp/teacher"), d, NULL, ws, err);
    if (!st)
        st = cav_sim_glm_data(c->seed, cav_rng_hash("gamp/data"), n, d, ws, &c->channel, X, NULL, y,
                              err);
    if (st) goto done;
    /* Start: side channel B0 = A0 w* + sqrt(A0) z, A0 = q0/(1 - q0); the Gaussian-prior
     * posterior mean B0/(1 + A0) has E overlap = A0/(1 + A0) = q0 and variance 1/(1 + A0). */
    {
        double A0 = c->init_overlap / (1.0 - c->init_overlap);
        cav_rng r;
        cav_rng_init(&r, c->seed, cav_rng_hash("gamp/init"), 0);
        for (size_t j = 0; j < d; j++)
            B[j] = A0 > 0.0 ? A0 * ws[j] + sqrt(A0) * cav_rng_normal(&r) : 0.0;
        prior.type->denoise(&prior, d, B, A0, wh, vh);
    }
    memset(g, 0, n * sizeof *g);
    for (long t = 0;; t++) {
        double m = 0.0, mse = 0.0, q = 0.0, V = 0.0;
        for (size_t j = 0; j < d; j++) {
            m += wh[j] * ws[j];
            mse += (ws[j] - wh[j]) * (ws[j] - wh[j]);
            q += wh[j] * wh[j];
            V += vh[j];
        }
        double *row = out + (size_t)t * CAV_GAMP_NOBS;
        row[0] = (double)t;
        row[1] = m / (double)d;
        row[2] = mse / (double)d;
        row[3] = q / (double)d;
        if (t == c->steps) break;
        V /= (double)d;
        /* omega = F what - V g^{t-1} */
        for (size_t i = 0; i < n; i++) {
            om[i] = -V * g[i];
            Vv[i] = V;
        }
        gamp_rows rows = {&c->channel, y, Vv, dg};
        sim_gemv_fused(n, d, X, 1.0 / sd, wh, 1.0, om, gamp_rowfn, &rows, g, work);
        double A = 0.0;
        for (size_t i = 0; i < n; i++)
            A -= dg[i];
        A /= (double)d;
        if (!(A > 0.0) || !isfinite(A)) {
            st = cav_err_set(err, CAV_ENUMERIC,
                             "gamp: step %ld gave input precision A = %g (must be finite, > 0)", t,
                             A);
            for (long k = t + 1; k <= c->steps; k++) {
                double *rk = out + (size_t)k * CAV_GAMP_NOBS;
                rk[0] = (double)k;
                rk[1] = rk[2] = rk[3] = NAN;
            }
            break;
        }
        /* B = F^T g + A what, from the partials of the pass */
        memcpy(B, wh, d * sizeof *B);
        sim_gemv_t_reduce(n, d, 1.0 / sd, A, B, work);
        prior.type->denoise(&prior, d, B, A, wh, vh);
    }
done:
    free(X), free(y), free(ws), free(wh), free(vh), free(B), free(om), free(g), free(dg), free(Vv),
        free(work);
    return st;
}
