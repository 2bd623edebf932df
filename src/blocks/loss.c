/* blocks/loss.c — the built-in convex losses l(y, h): square, hinge, logistic, smooth hinge,
 * robust square (adversarial training, theory/adv.c).
 *
 * Each loss provides its value with first and second h-derivatives, its proximal operator
 *     h*(y, omega, V) = argmin_h  l(y, h) + (h - omega)^2 / (2 V)                       (P)
 * with dprox = d h^* / d omega, and the kinks of omega -> h* in u = y omega. The prox is what the
 * ERM replica equations need (docs/raf.md, "Replica equations — generic convex loss": f = (h* -
 * omega)/V), and the ERM solvers use value() for their gradients.
 *
 * Margin variable. All four losses depend on (y, h) only through the margin t = y h (square:
 * after completing the square, handled separately). With t = a h, u = a omega (a = y != 0) the
 * prox objective is L(t) + (t - u)^2 / (2 V a^2), so every margin loss is solved once, in t, with
 * the effective width W = V a^2, and h^* = t^* / a, dprox = d t^* / d u. For labels y = +-1, W = V.
 * For a = 0 the loss is constant in h: h* = omega, dprox = 1.
 *
 * Stationarity (the subgradient condition) of (P) in t reads  t = u - W L'(t), L convex, so
 * t* is nondecreasing in u with 0 <= dt^* / du = 1/(1 + W L''(t^*)) <= 1 where L is C^2.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/registry.h"
#include "cavity/loss.h"

/* ---------------------------------------------------------------- square: (y - h)^2 / 2 ----- */

static void square_value(const cav_loss *self, size_t n, const double *y, const double *h,
                         double *l, double *dl, double *ddl)
{
    (void)self;
    for (size_t i = 0; i < n; i++) {
        double r = h[i] - y[i];
        if (l) l[i] = 0.5 * r * r;
        if (dl) dl[i] = r;
        if (ddl) ddl[i] = 1.0;
    }
}

/* (P) with l = (y-h)^2/2: h - omega + V (h - y) = 0  =>  h* = (omega + V y)/(1 + V). */
static void square_prox(const cav_loss *self, size_t n, const double *y, const double *omega,
                        const double *V, double *hstar, double *dprox)
{
    (void)self;
    for (size_t i = 0; i < n; i++) {
        double c = 1.0 / (1.0 + V[i]);
        hstar[i] = (omega[i] + V[i] * y[i]) * c;
        if (dprox) dprox[i] = c;
    }
}

static int no_kinks(const cav_loss *self, double V, double *u)
{
    (void)self;
    (void)V;
    (void)u;
    return 0;
}

static int no_params(const cav_loss *self, cav_err *err)
{
    (void)self;
    (void)err;
    return CAV_OK;
}

const cav_loss_type cav_loss_square = {
    "square",    "square loss (y - h)^2/2 (ridge regression / least squares)",
    1,           square_value,
    square_prox, no_kinks,
    no_params};

/* ------------------------------------------------------------- hinge: max(0, 1 - y h) ------ */

/* L(t) = max(0, 1 - t). At the kink t = 1 dl is the right derivative in h: for a > 0 that is the
 * right derivative in t (0), for a < 0 the left one (-1), times a. */
static void hinge_value(const cav_loss *self, size_t n, const double *y, const double *h, double *l,
                        double *dl, double *ddl)
{
    (void)self;
    for (size_t i = 0; i < n; i++) {
        double a = y[i], t = a * h[i];
        if (l) l[i] = t < 1.0 ? 1.0 - t : 0.0;
        if (dl) {
            int active = a > 0 ? (t < 1.0) : (t <= 1.0);
            dl[i] = active ? -a : 0.0;
        }
        if (ddl) ddl[i] = 0.0;
    }
}

/* Prox in t (docs/raf.md, "Hinge prox"): t = u - W L'(t) with L'(t) in {-1, [-1,0], 0}:
 *   u < 1 - W       : t* = u + W   (dt/du = 1)
 *   1 - W <= u <= 1 : t* = 1       (dt/du = 0)
 *   u > 1           : t* = u       (dt/du = 1).
 * At the two kinks dprox takes the value of the flat piece (0). */
static void hinge_prox(const cav_loss *self, size_t n, const double *y, const double *omega,
                       const double *V, double *hstar, double *dprox)
{
    (void)self;
    for (size_t i = 0; i < n; i++) {
        double a = y[i];
        if (a == 0.0) {
            hstar[i] = omega[i];
            if (dprox) dprox[i] = 1.0;
            continue;
        }
        double W = V[i] * a * a, u = a * omega[i], t, d;
        if (u < 1.0 - W) {
            t = u + W;
            d = 1.0;
        } else if (u <= 1.0) {
            t = 1.0;
            d = 0.0;
        } else {
            t = u;
            d = 1.0;
        }
        /* For a = +-1, h* = t/a = a t exactly (no rounding from the division). */
        hstar[i] = (a == 1.0 || a == -1.0) ? a * t : t / a;
        if (dprox) dprox[i] = d;
    }
}

static int hinge_kinks(const cav_loss *self, double V, double *u)
{
    (void)self;
    u[0] = 1.0 - V;
    u[1] = 1.0;
    return 2;
}

const cav_loss_type cav_loss_hinge = {
    "hinge",    "hinge loss max(0, 1 - y h) (support vector machine)",
    0,          hinge_value,
    hinge_prox, hinge_kinks,
    no_params};

/* ------------------------------------------------------ logistic: log(1 + exp(-y h)) ------- */

/* L(t) = log(1 + e^{-t}) = max(-t, 0) + log1p(e^{-|t|}), L'(t) = -s(-t), L''(t) = s(t) s(-t),
 * with the sigmoid s(x) = 1/(1 + e^{-x}); every exponential has a non-positive argument. */
static void logistic_value(const cav_loss *self, size_t n, const double *y, const double *h,
                           double *l, double *dl, double *ddl)
{
    (void)self;
    for (size_t i = 0; i < n; i++) {
        double a = y[i], t = a * h[i];
        double e = exp(-fabs(t)); /* in (0, 1] */
        double r = 1.0 / (1.0 + e);
        double sm = t >= 0 ? e * r : r; /* s(-t) */
        double sp = t >= 0 ? r : e * r; /* s(t)  */
        if (l) l[i] = (t < 0 ? -t : 0.0) + log1p(e);
        if (dl) dl[i] = -a * sm;
        if (ddl) ddl[i] = a * a * sp * sm;
    }
}

/* Solve F(t) = t - u - W s(-t) = 0 (the stationarity equation of (P) in t; F' = 1 + W s s' >= 1).
 *
 * Bracket: s in (0, 1) gives u < t* < u + W. F is concave for t > 0 and convex for t < 0
 * (F'' = -W d^2 s(-t)/dt^2 changes sign at t = 0). F(0) = -u - W/2, so
 *   - if u > -W/2 the root is positive: Newton started from max(u, 0) (where F < 0, inside the
 *     concave part) increases monotonically to t*;
 *   - otherwise t* <= 0: Newton started from min(u + W, 0) (where F > 0, inside the convex part)
 *     decreases monotonically to t*.
 * Monotone quadratic convergence from the first step, no overshoot; the bracket [lo, hi] is still
 * kept and a step leaving it is replaced by bisection (guards against rounding only). Each step
 * costs one exp and one division. Stopping: Newton's error after a step dt is
 * |F''/(2F')| dt^2 <= dt^2/2 (since |s''|/s' <= 1), so we stop once dt^2 <= 1e-15 (1 + |t|):
 * the returned t has error <= 5e-16 (1 + |t|), i.e. at rounding level. The last step's s, s' are
 * moved to the returned t to first order (error O(dt^2)), so dprox = 1/(1 + W s s') needs no
 * extra exp. Typically 2-5 steps (see bench/bench_blocks.c). */
static double logistic_solve(double u, double W, double *dt_du)
{
    double lo = u, hi = u + W, t;
    if (u > -0.5 * W)
        t = u > 0 ? u : 0.0;
    else
        t = hi < 0 ? hi : 0.0;
    double sm = 0.5, d1 = 0.25, dt = 0.0;
    for (int it = 0; it < 200; it++) {
        double e = exp(-fabs(t));
        double r = 1.0 / (1.0 + e);
        sm = t >= 0 ? e * r : r; /* s(-t) */
        d1 = e * r * r;          /* s(t) s(-t) */
        double F = t - u - W * sm;
        if (F > 0)
            hi = t;
        else if (F < 0)
            lo = t;
        else {
            dt = 0.0;
            break;
        }
        double step = -F / (1.0 + W * d1);
        double tn = t + step;
        if (!(tn >= lo && tn <= hi)) { /* rounding pushed Newton out of the bracket: bisect */
            tn = 0.5 * (lo + hi);
            step = tn - t;
        }
        dt = step;
        t = tn;
        if (dt * dt <= 1e-15 * (1.0 + fabs(t)) || hi - lo <= 4e-16 * (1.0 + fabs(t))) break;
    }
    /* s s' at the returned t to first order: d(s s')/dt = s s' (s(-t) - s(t)) = d1 (2 sm - 1). */
    double d1t = d1 + d1 * (2.0 * sm - 1.0) * dt;
    if (d1t < 0) d1t = 0;
    *dt_du = 1.0 / (1.0 + W * d1t);
    return t;
}

static void logistic_prox(const cav_loss *self, size_t n, const double *y, const double *omega,
                          const double *V, double *hstar, double *dprox)
{
    (void)self;
    for (size_t i = 0; i < n; i++) {
        double a = y[i];
        if (a == 0.0) {
            hstar[i] = omega[i];
            if (dprox) dprox[i] = 1.0;
            continue;
        }
        double d, t = logistic_solve(a * omega[i], V[i] * a * a, &d);
        hstar[i] = (a == 1.0 || a == -1.0) ? a * t : t / a;
        if (dprox) dprox[i] = d;
    }
}

const cav_loss_type cav_loss_logistic = {"logistic",
                                         "logistic loss log(1 + exp(-y h)) (logistic regression)",
                                         1,
                                         logistic_value,
                                         logistic_prox,
                                         no_kinks,
                                         no_params};

/* -------------------------------------------- smooth hinge: quadratically smoothed hinge --- */

/* Width s = par[0] (0 selects the default 1):
 *   L(t) = 0                  for t >= 1,
 *          (1 - t)^2 / (2 s)  for 1 - s < t < 1,
 *          1 - t - s/2        for t <= 1 - s.
 * C^1 with L'' jumping at t = 1 - s and t = 1 (ddl: right derivative in h, as for the hinge). */
static double sh_width(const cav_loss *self)
{
    return self->par[0] == 0.0 ? 1.0 : self->par[0];
}

static void smooth_hinge_value(const cav_loss *self, size_t n, const double *y, const double *h,
                               double *l, double *dl, double *ddl)
{
    double s = sh_width(self);
    for (size_t i = 0; i < n; i++) {
        double a = y[i], t = a * h[i];
        double L, L1, L2;
        /* Piece selection uses the right limit in h: for a < 0 that is the left limit in t. */
        int top = a > 0 ? (t >= 1.0) : (t > 1.0);
        int bottom = a > 0 ? (t < 1.0 - s) : (t <= 1.0 - s);
        if (top) {
            L = 0.0;
            L1 = 0.0;
            L2 = 0.0;
        } else if (bottom) {
            L = 1.0 - t - 0.5 * s;
            L1 = -1.0;
            L2 = 0.0;
        } else {
            L = (1.0 - t) * (1.0 - t) / (2.0 * s);
            L1 = -(1.0 - t) / s;
            L2 = 1.0 / s;
        }
        if (l) l[i] = L;
        if (dl) dl[i] = a * L1;
        if (ddl) ddl[i] = a * a * L2;
    }
}

/* Prox in t: t = u - W L'(t), piece by piece (each candidate is valid on its u-interval):
 *   u <= 1 - s - W     : t* = u + W                    (dt/du = 1)
 *   1 - s - W < u < 1  : t* = (s u + W)/(s + W)         (dt/du = s/(s + W))
 *   u >= 1             : t* = u                        (dt/du = 1). */
static void smooth_hinge_prox(const cav_loss *self, size_t n, const double *y, const double *omega,
                              const double *V, double *hstar, double *dprox)
{
    double s = sh_width(self);
    for (size_t i = 0; i < n; i++) {
        double a = y[i];
        if (a == 0.0) {
            hstar[i] = omega[i];
            if (dprox) dprox[i] = 1.0;
            continue;
        }
        double W = V[i] * a * a, u = a * omega[i], t, d;
        if (u >= 1.0) {
            t = u;
            d = 1.0;
        } else if (u <= 1.0 - s - W) {
            t = u + W;
            d = 1.0;
        } else {
            d = s / (s + W);
            t = u + W * (1.0 - u) / (s + W); /* = (s u + W)/(s + W), written as u + correction */
        }
        hstar[i] = (a == 1.0 || a == -1.0) ? a * t : t / a;
        if (dprox) dprox[i] = d;
    }
}

static int smooth_hinge_kinks(const cav_loss *self, double V, double *u)
{
    u[0] = 1.0 - sh_width(self) - V;
    u[1] = 1.0;
    return 2;
}

static int smooth_hinge_check(const cav_loss *self, cav_err *err)
{
    double s = self->par[0];
    if (!(isfinite(s) && s >= 0.0))
        return cav_err_set(err, CAV_EINVAL,
                           "smooth-hinge width par[0] = %g must be finite and >= 0 (0: default 1)",
                           s);
    return CAV_OK;
}

const cav_loss_type cav_loss_smooth_hinge = {
    "smooth-hinge",
    "quadratically smoothed hinge, width par[0] (default 1)",
    0,
    smooth_hinge_value,
    smooth_hinge_prox,
    smooth_hinge_kinks,
    smooth_hinge_check};

/* ------------------------------------- robust square: (|y - h| + r)^2 / 2, r = par[0] ------- */

/* The inner maximum of adversarial training with the square loss (the adversarial-training engine, src/theory/adv/adv.c):
 * max_{|delta| <= r} (y - h - delta)^2/2 = (|y - h| + r)^2/2, r = eps_t N(w) >= 0; r = par[0]
 * (0: the square loss). Convex in h (a convex nondecreasing function of |y - h|), with a kink at
 * h = y when r > 0 (dl jumps from -r to +r); dl, ddl are the right derivatives there. */
static void square_robust_value(const cav_loss *self, size_t n, const double *y, const double *h,
                                double *l, double *dl, double *ddl)
{
    double r = self->par[0];
    for (size_t i = 0; i < n; i++) {
        double e = h[i] - y[i], a = fabs(e) + r;
        if (l) l[i] = 0.5 * a * a;
        if (dl) dl[i] = e >= 0 ? a : -a;
        if (ddl) ddl[i] = 1.0;
    }
}

/* (P) with l_r: for h != y stationarity reads h - omega + V (h - y + r sign(h - y)) = 0, i.e.
 * h - y = (omega - y - r V sign(h - y))/(1 + V), consistent only when |omega - y| > r V; for
 * |omega - y| <= r V the subgradient condition omega - y in V [-r, r] holds at h = y. Hence
 *   |omega - y| <= r V :  h* = y                                          (dprox = 0)
 *   otherwise          :  h* = y + sign(omega - y)(|omega - y| - r V)/(1 + V)  (dprox = 1/(1+V)).
 * r = 0 gives the square prox (omega + V y)/(1 + V). At the band edges dprox takes the flat
 * value 0 (as the hinge). */
static void square_robust_prox(const cav_loss *self, size_t n, const double *y, const double *omega,
                               const double *V, double *hstar, double *dprox)
{
    double r = self->par[0];
    for (size_t i = 0; i < n; i++) {
        double g = omega[i] - y[i], b = r * V[i], c = 1.0 / (1.0 + V[i]);
        if (r > 0 && fabs(g) <= b) {
            hstar[i] = y[i];
            if (dprox) dprox[i] = 0.0;
        } else {
            hstar[i] = y[i] + (g > 0 ? g - b : g + b) * c;
            if (dprox) dprox[i] = c;
        }
    }
}

/* For y = +-1, omega - y = y (u - 1) with u = y omega, so the band |omega - y| <= r V is
 * 1 - r V <= u <= 1 + r V: kinks at u = 1 -+ r V (none when r = 0). */
static int square_robust_kinks(const cav_loss *self, double V, double *u)
{
    double r = self->par[0];
    if (!(r > 0)) return 0;
    u[0] = 1.0 - r * V;
    u[1] = 1.0 + r * V;
    return 2;
}

static int square_robust_check(const cav_loss *self, cav_err *err)
{
    double r = self->par[0];
    if (!(isfinite(r) && r >= 0.0))
        return cav_err_set(err, CAV_EINVAL,
                           "square-robust radius par[0] = %g must be finite and >= 0", r);
    return CAV_OK;
}

const cav_loss_type cav_loss_square_robust = {
    "square-robust",
    "robust square loss (|y - h| + r)^2/2, radius r = par[0] (default 0: square)",
    0,
    square_robust_value,
    square_robust_prox,
    square_robust_kinks,
    square_robust_check};

/* ------------------------------------------------------------------------- registry -------- */

static const cav_loss_type *const loss_registry[] = {
    &cav_loss_square,       &cav_loss_hinge,         &cav_loss_logistic,
    &cav_loss_smooth_hinge, &cav_loss_square_robust, NULL};

CAV_REGISTRY_DEFINE(cav_loss_type, loss_registry, cav_loss)

const char *cav_loss_names(void)
{
    return "square,hinge,logistic,smooth-hinge,square-robust";
}

void cav_loss_value(const cav_loss *self, size_t n, const double *y, const double *h, double *l,
                    double *dl, double *ddl)
{
    self->type->value(self, n, y, h, l, dl, ddl);
}

void cav_loss_prox(const cav_loss *self, size_t n, const double *y, const double *omega,
                   const double *V, double *hstar, double *dprox)
{
    self->type->prox(self, n, y, omega, V, hstar, dprox);
}

int cav_loss_check(const cav_loss *self, cav_err *err)
{
    if (!self || !self->type) return cav_err_set(err, CAV_EINVAL, "loss: no type given (NULL)");
    return self->type->check ? self->type->check(self, err) : CAV_OK;
}
