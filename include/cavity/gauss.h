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
/* Most kink breakpoints one call accepts (per coordinate). */
#define CAV_GAUSS_MAXBREAKS 64

/* Batched 1-D integrand: out[i*nout + k] = f_k(z[i]). */
typedef void (*cav_gauss_fn)(void *ctx, size_t n, const double *z, double *out);

/* Batched 2-D integrand: out[i*nout + k] = f_k(z1[i], z2[i]). */
typedef void (*cav_gauss_fn2)(void *ctx, size_t n, const double *z1, const double *z2, double *out);

typedef struct cav_gauss_opts {
    double abstol;  /* absolute tolerance per component (default 1e-12) */
    double reltol;  /* relative tolerance per component (default 1e-10) */
    double zmax;    /* integration range [-zmax, zmax] (default 12) */
    int max_panels; /* refinement budget in panels (default 400) */
} cav_gauss_opts;

/* Defaults as documented above. */
cav_gauss_opts cav_gauss_opts_default(void);

/* E[f(z)] for z ~ N(0,1), f with `nout` <= CAV_GAUSS_MAXOUT components.
 * breaks[0..nbreaks): kink locations in z (any order, those outside the range are ignored),
 * nbreaks <= CAV_GAUSS_MAXBREAKS. max_panels counts the initial panels too.
 * Kinks must be announced: bisection refines around an unannounced kink only when the rule can
 * see it, and one lying between a panel end and that panel's outermost node (within 0.85% of the
 * panel width) is invisible, giving an error that the estimate does not report.
 * The tails |z| > zmax are dropped: relative accuracy of a tail expectation such as
 * E 1{z > a} = H(a) needs zmax well beyond a (H(12) = 1.8e-33).
 * Cost: a smooth integrand usually converges on the initial ~10 panels (150 nodes, one batched
 * call of f); no allocation unless refinement needs several hundred panels.
 * res[nout]: the expectations; abserr[nout] (may be NULL): error estimates.
 * opts may be NULL (defaults). Returns CAV_OK, CAV_EMAXITER when the panel budget ran out before
 * the tolerance was met (res still holds the best estimate, err says by how much), CAV_ENUMERIC
 * on a non-finite integrand value, CAV_EINVAL on bad arguments. */
int cav_gauss_expect(cav_gauss_fn f, void *ctx, int nout, const double *breaks, int nbreaks,
                     const cav_gauss_opts *opts, double *res, double *abserr, cav_err *err);

/* E[f(z1, z2)] for independent standard normals, kinks along coordinate lines z1 = breaks1[j]
 * and z2 = breaks2[j]. Computed as the iterated integral E_{z1}[E_{z2} f] with the 1-D adaptive
 * rule at both levels (so adaptive in both directions; for kinks off the coordinate lines use
 * cav_gauss_expect2_lines). The inner integrals use a tenth of the
 * tolerances, max_panels applies to each level, and abserr is the outer error plus the
 * expectation of the inner errors. Same conventions as cav_gauss_expect. */
int cav_gauss_expect2(cav_gauss_fn2 f, void *ctx, int nout, const double *breaks1, int nbreaks1,
                      const double *breaks2, int nbreaks2, const cav_gauss_opts *opts, double *res,
                      double *abserr, cav_err *err);

/* A kink line z2 = c + s z1 of a 2-D integrand (e.g. max(0, z1 + z2): c = 0, s = -1). */
typedef struct cav_gauss_line {
    double c, s;
} cav_gauss_line;

/* cav_gauss_expect2 with, in addition, kinks along the lines z2 = lines[j].c + lines[j].s z1
 * (at most CAV_GAUSS_MAXBREAKS lines, and nbreaks2 + nlines <= CAV_GAUSS_MAXBREAKS): at each
 * outer node z1 the inner rule is cut at those points, so a diagonal kink costs nothing extra.
 * Vertical lines z1 = c are breaks1. A kink that is announced neither way may be missed when it
 * falls between a panel end and the panel's first node (the quadrature cannot see it there);
 * announce every kink. */
int cav_gauss_expect2_lines(cav_gauss_fn2 f, void *ctx, int nout, const double *breaks1,
                            int nbreaks1, const double *breaks2, int nbreaks2,
                            const cav_gauss_line *lines, int nlines, const cav_gauss_opts *opts,
                            double *res, double *abserr, cav_err *err);

/* Fixed Gauss–Hermite rule for the standard normal measure: nodes z[k], weights w[k] with
 * sum w = 1 and E[p(z)] exact for polynomials of degree < 2n. n <= 200. Returns CAV_OK. */
int cav_gauss_hermite(int n, double *z, double *w);

#ifdef __cplusplus
}
#endif
#endif
