/* num/spectral_rect.c — singular-value density of a rank-r rectangular signal plus Gaussian noise,
 * the rectangular RIE and its MMSE (cavity/spectral.h, part 3; normalisation and quartic there).
 *
 * Support: the edges are among the positive real roots in s = x^2 of the discriminant of the
 * quartic in q (a polynomial of degree <= 12 in s, since a4..a0 have degrees 2, 2, 1, 1, 0 in s).
 * Those roots, and a logarithmic grid for safety, cut x > 0 into cells; each cell is classified by
 * whether the quartic has a complex pair at its midpoint (mu > 0), neighbouring cells of the same
 * class are merged and each boundary is refined by bisection on that predicate. The result is
 * checked: the density must integrate to 1 (to 1e-8), else CAV_ENUMERIC.
 * Branch: on the support the physical G = x q is the complex root of largest imaginary part
 * (there is one conjugate pair, as checked against sampled matrices); off the support G is real:
 * the smallest positive root above the support, and in a gap (including the one around 0 when
 * R1 > 1, where G(0) = 0 by symmetry) the root nearest the chord between the edge values.
 */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "cavity/quad.h"
#include "cavity/spectral.h"
#include "num/spectral_internal.h"

/* Quartic coefficients a[0..4] in q at s = z^2 (increasing powers). */
static void quartic_coef(const cav_spectral_rect *r, double s, double a[5])
{
    double phi = r->rho / r->R1, psi = r->rho, zeta = sqrt(r->R1), eta = (1 + r->noise) * zeta;
    a[0] = -psi * psi * psi;
    a[1] = psi * (zeta * (psi - phi) + psi * (eta * (phi - psi) + psi * s));
    a[2] = -zeta * zeta * (phi - psi) * (phi - psi) +
           zeta * (eta * (phi - psi) * (phi - psi) + psi * s * (2 * phi - psi)) -
           eta * psi * psi * s * phi;
    a[3] = -zeta * s * phi * (2 * (zeta - eta) * (psi - phi) + psi * s);
    a[4] = zeta * s * s * phi * phi * (eta - zeta);
}

/* Roots G = x q at real x > 0; returns the index of the complex root of largest Im (or -1). */
static int rect_roots(const cav_spectral_rect *r, double x, double complex G[4], int *n)
{
    double a[5];
    quartic_coef(r, x * x, a);
    int deg = 4;
    while (deg > 0 && a[deg] == 0)
        deg--;
    double complex q[4];
    *n = cav_spec_poly_roots(a, deg, q);
    if (*n < 0) *n = 0;
    int best = -1;
    for (int i = 0; i < *n; i++) {
        G[i] = x * q[i];
        if (fabs(cimag(G[i])) > 1e-6 * cabs(G[i]) && (best < 0 || cimag(G[i]) > cimag(G[best])))
            best = i;
    }
    if (best >= 0 && cimag(G[best]) < 0) G[best] = conj(G[best]);
    return best;
}

static int has_density(const cav_spectral_rect *r, double x)
{
    double complex G[4];
    int n;
    return rect_roots(r, x, G, &n) >= 0;
}

/* G at an edge or in a gap: the real root nearest `target`. */
static double real_root_near(const double complex *G, int n, double target)
{
    double best = NAN;
    for (int i = 0; i < n; i++) {
        double g = creal(G[i]);
        if (isnan(best) || fabs(g - target) < fabs(best - target)) best = g;
    }
    return best;
}

static double edge_value(const cav_spectral_rect *r, double x)
{
    double complex G[4];
    int n, b = rect_roots(r, x, G, &n);
    if (b >= 0) return creal(G[b]);
    /* the double root: the closest pair of real roots */
    double bv = NAN, bd = HUGE_VAL;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double dd = fabs(creal(G[i]) - creal(G[j]));
            if (dd < bd) bd = dd, bv = 0.5 * (creal(G[i]) + creal(G[j]));
        }
    return bv;
}

void cav_spectral_rect_eval(const cav_spectral_rect *r, double x, double *mu, double *H)
{
    double complex G[4];
    int n, b = rect_roots(r, x, G, &n);
    int inside = -1;
    for (int i = 0; i < r->nint; i++)
        if (x >= r->lo[i] && x <= r->hi[i]) inside = i;
    double m = 0, h;
    if (inside >= 0 && b >= 0) {
        m = cimag(G[b]) / M_PI;
        h = creal(G[b]);
    } else if (x > r->hi[r->nint - 1]) { /* smallest positive root */
        h = HUGE_VAL;
        for (int i = 0; i < n; i++)
            if (creal(G[i]) > 0 && creal(G[i]) < h) h = creal(G[i]);
    } else {
        /* gap: between edge values (x = 0 has G = 0 by symmetry) */
        double xl = 0, gl = 0, xr = r->lo[0], gr = edge_value(r, r->lo[0]);
        for (int i = 0; i + 1 < r->nint; i++)
            if (x > r->hi[i]) {
                xl = r->hi[i], xr = r->lo[i + 1];
                gl = edge_value(r, xl), gr = edge_value(r, xr);
            }
        if (inside >= 0) /* at an edge */
            h = edge_value(r, x);
        else
            h = real_root_near(G, n, gl + (x - xl) / (xr - xl) * (gr - gl));
    }
    /* no admissible real root (rounding at the far tail): G(x) ~ 1/x there */
    if (!isfinite(h)) h = 1 / x;
    if (mu) *mu = m;
    if (H) *H = h;
}

double cav_spectral_rect_rie(const cav_spectral_rect *r, double s)
{
    double H;
    cav_spectral_rect_eval(r, s, NULL, &H);
    return s - r->noise / sqrt(r->R1) * ((r->R1 - 1) / s + 2 * H);
}

/* The discriminant of the quartic as a polynomial in s (degree <= 12). */
static int disc_poly(const cav_spectral_rect *r, double *D)
{
    /* coefficients as polynomials in s: evaluate a(s) at s = 0, 1, 2 and interpolate (degree 2) */
    double P[5][3];
    double v0[5], v1[5], v2[5];
    quartic_coef(r, 0, v0), quartic_coef(r, 1, v1), quartic_coef(r, 2, v2);
    for (int k = 0; k < 5; k++) {
        P[k][0] = v0[k];
        P[k][2] = 0.5 * (v2[k] - 2 * v1[k] + v0[k]);
        P[k][1] = v1[k] - v0[k] - P[k][2];
    }
    const double *a = P[4], *b = P[3], *c = P[2], *d = P[1], *e = P[0];
    /* Disc = sum of 16 monomials of degree 6 in (a..e) */
    static const struct {
        double coef;
        int pa, pb, pc, pd, pe;
    } mono[16] = {
        {256, 3, 0, 0, 0, 3}, {-192, 2, 1, 0, 1, 2}, {-128, 2, 0, 2, 0, 2}, {144, 2, 0, 1, 2, 1},
        {-27, 2, 0, 0, 4, 0}, {144, 1, 2, 1, 0, 2},  {-6, 1, 2, 0, 2, 1},   {-80, 1, 1, 2, 1, 1},
        {18, 1, 1, 1, 3, 0},  {16, 1, 0, 4, 0, 1},   {-4, 1, 0, 3, 2, 0},   {-27, 0, 4, 0, 0, 2},
        {18, 0, 3, 1, 1, 1},  {-4, 0, 3, 0, 3, 0},   {-4, 0, 2, 3, 0, 1},   {1, 0, 2, 2, 2, 0}};
    for (int k = 0; k <= 12; k++)
        D[k] = 0;
    for (int m = 0; m < 16; m++) {
        double t[13] = {1}, u[13];
        int deg = 0;
        const double *base[5] = {a, b, c, d, e};
        int pw[5] = {mono[m].pa, mono[m].pb, mono[m].pc, mono[m].pd, mono[m].pe};
        for (int v = 0; v < 5; v++)
            for (int p = 0; p < pw[v]; p++) {
                cav_spec_polymul(t, deg, base[v], 2, u);
                deg += 2;
                memcpy(t, u, (size_t)(deg + 1) * sizeof(double));
            }
        for (int k = 0; k <= deg; k++)
            D[k] += mono[m].coef * t[k];
    }
    int deg = 12;
    double scale = 0;
    for (int k = 0; k <= 12; k++)
        scale = fmax(scale, fabs(D[k]));
    while (deg > 0 && fabs(D[deg]) <= 1e-13 * scale)
        deg--;
    return deg;
}

typedef struct {
    const cav_spectral_rect *r;
    double a, w;
} rect_ctx;

static void rect_integrand(void *p, size_t n, const double *t, double *out)
{
    const rect_ctx *c = p;
    for (size_t i = 0; i < n; i++) {
        double x = c->a + 0.5 * c->w * (1 - cos(t[i])), jac = 0.5 * c->w * sin(t[i]);
        double complex G[4];
        int nr, b = rect_roots(c->r, x, G, &nr);
        double m = b >= 0 ? cimag(G[b]) / M_PI : 0;
        out[3 * i] = 2 * m * jac;
        out[3 * i + 1] = c->a > 0 ? 2 * m * jac / (x * x) : 0; /* see integrals() */
        out[3 * i + 2] = 2 * m * m * m * jac;
    }
}

int cav_spectral_rect_integrals(const cav_spectral_rect *r, double *mass, double *inv2,
                                double *cube, cav_err *err)
{
    double acc[3] = {0, 0, 0};
    int status = CAV_OK;
    cav_quad_opts o = cav_quad_opts_default();
    o.abstol = 1e-13, o.reltol = 1e-11, o.max_panels = 400;
    for (int i = 0; i < r->nint; i++) {
        rect_ctx c = {r, r->lo[i], r->hi[i] - r->lo[i]};
        const double br[3] = {0.25 * M_PI, 0.5 * M_PI, 0.75 * M_PI};
        double v[3];
        int st = cav_quad_integrate(rect_integrand, &c, 3, 0, M_PI, br, 3, &o, v, NULL, err);
        if (st != CAV_OK && st != CAV_EMAXITER) return st;
        if (st) status = st;
        for (int k = 0; k < 3; k++)
            acc[k] += v[k];
    }
    if (mass) *mass = acc[0];
    /* int mu/x^2 diverges when the support reaches 0 (R1 = 1, where its weight R1 - 1 vanishes) */
    if (inv2) *inv2 = r->lo[0] > 0 ? acc[1] : HUGE_VAL;
    if (cube) *cube = acc[2];
    return status;
}

int cav_spectral_rect_init(cav_spectral_rect *r, double beta, double rho, double noise,
                           cav_err *err)
{
    if (!r) return cav_err_set(err, CAV_EINVAL, "spectral: r must not be NULL");
    if (!(beta > 0) || !isfinite(beta))
        return cav_err_set(err, CAV_EINVAL, "spectral: beta = %g must be > 0", beta);
    if (!(rho > 0 && rho <= 1))
        return cav_err_set(err, CAV_EINVAL, "spectral: rho = %g outside (0, 1]", rho);
    if (!(noise >= 1e-10 && noise <= 1e10))
        return cav_err_set(err, CAV_EINVAL, "spectral: noise = %g outside [1e-10, 1e10]", noise);
    memset(r, 0, sizeof *r);
    r->R1 = beta >= 1 ? beta : 1 / beta;
    r->rho = rho, r->noise = noise;
    /* candidate cut points: discriminant roots and a log grid on (0, xmax] */
    double xmax =
        1.5 * (1 + sqrt(r->R1)) * (1 + sqrt(noise)) * (1 + 1 / sqrt(rho)) * pow(r->R1, -0.25) * 2;
    double cand[13 + 160 + 2];
    int nc = 0;
    double D[13];
    int deg = disc_poly(r, D);
    if (deg >= 1) {
        double complex s[12];
        /* strip the zero roots (powers of s) before the companion matrix */
        int lo = 0;
        double scale = 0;
        for (int k = 0; k <= deg; k++)
            scale = fmax(scale, fabs(D[k]));
        while (lo < deg && fabs(D[lo]) <= 1e-14 * scale)
            lo++;
        if (deg - lo >= 1 && cav_spec_poly_roots(D + lo, deg - lo, s) == deg - lo)
            for (int k = 0; k < deg - lo; k++)
                if (fabs(cimag(s[k])) <= 1e-6 * (1 + cabs(s[k])) && creal(s[k]) > 0 &&
                    sqrt(creal(s[k])) < xmax)
                    cand[nc++] = sqrt(creal(s[k]));
    }
    double xmin = 1e-2 * sqrt(noise) * pow(r->R1, -0.25);
    for (int k = 0; k < 160; k++)
        cand[nc++] = xmin * pow(xmax / xmin, k / 159.0);
    cand[nc++] = 0;
    cav_spec_sort(cand, nc);
    /* classify cells by their midpoints; where the class changes between two consecutive
     * midpoints, bisect the predicate between them (x = 0 counts as outside) */
    int ni = 0, prev = 0;
    double start = 0, prev_mid = 0;
    for (int k = 0; k + 1 < nc; k++) {
        if (!(cand[k + 1] > cand[k])) continue;
        double mid = 0.5 * (cand[k] + cand[k + 1]);
        int in = has_density(r, mid);
        if (in != prev) {
            double a = prev_mid, b = mid;
            for (int it = 0; it < 80 && b - a > 1e-15 * b; it++) {
                double m = 0.5 * (a + b);
                if (has_density(r, m) == in)
                    b = m;
                else
                    a = m;
            }
            double edge = 0.5 * (a + b);
            if (edge < 1e-12 * xmax) edge = 0;
            if (in) {
                start = edge;
            } else {
                if (ni == 3)
                    return cav_err_set(err, CAV_ENUMERIC,
                                       "spectral: more than three support intervals (beta %g, "
                                       "rho %g, noise %g)",
                                       beta, rho, noise);
                r->lo[ni] = start, r->hi[ni] = edge;
                ni++;
            }
            prev = in;
        }
        prev_mid = mid;
    }
    if (prev || ni == 0)
        return cav_err_set(err, CAV_ENUMERIC,
                           "spectral: rectangular support not found (beta %g, rho %g, noise %g)",
                           beta, rho, noise);
    r->nint = ni;
    double mass;
    int st = cav_spectral_rect_integrals(r, &mass, NULL, NULL, err);
    if (st && st != CAV_EMAXITER) return st;
    if (!(fabs(mass - 1) < 1e-8))
        return cav_err_set(err, CAV_ENUMERIC,
                           "spectral: rectangular density has mass %.12g != 1 (beta %g, rho %g, "
                           "noise %g)",
                           mass, beta, rho, noise);
    return CAV_OK;
}

int cav_spectral_rect_mmse(double beta, double rho, double noise, double *mmse, cav_err *err)
{
    if (!mmse) return cav_err_set(err, CAV_EINVAL, "spectral: mmse must not be NULL");
    if (!(noise >= 0)) return cav_err_set(err, CAV_EINVAL, "spectral: noise = %g < 0", noise);
    if (noise == 0) {
        if (!(beta > 0) || !(rho > 0 && rho <= 1))
            return cav_err_set(err, CAV_EINVAL, "spectral: need beta > 0, rho in (0, 1]");
        *mmse = 0;
        return CAV_OK;
    }
    cav_spectral_rect r;
    int st = cav_spectral_rect_init(&r, beta, rho, noise, err);
    if (st) return st;
    double inv2, cube;
    st = cav_spectral_rect_integrals(&r, NULL, &inv2, &cube, err);
    double R1 = r.R1, t = R1 > 1 && r.lo[0] > 0 ? (R1 - 1) * (R1 - 1) * inv2 : 0;
    *mmse = noise - noise * noise * pow(R1, -1.5) * (t + (4 * M_PI * M_PI / 3) * cube);
    return st;
}
