/* The consistent-attack oracle (docs/adversarial.md, "At finite d ..."; Vilucchio, Zdeborová,
 * Loureiro, arXiv:2506.12454): the smallest label-preserving perturbation (theta.delta = 0) that
 * moves a linear classifier's field h = v.delta-space to the decision boundary.
 *
 * Problem: min ||delta||_s  s.t.  v.delta = -h, theta.delta = 0.  Lagrange/LP duality:
 *     min = max_{a, b} { -a h : ||a v + b theta||_{s*} <= 1 } = |h| / min_t ||v - t theta||_{s*},
 * (take a = -sign(h)/||v - t theta||_{s*}, b = -a t), so with the budget scalings of
 * cavity/adv_sim.h an attack within eps exists iff eps D >= |h|.
 *   l_2 (s = s* = 2): t = v.theta/|theta|^2, r = P_perp v, delta = -h r/|r|^2.
 *   l_inf (s* = 1): f(t) = sum_i |theta_i| |v_i/theta_i - t| + sum_{theta_i = 0} |v_i| is convex
 *     piecewise linear; a minimiser is the weighted median t of the ratios v_i/theta_i with
 *     weights |theta_i|. The primal solution saturates the box off the median set M (delta_i =
 *     -sign(h) c sign(r_i), r = v - t theta) and uses the coordinates of M, where r_i = 0, to
 *     cancel theta.delta; 0 in the subdifferential of f at t is exactly |S| <= T (header), so the
 *     compensating entries stay inside the box. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/adv_sim.h"
#include "core/la.h"

typedef struct ratio {
    double r, w;
    size_t i;
} ratio;

static int cmp_ratio(const void *a, const void *b)
{
    const ratio *x = a, *y = b;
    if (x->r < y->r) return -1;
    if (x->r > y->r) return 1;
    return x->i < y->i ? -1 : (x->i > y->i);
}

/* Weighted median of v_i/theta_i (weights |theta_i|) over theta_i != 0; 0 if all theta_i = 0.
 * Returns 0 on success, 1 on allocation failure. */
static int wmedian(size_t d, const double *v, const double *theta, double *t)
{
    ratio *r = malloc(d * sizeof *r);
    if (!r) return 1;
    size_t m = 0;
    double W = 0.0;
    for (size_t i = 0; i < d; i++)
        if (theta[i] != 0.0) {
            r[m].r = v[i] / theta[i];
            r[m].w = fabs(theta[i]);
            r[m].i = i;
            W += r[m].w;
            m++;
        }
    *t = 0.0;
    if (m > 0) {
        qsort(r, m, sizeof *r, cmp_ratio);
        double cum = 0.0;
        for (size_t j = 0; j < m; j++) {
            cum += r[j].w;
            if (cum >= 0.5 * W) {
                *t = r[j].r;
                break;
            }
        }
    }
    free(r);
    return 0;
}

/* l_2: r = P_perp v (two Gram-Schmidt passes), returns |r|. */
static double perp(size_t d, const double *v, const double *theta, double *r, double *tstar)
{
    double tt = cav_la_dot(d, theta, theta);
    memcpy(r, v, d * sizeof *r);
    double t = 0.0;
    if (tt > 0.0)
        for (int pass = 0; pass < 2; pass++) {
            double c = cav_la_dot(d, r, theta) / tt;
            t += c;
            cblas_daxpy((blasint)d, -c, theta, 1, r, 1);
        }
    if (tstar) *tstar = t;
    return cav_la_nrm2(d, r);
}

/* l_inf pieces at the median t: the l_1 norm of r off M (M: theta_i != 0, v_i/theta_i == t). */
static double l1_off_median(size_t d, const double *v, const double *theta, double t)
{
    double s = 0.0;
    for (size_t i = 0; i < d; i++) {
        if (theta[i] != 0.0 && v[i] / theta[i] == t) continue;
        s += fabs(v[i] - t * theta[i]);
    }
    return s;
}

double cav_adv_consistent_norm(size_t d, const double *v, const double *theta, int norm,
                               double *tstar)
{
    if (norm == CAV_ADV_L2) {
        double *r = malloc(d * sizeof *r);
        if (!r) return NAN;
        double D = perp(d, v, theta, r, tstar);
        free(r);
        return D;
    }
    if (norm != CAV_ADV_LINF) return NAN;
    double t;
    if (wmedian(d, v, theta, &t)) return NAN;
    if (tstar) *tstar = t;
    return l1_off_median(d, v, theta, t) / sqrt((double)d);
}

int cav_adv_consistent_attack(size_t d, const double *v, const double *theta, double h, int norm,
                              double *delta, double *eps_min, cav_err *err)
{
    if (d == 0 || !v || !theta || !delta || !eps_min)
        return cav_err_set(err, CAV_EINVAL,
                           "cav_adv_consistent_attack: d = %zu, v, theta, delta, eps_min non-NULL",
                           d);
    if (norm != CAV_ADV_L2 && norm != CAV_ADV_LINF)
        return cav_err_set(err, CAV_EINVAL,
                           "cav_adv_consistent_attack: norm = %d (2 for l_2, 0 for l_inf)", norm);
    if (!isfinite(h)) return cav_err_set(err, CAV_EINVAL, "cav_adv_consistent_attack: h = %g", h);
    memset(delta, 0, d * sizeof *delta);
    const double sh = h >= 0 ? 1.0 : -1.0;
    if (norm == CAV_ADV_L2) {
        double D = perp(d, v, theta, delta, NULL); /* delta <- r = P_perp v */
        if (h == 0.0) {
            memset(delta, 0, d * sizeof *delta);
            *eps_min = 0.0;
            return CAV_OK;
        }
        if (!(D > 0.0)) {
            memset(delta, 0, d * sizeof *delta);
            *eps_min = INFINITY;
            return CAV_OK;
        }
        cblas_dscal((blasint)d, -h / (D * D), delta, 1);
        *eps_min = fabs(h) / D;
        return CAV_OK;
    }
    double t;
    if (wmedian(d, v, theta, &t))
        return cav_err_set(err, CAV_ENOMEM, "cav_adv_consistent_attack: d = %zu", d);
    if (h == 0.0) {
        *eps_min = 0.0;
        return CAV_OK;
    }
    /* sigma_i = sign(r_i) off M (from the ordering of the ratio, so that S and T satisfy the
     * median inequality exactly), S = sum theta_i sigma_i, T = sum_M |theta_i|. */
    double S = 0.0, T = 0.0, R = 0.0;
    for (size_t i = 0; i < d; i++) {
        double sg;
        if (theta[i] != 0.0) {
            double q = v[i] / theta[i];
            if (q == t) {
                T += fabs(theta[i]);
                continue;
            }
            sg = (q > t ? 1.0 : -1.0) * (theta[i] > 0 ? 1.0 : -1.0);
        } else {
            sg = v[i] > 0 ? 1.0 : (v[i] < 0 ? -1.0 : 0.0);
        }
        delta[i] = sg; /* temporarily sigma_i */
        S += theta[i] * sg;
        R += (v[i] - t * theta[i]) * sg;
    }
    if (!(R > 0.0)) {
        memset(delta, 0, d * sizeof *delta);
        *eps_min = INFINITY;
        return CAV_OK;
    }
    const double c = fabs(h) / R;
    const double fr = T > 0.0 ? S / T : 0.0; /* |fr| <= 1 by the median property */
    for (size_t i = 0; i < d; i++) {
        if (theta[i] != 0.0 && v[i] / theta[i] == t)
            delta[i] = sh * c * fr * (theta[i] > 0 ? 1.0 : -1.0);
        else
            delta[i] *= -sh * c;
    }
    *eps_min = sqrt((double)d) * c * (fabs(fr) > 1.0 ? fabs(fr) : 1.0);
    return CAV_OK;
}
