/* theory/erm_channel.c — channel-side expectations of the ERM replica equations.
 *
 * For channel overlaps (m, q, V) the student field is omega = sqrt(q) z, z ~ N(0,1), and the
 * teacher field given omega is Gaussian, nu | omega ~ N(m z/sqrt(q), 1 - m^2/q). The channel's
 * conditional label law ylaw(mu, v) at that (mu, v) gives labels y_k with weights
 * w_k = P(y = y_k | omega) and first moments wnu_k = E[nu 1{y = y_k} | omega], so that
 *     E[g(y, omega)]    = E_z sum_k w_k(z)   g(y_k, sqrt(q) z),
 *     E[nu g(y, omega)] = E_z sum_k wnu_k(z) g(y_k, sqrt(q) z):
 * every expectation is a 1-D Gaussian integral in z. It is computed by the kink-aware adaptive
 * Gauss–Kronrod rule of gauss.h with breakpoints where the integrand is not smooth: z = 0 for
 * binary (sign-type) channels (the label law jumps there when m^2 = q) and the kinks of the prox
 * omega -> h*(y, omega, V), which the loss gives in u = y omega and which sit at
 * z = y u/sqrt(q) for y = +-1.
 *
 * The ERM sums (docs/raf.md, "Replica equations"; Aubin et al. 2020, Loureiro et al. 2021):
 * f = (h* - omega)/V, E[f^2], E[(1 - dprox)/V] = -E[df/domega], E[nu f]. By Stein's lemma on
 * the Gaussian pair (nu, omega), E[nu F(nu, omega)] = E[dF/dnu] + m E[dF/domega] for
 * F = E[f | nu, omega]; hence mhat = a E[f d log P/d nu] = a (E[nu f] + m E[(1-dh*)/V]), the form
 * used by the caller.
 *
 * Interpolating regime (lambda -> 0+, V ~ 1/lambda): the prox at V -> infinity converges to the
 * projection of omega on the set where l(y, .) is minimal: P = y for the square loss, and
 * P = max(omega, 1) y-wise (projection on {h : y h >= 1}) for the hinge loss, whose
 * f~ = (P - omega)/V~ is the rescaled f. For the logistic loss, whose minimum is not attained,
 * the lambda -> 0+ direction is the max-margin one: the hinge projection is used.
 */
#include <math.h>
#include <string.h>

#include "cavity/gauss.h"
#include "theory/erm/erm_internal.h"

#define CHUNK 1024 /* labels x nodes handled per batched prox call */

int cav_erm_has_limit(const cav_loss *loss)
{
    const cav_loss_type *t = loss->type;
    return t == &cav_loss_square || t == &cav_loss_hinge || t == &cav_loss_logistic;
}

/* Projection of omega on argmin_h l(y, h) (see the file comment) and its omega-derivative. */
static void limit_proj(const cav_loss *loss, size_t n, const double *y, const double *om, double *P,
                       double *dP)
{
    if (loss->type == &cav_loss_square) {
        for (size_t i = 0; i < n; i++) {
            P[i] = y[i];
            dP[i] = 0.0;
        }
        return;
    }
    for (size_t i = 0; i < n; i++) { /* margin set {y h >= 1}, y = +-1 */
        double s = y[i] >= 0 ? 1.0 : -1.0;
        if (s * om[i] >= 1.0) {
            P[i] = om[i];
            dP[i] = 1.0;
        } else {
            P[i] = s;
            dP[i] = 0.0;
        }
    }
}

typedef struct chan_ctx {
    const cav_loss *loss;
    const cav_channel *ch;
    double sq, mz, v, V; /* sqrt(q), m/sqrt(q), 1 - m^2/q, V */
    double shift;        /* margin shift c of the loss l(y, h - y c) (0: the plain loss) */
    int regime;
    cav_erm_obs_fn g; /* NULL: the three ERM sums */
    void *gctx;
    int nout;
    int bad; /* ylaw failure */
} chan_ctx;

static void chan_integrand(void *vctx, size_t n, const double *z, double *out)
{
    chan_ctx *c = vctx;
    double y[CHUNK], om[CHUNK], Vv[CHUNK], hs[CHUNK], dp[CHUNK], w[CHUNK], wnu[CHUNK];
    int nout = c->nout;
    size_t i0 = 0;
    while (i0 < n) {
        /* fill labels for as many nodes as fit */
        size_t cnt = 0, i1 = i0;
        size_t first[64], len[64];
        size_t nn = 0;
        while (i1 < n && nn < 64 && cnt + CAV_CHANNEL_MAXY <= CHUNK) {
            double mu = c->mz * z[i1];
            int K = c->ch->type->ylaw(c->ch, mu, c->v, y + cnt, w + cnt, wnu + cnt);
            if (K <= 0) {
                c->bad = 1;
                K = 0;
            }
            double omega = c->sq * z[i1];
            for (int k = 0; k < K; k++) {
                /* shifted loss: h* = y c + prox_l(y, omega - y c), so f = (h* - omega)/V is
                 * the plain f at the shifted field (shift = 0: unchanged) */
                om[cnt + (size_t)k] = omega - c->shift * y[cnt + (size_t)k];
                Vv[cnt + (size_t)k] = c->V;
            }
            first[nn] = cnt;
            len[nn] = (size_t)K;
            cnt += (size_t)K;
            nn++;
            i1++;
        }
        if (c->regime == CAV_ERM_INTERPOLATING)
            limit_proj(c->loss, cnt, y, om, hs, dp);
        else
            c->loss->type->prox(c->loss, cnt, y, om, Vv, hs, dp);
        for (size_t j = 0; j < nn; j++) {
            double *o = out + (i0 + j) * (size_t)nout;
            size_t b = first[j];
            if (c->g == NULL) {
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0, iV = 1.0 / c->V;
                for (size_t k = b; k < b + len[j]; k++) {
                    double f = (hs[k] - om[k]) * iV;
                    s0 += w[k] * f * f;
                    s1 += w[k] * (1.0 - dp[k]) * iV;
                    s2 += wnu[k] * f;
                    s3 += w[k] * y[k] * f;
                }
                o[0] = s0;
                o[1] = s1;
                o[2] = s2;
                if (nout > 3) o[3] = s3;
            } else {
                double tmp[CAV_CHANNEL_MAXY * 8];
                c->g(c->gctx, len[j], y + b, om + b, hs + b, dp + b, tmp);
                for (int q = 0; q < nout; q++) {
                    double s = 0;
                    for (size_t k = 0; k < len[j]; k++)
                        s += w[b + k] * tmp[k * (size_t)nout + (size_t)q];
                    o[q] = s;
                }
            }
        }
        i0 = i1;
    }
}

/* Integrate over z with breakpoints; shared by the ERM sums and the observables. */
static int chan_integrate(chan_ctx *c, double m, double q, double *res, cav_err *err)
{
    if (!(q > 0) || !isfinite(q))
        return cav_err_set(err, CAV_ENUMERIC, "channel overlap q = %g must be > 0", q);
    if (!(c->V > 0) || !isfinite(c->V))
        return cav_err_set(err, CAV_ENUMERIC, "channel V = %g must be > 0", c->V);
    double v = 1.0 - m * m / q;
    /* m^2 > q cannot hold at a fixed point (Cauchy–Schwarz) but an accelerated iterate may
     * cross it: continue the map continuously with a deterministic teacher field (v = 0). */
    if (v < 0) v = 0;
    c->sq = sqrt(q);
    c->mz = m / c->sq;
    c->v = v;
    c->bad = 0;
    double br[2 + 2 * CAV_MAX_KINKS];
    int nb = 0;
    if (c->ch->type->binary) {
        br[nb++] = 0.0;
        double u[CAV_MAX_KINKS];
        int nk;
        if (c->regime == CAV_ERM_INTERPOLATING) {
            nk = c->loss->type == &cav_loss_square ? 0 : 1;
            u[0] = 1.0;
        } else {
            nk = c->loss->type->kinks(c->loss, c->V, u);
        }
        for (int k = 0; k < nk && k < CAV_MAX_KINKS; k++) { /* at y omega = u_k + shift */
            br[nb++] = (u[k] + c->shift) / c->sq;
            br[nb++] = -(u[k] + c->shift) / c->sq;
        }
    }
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 1e-13;
    o.reltol = 1e-11;
    int st = cav_gauss_expect(chan_integrand, c, c->nout, br, nb, &o, res, NULL, err);
    if (c->bad)
        return cav_err_set(err, CAV_ENUMERIC, "channel %s: ylaw returned no labels",
                           c->ch->type->name);
    if (st == CAV_EMAXITER) st = CAV_OK; /* best estimate; the panel budget is generous */
    if (st != CAV_OK) return st;
    for (int k = 0; k < c->nout; k++)
        if (!isfinite(res[k]))
            return cav_err_set(err, CAV_ENUMERIC,
                               "non-finite channel expectation at m = %g, "
                               "q = %g, V = %g",
                               m, q, c->V);
    return CAV_OK;
}

/* Square loss: f = (y - omega)/(1 + V) (interpolating regime: (y - omega)/V~) and
 * dprox = 1/(1 + V) are affine in (y, omega), so the sums need only the label moments
 * E[y^2] and E[y nu] of the channel's marginal law (ylaw at mu = 0, v = 1); with
 * omega = m nu + sqrt(q - m^2) xi, E[y omega] = m E[y nu]:
 *     E f^2 = (E y^2 - 2 m E[y nu] + q)/D^2,  E(1 - dprox)/V = 1/D,  E[nu f] = (E[y nu] - m)/D,
 * D = 1 + V (or V~). For the RAF channel E y^2 = 1, E[y nu] = (1 - eps) sqrt(2/pi): the closed
 * forms of docs/raf.md. Checked against the quadrature route in tests/unit/theory. */
static int square_sums(const cav_channel *ch, double m, double q, double V, int regime,
                       double sums[3], cav_err *err)
{
    double y[CAV_CHANNEL_MAXY], w[CAV_CHANNEL_MAXY], wnu[CAV_CHANNEL_MAXY];
    int k = ch->type->ylaw(ch, 0.0, 1.0, y, w, wnu);
    double Ey2 = 0, Eynu = 0;
    for (int i = 0; i < k; i++) {
        Ey2 += w[i] * y[i] * y[i];
        Eynu += wnu[i] * y[i];
    }
    double D = regime == CAV_ERM_INTERPOLATING ? V : 1.0 + V;
    if (!(D > 0) || !(q >= 0))
        return cav_err_set(err, CAV_ENUMERIC, "erm: square-loss sums at q = %g, V = %g", q, V);
    sums[0] = (Ey2 - 2.0 * m * Eynu + q) / (D * D);
    sums[1] = 1.0 / D;
    sums[2] = (Eynu - m) / D;
    return CAV_OK;
}

int cav_erm_chan_sums(const cav_loss *loss, const cav_channel *ch, double m, double q, double V,
                      int regime, double sums[3], cav_err *err)
{
    if (loss->type == &cav_loss_square) return square_sums(ch, m, q, V, regime, sums, err);
    return cav_erm_chan_sums_quad(loss, ch, m, q, V, regime, sums, err);
}

int cav_erm_chan_sums_quad(const cav_loss *loss, const cav_channel *ch, double m, double q,
                           double V, int regime, double sums[3], cav_err *err)
{
    chan_ctx c;
    memset(&c, 0, sizeof c);
    c.loss = loss;
    c.ch = ch;
    c.V = V;
    c.regime = regime;
    c.nout = 3;
    return chan_integrate(&c, m, q, sums, err);
}

int cav_erm_chan_sums_shift(const cav_loss *loss, const cav_channel *ch, double m, double q,
                            double V, double shift, double sums[4], cav_err *err)
{
    if (!(shift >= 0) || !isfinite(shift))
        return cav_err_set(err, CAV_ENUMERIC, "erm: margin shift = %g must be >= 0", shift);
    chan_ctx c;
    memset(&c, 0, sizeof c);
    c.loss = loss;
    c.ch = ch;
    c.V = V;
    c.shift = shift;
    c.regime = CAV_ERM_REGULAR;
    c.nout = 4;
    return chan_integrate(&c, m, q, sums, err);
}

int cav_erm_expect(const cav_loss *loss, const cav_channel *channel, double m, double q, double V,
                   int regime, cav_erm_obs_fn g, void *ctx, int nout, double *res, cav_err *err)
{
    if (!loss || !loss->type || !channel || !channel->type || !g || !res)
        return cav_err_set(err, CAV_EINVAL, "cav_erm_expect: NULL argument");
    if (nout < 1 || nout > 8)
        return cav_err_set(err, CAV_EINVAL, "cav_erm_expect: nout = %d outside [1, 8]", nout);
    if (regime == CAV_ERM_INTERPOLATING && !cav_erm_has_limit(loss))
        return cav_err_set(err, CAV_EUNSUP, "loss %s has no lambda -> 0+ limit here",
                           loss->type->name);
    chan_ctx c;
    memset(&c, 0, sizeof c);
    c.loss = loss;
    c.ch = channel;
    c.V = V;
    c.regime = regime;
    c.g = g;
    c.gctx = ctx;
    c.nout = nout;
    return chan_integrate(&c, m, q, res, err);
}

double cav_erm_egen_sign(double m, double q)
{
    if (!(q > 0)) return 0.5;
    double r = m / sqrt(q);
    if (r > 1) r = 1;
    if (r < -1) r = -1;
    return acos(r) / 3.14159265358979323846;
}

double cav_erm_mse(double m, double q, double Delta)
{
    return 1.0 - 2.0 * m + q + Delta;
}
