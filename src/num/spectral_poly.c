/* num/spectral_poly.c — small polynomial tools for the spectral module: products, cubic roots
 * (closed form, then Newton on the unscaled polynomial) and roots of low-degree polynomials by
 * companion-matrix eigenvalues (LAPACK dgeev, balanced), polished by Newton's method. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "core/la.h"
#include "num/spectral_internal.h"

void cav_spec_polymul(const double *a, int na, const double *b, int nb, double *out)
{
    for (int k = 0; k <= na + nb; k++)
        out[k] = 0;
    for (int i = 0; i <= na; i++)
        for (int j = 0; j <= nb; j++)
            out[i + j] += a[i] * b[j];
}

double cav_spec_cubic_disc(const double c[4])
{
    double a = c[3], b = c[2], cc = c[1], d = c[0];
    return 18 * a * b * cc * d - 4 * b * b * b * d + b * b * cc * cc - 4 * a * cc * cc * cc -
           27 * a * a * d * d;
}

static double complex horner(const double *p, int n, double complex z, double complex *dp)
{
    double complex v = p[n], dv = 0;
    for (int k = n - 1; k >= 0; k--) {
        dv = dv * z + v;
        v = v * z + p[k];
    }
    *dp = dv;
    return v;
}

/* A few Newton steps from z, keeping the best point. */
static double complex polish(const double *p, int n, double complex z)
{
    double complex dp, v = horner(p, n, z, &dp);
    double best = cabs(v);
    for (int it = 0; it < 4 && best > 0; it++) {
        if (dp == 0) break;
        double complex zn = z - v / dp, dpn;
        double complex vn = horner(p, n, zn, &dpn);
        if (!(cabs(vn) < best)) break;
        z = zn, v = vn, dp = dpn, best = cabs(vn);
    }
    return z;
}

void cav_spec_sort(double *x, int n)
{
    for (int i = 1; i < n; i++) {
        double v = x[i];
        int j = i - 1;
        while (j >= 0 && x[j] > v) {
            x[j + 1] = x[j];
            j--;
        }
        x[j + 1] = v;
    }
}

/* Real Newton polish of a real root of the cubic. */
static double polish_real(const double c[4], double x)
{
    for (int it = 0; it < 6; it++) {
        double f = ((c[3] * x + c[2]) * x + c[1]) * x + c[0];
        double fp = (3 * c[3] * x + 2 * c[2]) * x + c[1];
        if (fp == 0 || f == 0) break;
        double xn = x - f / fp;
        double fn = ((c[3] * xn + c[2]) * xn + c[1]) * xn + c[0];
        if (!(fabs(fn) < fabs(f))) break;
        x = xn;
    }
    return x;
}

/* The cubic's roots: a real root r (Cardano's estimate, then Newton) is deflated, backward
 * (q = -c0/r, p = (q - c1)/r) when it is the largest in modulus and forward (p = c2 + c3 r,
 * q = c1 + p r) otherwise, so that the division is stable; the remaining quadratic
 * c3 g^2 + p g + q decides real or complex. With xi small the cubic has one root ~ x/xi and two of
 * order one whose discriminant Cardano's form would lose to cancellation (R^2 - Q^3 ~ 1/xi^6);
 * the deflated quadratic keeps it exact to rounding. */
int cav_spec_cubic_roots(const double c[4], double complex r[3])
{
    double b = c[2] / c[3], cc = c[1] / c[3], d = c[0] / c[3];
    double Q = (b * b - 3 * cc) / 9, R = (2 * b * b * b - 9 * b * cc + 27 * d) / 54;
    double Q3 = Q * Q * Q, R2 = R * R;
    double x0, other;
    if (R2 < Q3) { /* three real roots (trigonometric form): deflate the largest */
        double th = acos(fmax(-1.0, fmin(1.0, R / sqrt(Q3)))), s = -2 * sqrt(Q);
        double x[3] = {s * cos(th / 3) - b / 3, s * cos((th + 2 * M_PI) / 3) - b / 3,
                       s * cos((th - 2 * M_PI) / 3) - b / 3};
        int k = 0;
        for (int i = 1; i < 3; i++)
            if (fabs(x[i]) > fabs(x[k])) k = i;
        x0 = x[k];
        other = 0;
        for (int i = 0; i < 3; i++)
            if (i != k) other = fmax(other, fabs(x[i]));
    } else {
        double A = -copysign(cbrt(fabs(R) + sqrt(R2 - Q3)), R);
        double B = A != 0 ? Q / A : 0;
        x0 = A + B - b / 3;
        other = cabs(-0.5 * (A + B) - b / 3 + I * (sqrt(3.0) / 2) * (A - B));
    }
    x0 = polish_real(c, x0);
    double p, q;
    if (fabs(x0) >= other && x0 != 0) {
        q = -c[0] / x0;
        p = (q - c[1]) / x0;
    } else {
        p = c[2] + c[3] * x0;
        q = c[1] + p * x0;
    }
    double disc = p * p - 4 * c[3] * q;
    if (disc < 0) {
        double complex z = -p / (2 * c[3]) + I * (sqrt(-disc) / (2 * fabs(c[3])));
        z = polish(c, 3, z);
        if (cimag(z) < 0) z = conj(z);
        r[0] = x0, r[1] = z, r[2] = conj(z);
        return 1;
    }
    double t = -0.5 * (p + copysign(sqrt(disc), p));
    double x[3] = {x0, t / c[3], t != 0 ? q / t : 0};
    for (int i = 1; i < 3; i++)
        x[i] = polish_real(c, x[i]);
    cav_spec_sort(x, 3);
    for (int i = 0; i < 3; i++)
        r[i] = x[i];
    return 3;
}

int cav_spec_poly_roots(const double *p, int n, double complex *r)
{
    if (n < 1 || n > 12 || p[n] == 0) return -1;
    double H[144] = {0}, wr[12], wi[12], z[144];
    /* upper Hessenberg companion matrix: first row -p[n-1..0]/p[n], ones on the subdiagonal */
    for (int j = 0; j < n; j++)
        H[j] = -p[n - 1 - j] / p[n];
    for (int i = 1; i < n; i++)
        H[i * n + i - 1] = 1;
    /* dgeev balances the companion matrix first (roots of very different sizes keep their
     * relative accuracy) */
    lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)n, H, (lapack_int)n, wr,
                                    wi, z, (lapack_int)n, z, (lapack_int)n);
    if (info != 0) return -1;
    for (int i = 0; i < n; i++)
        r[i] = polish(p, n, wr[i] + I * wi[i]);
    return n;
}

int cav_spec_real_roots(const double *p, int n, double *x)
{
    double complex r[12];
    if (cav_spec_poly_roots(p, n, r) < 0) return 0;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (fabs(cimag(r[i])) <= 1e-7 * (1 + cabs(r[i]))) x[m++] = creal(r[i]);
    return m;
}
