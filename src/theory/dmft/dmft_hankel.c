/* theory/dmft_hankel.c — the exact square-loss path of the GD DMFT (docs/dmft.md, eq. X) in
 * O(T^2) time: Toeplitz responses and Hankel-plus-rank-two correlations.
 *
 * Full-batch GD on the square loss is a linear, time-invariant recursion, so every kernel of the
 * exact path has a displacement structure (derived in docs/dmft.md, "Exact path in O(T^2)"):
 *   responses are Toeplitz:  R_w(t,s) = eta tau(t-s-1),  R_l(t,s) = K(t,s) = k(t-s);
 *   correlations are Hankel plus rank two:
 *       C_w(t,t') = H_w(t+t') + g_w(t) + g_w(t'),   C_l(t,t') = H_l(t+t') + g_l(t) + g_l(t'),
 * with tau(l) = E[a^l] the moments of a = 1 - eta (s + lambda) over the spectral law of X^T X / d.
 * The sequences come from one scalar recursion (the Toeplitz form of eq. W for b(t) and eq. X
 * for K = (I + R_w)^{-1}), run to lag 2T:
 *   k(0) = tau(0) = 1,  nu(j) = sum_{i<=j} k(j-i) tau(i),
 *   k(j) = -eta nu(j-1),  tau(j+1) = (1 - eta lambda) tau(j) - eta alpha nu(j),
 * where nu(l) = E[s a^l] / alpha. Then (kappa = E h* y, sigma^2 = E y^2 - kappa^2,
 * Mc(L) = eta alpha sum_{l<L} nu(l), MMc(L) = eta sum_{l<L} Mc(l)):
 *   a(t) = kappa Mc(t), b(t) = tau(t), m = a + b m0, mu_l(t) = -kappa sum_{j<=t} k(j),
 *   H_w(L) = q0 tau(L) + (2 m0 kappa - kappa^2) Mc(L) + (sigma^2 - lambda kappa^2) MMc(L),
 *   g_w(t) = (kappa^2 - m0 kappa) Mc(t) - (sigma^2 - lambda kappa^2) MMc(t),
 *   H_l(L) = E0(L) - 2 lambda X0c(L) + lambda^2 YYc(L),   g_l(t) = lambda X0c(t) - lambda^2 YYc(t),
 * with E0 = ((m0 - kappa)^2 + q0 - m0^2) nu + sigma^2 tt, X0 = (m0 - kappa) kappa nu - sigma^2 tt,
 * Y = kappa^2 nu + sigma^2 tt, tt(l) = tau(l)/alpha + (1 - 1/alpha)(1 - eta lambda)^l, and the
 * prefix sums X0c(L) = eta sum_{l<L} X0(l), Yc likewise, YYc(L) = eta sum_{l<L} Yc(l).
 *
 * Cost: the recursion is one dot product of length j per lag, 2 T^2 multiply-adds in all; every
 * kernel entry is then O(1), and filling the four (T+1)^2 kernels the solver exposes is the
 * O(T^2) memory traffic. The prefix sums grow like the physical time eta t while the entries
 * stay O(1) (H and g cancel), so H and g are kept in double-double (a pair hi + lo, error-free
 * transformations of Knuth and Dekker) and each entry is summed in double-double and rounded
 * once: the entries are then as accurate as the moments nu(l) themselves. Every sum has a fixed
 * order and each entry is computed on its own, so the result is bitwise the same for any number
 * of threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "theory/dmft/dmft_internal.h"

#define QBLOWUP 1e12 /* divergence: q(t) > QBLOWUP (2 + q0), as in dmft_exact.c */

typedef struct {
    double hi, lo;
} dd;

/* Error-free sum a + b = s + e (Knuth's TwoSum). */
static dd two_sum(double a, double b)
{
    double s = a + b, bb = s - a;
    dd r = {s, (a - (s - bb)) + (b - bb)};
    return r;
}

static dd renorm(double h, double e)
{
    double s = h + e;
    dd r = {s, e - (s - h)};
    return r;
}

static dd dd_add(dd x, dd y)
{
    dd s = two_sum(x.hi, y.hi);
    return renorm(s.hi, s.lo + (x.lo + y.lo));
}

static dd dd_add_d(dd x, double y)
{
    dd s = two_sum(x.hi, y);
    return renorm(s.hi, s.lo + x.lo);
}

/* x * c, with the rounding error of x.hi * c recovered by fma. */
static dd dd_mul_d(dd x, double c)
{
    double p = x.hi * c, e = fma(x.hi, c, -p) + x.lo * c;
    return renorm(p, e);
}

static dd dd_of(double x)
{
    dd r = {x, 0.0};
    return r;
}

/* Prefix sums out[L] = c sum_{l<L} f(l), L = 0..n, in double-double. */
static void prefix(size_t n, const dd *f, double c, dd *out)
{
    out[0] = dd_of(0.0);
    for (size_t l = 0; l < n; l++)
        out[l + 1] = dd_add(out[l], dd_mul_d(f[l], c));
}

/* Entry H(t+t') + g(min) + g(max), rounded once (the same order for (t,t') and (t',t), so the
 * kernel is exactly symmetric). */
static double entry(const dd *H, const dd *g, size_t t, size_t u)
{
    size_t lo = t < u ? t : u, hi = t < u ? u : t;
    dd r = dd_add(dd_add(H[t + u], g[lo]), g[hi]);
    return r.hi + r.lo;
}

int dmft_exact_hankel(cav_dmft_gd *s)
{
    const size_t T = (size_t)s->T, ld = s->ld, L = 2 * T + 1; /* lags 0..2T */
    const double eta = s->p.eta, al = s->p.alpha, lam = s->p.lambda;
    const double dec = 1 - eta * lam, m0 = s->p.m0, q0 = s->p.q0, ka = s->kappa;
    const double sig2 = s->ey2 - ka * ka;
    double *buf = malloc(4 * L * sizeof *buf);
    dd *dbuf = malloc(10 * (L + 1) * sizeof *dbuf);
    if (!buf || !dbuf) {
        free(buf), free(dbuf);
        return CAV_ENOMEM;
    }
    double *tau = buf, *k = buf + L, *krev = buf + 2 * L, *nu = buf + 3 * L;
    dd *seq = dbuf, *Mc = dbuf + (L + 1), *MMc = dbuf + 2 * (L + 1), *X0c = dbuf + 3 * (L + 1);
    dd *Yc = dbuf + 4 * (L + 1), *YYc = dbuf + 5 * (L + 1), *Hw = dbuf + 6 * (L + 1);
    dd *gw = dbuf + 7 * (L + 1), *Hl = dbuf + 8 * (L + 1), *gl = dbuf + 9 * (L + 1);

    /* The scalar recursion. krev holds k reversed (krev[L-1-i] = k(i)), so that the convolution
     * nu(j) = sum_i tau(i) k(j-i) is a unit-stride dot product in a fixed order. */
    tau[0] = 1.0;
    for (size_t j = 0; j < L; j++) {
        k[j] = j == 0 ? 1.0 : -eta * nu[j - 1];
        krev[L - 1 - j] = k[j];
        const double *kr = krev + (L - 1 - j);
        double acc = 0.0;
        for (size_t i = 0; i <= j; i++)
            acc += tau[i] * kr[i];
        nu[j] = acc;
        if (j + 1 < L) tau[j + 1] = dec * tau[j] - eta * al * nu[j];
    }

    /* Prefix sums and the Hankel / rank-two generators, all in double-double. */
    for (size_t l = 0; l < L; l++)
        seq[l] = dd_of(nu[l]);
    prefix(L, seq, eta * al, Mc); /* Mc(L') = eta alpha sum nu = eta sum E[s a^l] */
    prefix(L, Mc, eta, MMc);
    double pw = 1.0; /* (1 - eta lambda)^l by repeated products, accurate to l ulps */
    for (size_t l = 0; l < L; l++) {
        double tt = tau[l] / al + (1.0 - 1.0 / al) * (l ? (pw *= dec) : 1.0);
        seq[l] = dd_of((m0 - ka) * ka * nu[l] - sig2 * tt); /* X0 */
    }
    prefix(L, seq, eta, X0c);
    pw = 1.0;
    for (size_t l = 0; l < L; l++) {
        double tt = tau[l] / al + (1.0 - 1.0 / al) * (l ? (pw *= dec) : 1.0);
        seq[l] = dd_of(ka * ka * nu[l] + sig2 * tt); /* Y */
    }
    prefix(L, seq, eta, Yc);
    prefix(L, Yc, eta, YYc);
    const double cw1 = 2 * m0 * ka - ka * ka, cw2 = sig2 - lam * ka * ka;
    const double ce = (m0 - ka) * (m0 - ka) + q0 - m0 * m0;
    pw = 1.0;
    for (size_t l = 0; l < L; l++) {
        Hw[l] = dd_add(dd_add(dd_of(q0 * tau[l]), dd_mul_d(Mc[l], cw1)), dd_mul_d(MMc[l], cw2));
        double tt = tau[l] / al + (1.0 - 1.0 / al) * (l ? (pw *= dec) : 1.0);
        dd e0 = dd_add(dd_of(ce * nu[l]), dd_of(sig2 * tt));
        Hl[l] = dd_add(dd_add(e0, dd_mul_d(X0c[l], -2 * lam)), dd_mul_d(YYc[l], lam * lam));
    }
    for (size_t t = 0; t <= T; t++) {
        gw[t] = dd_add(dd_mul_d(Mc[t], ka * ka - m0 * ka), dd_mul_d(MMc[t], -cw2));
        gl[t] = dd_add(dd_mul_d(X0c[t], lam), dd_mul_d(YYc[t], -lam * lam));
    }

    /* Vectors, and the first step at which the dynamics leave the allowed range (the test of
     * dmft_weight_row: q non-finite or above QBLOWUP (2 + q0), or m non-finite). */
    wside *W = &s->W;
    sside *S = &s->S;
    long bad = -1;
    dd kc = dd_of(0.0);
    for (size_t t = 0; t <= T; t++) {
        dd a = dd_mul_d(Mc[t], ka);
        W->a[t] = a.hi + a.lo;
        W->b[t] = tau[t];
        dd m = dd_add(a, dd_of(m0 * tau[t]));
        W->m[t] = m.hi + m.lo;
        kc = dd_add_d(kc, k[t]);
        S->mul[t] = -ka * (kc.hi + kc.lo);
        double q = entry(Hw, gw, t, t);
        S->loss[t] = 0.5 * entry(Hl, gl, t, t);
        if (bad < 0 && (!isfinite(q) || q > QBLOWUP * (2 + q0) || !isfinite(W->m[t])))
            bad = (long)t;
    }
    /* The kernels, row by row (rows after a divergence are left zero, as the causal sweep
     * leaves them). Each entry is independent of the others: any thread count gives the same
     * bits. */
    const long rows = bad < 0 ? (long)T + 1 : bad + 1;
#pragma omp parallel for schedule(static) if (T >= 256)
    for (long ti = 0; ti < rows; ti++) {
        size_t t = (size_t)ti;
        double *cw = W->Cw + t * ld, *rw = W->Rw + t * ld, *cl = S->Cl + t * ld,
               *rl = S->Rl + t * ld;
        int srow = bad < 0 || ti < bad; /* sample rows stop before the bad step */
        for (size_t u = 0; u <= T; u++) {
            cw[u] = entry(Hw, gw, t, u);
            rw[u] = u < t ? eta * tau[t - u - 1] : 0.0;
            if (srow) {
                cl[u] = entry(Hl, gl, t, u);
                rl[u] = u <= t ? k[t - u] : 0.0;
            }
        }
    }
    free(buf), free(dbuf);
    if (bad >= 0) {
        s->diverged_at = bad;
        return CAV_EDIVERGE;
    }
    return CAV_OK;
}
