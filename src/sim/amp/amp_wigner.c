/* sim/amp_wigner.c — Bayes-optimal AMP for the rank-one spiked Wigner model with a Rademacher
 * spike, and its state evolution (scalings in cavity/dynamics.h).
 *
 * Model: Y = (beta/n) x* x*^T + W/sqrt(n), beta = sqrt(snr), W GOE (off-diagonal N(0,1),
 * diagonal N(0,2)). AMP (Bolthausen, CMP 2014; Bayati & Montanari, IEEE-IT 2011; Deshpande &
 * Montanari, ISIT 2014 for the Bayes-optimal version):
 *     v^{t+1} = Y f_t(v^t) - b_t f_{t-1}(v^{t-1}),   b_t = (1/n) sum_i f_t'(v_i^t),
 * with f_t(v) = tanh(beta v). State evolution: v^t is distributed as mu_t x* + sqrt(s_t) z
 * with mu_{t+1} = beta E[x* f_t], s_{t+1} = E[f_t^2]. For the posterior-mean denoiser Nishimori
 * gives E[x* f_t] = E[f_t^2] =: m_t, so the channel x -> v^{t+1} has SNR mu^2/s = beta^2 m_t,
 * the posterior mean is tanh(mu v / s) = tanh(beta v), and
 *     gamma_{t+1} = snr m_t,   m_{t+1} = E tanh(gamma_{t+1} + sqrt(gamma_{t+1}) Z)
 * (docs/dmft.md, "AMP (eq. A)"). m(gamma) = gamma - gamma^2 + O(gamma^3), so m = 0 is
 * stable iff snr < 1, and a non-trivial fixed point exists iff snr > 1.
 * The start is a side observation of the spike with SNR gamma0 (see dynamics.h): both the
 * algorithm and the SE begin at overlap m(gamma0) = init_overlap with Nishimori in force. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/dynamics.h"
#include "cavity/gauss.h"
#include "cavity/rng.h"
#include "cavity/prior.h"
#include "sim/gd/gd_internal.h"

static int check(double snr, long steps, double init_overlap, const double *out, cav_err *err)
{
    if (!(snr >= 0.0) || !isfinite(snr))
        return cav_err_set(err, CAV_EINVAL, "amp wigner: snr = %g must be finite and >= 0", snr);
    if (steps < 0)
        return cav_err_set(err, CAV_EINVAL, "amp wigner: steps = %ld must be >= 0", steps);
    if (!(init_overlap >= 0.0 && init_overlap < 1.0))
        return cav_err_set(err, CAV_EINVAL, "amp wigner: init_overlap = %g must be in [0, 1)",
                           init_overlap);
    if (!out) return cav_err_set(err, CAV_EINVAL, "amp wigner: out is NULL");
    return CAV_OK;
}

int cav_amp_wigner_simulate(const cav_amp_wigner_config *c, double *out, cav_err *err)
{
    if (!c) return cav_err_set(err, CAV_EINVAL, "amp wigner: config is NULL");
    int st = check(c->snr, c->steps, c->init_overlap, out, err);
    if (st) return st;
    if (c->n < 2 || c->n > 60000)
        return cav_err_set(err, CAV_EINVAL, "amp wigner: n = %zu must be in [2, 60000]", c->n);
    const size_t n = c->n;
    const double beta = sqrt(c->snr), sn = sqrt((double)n);
    double *Y = malloc(n * n * sizeof *Y), *x = malloc(n * sizeof *x);
    double *f = malloc(n * sizeof *f), *fold = malloc(n * sizeof *fold);
    double *v = malloc(n * sizeof *v);
    if (!Y || !x || !f || !fold || !v) {
        st = cav_err_set(err, CAV_ENOMEM, "amp wigner: cannot allocate Y (%zu x %zu)", n, n);
        goto done;
    }
    cav_rng r;
    cav_rng_init(&r, c->seed, cav_rng_hash("amp/spike"), 0);
    for (size_t i = 0; i < n; i++)
        x[i] = cav_rng_sign(&r);
    /* Y = (beta/n) x x^T + W/sqrt(n), W = (G + G^T)/sqrt(2), G iid N(0,1) (row blocks on their
     * own substreams: independent of the thread count). */
    cav_rng_normal_matrix(c->seed, cav_rng_hash("amp/noise"), n, n, 1.0, Y);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            double a =
                (Y[i * n + j] + Y[j * n + i]) / sqrt(2.0) / sn + beta / (double)n * x[i] * x[j];
            Y[i * n + j] = a;
            Y[j * n + i] = a;
        }
        Y[i * n + i] = sqrt(2.0) * Y[i * n + i] / sn + beta / (double)n;
    }
    /* Start: f^0 = tanh(gamma0 x + sqrt(gamma0) z), the posterior mean given the side channel. */
    {
        double g0 = cav_prior_rademacher_snr(c->init_overlap), s0 = sqrt(g0);
        cav_rng_init(&r, c->seed, cav_rng_hash("amp/init"), 0);
        for (size_t i = 0; i < n; i++)
            f[i] = g0 > 0.0 ? tanh(g0 * x[i] + s0 * cav_rng_normal(&r)) : 0.0;
        memset(fold, 0, n * sizeof *fold);
    }
    double b = 0.0; /* b_0 = 0: f^0 does not depend on W */
    for (long t = 0;; t++) {
        double ov = 0.0, mse = 0.0;
        for (size_t i = 0; i < n; i++) {
            ov += x[i] * f[i];
            mse += (x[i] - f[i]) * (x[i] - f[i]);
        }
        out[3 * t] = (double)t;
        out[3 * t + 1] = ov / (double)n;
        out[3 * t + 2] = mse / (double)n;
        if (t == c->steps) break;
        /* v = Y f^t - b_t f^{t-1}: row-wise dot products, every entry from one thread. */
        for (size_t i = 0; i < n; i++)
            v[i] = -b * fold[i];
        sim_gemv_n(n, n, 1.0, Y, f, 1.0, v);
        double s = 0.0;
        for (size_t i = 0; i < n; i++) {
            fold[i] = f[i];
            f[i] = tanh(beta * v[i]);
            s += 1.0 - f[i] * f[i];
        }
        b = beta * s / (double)n; /* (1/n) sum_i d tanh(beta v)/dv */
    }
done:
    free(Y), free(x), free(f), free(fold), free(v);
    return st;
}
