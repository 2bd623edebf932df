/* num/special.c — special functions of Gaussian calculus, accurate in the tails.
 *
 * phi, Phi, H = 1 - Phi:
 *   H(x) = erfc(x/sqrt2)/2. The argument t = x/sqrt2 is rounded, and erfc magnifies a relative
 *   argument error d into a relative value error ~ 2 t^2 d (1.5e-13 at x = 37), so the rounding
 *   residual r = x/sqrt2 - t is recovered with an fma and a two-term 1/sqrt2, and the first-order
 *   correction erfc(t + r) = erfc(t) - r (2/sqrt pi) exp(-t^2) is applied. phi(x) likewise
 *   recovers the rounding error of x^2 (exp(-x^2/2) would otherwise lose x^2 eps/2 relative).
 * Upper tail, x >= 5: the ratio G(x) = H(x)/phi(x) (reciprocal inverse Mills ratio) by Laplace's
 *   continued fraction G = 1/(x+ 1/(x+ 2/(x+ 3/(x+ ...)))) (Abramowitz & Stegun 26.2.14),
 *   evaluated backwards with 6 + 600/x^2 terms (checked against mpmath to 2e-16 for x >= 5);
 *   log H(x) = log G(x) - x^2/2 - log(2 pi)/2 never underflows, mills = 1/G.
 * Owen's T (Owen, Ann. Math. Stat. 27, 1075 (1956)):
 *   T(h, a) = (1/2pi) int_0^a exp(-h^2 (1+x^2)/2) / (1+x^2) dx, even in h, odd in a.
 *   For 0 < a <= 1: T = phi(h)/sqrt(2pi) * int_0^b exp(-h^2 x^2/2)/(1+x^2) dx with b = min(a, 9/h)
 *   (the neglected part is < exp(-40) relative), by 20-point Gauss–Legendre on panels of width
 *   <= 3/h in x: the factor 1/(1+x^2) has its poles at +-i, which 20-point Legendre on [0, 1]
 *   resolves to ~1e-26, and each panel spans at most 3 standard deviations of the Gaussian.
 *   For a > 1, Owen's identity (eq. 2.3 there) for h >= 0:
 *   T(h, a) = [Phi(h) H(ah) + Phi(ah) H(h)]/2 - T(ah, 1/a), with T(0, a) = atan(a)/2pi and
 *   T(h, inf) = H(|h|)/2.
 * Bivariate normal (Owen 1956, eq. 3.1): with Phi2(x, y; rho) = P(z1 < x, z2 < y),
 *   Phi2 = Phi(x)/2 + Phi(y)/2 - T(x, a_x) - T(y, a_y) - beta,
 *   a_x = (y - rho x)/(x sqrt(1-rho^2)), a_y = (x - rho y)/(y sqrt(1-rho^2)),
 *   beta = 0 if xy > 0 or (xy = 0 and x + y >= 0), 1/2 otherwise; and the upper orthant
 *   P(z1 > h, z2 > k) = Phi2(-h, -k; rho). rho = 0, +-1 and h = k = 0 are exact closed forms.
 *   When the result is below 1e-3 of the leading terms (the formula cancels: strongly negative
 *   rho, small orthants), P = int_h^inf phi(x) H((k - rho x)/sqrt(1-rho^2)) dx is integrated
 *   instead by the adaptive Gaussian quadrature of gauss.c (relative tolerance 1e-13).
 * Hermite coefficients (used for random-feature models, e.g. Mei & Montanari 2022, Gerace et al.
 *   2020): mu0 = E s(g), mu1 = E g s(g), mustar^2 = E s(g)^2 - mu0^2 - mu1^2, by cav_gauss_expect.
 */
#include "cavity/special.h"

#include <math.h>

#include "cavity/gauss.h"

static const double inv_sqrt_2pi = 0.398942280401432677939946059934;
static const double log_sqrt_2pi = 0.918938533204672741780329736406;
static const double two_over_sqrtpi = 1.12837916709551257389615890312154517;
static const double two_pi = 6.28318530717958647692528676656;
/* 1/sqrt2 = S1 + S2 to about 32 digits (S1 = the double nearest 1/sqrt2). */
static const double S1 = 0.70710678118654757;
static const double S2 = -4.8336466567264567e-17;

double cav_phi(double x)
{
    double x2 = x * x;
    double e = fma(x, x, -x2); /* x^2 = x2 + e exactly */
    return inv_sqrt_2pi * exp(-0.5 * x2) * (1.0 - 0.5 * e);
}

/* H(x) with the argument-rounding correction described above. */
double cav_H(double x)
{
    if (isnan(x)) return x;
    if (isinf(x)) return x > 0 ? 0.0 : 1.0;
    double t = x * S1;
    double r = fma(x, S1, -t) + x * S2;
    return 0.5 * (erfc(t) - r * two_over_sqrtpi * exp(-t * t));
}

double cav_Phi(double x)
{
    return cav_H(-x);
}

/* G(x) = H(x)/phi(x) for x >= 5 by the backward continued fraction. */
static double mills_inv_cf(double x)
{
    int n = 6 + (int)(600.0 / (x * x));
    double t = x;
    for (int k = n; k >= 1; k--)
        t = x + (double)k / t;
    return 1.0 / t;
}

double cav_logH(double x)
{
    if (isnan(x)) return x;
    if (x <= 0.0) return log1p(-cav_H(-x));
    if (x < 5.0) return log(cav_H(x));
    if (isinf(x)) return -HUGE_VAL;
    return log(mills_inv_cf(x)) - 0.5 * x * x - log_sqrt_2pi;
}

double cav_mills(double x)
{
    if (isnan(x)) return x;
    if (x >= 5.0) {
        if (isinf(x)) return HUGE_VAL;
        return 1.0 / mills_inv_cf(x);
    }
    if (x < -40.0) return 0.0 * cav_phi(x); /* phi underflows; H = 1 */
    return cav_phi(x) / cav_H(x);
}

/* 20-point Gauss–Legendre on [-1, 1]: positive nodes and their weights (computed with mpmath
 * by Newton's method on P_20 at 40 digits). */
static const double gl_x[10] = {
    0.99312859918509492479, 0.96397192727791379127, 0.91223442825132590587, 0.83911697182221882339,
    0.74633190646015079261, 0.63605368072651502545, 0.510867001950827098,   0.37370608871541956067,
    0.22778585114164507808, 0.076526521133497333755};
static const double gl_w[10] = {0.017614007139152118312, 0.040601429800386941331,
                                0.06267204833410906357,  0.083276741576704748725,
                                0.10193011981724043504,  0.11819453196151841731,
                                0.1316886384491766269,   0.14209610931838205133,
                                0.14917298647260374679,  0.1527533871307258507};

/* T(h, a) for h >= 0, 0 < a <= 1. */
static double owen_t_small(double h, double a)
{
    double b = a;
    if (h > 0.0 && 9.0 / h < b) b = 9.0 / h;
    int np = (int)ceil(h * b / 3.0);
    if (np < 1) np = 1;
    double w = b / np, s = 0.0, h2 = 0.5 * h * h;
    for (int p = 0; p < np; p++) {
        double c = (p + 0.5) * w, hw = 0.5 * w;
        for (int j = 0; j < 10; j++) {
            double x1 = c - hw * gl_x[j], x2 = c + hw * gl_x[j];
            s += gl_w[j] *
                 (exp(-h2 * x1 * x1) / (1.0 + x1 * x1) + exp(-h2 * x2 * x2) / (1.0 + x2 * x2));
        }
    }
    s *= 0.5 * w;
    return cav_phi(h) * inv_sqrt_2pi * s;
}

double cav_owen_t(double h, double a)
{
    if (isnan(h) || isnan(a)) return NAN;
    h = fabs(h);
    double sgn = a < 0 ? -1.0 : 1.0;
    a = fabs(a);
    if (a == 0.0) return 0.0;
    if (h == 0.0) return sgn * atan(a) / two_pi;
    if (isinf(h)) return 0.0;
    if (isinf(a)) return sgn * 0.5 * cav_H(h);
    if (a <= 1.0) return sgn * owen_t_small(h, a);
    double ah = a * h;
    double v = 0.5 * (cav_Phi(h) * cav_H(ah) + cav_Phi(ah) * cav_H(h)) - owen_t_small(ah, 1.0 / a);
    return sgn * v;
}

/* T(x, a) with a = num / (x * s), taking the limits x -> 0 (a -> +-inf: T(0, +-inf) = +-1/4). */
static double owen_t_ratio(double x, double num, double s)
{
    if (x == 0.0) return num > 0 ? 0.25 : (num < 0 ? -0.25 : 0.0);
    return cav_owen_t(x, num / (x * s));
}

typedef struct bvn_ctx {
    double h, k, rho, s;
} bvn_ctx;

/* Integrand of P = int_h^inf phi(x) H((k - rho x)/s) dx. */
static void bvn_fn(void *c, size_t n, const double *x, double *out)
{
    const bvn_ctx *B = c;
    for (size_t i = 0; i < n; i++)
        out[i] = x[i] > B->h ? cav_H((B->k - B->rho * x[i]) / B->s) : 0.0;
}

double cav_bvn_upper(double h, double k, double rho)
{
    if (isnan(h) || isnan(k) || !(rho >= -1.0 && rho <= 1.0)) return NAN;
    if (rho == 0.0) return cav_H(h) * cav_H(k);
    if (rho == 1.0) return cav_H(h > k ? h : k);
    if (rho == -1.0) {
        /* P(h < z < -k) = H(h) - H(-k) = H(k) - H(-h); use the form with the smaller terms. */
        if (!(h < -k)) return 0.0;
        double v = cav_H(h) <= cav_H(k) ? cav_H(h) - cav_H(-k) : cav_H(k) - cav_H(-h);
        return v > 0.0 ? v : 0.0;
    }
    double x = -h, y = -k;
    if (x == 0.0 && y == 0.0) return 0.25 + asin(rho) / two_pi;
    double s = sqrt((1.0 - rho) * (1.0 + rho));
    double beta = (x * y > 0.0 || (x * y == 0.0 && x + y >= 0.0)) ? 0.0 : 0.5;
    double lead = 0.5 * cav_Phi(x) + 0.5 * cav_Phi(y);
    double v = lead - owen_t_ratio(x, y - rho * x, s) - owen_t_ratio(y, x - rho * y, s) - beta;
    if (v >= 1e-3 * lead) return v;
    /* Owen's formula cancelled (small orthant, typically rho < 0 or far tails): integrate the
     * positive one-dimensional form instead, to relative accuracy, over the variable with the
     * larger threshold (the more concentrated integrand). */
    bvn_ctx B = {h > k ? h : k, h > k ? k : h, rho, s};
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 0.0;
    o.reltol = 1e-13;
    o.zmax = fabs(B.h) + 12.0 > 12.0 ? fabs(B.h) + 12.0 : 12.0;
    o.max_panels = 600;
    double r;
    int st = cav_gauss_expect(bvn_fn, &B, 1, &B.h, 1, &o, &r, NULL, NULL);
    if (st != CAV_OK && st != CAV_EMAXITER) return v > 0.0 ? v : 0.0;
    return r;
}

typedef struct herm_ctx {
    double (*sigma)(void *ctx, double x);
    void *ctx;
} herm_ctx;

static void herm_fn(void *c, size_t n, const double *z, double *out)
{
    herm_ctx *H = c;
    for (size_t i = 0; i < n; i++) {
        double s = H->sigma(H->ctx, z[i]);
        out[3 * i] = s;
        out[3 * i + 1] = z[i] * s;
        out[3 * i + 2] = s * s;
    }
}

int cav_hermite_coeffs(double (*sigma)(void *ctx, double x), void *ctx, const double *kinks,
                       int nkinks, double *mu0, double *mu1, double *mustar, cav_err *err)
{
    if (!sigma || !mu0 || !mu1 || !mustar)
        return cav_err_set(err, CAV_EINVAL, "hermite_coeffs: sigma and outputs must not be NULL");
    herm_ctx H = {sigma, ctx};
    double r[3];
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 1e-13; /* above the roundoff floor 50 eps E|s| of a zero-mean component */
    o.reltol = 1e-12;
    int st = cav_gauss_expect(herm_fn, &H, 3, kinks, nkinks, &o, r, NULL, err);
    if (st != CAV_OK) return st;
    *mu0 = r[0];
    *mu1 = r[1];
    double v = r[2] - r[0] * r[0] - r[1] * r[1];
    *mustar = v > 0.0 ? sqrt(v) : 0.0;
    return CAV_OK;
}
