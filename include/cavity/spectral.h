/* cavity/spectral.h — spectral tools for extensive-rank matrices: Marchenko–Pastur laws, the free
 * convolution MP boxplus semicircle, rotationally invariant (RIE) denoisers and their MMSE, and the
 * rectangular (singular-value) counterpart.
 *
 * Conventions (every function below):
 *   Stieltjes / Cauchy transform  G(z) = int rho(y)/(z - y) dy, evaluated at z = x - i0, so that
 *   rho(x) = Im G(x - i0)/pi and H(x) = Re G(x - i0) = p.v. int rho(y)/(x - y) dy (the Hilbert
 *   transform, without a factor pi).
 *
 * 1. Marchenko–Pastur (MP). Two normalisations are in use:
 *    - cav_spectral_mp_resolvent: the law of F F^T/d, F a p x d matrix of iid N(0,1), c = p/d
 *      (mean 1, support [(1-sqrt c)^2, (1+sqrt c)^2], atom 1 - 1/c at 0 when c > 1);
 *    - cav_spectral_mp_integrate_s: the law of X^T X/d, X an n x d matrix of iid N(0,1),
 *      a = n/d (mean a, same edges (1 +- sqrt a)^2, atom (1-a)_+ at 0, continuous density
 *      sqrt((s+ - s)(s - s-))/(2 pi s)).
 *
 * 2. MP(kappa*) boxplus SC(xi): the spectrum of Y = S* + sqrt(xi) Z with S* = W W^T/m*, W a
 *    d x m* matrix of iid N(0,1), m* = kappa* d (mean-1 MP law with ratio 1/kappa*: atom 1 - kappa*
 *    at 0 when kappa* < 1, (1/d) Tr S*^2 -> 1 + 1/kappa*) and Z a GOE matrix with semicircle on
 *    [-2, 2]. The R-transform of the sum is 1/(1 - g/kappa*) + xi g, so G solves the cubic
 *        xi G^3 - (x + kappa* xi) G^2 + (1 - kappa* + kappa* x) G - kappa* = 0.
 *    On the support the cubic has one complex-conjugate pair (rho = |Im|/pi, H = Re); outside it
 *    three real roots, of which the physical one is the root continuous with 1/x at infinity
 *    (smallest positive above the support, largest negative below it, the one between the edge
 *    values in a gap). The support edges are the real roots of the discriminant of the cubic, a
 *    quartic in x, so the support has one or two intervals (two when kappa* < 1 and xi is small:
 *    the atom at 0 broadens into a bump of width ~ 4 sqrt(xi/(1 - kappa*))); they are found as
 *    eigenvalues of the companion matrix, polished by Newton's method, and each interval is
 *    classified by the sign of the discriminant at its midpoint. Integrals over an interval [a, b]
 *    use x = a + (b - a)(1 - cos t)/2, which makes the square-root edges smooth, and the adaptive
 *    Gauss–Kronrod rule of cavity/quad.h, so the narrow bump at small xi is resolved like any
 *    other interval.
 *    RIE (Bayes-optimal rotationally invariant estimator of S* from Y): keep the eigenvectors and
 *    map each eigenvalue x -> x - 2 xi H(x); its MSE (1/d)||S_hat - S*||_F^2 tends to
 *        mmse(xi) = xi - (4 pi^2/3) xi^2 int rho^3
 *    (from int rho H^2 = (pi^2/3) int rho^3). Spectral estimators F = sum f(nu_i) u_i u_i^T have
 *    (1/d)<S*, F> -> int rho f(x) (x - 2 xi H(x)) dx.
 *
 * 3. Rectangular: Y = (S* + sqrt(noise) Z)/(L D)^{1/4} with S* = U V^T/sqrt(r) (U: L x r, V: r x D,
 *    Z: L x D, all iid N(0,1), so S* has unit second moment per entry), aspect beta = L/D and rank
 *    ratio rho = r/min(L, D). Only R1 = max(beta, 1/beta) >= 1 matters (transpose). mu is the
 *    symmetrised law of the min(L, D) singular values of Y (mass 1/2 on each side of 0); its
 *    transform G = z q solves a quartic in q whose coefficients are polynomials in z^2
 *    (phi = rho/R1, psi = rho, eta = (1 + noise) sqrt(R1), zeta = sqrt(R1)):
 *        a4 q^4 + a3 q^3 + a2 q^2 + a1 q + a0 = 0,
 *        a0 = -psi^3,
 *        a1 = psi (zeta (psi - phi) + psi (eta (phi - psi) + psi z^2)),
 *        a2 = -zeta^2 (phi - psi)^2 + zeta (eta (phi - psi)^2 + psi z^2 (2 phi - psi))
 *             - eta psi^2 z^2 phi,
 *        a3 = -zeta z^2 phi (2 (zeta - eta)(psi - phi) + psi z^2),
 *        a4 = zeta z^4 phi^2 (eta - zeta)
 *    (checked against sampled matrices by moments and by the RIE risk; see docs/matrix-sensing.md).
 *    The physical root is the one with the largest imaginary part at z = x - i eps; the support
 *    (positive side, up to three intervals) is found by bisection of a scan of mu > 0.
 *    Rectangular RIE: keep the singular vectors and map s -> s - noise R1^{-1/2} ((R1 - 1)/s + 2
 * H(s)); per-entry MSE (1/(L D))||S_hat - S*||_F^2 -> mmse = noise - noise^2 R1^{-3/2} [(R1 - 1)^2
 * int mu(x)/x^2 dx + (4 pi^2/3) int mu^3], integrals over the whole real line (twice those over x >
 * 0).
 *
 * References: Bai & Silverstein, Spectral analysis of large dimensional random matrices (2010);
 * Bun, Bouchaud, Potters, "Cleaning large correlation matrices", Phys. Rep. 666 (2017); Troiani,
 * Erba, Krzakala, Maillard, Zdeborová, "Optimal denoising of rotationally invariant rectangular
 * matrices", MSML 2022 (arXiv:2203.07752); Maillard, Troiani, Martin, Krzakala, Zdeborová,
 * arXiv:2408.03733; Erba, Troiani, Biggio, Maillard, Zdeborová, arXiv:2410.18858.
 *
 * All functions are reentrant (no global state, no GSL error handler); objects are plain structs
 * filled by _init and read-only afterwards, so one object may be shared by threads.
 */
#ifndef CAVITY_SPECTRAL_H
#define CAVITY_SPECTRAL_H

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- 1. Marchenko–Pastur ---- */

/* For the law of F F^T/d (ratio c = p/d > 0, mean 1) and t > 0: G1 = <1/(s + t)> and
 * G2 = <1/(s + t)^2>, in closed form without cancellation. */
void cav_spectral_mp_resolvent(double c, double t, double *G1, double *G2);

/* Scalar function with context. */
typedef double (*cav_spectral_fn)(void *ctx, double s);

/* int s h(s) rho_a(s) ds over the continuous part of the law of X^T X/d (ratio a = n/d > 0), by
 * the substitution s = 1 + a + 2 sqrt(a) cos t (smooth on [0, pi]) and adaptive Gauss–Kronrod to
 * max(abstol, reltol |I|). Returns CAV_OK, CAV_EMAXITER (not reached: *res is the best estimate),
 * CAV_ENUMERIC (non-finite h), CAV_EINVAL (a <= 0, h NULL). */
int cav_spectral_mp_integrate_s(double a, cav_spectral_fn h, void *ctx, double abstol,
                                double reltol, double *res, cav_err *err);

/* ---- 2. MP(kappa*) boxplus SC(xi) ---- */

typedef struct cav_spectral_mpsc {
    double kappa;          /* kappa* > 0 */
    double xi;             /* semicircle variance xi > 0 */
    int nint;              /* intervals of the support: 1 or 2 */
    double lo[2], hi[2];   /* the intervals, increasing */
    double glo[2], ghi[2]; /* G at the edges (branch choice in the gap) */
} cav_spectral_mpsc;

/* Fill d for kappa_star > 0 and xi > 0 (range 1e-12 <= xi <= 1e12). Returns CAV_OK, CAV_EINVAL
 * (naming the parameter) or CAV_ENUMERIC (support not found). */
int cav_spectral_mpsc_init(cav_spectral_mpsc *d, double kappa_star, double xi, cav_err *err);

/* Density rho(x) and Hilbert transform H(x) at any real x (rho = 0 off the support). Either
 * output may be NULL. */
void cav_spectral_mpsc_eval(const cav_spectral_mpsc *d, double x, double *rho, double *H);

/* The RIE: x - 2 xi H(x). */
double cav_spectral_mpsc_rie(const cav_spectral_mpsc *d, double x);

/* Integrals over [b, top edge] (b = -HUGE_VAL for the whole support). */
typedef struct cav_spectral_mom {
    double m0; /* int rho */
    double m1; /* int rho x */
    double m2; /* int rho x^2 */
    double h0; /* int rho H */
    double h1; /* int rho H x */
    double r3; /* int rho^3 */
} cav_spectral_mom;

/* Integrals to relative 1e-11 (absolute 1e-13). Returns CAV_OK or the quadrature's status
 * (CAV_EMAXITER with the best estimate). */
int cav_spectral_mpsc_moments(const cav_spectral_mpsc *d, double b, cav_spectral_mom *m,
                              cav_err *err);

/* omega with int_omega^top rho = mass (0 < mass < 1): the eigenvalue cut that keeps a fraction
 * `mass` of the spectrum. Brent on the upper-tail mass, to 1e-13. */
int cav_spectral_mpsc_quantile(const cav_spectral_mpsc *d, double mass, double *omega,
                               cav_err *err);

/* mmse(xi) = xi - (4 pi^2/3) xi^2 int rho^3 of the RIE (per (1/d)||.||_F^2). For xi = 0 returns 0;
 * for xi -> infinity it tends to the variance 1/kappa* of the MP law. */
int cav_spectral_rie_mmse(double kappa_star, double xi, double *mmse, cav_err *err);

/* ---- 3. Rectangular ---- */

typedef struct cav_spectral_rect {
    double R1;           /* max(beta, 1/beta) >= 1 */
    double rho;          /* rank ratio in (0, 1] */
    double noise;        /* noise variance > 0 (per entry, signal per entry 1) */
    int nint;            /* intervals of the positive support (1..3) */
    double lo[3], hi[3]; /* intervals on x > 0 */
} cav_spectral_rect;

/* Fill r for beta > 0, rho in (0, 1], noise in [1e-10, 1e10]. Returns CAV_OK, CAV_EINVAL,
 * CAV_ENUMERIC. */
int cav_spectral_rect_init(cav_spectral_rect *r, double beta, double rho, double noise,
                           cav_err *err);

/* Symmetrised singular-value density mu(x) and H(x) = Re G(x - i0) for x > 0 (mu = 0 off the
 * support; H there from the real root of largest imaginary part, adequate for the RIE of finite
 * matrices). Either output may be NULL. */
void cav_spectral_rect_eval(const cav_spectral_rect *r, double x, double *mu, double *H);

/* Rectangular RIE of a singular value s > 0 (in the (L D)^{1/4} normalisation above). */
double cav_spectral_rect_rie(const cav_spectral_rect *r, double s);

/* int mu (whole line, = 1), int mu/x^2 and int mu^3 (whole line). */
int cav_spectral_rect_integrals(const cav_spectral_rect *r, double *mass, double *inv2,
                                double *cube, cav_err *err);

/* Rectangular denoising MMSE (per entry) at the given noise; noise = 0 gives 0. */
int cav_spectral_rect_mmse(double beta, double rho, double noise, double *mmse, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
