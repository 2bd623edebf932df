/* cavity/gauss.h — Gaussian expectations with error control.
 *
 * E[f(z)], z ~ N(0,1), and E[f(z1, z2)], z1, z2 iid N(0,1), for vector-valued integrands that
 * may have kinks (hinge, sign, ReLU): the caller passes the kink locations as breakpoints and the
 * real line is cut there into panels; each panel is integrated by an adaptive Gauss–Kronrod
 * (7/15) rule with the Gaussian density folded into the integrand, and refined (bisection of the
 * worst panel) until the estimated error is below max(abstol, reltol*|E|) for every component.
 * The tails beyond |z| > zmax (default 12, where phi < 1e-31) are dropped; integrands that grow
 * faster than polynomially must pass a larger zmax.
 *
 * Integrands are called in batches: f(ctx, n, z, out) fills out[i*nout + k] for node i and
 * component k, so an expensive method (a prox) is one indirect call per batch, not per node.
 */
#ifndef CAVITY_GAUSS_H
#define CAVITY_GAUSS_H

#include <stddef.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_GAUSS_MAXOUT 16

/* Batched 1-D integrand: out[i*nout + k] = f_k(z[i]). */
typedef void (*cav_gauss_fn)(void *ctx, size_t n, const double *z, double *out);

/* Batched 2-D integrand: out[i*nout + k] = f_k(z1[i], z2[i]). */
typedef void (*cav_gauss_fn2)(void *ctx, size_t n, const double *z1, const double *z2,
                              double *out);

typedef struct cav_gauss_opts {
    double abstol;  /* absolute tolerance per component (default 1e-12) */
    double reltol;  /* relative tolerance per component (default 1e-10) */
    double zmax;    /* integration range [-zmax, zmax] (default 12) */
    int max_panels; /* refinement budget in panels (default 400) */
} cav_gauss_opts;

/* Defaults as documented above. */
cav_gauss_opts cav_gauss_opts_default(void);

/* E[f(z)] for z ~ N(0,1), f with `nout` <= CAV_GAUSS_MAXOUT components.
 * breaks[0..nbreaks): kink locations in z (any order, those outside the range are ignored).
 * res[nout]: the expectations; abserr[nout] (may be NULL): error estimates.
 * opts may be NULL (defaults). Returns CAV_OK, CAV_EMAXITER when the panel budget ran out before
 * the tolerance was met (res still holds the best estimate, err says by how much), CAV_ENUMERIC
 * on a non-finite integrand value, CAV_EINVAL on bad arguments. */
int cav_gauss_expect(cav_gauss_fn f, void *ctx, int nout, const double *breaks, int nbreaks,
                     const cav_gauss_opts *opts, double *res, double *abserr, cav_err *err);

/* E[f(z1, z2)] for independent standard normals, kinks along coordinate lines z1 = breaks1[j]
 * and z2 = breaks2[j] (tensor product of the 1-D panel rules, adaptive in both directions).
 * Same conventions as cav_gauss_expect. */
int cav_gauss_expect2(cav_gauss_fn2 f, void *ctx, int nout, const double *breaks1, int nbreaks1,
                      const double *breaks2, int nbreaks2, const cav_gauss_opts *opts, double *res,
                      double *abserr, cav_err *err);

/* Fixed Gauss–Hermite rule for the standard normal measure: nodes z[k], weights w[k] with
 * sum w = 1 and E[p(z)] exact for polynomials of degree < 2n. n <= 200. Returns CAV_OK. */
int cav_gauss_hermite(int n, double *z, double *w);

#ifdef __cplusplus
}
#endif
#endif
