/* blocks/channel.c — teacher channels P(y | nu): sign, sign-flip (Rules-and-Facts), linear.
 *
 * For each channel: a sampler, the conditional label law given a Gaussian teacher field
 * nu ~ N(mu, v) (weights w_k = P(y_k) and first moments wnu_k = E[nu 1{y = y_k}], what the ERM
 * replica equations average over), and the Bayes output function
 *     Z(y, omega, V) = int P(y|nu) N(nu; omega, V) dnu,  gout = d log Z/d omega,
 *     dgout = d gout/d omega
 * of the Bayes-optimal state evolution (docs/raf.md, "Bayes-optimal").
 *
 * Rules-and-Facts channel (docs/raf.md, "Model"): P(y|nu) = (1 + (1-eps) y sign(nu))/2, i.e.
 * eps/2 + (1-eps) 1{y nu > 0}; eps = 0 is the plain sign channel. With x = mu/sqrt(v):
 *     w_y   = eps/2 + (1-eps) Phi(y x),
 *     wnu_y = eps mu/2 + (1-eps) E[nu 1{y nu > 0}] = eps mu/2 + (1-eps)(mu Phi(y x) + y sqrt(v)
 * phi(x)) (the last from E[nu 1{nu > 0}] = mu Phi(x) + sqrt(v) phi(x) and its mirror image); the
 * w_y sum to 1 and the wnu_y to mu. Output function with x = y omega/sqrt(V), z = -x: Z = eps/2 +
 * (1-eps) H(z), gout = (y/sqrt V) r M(z),  r = (1-eps) H(z)/Z in [0, 1],  M(z) = phi(z)/H(z)
 * (inverse Mills), dgout = -gout (omega/V + gout) = -(r M/V)(r M - z). In the tail z -> +inf (label
 * against the field) M(z) ~ z: computed through cav_mills, never as 0/0; r is formed in the log
 * domain; r M - z = r (M - z) - (1 - r) z with M - z from a continued fraction for large z (no
 * cancellation).
 */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "core/registry.h"
#include "cavity/channel.h"
#include "cavity/gauss.h"
#include "cavity/special.h"

/* ------------------------------------------------------------- helpers ------------------- */

#define LOG_2PI 1.83787706640934548356065947281123527 /* log(2 pi) */

/* M(z) - z with M(z) = phi(z)/H(z): for z >= 4 by Laplace's continued fraction
 * M(z) = z + 1/(z + 2/(z + 3/(z + ...))), 40 terms (relative error < 1e-16 for z >= 4, checked
 * against mpmath in tests/ref/blocks/channel_ref.py); below 4 the difference of cav_mills and z
 * has no damaging cancellation (M - z >= 0.2). */
static double mills_minus_z(double z)
{
    if (z < 4.0) return cav_mills(z) - z;
    double c = 0.0;
    for (int k = 40; k >= 2; k--)
        c = (double)k / (z + c);
    return 1.0 / (z + c);
}

static double binary_eps(const cav_channel *self)
{
    return self->type == &cav_channel_sign ? 0.0 : self->par[0];
}

/* -------------------------------------------------------- sign and sign-flip ------------- */

/* y = sign(nu) with probability 1 - eps, a uniform +-1 with probability eps. At nu = 0 exactly
 * (P(y|0) = 1/2 under the law above) the label is a fair coin. */
static double binary_sample(const cav_channel *self, double nu, cav_rng *rng)
{
    double eps = binary_eps(self);
    if (eps > 0 && cav_rng_uniform(rng) < eps) return cav_rng_sign(rng);
    if (nu > 0) return 1.0;
    if (nu < 0) return -1.0;
    return cav_rng_sign(rng);
}

static int binary_ylaw(const cav_channel *self, double mu, double v, double *y, double *w,
                       double *wnu)
{
    double eps = binary_eps(self);
    y[0] = 1.0;
    y[1] = -1.0;
    for (int k = 0; k < 2; k++) {
        double yk = y[k], P, Enu;
        if (v > 0) {
            double sv = sqrt(v), x = mu / sv;
            P = cav_Phi(yk * x);                 /* P(y nu > 0) */
            Enu = mu * P + yk * sv * cav_phi(x); /* E[nu 1{y nu > 0}] */
        } else {                                 /* v = 0: nu = mu */
            P = mu == 0 ? 0.5 : (yk * mu > 0 ? 1.0 : 0.0);
            Enu = mu * P;
        }
        w[k] = 0.5 * eps + (1.0 - eps) * P;
        wnu[k] = 0.5 * eps * mu + (1.0 - eps) * Enu;
    }
    return 2;
}

static void binary_out(const cav_channel *self, size_t n, const double *y, const double *omega,
                       const double *V, double *logZ, double *gout, double *dgout)
{
    double eps = binary_eps(self);
    double leps = eps > 0 ? log(0.5 * eps) : -INFINITY; /* log(eps/2)  */
    double l1m = eps < 1 ? log1p(-eps) : -INFINITY;     /* log(1-eps)  */
    for (size_t i = 0; i < n; i++) {
        double yi = y[i] >= 0 ? 1.0 : -1.0, om = omega[i], Vi = V[i];
        double lz, g, dg;
        if (!(Vi > 0)) {
            /* Hard limit V = 0: Z = P(y | omega), locally constant in omega except at omega = 0
             * (a jump: gout infinite) and where Z = 0 (eps = 0, label against the field). */
            double s = om > 0 ? 1.0 : (om < 0 ? -1.0 : 0.0);
            double Z = 0.5 * (1.0 + (1.0 - eps) * yi * s);
            lz = log(Z);
            if (s != 0 && Z > 0) {
                g = 0.0;
                dg = 0.0;
            } else {
                g = yi * INFINITY;
                dg = -INFINITY;
            }
        } else {
            double sV = sqrt(Vi), z = -yi * om / sV;
            double lH = cav_logH(z);
            /* log Z = logaddexp(log(eps/2), log(1-eps) + log H(z)); r = (1-eps) H / Z. */
            double a = l1m + lH, r;
            if (eps == 0) {
                lz = lH;
                r = 1.0;
            } else if (eps == 1) {
                lz = leps;
                r = 0.0;
            } else {
                double mx = a > leps ? a : leps, mn = a > leps ? leps : a;
                lz = mx + log1p(exp(mn - mx));
                r = exp(a - lz);
            }
            double M = cav_mills(z);
            g = yi * r * M / sV;
            /* r M - z = r (M - z) - (1 - r) z */
            double rMz = r * mills_minus_z(z) - (1.0 - r) * z;
            dg = -(r * M / Vi) * rMz;
        }
        if (logZ) logZ[i] = lz;
        if (gout) gout[i] = g;
        if (dgout) dgout[i] = dg;
    }
}

static int none_check(const cav_channel *self, cav_err *err)
{
    (void)self;
    (void)err;
    return CAV_OK;
}

static int flip_check(const cav_channel *self, cav_err *err)
{
    double eps = self->par[0];
    if (!(eps >= 0.0 && eps <= 1.0))
        return cav_err_set(err, CAV_EINVAL, "sign-flip: eps = par[0] = %g must lie in [0, 1]", eps);
    return CAV_OK;
}

const cav_channel_type cav_channel_sign = {
    "sign",      "y = sign(nu) (noiseless perceptron teacher)",
    1,           binary_sample,
    binary_ylaw, binary_out,
    none_check};

const cav_channel_type cav_channel_sign_flip = {
    "sign-flip", "Rules-and-Facts: y = sign(nu) w.p. 1-eps, uniform +-1 w.p. eps (eps = par[0])",
    1,           binary_sample,
    binary_ylaw, binary_out,
    flip_check};

/* ------------------------------------------------------------------ linear --------------- */

/* Gauss–Hermite rule for N(0,1) with CAV_LINEAR_NODES nodes, computed once (thread-safe through
 * pthread_once) by the num layer and read-only afterwards. 40 nodes integrate polynomials of
 * degree < 80 in y exactly and smooth functions of y (a prox, its square) to near rounding. */
#define CAV_LINEAR_NODES 40
static double gh_z[CAV_LINEAR_NODES], gh_w[CAV_LINEAR_NODES];
static int gh_status = CAV_OK;
static pthread_once_t gh_once = PTHREAD_ONCE_INIT;

static void gh_init(void)
{
    gh_status = cav_gauss_hermite(CAV_LINEAR_NODES, gh_z, gh_w);
}

static double linear_sample(const cav_channel *self, double nu, cav_rng *rng)
{
    double D = self->par[0];
    return D > 0 ? nu + sqrt(D) * cav_rng_normal(rng) : nu;
}

/* y | (mu, v) ~ N(mu, v + Delta): y_k = mu + sqrt(v + Delta) z_k with the Gauss–Hermite weights;
 * E[nu | y] = mu + v/(v + Delta) (y - mu) (Gaussian regression), so wnu_k = w_k E[nu | y_k].
 * v + Delta = 0: y = nu = mu surely (one point). Returns 0 (no entries) if the rule is
 * unavailable. */
static int linear_ylaw(const cav_channel *self, double mu, double v, double *y, double *w,
                       double *wnu)
{
    double D = self->par[0], S = v + D;
    if (!(S > 0)) {
        y[0] = mu;
        w[0] = 1.0;
        wnu[0] = mu;
        return 1;
    }
    pthread_once(&gh_once, gh_init);
    if (gh_status != CAV_OK) return 0;
    double sS = sqrt(S), beta = v / S;
    for (int k = 0; k < CAV_LINEAR_NODES; k++) {
        y[k] = mu + sS * gh_z[k];
        w[k] = gh_w[k];
        wnu[k] = gh_w[k] * (mu + beta * (y[k] - mu));
    }
    return CAV_LINEAR_NODES;
}

/* Z = N(y; omega, S), S = V + Delta: log Z = -(y-omega)^2/(2S) - log(2 pi S)/2,
 * gout = (y - omega)/S, dgout = -1/S. S = 0 is the degenerate point mass (log Z = -inf or +inf). */
static void linear_out(const cav_channel *self, size_t n, const double *y, const double *omega,
                       const double *V, double *logZ, double *gout, double *dgout)
{
    double D = self->par[0];
    for (size_t i = 0; i < n; i++) {
        double S = V[i] + D, r = y[i] - omega[i];
        if (logZ) logZ[i] = -0.5 * r * r / S - 0.5 * (LOG_2PI + log(S));
        if (gout) gout[i] = r / S;
        if (dgout) dgout[i] = -1.0 / S;
    }
}

static int linear_check(const cav_channel *self, cav_err *err)
{
    double D = self->par[0];
    if (!(D >= 0.0 && isfinite(D)))
        return cav_err_set(err, CAV_EINVAL,
                           "linear: noise variance Delta = par[0] = %g must be finite and >= 0", D);
    return CAV_OK;
}

const cav_channel_type cav_channel_linear = {
    "linear",    "y = nu + sqrt(Delta) xi, Delta = par[0] (noisy linear teacher)",
    0,           linear_sample,
    linear_ylaw, linear_out,
    linear_check};

/* ----------------------------------------------------------------- registry -------------- */

static const cav_channel_type *const channel_registry[] = {
    &cav_channel_sign, &cav_channel_sign_flip, &cav_channel_linear, NULL};

CAV_REGISTRY_DEFINE(cav_channel_type, channel_registry, cav_channel)

const char *cav_channel_names(void)
{
    return "sign,sign-flip,linear";
}

int cav_channel_check(const cav_channel *self, cav_err *err)
{
    if (!self || !self->type) return cav_err_set(err, CAV_EINVAL, "channel: no type given (NULL)");
    return self->type->check ? self->type->check(self, err) : CAV_OK;
}
