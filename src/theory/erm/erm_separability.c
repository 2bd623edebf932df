/* theory/erm/erm_separability.c — separability threshold of binary labels for a linear classifier.
 *
 * Gardner (1988) / Candès & Sur (2020, Ann. Stat. 48, "The phase transition for the existence of
 * the maximum likelihood estimate in high-dimensional logistic regression", Theorem 1 without
 * intercept): n = alpha d points with labels y ~ P(y | nu) are linearly separable with
 * probability -> 1 iff alpha < alpha_c,
 *     1/alpha_c = min_{t >= 0} G(t),   G(t) = E[(Z - t y nu)_+^2],  Z ~ N(0,1) independent.
 * With s = t y nu, E_Z (Z - s)_+^2 = (1 + s^2) H(s) - s phi(s) and d/ds of it is
 * -2 (phi(s) - s H(s)); so G'(t) = -2 E[y nu (phi(s) - s H(s))]. G is convex in t with
 * G'(0) = -2 phi(0) E[y nu]: the minimiser is t = 0 when labels are uncorrelated with nu
 * (eps = 1: G(0) = 1/2, Cover's alpha_c = 2), and +inf (alpha_c = +inf) when G' < 0 for every t
 * (noiseless sign teacher). The (y, nu) average is a 1-D integral over nu ~ N(0,1) with
 * P(y|nu) from the channel's ylaw at v = 0, kinks at nu = 0; the root of G' by Brent's method
 * (cavity/roots.h).
 */
#include <math.h>

#include "cavity/gauss.h"
#include "cavity/roots.h"
#include "cavity/special.h"
#include "theory/erm/erm_internal.h"

typedef struct sep_ctx {
    const cav_channel *ch;
    double t;
    int bad;
} sep_ctx;

/* out[0] = sum_k P(y_k|nu) E_Z(Z - s)_+^2, out[1] = sum_k P(y_k|nu) y nu (phi(s) - s H(s)). */
static void sep_integrand(void *vctx, size_t n, const double *z, double *out)
{
    sep_ctx *c = vctx;
    double y[CAV_CHANNEL_MAXY], w[CAV_CHANNEL_MAXY], wnu[CAV_CHANNEL_MAXY];
    for (size_t i = 0; i < n; i++) {
        int K = c->ch->type->ylaw(c->ch, z[i], 0.0, y, w, wnu);
        if (K <= 0) c->bad = 1;
        double g0 = 0, g1 = 0;
        for (int k = 0; k < K; k++) {
            double yn = y[k] * z[i], s = c->t * yn, H = cav_H(s), ph = cav_phi(s);
            g0 += w[k] * ((1.0 + s * s) * H - s * ph);
            g1 += w[k] * yn * (ph - s * H);
        }
        out[2 * i] = g0;
        out[2 * i + 1] = g1;
    }
}

static int sep_eval(sep_ctx *c, double t, double *G, double *dG, cav_err *err)
{
    c->t = t;
    double br[5] = {0.0, 1.0 / (t + 1e-300), -1.0 / (t + 1e-300), 4.0 / (t + 1e-300),
                    -4.0 / (t + 1e-300)};
    double r[2];
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 1e-15;
    o.reltol = 1e-12;
    int st = cav_gauss_expect(sep_integrand, c, 2, br, t > 0 ? 5 : 1, &o, r, NULL, err);
    if (st == CAV_EMAXITER) st = CAV_OK;
    if (st) return st;
    if (c->bad) return cav_err_set(err, CAV_ENUMERIC, "separability: ylaw returned no labels");
    if (G) *G = r[0];
    if (dG) *dG = -2.0 * r[1];
    return CAV_OK;
}

typedef struct dG_wrap {
    sep_ctx *c;
    cav_err *err;
    int st;
} dG_wrap;

static double dG_fn(void *vw, double t)
{
    dG_wrap *w = vw;
    double d = 0;
    int st = sep_eval(w->c, t, NULL, &d, w->err);
    if (st) w->st = st;
    return d;
}

int cav_erm_separability(const cav_channel *channel, double *alpha_c, double *tmin, cav_err *err)
{
    if (!channel || !channel->type || !alpha_c)
        return cav_err_set(err, CAV_EINVAL, "separability: NULL argument");
    int st = cav_channel_check(channel, err);
    if (st) return st;
    if (!channel->type->binary)
        return cav_err_set(err, CAV_EINVAL, "separability: channel %s is not binary (+-1 labels)",
                           channel->type->name);
    sep_ctx c = {channel, 0.0, 0};
    double G, dG;
    st = sep_eval(&c, 0.0, &G, &dG, err);
    if (st) return st;
    if (dG >= -1e-14) { /* labels uncorrelated with nu (or anti-correlated: not a min) */
        *alpha_c = 1.0 / G;
        if (tmin) *tmin = 0.0;
        return CAV_OK;
    }
    double lo = 0.0, hi = 1.0;
    for (;;) {
        st = sep_eval(&c, hi, NULL, &dG, err);
        if (st) return st;
        if (dG > 0) break;
        lo = hi;
        hi *= 2.0;
        if (hi > 1e8) { /* G decreases for ever: separable at every alpha */
            *alpha_c = INFINITY;
            if (tmin) *tmin = INFINITY;
            return CAV_OK;
        }
    }
    /* Root of G'(t) on the bracket by Brent's method (cavity/roots.h): a status, never the
     * process-wide GSL error handler, so concurrent runner threads are safe. */
    dG_wrap w = {&c, err, CAV_OK};
    double t = 0.5 * (lo + hi);
    cav_err berr = {0};
    int bst = cav_root_brent(dG_fn, &w, lo, hi, 1e-13, 200, &t, &berr);
    if (w.st) return w.st;
    if (bst)
        return cav_err_set(err, bst, "separability: root of G'(t) on [%g, %g]: %s", lo, hi,
                           berr.msg);
    st = sep_eval(&c, t, &G, NULL, err);
    if (st) return st;
    *alpha_c = 1.0 / G;
    if (tmin) *tmin = t;
    return CAV_OK;
}
