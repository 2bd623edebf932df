/* theory/msense/msense.c — Bayes-optimal matrix sensing: state evolution with free-entropy
 * selection, ridge baseline and thresholds (equations and conventions in cavity/msense.h; the
 * derivation is in docs/matrix-sensing.md). */
#include "cavity/msense.h"

#include <math.h>
#include <stdio.h>

#include "cavity/quad.h"
#include "cavity/roots.h"
#include "cavity/spectral.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int cav_msense_check(const cav_msense_params *p, cav_err *err)
{
    if (!p) return cav_err_set(err, CAV_EINVAL, "msense: params must not be NULL");
    if (p->shape != CAV_MSENSE_SYMMETRIC && p->shape != CAV_MSENSE_RECTANGULAR)
        return cav_err_set(err, CAV_EINVAL, "msense: unknown shape %d (symmetric, rectangular)",
                           (int)p->shape);
    if (!(p->alpha > 0) || !isfinite(p->alpha))
        return cav_err_set(err, CAV_EINVAL, "msense: alpha = %g must be > 0", p->alpha);
    if (!(p->delta >= 0) || !isfinite(p->delta))
        return cav_err_set(err, CAV_EINVAL, "msense: delta = %g must be >= 0", p->delta);
    if (p->shape == CAV_MSENSE_SYMMETRIC) {
        if (!(p->kappa_star > 0) || !isfinite(p->kappa_star))
            return cav_err_set(err, CAV_EINVAL, "msense: kappa_star = %g must be > 0",
                               p->kappa_star);
    } else {
        if (!(p->beta > 0) || !isfinite(p->beta))
            return cav_err_set(err, CAV_EINVAL, "msense: beta = %g must be > 0", p->beta);
        if (!(p->rho > 0 && p->rho <= 1))
            return cav_err_set(err, CAV_EINVAL, "msense: rho = %g outside (0, 1]", p->rho);
    }
    return CAV_OK;
}

int cav_msense_denoise_mmse(const cav_msense_params *p, double R, double *m, cav_err *err)
{
    if (p->shape == CAV_MSENSE_SYMMETRIC) return cav_spectral_rie_mmse(p->kappa_star, R, m, err);
    return cav_spectral_rect_mmse(p->beta, p->rho, R, m, err);
}

/* a R = m(R) + D */
static void se_coef(const cav_msense_params *p, double *a, double *D, double *minf)
{
    int sym = p->shape == CAV_MSENSE_SYMMETRIC;
    *a = sym ? 2 * p->alpha : p->alpha;
    *D = sym ? p->delta / 2 : p->delta;
    *minf = sym ? 1 / p->kappa_star : 1;
}

typedef struct {
    const cav_msense_params *p;
    double a, D;
    int st;
    cav_err *err;
} g_ctx;

/* g(R) = a R - D - m(R) at R = exp(u) */
static double g_log(void *c_, double u)
{
    g_ctx *c = c_;
    double R = exp(u), m = 0;
    int st = cav_msense_denoise_mmse(c->p, R, &m, c->err);
    if (st && st != CAV_EMAXITER && !c->st) c->st = st;
    return c->a * R - c->D - m;
}

static void pot_integrand(void *c_, size_t n, const double *u, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = g_log(c_, u[i]) / (2 * exp(u[i])); /* g/(2R^2) dR = g/(2R) du */
}

double cav_msense_ridge(const cav_msense_params *p)
{
    int sym = p->shape == CAV_MSENSE_SYMMETRIC;
    double g = sym ? 2 * p->alpha : p->alpha, Dp = sym ? p->kappa_star * p->delta / 2 : p->delta;
    double b = Dp + g - 1, e;
    if (Dp == 0)
        e = g < 1 ? 1 - g : 0;
    else if (b > 0) /* no cancellation: e = 2 D'/(b + sqrt(b^2 + 4 D')) */
        e = 2 * Dp / (b + sqrt(b * b + 4 * Dp));
    else
        e = 0.5 * (-b + sqrt(b * b + 4 * Dp));
    return sym ? e / p->kappa_star : e;
}

#define SE_GRID 24

int cav_msense_theory(const cav_msense_params *p, cav_msense_result *res, cav_err *err)
{
    int st = cav_msense_check(p, err);
    if (st) return st;
    res->mse_ridge = cav_msense_ridge(p);
    double a, D, minf;
    se_coef(p, &a, &D, &minf);
    g_ctx c = {p, a, D, CAV_OK, err};
    double Rhi = (D + minf) / a * 1.0001, Rlo = D > 0 ? D / a : 1e-8 * Rhi;
    /* floor of the scan: the rectangular support detection is reliable for noise >= 1e-6 */
    double floor_ = p->shape == CAV_MSENSE_SYMMETRIC ? 1e-11 : 1e-6;
    if (Rlo < floor_) Rlo = floor_;
    double u[SE_GRID], g[SE_GRID];
    for (int i = 0; i < SE_GRID; i++) {
        u[i] = log(Rlo) + (log(Rhi) - log(Rlo)) * i / (SE_GRID - 1);
        g[i] = g_log(&c, u[i]);
        if (c.st) return res->status = c.st;
    }
    /* roots: sign changes of g on the grid, refined by Brent in log R */
    double roots[SE_GRID];
    int nr = 0;
    for (int i = 0; i + 1 < SE_GRID; i++)
        if ((g[i] < 0) != (g[i + 1] < 0)) {
            double r;
            st = cav_root_brent(g_log, &c, u[i], u[i + 1], 1e-13, 100, &r, err);
            if (c.st) return res->status = c.st;
            if (st && st != CAV_EMAXITER) return res->status = st;
            roots[nr++] = r;
        }
    /* perfect recovery candidate (delta = 0): potential -inf iff g > 0 near R = 0 */
    int pr_wins = D == 0 && g[0] > 0;
    res->nfixed = nr + (D == 0);
    double Rstar = 0;
    if (pr_wins) {
        snprintf(res->msg, sizeof res->msg,
                 "perfect recovery (R = 0, free entropy +inf) chosen over %d other fixed "
                 "point(s)",
                 nr);
    } else if (nr == 0) {
        return res->status = cav_err_set(err, CAV_ENUMERIC,
                                         "msense: no fixed point found in R in [%g, %g]", Rlo, Rhi);
    } else {
        /* potential relative to the first root; keep the minimum */
        int best = 0;
        double pot = 0, bestpot = 0;
        cav_quad_opts o = cav_quad_opts_default();
        o.abstol = 1e-10, o.reltol = 1e-8;
        for (int k = 1; k < nr; k++) {
            double v;
            st = cav_quad_integrate(pot_integrand, &c, 1, roots[k - 1], roots[k], NULL, 0, &o, &v,
                                    NULL, err);
            if (c.st) return res->status = c.st;
            pot += v;
            if (pot < bestpot) bestpot = pot, best = k;
        }
        Rstar = exp(roots[best]);
        if (nr == 1)
            snprintf(res->msg, sizeof res->msg, "unique fixed point R = %.6g%s", Rstar,
                     D == 0 ? " (perfect recovery has free entropy -inf here)" : "");
        else
            snprintf(res->msg, sizeof res->msg,
                     "%d fixed points; the free entropy selects R = %.6g (root %d of %d, "
                     "potential gap %.3g)",
                     nr, Rstar, best + 1, nr, best ? -bestpot : pot);
    }
    double m = 0;
    if (Rstar > 0) {
        st = cav_msense_denoise_mmse(p, Rstar, &m, err);
        if (st && st != CAV_EMAXITER) return res->status = st;
    }
    res->R = Rstar;
    res->mmse = m;
    res->mmse_norm = p->shape == CAV_MSENSE_SYMMETRIC ? p->kappa_star * m : m;
    res->q = 1 - res->mmse_norm;
    res->residual = fabs(a * Rstar - D - m);
    return res->status = CAV_OK;
}

int cav_msense_alpha_pr(const cav_msense_params *p, double *alpha, cav_err *err)
{
    cav_msense_params q = *p;
    q.alpha = 1, q.delta = 0;
    int st = cav_msense_check(&q, err);
    if (st) return st;
    if (p->shape == CAV_MSENSE_SYMMETRIC) {
        double k = p->kappa_star;
        *alpha = k < 1 ? k - k * k / 2 : 0.5;
    } else {
        double R1 = p->beta >= 1 ? p->beta : 1 / p->beta, r = p->rho;
        *alpha = fmin(1.0, r * (1 + R1 - r) / R1);
    }
    return CAV_OK;
}

/* E (s - t)_+^2 for s^2 ~ MP(gamma) (mean 1, gamma <= 1): substitute s^2 = 1 + gamma +
 * 2 sqrt(gamma) cos(th), density sqrt((s+ - x)(x - s-))/(2 pi gamma x) dx. */
typedef struct {
    double gamma, t;
} mn_ctx;

static void mn_integrand(void *c_, size_t n, const double *th, double *out)
{
    const mn_ctx *c = c_;
    double r = 2 * sqrt(c->gamma);
    for (size_t i = 0; i < n; i++) {
        double x = 1 + c->gamma + r * cos(th[i]), sn = sin(th[i]);
        double dens = r * r * sn * sn / (2 * M_PI * c->gamma * x); /* rho(x) dx / dth */
        double s = sqrt(x), e = s > c->t ? s - c->t : 0;
        out[i] = dens * e * e;
    }
}

typedef struct {
    double rho, R1, gamma;
    cav_err *err;
    int st;
} mnne_ctx;

static double mnne_obj(void *c_, double t)
{
    mnne_ctx *c = c_;
    mn_ctx m = {c->gamma, t};
    double v;
    /* the kink s = t sits at th with 1 + g + 2 sqrt(g) cos th = t^2 */
    double ct = (t * t - 1 - c->gamma) / (2 * sqrt(c->gamma)), br[1];
    int nb = 0;
    if (ct > -1 && ct < 1) br[nb++] = acos(ct);
    int st = cav_quad_integrate(mn_integrand, &m, 1, 0, M_PI, br, nb, NULL, &v, NULL, c->err);
    if (st && !c->st) c->st = st;
    return c->rho * (c->R1 - c->rho) * t * t + (1 - c->rho) * (c->R1 - c->rho) * v;
}

int cav_msense_alpha_mnne(const cav_msense_params *p, double *alpha, cav_err *err)
{
    if (!p || p->shape != CAV_MSENSE_RECTANGULAR)
        return cav_err_set(err, CAV_EINVAL, "msense: alpha_mnne needs the rectangular shape");
    cav_msense_params q = *p;
    q.alpha = 1, q.delta = 0;
    int st = cav_msense_check(&q, err);
    if (st) return st;
    double R1 = p->beta >= 1 ? p->beta : 1 / p->beta, r = p->rho;
    if (r >= 1) { /* full rank: the descent cone is everything */
        *alpha = 1;
        return CAV_OK;
    }
    mnne_ctx c = {r, R1, (1 - r) / (R1 - r), err, CAV_OK};
    double smax = 1 + sqrt(c.gamma), tmin, fmin_;
    st = cav_min_brent(mnne_obj, &c, 0, smax, 1e-12, 200, &tmin, &fmin_, err);
    if (c.st) return c.st;
    if (st) return st;
    *alpha = fmin(1.0, (r * (1 + R1 - r) + fmin_) / R1);
    return CAV_OK;
}
