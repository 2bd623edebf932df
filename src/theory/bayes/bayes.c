/* theory/bayes.c — Bayes-optimal state evolution, GLM with Gaussian prior (include/cavity/bayes.h).
 *
 * qhat(q) = alpha E_xi sum_k w_k gout(y_k, omega, V)^2, omega = sqrt(q) xi, V = 1 - q, where
 * (y_k, w_k) is the channel's label law given nu ~ N(omega, V) — i.e. w_k = Z(y_k, omega, V).
 * Derivation: the Bayes channel free energy Psi_out(q) = E_xi int dy Z(y, sqrt(q) xi, 1-q)
 * log Z(y, sqrt(q) xi, 1-q) has 2 dPsi/dq = E int dy Z gout^2 (Barbier et al., PNAS 2019,
 * eq. for qhat), and the Gaussian prior gives q = qhat/(1 + qhat).
 * Stability: gout comes from the channel's log-domain out() (finite even where Z underflows,
 * e.g. eps = 0 with the label against the field), and a weight that underflows to 0 multiplies a
 * finite gout^2. Near q -> 1 the integrand varies on the scale sqrt(1-q)/sqrt(q) around xi = 0:
 * the kink-aware quadrature gets breakpoints at 0 and +-few of that scale.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cavity/bayes.h"
#include "cavity/saddle.h"
#include "cavity/gauss.h"

typedef struct bo_ctx {
    const cav_channel *ch;
    double sq, V;
    int bad;
} bo_ctx;

static void bo_integrand(void *vctx, size_t n, const double *z, double *out)
{
    bo_ctx *c = vctx;
    double y[CAV_CHANNEL_MAXY], w[CAV_CHANNEL_MAXY], wnu[CAV_CHANNEL_MAXY];
    double om[CAV_CHANNEL_MAXY], Vv[CAV_CHANNEL_MAXY], g[CAV_CHANNEL_MAXY];
    for (size_t i = 0; i < n; i++) {
        double omega = c->sq * z[i];
        int K = c->ch->type->ylaw(c->ch, omega, c->V, y, w, wnu);
        if (K <= 0) c->bad = 1;
        for (int k = 0; k < K; k++) {
            om[k] = omega;
            Vv[k] = c->V;
        }
        c->ch->type->out(c->ch, (size_t)K, y, om, Vv, NULL, g, NULL);
        double s = 0;
        for (int k = 0; k < K; k++)
            if (w[k] > 0) s += w[k] * g[k] * g[k];
        out[i] = s;
    }
}

int cav_bayes_check(const cav_channel *channel, double alpha, cav_err *err)
{
    if (!channel) return cav_err_set(err, CAV_EINVAL, "bayes: channel is NULL");
    int st = cav_channel_check(channel, err);
    if (st) return st;
    if (!(alpha > 0) || !isfinite(alpha))
        return cav_err_set(err, CAV_EINVAL, "bayes: alpha = %g must be > 0 and finite", alpha);
    return CAV_OK;
}

int cav_bayes_qhat(const cav_channel *channel, double alpha, double q, double *qhat, cav_err *err)
{
    if (!(q >= 0 && q < 1))
        return cav_err_set(err, CAV_ENUMERIC, "bayes: q = %.17g outside [0, 1)", q);
    bo_ctx c = {channel, sqrt(q), 1.0 - q, 0};
    double r = 0;
    double sc = q > 0 ? sqrt((1.0 - q) / q) : 1.0; /* xi-scale of the transition */
    double br[5] = {0.0, sc, -sc, 5 * sc, -5 * sc};
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 1e-14;
    o.reltol = 1e-12;
    int st =
        cav_gauss_expect(bo_integrand, &c, 1, br, channel->type->binary ? 5 : 0, &o, &r, NULL, err);
    if (st == CAV_EMAXITER) st = CAV_OK;
    if (st) return st;
    if (c.bad || !isfinite(r))
        return cav_err_set(err, CAV_ENUMERIC, "bayes: non-finite channel average at q = %g", q);
    *qhat = alpha * r;
    return CAV_OK;
}

typedef struct bo_map_ctx {
    const cav_channel *ch;
    double alpha;
} bo_map_ctx;

static int bo_map(void *vctx, const double *x, double *fx, cav_err *err)
{
    bo_map_ctx *c = vctx;
    if (!(x[0] >= 0 && x[0] < 1))
        return cav_err_set(err, CAV_ENUMERIC, "bayes: q = %g outside [0, 1)", x[0]);
    double qh;
    int st = cav_bayes_qhat(c->ch, c->alpha, x[0], &qh, err);
    if (st) return st;
    fx[0] = qh / (1.0 + qh);
    return CAV_OK;
}

int cav_bayes_solve(const cav_channel *channel, double alpha, const double *q0,
                    const cav_fixpt_opts *opts, cav_bayes_solution *out)
{
    cav_err err;
    cav_err_clear(&err);
    memset(out, 0, sizeof *out);
    out->q = out->qhat = out->residual = NAN;
    int st = cav_bayes_check(channel, alpha, &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%.500s", err.msg);
        return st;
    }
    cav_fixpt_opts o = cav_fixpt_opts_default();
    o.tol = 1e-12;
    if (opts) o = *opts;
    double x0 = q0 && *q0 >= 0 && *q0 < 1 ? *q0 : 0.5;
    bo_map_ctx c = {channel, alpha};
    /* The saddle-point driver (cavity/saddle.h) with the whole budget for the fixed point: the
     * one-dimensional map converges monotonically except near a first-order transition, where
     * the Newton fallback takes over. */
    cav_saddle_opts so = cav_saddle_opts_default();
    so.fixpt = o;
    so.fixpt_cap = o.max_iter;
    cav_saddle_result sr;
    st = cav_saddle_solve(bo_map, &c, 1, &x0, &out->q, &so, &sr);
    out->residual = sr.residual;
    out->iterations = sr.iterations;
    snprintf(out->msg, sizeof out->msg, "%s", st == CAV_ENOMEM ? "bayes: out of memory" : sr.msg);
    if (st == CAV_ENOMEM) return out->status = st;
    double qh = NAN;
    int st2 = cav_bayes_qhat(channel, alpha, out->q, &qh, &err);
    out->qhat = qh;
    if (!st && st2) st = st2;
    out->status = st;
    if (st == CAV_OK)
        snprintf(out->msg, sizeof out->msg, "converged: residual %.3g after %ld iterations",
                 out->residual, out->iterations);
    return st;
}

double cav_bayes_egen_sign(double q)
{
    if (!(q > 0)) return 0.5;
    if (q >= 1) return 0.0;
    return atan(sqrt((1.0 - q) / q)) / 3.14159265358979323846;
}

int cav_bayes_se_path(const cav_channel *channel, double alpha, long steps, double init_overlap,
                      double *out, cav_err *err)
{
    int st = cav_bayes_check(channel, alpha, err);
    if (st) return st;
    if (steps < 0) return cav_err_set(err, CAV_EINVAL, "bayes: steps = %ld must be >= 0", steps);
    if (!(init_overlap >= 0.0 && init_overlap < 1.0))
        return cav_err_set(err, CAV_EINVAL, "bayes: init_overlap = %g must be in [0, 1)",
                           init_overlap);
    if (!out) return cav_err_set(err, CAV_EINVAL, "bayes: out is NULL");
    double q = init_overlap;
    for (long t = 0; t <= steps; t++) {
        double *row = out + (size_t)t * 4;
        row[0] = (double)t;
        row[1] = q;
        row[2] = 1.0 - q;
        row[3] = q;
        if (t == steps) break;
        double qhat;
        st = cav_bayes_qhat(channel, alpha, q, &qhat, err);
        if (st) return st;
        q = qhat / (1.0 + qhat);
    }
    return CAV_OK;
}
