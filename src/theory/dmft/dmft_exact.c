/* theory/dmft_exact.c — deterministic kernel propagation of the GD/SGD DMFT (cavity/dmft.h).
 *
 * docs/dmft.md, eq. W (weight side, both paths): row t of a, b, m, R_w, C_w from the sample-side
 * kernels C_l, R_l, mu_l of rows < t; deterministic and linear given those kernels.
 * docs/dmft.md, eq. X (exact path: square loss, b = 1): the sample side in closed form,
 *   K = (I + R_w)^{-1},  R_l = K,  mu_l(t) = -kappa sum_s K(t,s),  C_l = K M K^T,
 *   M(t,s) = C_w(t,s) - kappa (m(t) + m(s)) + E y^2,
 * propagated row by row (BLAS-2), O(T^3) in total, with a fixed summation order, so the exact
 * path is bitwise reproducible. The full derivation and the other equations are in the comment at
 * the top of dmft.c; the sampled sample side (eq. S) is dmft_sample.c.
 */
#include <math.h>
#include <string.h>

#include "core/la.h"
#include "theory/dmft/dmft_internal.h"

#define QBLOWUP 1e12 /* divergence: q(t) > QBLOWUP (2 + q0) */

/* ---------------------------------------------------------------------------------------- */
/* Weight side, eq. W: row t of (a, b, m, R_w, C_w) from sample kernels of rows < t.         */

/* Kernels of the weight and exact sample sides, written out (not BLAS) so that they touch only
 * the non-zero triangle: R_w(t,s) = 0 for s >= t, K(t,s) = 0 for s > t, and C_l is symmetric
 * (read from its lower triangle). Rows are contiguous and the inner loops are unit-stride axpys
 * and dots, which -O3 vectorises; the summation order is fixed (no threads), so the exact path is
 * bitwise reproducible. Each is O(t^2 / 2) per row. */

/* y[0..n-1] = sum_{r<n} x[r] A(r, 0..r-1)  (A strictly lower, row-major, leading dim ld). */
static void strict_lower_tv(size_t n, const double *A, size_t ld, const double *x, double *y)
{
    memset(y, 0, n * sizeof *y);
    for (size_t r = 1; r < n; r++) {
        const double c = x[r], *ar = A + r * ld;
        if (c != 0)
            for (size_t j = 0; j < r; j++)
                y[j] += c * ar[j];
    }
}

/* y[0..n-1] = sum_{s<n} x[s] C(s, 0..n-1), C symmetric, read from its lower triangle. */
void dmft_sym_lower_v(size_t n, const double *C, size_t ld, const double *x, double *y)
{
    memset(y, 0, n * sizeof *y);
    for (size_t s = 0; s < n; s++) {
        const double c = x[s], *cs = C + s * ld;
        for (size_t j = 0; j < s; j++) /* the row stays in L1 for the dot below */
            y[j] += c * cs[j];
        y[s] += cav_la_dot(s, cs, x) + cs[s] * c;
    }
}

/* Weight side, eq. W: row t of (a, b, m, R_w, C_w) from sample kernels of rows < t. clrw (may be
 * NULL) receives v = C_l(0..t-1, 0..t-1) R_w(t, 0..t-1), which the exact sample row reuses. */
int dmft_weight_row(const cav_dmft_gd *s, long t, const sside *S, wside *W, double *tmp,
                    double *clrw)
{
    const size_t ld = s->ld, tt = (size_t)t;
    const double eta = s->p.eta, al = s->p.alpha, dec = 1 - s->p.eta * s->p.lambda;
    const double m0 = s->p.m0, q0 = s->p.q0;
    if (t == 0) {
        W->a[0] = 0, W->b[0] = 1, W->m[0] = m0, W->Cw[0] = q0;
        for (size_t j = 0; j < ld; j++)
            W->Rw[j] = 0;
        return CAV_OK;
    }
    const size_t u = tt - 1;
    const double *rl = S->Rl + u * ld; /* R_l(t-1, 0..t-1) */
    /* a, b: causal sums over s <= t-1 */
    W->a[tt] = dec * W->a[u] - eta * al * (cav_la_dot(tt, rl, W->a) + S->mul[u]);
    W->b[tt] = dec * W->b[u] - eta * al * cav_la_dot(tt, rl, W->b);
    W->m[tt] = W->a[tt] + W->b[tt] * m0;
    /* R_w(t, s) = dec R_w(t-1, s) - eta alpha sum_{r<=t-1} R_l(t-1, r) R_w(r, s) + eta [s = t-1] */
    double *rw = W->Rw + tt * ld;
    strict_lower_tv(tt, W->Rw, ld, rl, tmp);
    for (size_t j = 0; j < tt; j++)
        rw[j] = dec * W->Rw[u * ld + j] - eta * al * tmp[j];
    rw[u] += eta;
    for (size_t j = tt; j < ld; j++)
        rw[j] = 0;
    /* C_w(t, t') for t' <= t: v(s') = sum_{s<t} R_w(t,s) C_l(s,s'), then
     * alpha sum_{s'<t'} R_w(t',s') v(s') (R_w(t', s') = 0 for s' >= t'). */
    double *v = clrw ? clrw : tmp;
    dmft_sym_lower_v(tt, S->Cl, ld, rw, v);
    double *cw = W->Cw + tt * ld;
    for (size_t j = 0; j <= tt; j++)
        cw[j] = al * cav_la_dot(j, W->Rw + j * ld, v);
    const double at = W->a[tt], bt = W->b[tt];
    for (size_t j = 0; j <= tt; j++) {
        cw[j] += at * W->a[j] + (at * W->b[j] + bt * W->a[j]) * m0 + bt * W->b[j] * q0;
        W->Cw[j * ld + tt] = cw[j];
    }
    double q = cw[tt];
    if (!isfinite(q) || q > QBLOWUP * (2 + q0) || !isfinite(W->m[tt])) return CAV_EDIVERGE;
    return CAV_OK;
}

int dmft_weight_all(const cav_dmft_gd *s, const sside *S, wside *W, double *tmp, long *bad)
{
    for (long t = 0; t <= s->T; t++)
        if (dmft_weight_row(s, t, S, W, tmp, NULL)) {
            *bad = t;
            return CAV_EDIVERGE;
        }
    return CAV_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Exact path, eq. X: sample-side row t from weight rows <= t.                               */

void dmft_exact_row(cav_dmft_gd *s, long t, const wside *W, sside *S, const double *clrw)
{
    const size_t ld = s->ld, tt = (size_t)t;
    double *K = s->K, *kr = K + tt * ld, *tmp = s->tmp, *P = s->tmp2;
    const double *rw = W->Rw + tt * ld;
    /* K(t, :) = e_t - R_w(t, 0..t-1) K(0..t-1, :)   (K lower triangular, unit diagonal) */
    memset(kr, 0, ld * sizeof *kr);
    for (size_t r = 0; r < tt; r++) {
        const double c = rw[r], *kk = K + r * ld;
        if (c != 0)
            for (size_t j = 0; j <= r; j++)
                kr[j] -= c * kk[j];
    }
    kr[tt] = 1;
    /* M(t, s') = C_w(t,s') - kappa (m(t) + m(s')) + E y^2;  P(t,u) = sum_{s'<=u} K(u,s') M(t,s') */
    for (size_t j = 0; j <= tt; j++)
        tmp[j] = W->Cw[tt * ld + j] - s->kappa * (W->m[tt] + W->m[j]) + s->ey2;
    for (size_t j = 0; j <= tt; j++)
        P[j] = cav_la_dot(j + 1, K + j * ld, tmp);
    /* C_l(t,u) = P(t,u) - sum_{s<t} R_w(t,s) C_l(s,u), first u < t (clrw holds the sum, computed
     * by dmft_weight_row of this row from the same C_l rows < t), then u = t */
    double *cl = S->Cl + tt * ld;
    for (size_t j = 0; j < tt; j++) {
        cl[j] = P[j] - clrw[j];
        S->Cl[j * ld + tt] = cl[j];
    }
    cl[tt] = P[tt] - (tt ? cav_la_dot(tt, rw, cl) : 0.0);
    double sum = 0;
    for (size_t j = 0; j <= tt; j++) {
        S->Rl[tt * ld + j] = kr[j];
        sum += kr[j];
    }
    S->mul[tt] = -s->kappa * sum;
    S->loss[tt] = 0.5 * cl[tt];
}
