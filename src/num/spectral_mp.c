/* num/spectral_mp.c — Marchenko–Pastur averages (cavity/spectral.h, part 1).
 *
 * Law of S = F F^T/d, F a p x d matrix of iid N(0,1), c = p/d: support [(1-sqrt c)^2,
 * (1+sqrt c)^2] plus an atom 1 - 1/c at 0 when c > 1. Its Stieltjes transform g(z) = <1/(s - z)>
 * solves
 *     c z g^2 + (z - 1 + c) g + 1 = 0
 * (check: g ~ -1/z - 1/z^2 - (1+c)/z^3 at large z reproduces <s> = 1, <s^2> = 1 + c). At z = -t,
 * t > 0, G1 = <1/(s+t)> = g(-t) is the positive root of c t G^2 + b G - 1 = 0, b = t + 1 - c,
 *     G1 = 2/(b + sqrt(b^2 + 4ct))   (b >= 0)   or   (sqrt(b^2 + 4ct) - b)/(2ct)   (b < 0),
 * whichever has no cancellation; implicit differentiation gives
 *     G2 = <1/(s+t)^2> = -dG1/dt = (c G1^2 + G1)/sqrt(b^2 + 4ct).
 * (Bai & Silverstein, "Spectral analysis of large dimensional random matrices", ch. 3.)
 *
 * Law of X^T X/d, X n x d, a = n/d: continuous density sqrt((s+ - s)(s - s-))/(2 pi s) on
 * [s-, s+] = [(1 - sqrt a)^2, (1 + sqrt a)^2] (mass min(1, a)). With s = 1 + a + 2 sqrt(a) cos t,
 * rho(s) s ds = (4 a sin^2 t/(2 pi)) dt on [0, pi], a smooth integrand for any smooth h.
 */
#include <math.h>

#include "cavity/quad.h"
#include "cavity/spectral.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

void cav_spectral_mp_resolvent(double c, double t, double *G1, double *G2)
{
    double b = t + 1.0 - c;
    double disc = sqrt(b * b + 4.0 * c * t);
    double g = b >= 0 ? 2.0 / (b + disc) : (disc - b) / (2.0 * c * t);
    *G1 = g;
    *G2 = (c * g * g + g) / disc;
}

typedef struct {
    double a;
    cav_spectral_fn h;
    void *ctx;
} mp_ctx;

static void mp_integrand(void *p, size_t n, const double *th, double *out)
{
    const mp_ctx *c = p;
    double r = 2 * sqrt(c->a);
    for (size_t i = 0; i < n; i++) {
        double s = 1 + c->a + r * cos(th[i]), sn = sin(th[i]);
        double dens = r * r * sn * sn / (2 * M_PI); /* rho(s) s ds = dens dtheta */
        out[i] = dens * c->h(c->ctx, s);
    }
}

int cav_spectral_mp_integrate_s(double a, cav_spectral_fn h, void *ctx, double abstol,
                                double reltol, double *res, cav_err *err)
{
    if (!(a > 0) || !isfinite(a))
        return cav_err_set(err, CAV_EINVAL, "mp: ratio a = %g must be positive", a);
    if (!h || !res) return cav_err_set(err, CAV_EINVAL, "mp: h and res must not be NULL");
    mp_ctx c = {a, h, ctx};
    cav_quad_opts o = cav_quad_opts_default();
    o.abstol = abstol, o.reltol = reltol, o.max_panels = 400;
    /* four initial panels: the 15-point rule then resolves integrands up to moderate degree
     * (phi_t of the DMFT flow has ~t oscillations) before any bisection */
    const double br[3] = {0.25 * M_PI, 0.5 * M_PI, 0.75 * M_PI};
    return cav_quad_integrate(mp_integrand, &c, 1, 0.0, M_PI, br, 3, &o, res, NULL, err);
}
