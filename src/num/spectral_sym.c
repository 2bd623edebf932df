/* num/spectral_sym.c — MP(kappa*) boxplus SC(xi): density, Hilbert transform, support, integrals,
 * RIE denoiser and its MMSE (cavity/spectral.h, part 2; conventions and equations there).
 *
 * Derivation of the cubic: the R-transform of the mean-1 MP law with ratio c = 1/kappa* is
 * R(g) = 1/(1 - c g), that of the semicircle of variance xi is xi g; with z = R(G) + 1/G,
 *     z = 1/(1 - cG) + xi G + 1/G   <=>   c xi G^3 - (xi + c z) G^2 + (z - 1 + c) G - 1 = 0,
 * times kappa* the cubic of the header. Its discriminant in G is a quartic in x with leading
 * coefficient kappa*^2 > 0 (so the support is one or two intervals): negative exactly where the
 * roots are complex, i.e. on the support.
 */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/la.h"
#include "cavity/quad.h"
#include "cavity/roots.h"
#include "cavity/spectral.h"
#include "num/spectral_internal.h"

/* Cubic coefficients A G^3 + B G^2 + C G + D at real x. */
static void cubic_coef(double kappa, double xi, double x, double c[4])
{
    c[3] = xi;
    c[2] = -(x + kappa * xi);
    c[1] = 1 - kappa + kappa * x;
    c[0] = -kappa;
}

/* Discriminant of the cubic at x (negative on the support). */
static double disc_at(double kappa, double xi, double x)
{
    double c[4];
    cubic_coef(kappa, xi, x, c);
    return cav_spec_cubic_disc(c);
}

/* The discriminant as a polynomial in x: A = xi, B = -kappa xi - x, C = 1 - kappa + kappa x,
 * D = -kappa; Disc = 18ABCD - 4B^3 D + B^2 C^2 - 4 A C^3 - 27 A^2 D^2. p[0..4] increasing. */
static void disc_poly(double kappa, double xi, double p[5])
{
    double B[2] = {-kappa * xi, -1}, C[2] = {1 - kappa, kappa}, A = xi, D = -kappa;
    double B2[3], C2[3], B3[4], C3[4], BC[3], B2C2[5];
    cav_spec_polymul(B, 1, B, 1, B2);
    cav_spec_polymul(C, 1, C, 1, C2);
    cav_spec_polymul(B2, 2, B, 1, B3);
    cav_spec_polymul(C2, 2, C, 1, C3);
    cav_spec_polymul(B, 1, C, 1, BC);
    cav_spec_polymul(B2, 2, C2, 2, B2C2);
    for (int k = 0; k < 5; k++)
        p[k] = B2C2[k];
    for (int k = 0; k < 3; k++)
        p[k] += 18 * A * D * BC[k];
    for (int k = 0; k < 4; k++)
        p[k] += -4 * D * B3[k] - 4 * A * C3[k];
    p[0] += -27 * A * A * D * D;
}

void cav_spectral_mpsc_eval(const cav_spectral_mpsc *d, double x, double *rho, double *H)
{
    double c[4];
    cubic_coef(d->kappa, d->xi, x, c);
    double complex r[3];
    int nreal = cav_spec_cubic_roots(c, r);
    int inside = 0, gap = -1;
    for (int i = 0; i < d->nint; i++)
        if (x >= d->lo[i] && x <= d->hi[i]) inside = 1;
    if (!inside && d->nint == 2 && x > d->hi[0] && x < d->lo[1]) gap = 0;
    double rh = 0, h;
    if (nreal == 1 && inside) { /* r[1], r[2]: the conjugate pair */
        rh = fabs(cimag(r[1])) / M_PI;
        h = creal(r[1]);
    } else if (nreal == 1) { /* outside the support with a spurious pair: the real root */
        h = creal(r[0]);
    } else {
        /* three real roots, sorted increasing */
        double g0 = creal(r[0]), g1 = creal(r[1]), g2 = creal(r[2]);
        if (gap == 0) {
            /* G decreases from ghi[0] to glo[1] across the gap: the root nearest the chord */
            double t = (x - d->hi[0]) / (d->lo[1] - d->hi[0]);
            double target = d->ghi[0] + t * (d->glo[1] - d->ghi[0]);
            h = g0;
            if (fabs(g1 - target) < fabs(h - target)) h = g1;
            if (fabs(g2 - target) < fabs(h - target)) h = g2;
        } else if (inside) { /* at an edge: the double root */
            h = fabs(g1 - g0) < fabs(g2 - g1) ? 0.5 * (g0 + g1) : 0.5 * (g1 + g2);
        } else if (x > d->hi[d->nint - 1]) { /* smallest positive root */
            h = HUGE_VAL;
            for (int i = 0; i < 3; i++)
                if (creal(r[i]) > 0 && creal(r[i]) < h) h = creal(r[i]);
        } else { /* below the support: largest negative root */
            h = -HUGE_VAL;
            for (int i = 0; i < 3; i++)
                if (creal(r[i]) < 0 && creal(r[i]) > h) h = creal(r[i]);
        }
    }
    /* no admissible real root (rounding far outside the support): G(x) ~ 1/(x - 1) there */
    if (!isfinite(h)) h = 1 / (x - 1);
    if (rho) *rho = rh;
    if (H) *H = h;
}

double cav_spectral_mpsc_rie(const cav_spectral_mpsc *d, double x)
{
    double H;
    cav_spectral_mpsc_eval(d, x, NULL, &H);
    return x - 2 * d->xi * H;
}

/* G at an edge: the (near-)double root. */
static double edge_g(const cav_spectral_mpsc *d, double x)
{
    double c[4];
    cubic_coef(d->kappa, d->xi, x, c);
    double complex r[3];
    int nreal = cav_spec_cubic_roots(c, r);
    if (nreal == 1) return creal(r[1]);
    double g0 = creal(r[0]), g1 = creal(r[1]), g2 = creal(r[2]);
    return fabs(g1 - g0) < fabs(g2 - g1) ? 0.5 * (g0 + g1) : 0.5 * (g1 + g2);
}

int cav_spectral_mpsc_init(cav_spectral_mpsc *d, double kappa_star, double xi, cav_err *err)
{
    if (!d) return cav_err_set(err, CAV_EINVAL, "spectral: d must not be NULL");
    if (!(kappa_star > 0) || !isfinite(kappa_star))
        return cav_err_set(err, CAV_EINVAL, "spectral: kappa_star = %g must be > 0", kappa_star);
    if (!(xi >= 1e-12 && xi <= 1e12))
        return cav_err_set(err, CAV_EINVAL, "spectral: xi = %g outside [1e-12, 1e12]", xi);
    memset(d, 0, sizeof *d);
    d->kappa = kappa_star, d->xi = xi;
    double p[5], roots[4];
    disc_poly(kappa_star, xi, p);
    int nr = cav_spec_real_roots(p, 4, roots);
    /* polish on the directly evaluated discriminant (better conditioned than the expanded one) */
    for (int i = 0; i < nr; i++) {
        double x = roots[i];
        for (int it = 0; it < 30; it++) {
            double h = 1e-7 * (fabs(x) + sqrt(xi));
            double f = disc_at(kappa_star, xi, x);
            double fp = (disc_at(kappa_star, xi, x + h) - disc_at(kappa_star, xi, x - h)) / (2 * h);
            if (!(fp != 0) || !isfinite(fp)) break;
            double step = f / fp;
            if (!(fabs(step) < 0.1 * (fabs(x) + sqrt(xi)))) break;
            x -= step;
            if (fabs(step) < 1e-15 * (fabs(x) + sqrt(xi))) break;
        }
        roots[i] = x;
    }
    cav_spec_sort(roots, nr);
    int ni = 0;
    for (int i = 0; i + 1 < nr; i++) {
        double mid = 0.5 * (roots[i] + roots[i + 1]);
        if (roots[i + 1] > roots[i] && disc_at(kappa_star, xi, mid) < 0) {
            if (ni == 2)
                return cav_err_set(err, CAV_ENUMERIC,
                                   "spectral: more than two support intervals (kappa* %g, xi %g)",
                                   kappa_star, xi);
            d->lo[ni] = roots[i], d->hi[ni] = roots[i + 1];
            ni++;
        }
    }
    if (ni == 0)
        return cav_err_set(err, CAV_ENUMERIC, "spectral: support not found (kappa* %g, xi %g)",
                           kappa_star, xi);
    d->nint = ni;
    for (int i = 0; i < ni; i++) {
        d->glo[i] = edge_g(d, d->lo[i]);
        d->ghi[i] = edge_g(d, d->hi[i]);
    }
    return CAV_OK;
}

/* ---- integrals ---- */

typedef struct {
    const cav_spectral_mpsc *d;
    double a, w; /* interval start and width: x = a + w (1 - cos t)/2 */
} mom_ctx;

static void mom_integrand(void *p, size_t n, const double *t, double *out)
{
    const mom_ctx *c = p;
    for (size_t i = 0; i < n; i++) {
        double x = c->a + 0.5 * c->w * (1 - cos(t[i])), jac = 0.5 * c->w * sin(t[i]);
        double rho, H;
        cav_spectral_mpsc_eval(c->d, x, &rho, &H);
        double r = rho * jac;
        double *o = out + 6 * i;
        o[0] = r;
        o[1] = r * x;
        o[2] = r * x * x;
        o[3] = r * H;
        o[4] = r * H * x;
        o[5] = r * rho * rho;
    }
}

int cav_spectral_mpsc_moments(const cav_spectral_mpsc *d, double b, cav_spectral_mom *m,
                              cav_err *err)
{
    double acc[6] = {0, 0, 0, 0, 0, 0};
    int status = CAV_OK;
    cav_quad_opts o = cav_quad_opts_default();
    /* rho H reaches 1/sqrt(xi) in the bump: its cancelling integrals get a matching abstol */
    o.abstol = 1e-13 * (1 + 1 / sqrt(d->xi)), o.reltol = 1e-11, o.max_panels = 400;
    for (int i = 0; i < d->nint; i++) {
        if (b >= d->hi[i]) continue;
        mom_ctx c = {d, d->lo[i], d->hi[i] - d->lo[i]};
        double t0 = 0;
        if (b > d->lo[i]) {
            double u = 1 - 2 * (b - d->lo[i]) / c.w;
            t0 = acos(fmax(-1.0, fmin(1.0, u)));
        }
        /* initial panels: quarters of [t0, pi] */
        double br[3];
        for (int k = 0; k < 3; k++)
            br[k] = t0 + (M_PI - t0) * (k + 1) / 4.0;
        double r[6];
        int st = cav_quad_integrate(mom_integrand, &c, 6, t0, M_PI, br, 3, &o, r, NULL, err);
        if (st != CAV_OK && st != CAV_EMAXITER) return st;
        if (st) status = st;
        for (int k = 0; k < 6; k++)
            acc[k] += r[k];
    }
    m->m0 = acc[0], m->m1 = acc[1], m->m2 = acc[2];
    m->h0 = acc[3], m->h1 = acc[4], m->r3 = acc[5];
    return status;
}

typedef struct {
    const cav_spectral_mpsc *d;
    double mass;
    int st;
    cav_err *err;
} q_ctx;

static double tail_minus(void *p, double w)
{
    q_ctx *c = p;
    cav_spectral_mom m;
    int st = cav_spectral_mpsc_moments(c->d, w, &m, c->err);
    if (st && st != CAV_EMAXITER) c->st = st;
    return m.m0 - c->mass;
}

int cav_spectral_mpsc_quantile(const cav_spectral_mpsc *d, double mass, double *omega, cav_err *err)
{
    if (!(mass > 0 && mass < 1))
        return cav_err_set(err, CAV_EINVAL, "spectral: quantile mass = %g outside (0, 1)", mass);
    q_ctx c = {d, mass, CAV_OK, err};
    int st = cav_root_brent(tail_minus, &c, d->lo[0], d->hi[d->nint - 1], 1e-13, 200, omega, err);
    if (c.st) return c.st;
    return st;
}

int cav_spectral_rie_mmse(double kappa_star, double xi, double *mmse, cav_err *err)
{
    if (!mmse) return cav_err_set(err, CAV_EINVAL, "spectral: mmse must not be NULL");
    if (!(kappa_star > 0) || !isfinite(kappa_star))
        return cav_err_set(err, CAV_EINVAL, "spectral: kappa_star = %g must be > 0", kappa_star);
    if (!(xi >= 0)) return cav_err_set(err, CAV_EINVAL, "spectral: xi = %g must be >= 0", xi);
    if (xi == 0) {
        *mmse = 0;
        return CAV_OK;
    }
    cav_spectral_mpsc d;
    int st = cav_spectral_mpsc_init(&d, kappa_star, xi, err);
    if (st) return st;
    cav_spectral_mom m;
    st = cav_spectral_mpsc_moments(&d, -HUGE_VAL, &m, err);
    *mmse = xi - (4 * M_PI * M_PI / 3) * xi * xi * m.r3;
    return st;
}
