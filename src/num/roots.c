/* num/roots.c — Brent's root finder and minimiser (cavity/roots.h).
 *
 * Zero (Brent 1973, ch. 4): keep a bracket [b, c] with f(b) f(c) <= 0 and b the better end;
 * try inverse quadratic interpolation through (a, b, c) (secant when a == c); accept the
 * interpolated step only if it falls well inside the bracket and shrinks faster than the step
 * before last, else bisect. Converges superlinearly on smooth f and never slower than bisection
 * by more than a constant factor.
 * Minimum (Brent 1973, ch. 5): golden-section search on [a, b] accelerated by parabolic
 * interpolation through the three best points (x, w, v), with the same safeguards.
 */
#include "cavity/roots.h"

#include <math.h>

static const double EPS = 2.220446049250313e-16;

static int eval(cav_scalar_fn f, void *ctx, double x, double *fx, cav_err *err, const char *who)
{
    *fx = f(ctx, x);
    if (!isfinite(*fx)) return cav_err_set(err, CAV_ENUMERIC, "%s: f(%.17g) = %g", who, x, *fx);
    return CAV_OK;
}

int cav_root_brent(cav_scalar_fn f, void *ctx, double a, double b, double xtol, int max_iter,
                   double *x, cav_err *err)
{
    if (!f || !x || !isfinite(a) || !isfinite(b) || !(xtol >= 0.0))
        return cav_err_set(err, CAV_EINVAL, "root_brent: bad arguments (a = %g, b = %g, xtol = %g)",
                           a, b, xtol);
    if (max_iter <= 0) max_iter = 200;
    double fa, fb;
    int st = eval(f, ctx, a, &fa, err, "root_brent");
    if (st == CAV_OK) st = eval(f, ctx, b, &fb, err, "root_brent");
    if (st != CAV_OK) return st;
    if (fa == 0.0) {
        *x = a;
        return CAV_OK;
    }
    if (fb == 0.0) {
        *x = b;
        return CAV_OK;
    }
    if ((fa > 0) == (fb > 0))
        return cav_err_set(err, CAV_EINVAL, "root_brent: no sign change on [%g, %g]: f = %g, %g", a,
                           b, fa, fb);
    double c = a, fc = fa, d = b - a, e = d;
    for (int it = 0; it < max_iter; it++) {
        if ((fb > 0) == (fc > 0)) {
            c = a;
            fc = fa;
            d = e = b - a;
        }
        if (fabs(fc) < fabs(fb)) { /* make b the better end */
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        double tol1 = 2.0 * EPS * fabs(b) + 0.5 * xtol;
        double m = 0.5 * (c - b);
        if (fabs(m) <= tol1 || fb == 0.0) {
            *x = b;
            return CAV_OK;
        }
        if (fabs(e) >= tol1 && fabs(fa) > fabs(fb)) {
            double s = fb / fa, p, q;
            if (a == c) { /* secant */
                p = 2.0 * m * s;
                q = 1.0 - s;
            } else { /* inverse quadratic interpolation */
                double qq = fa / fc, r = fb / fc;
                p = s * (2.0 * m * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if (p > 0)
                q = -q;
            else
                p = -p;
            double lim1 = 3.0 * m * q - fabs(tol1 * q), lim2 = fabs(e * q);
            if (2.0 * p < (lim1 < lim2 ? lim1 : lim2)) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += fabs(d) > tol1 ? d : (m > 0 ? tol1 : -tol1);
        st = eval(f, ctx, b, &fb, err, "root_brent");
        if (st != CAV_OK) return st;
    }
    *x = fabs(fb) <= fabs(fc) ? b : c;
    return cav_err_set(err, CAV_EMAXITER, "root_brent: %d evaluations, bracket [%g, %g]", max_iter,
                       b < c ? b : c, b < c ? c : b);
}

int cav_root_bracket(cav_scalar_fn f, void *ctx, double *a, double *b, int max_expand, cav_err *err)
{
    if (!f || !a || !b || !isfinite(*a) || !isfinite(*b) || *a == *b)
        return cav_err_set(err, CAV_EINVAL, "root_bracket: need a finite interval a != b");
    if (max_expand <= 0) max_expand = 50;
    double fa, fb;
    int st = eval(f, ctx, *a, &fa, err, "root_bracket");
    if (st == CAV_OK) st = eval(f, ctx, *b, &fb, err, "root_bracket");
    for (int i = 0; st == CAV_OK && i < max_expand; i++) {
        if ((fa > 0) != (fb > 0) || fa == 0.0 || fb == 0.0) return CAV_OK;
        if (fabs(fa) < fabs(fb)) {
            *a += 1.6 * (*a - *b);
            st = eval(f, ctx, *a, &fa, err, "root_bracket");
        } else {
            *b += 1.6 * (*b - *a);
            st = eval(f, ctx, *b, &fb, err, "root_bracket");
        }
    }
    if (st != CAV_OK) return st;
    if ((fa > 0) != (fb > 0) || fa == 0.0 || fb == 0.0) return CAV_OK;
    return cav_err_set(err, CAV_EMAXITER, "root_bracket: no sign change found on [%g, %g]", *a, *b);
}

int cav_min_brent(cav_scalar_fn f, void *ctx, double a, double b, double xtol, int max_iter,
                  double *xmin, double *fmin, cav_err *err)
{
    if (!f || !xmin || !isfinite(a) || !isfinite(b) || !(a < b) || !(xtol >= 0.0))
        return cav_err_set(err, CAV_EINVAL, "min_brent: need a < b finite (a = %g, b = %g)", a, b);
    if (max_iter <= 0) max_iter = 200;
    const double cg = 0.381966011250105151795; /* (3 - sqrt 5)/2 */
    const double sqeps = 1.4901161193847656e-08;
    double x = a + cg * (b - a), w = x, v = x, fx, d = 0.0, e = 0.0;
    int st = eval(f, ctx, x, &fx, err, "min_brent");
    if (st != CAV_OK) return st;
    double fw = fx, fv = fx;
    for (int it = 0; it < max_iter; it++) {
        double m = 0.5 * (a + b), tol = sqeps * fabs(x) + xtol / 3.0, t2 = 2.0 * tol;
        if (tol == 0.0) tol = t2 = 1e-300;
        if (fabs(x - m) <= t2 - 0.5 * (b - a)) {
            *xmin = x;
            if (fmin) *fmin = fx;
            return CAV_OK;
        }
        double p = 0.0, q = 0.0, r = 0.0;
        if (fabs(e) > tol) { /* parabola through (v, fv), (w, fw), (x, fx) */
            r = (x - w) * (fx - fv);
            q = (x - v) * (fx - fw);
            p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if (q > 0)
                p = -p;
            else
                q = -q;
            r = e;
            e = d;
        }
        if (fabs(p) < fabs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
            d = p / q;
            double u = x + d;
            if (u - a < t2 || b - u < t2) d = x < m ? tol : -tol;
        } else { /* golden section into the larger part */
            e = (x < m ? b : a) - x;
            d = cg * e;
        }
        double u = x + (fabs(d) >= tol ? d : (d > 0 ? tol : -tol)), fu;
        st = eval(f, ctx, u, &fu, err, "min_brent");
        if (st != CAV_OK) return st;
        if (fu <= fx) {
            if (u < x)
                b = x;
            else
                a = x;
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if (u < x)
                a = u;
            else
                b = u;
            if (fu <= fw || w == x) {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if (fu <= fv || v == x || v == w) {
                v = u;
                fv = fu;
            }
        }
    }
    *xmin = x;
    if (fmin) *fmin = fx;
    return cav_err_set(err, CAV_EMAXITER, "min_brent: %d evaluations, x = %.17g", max_iter, x);
}
