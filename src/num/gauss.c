/* num/gauss.c — Gaussian expectations E[f(z)], z ~ N(0,1), with kink-aware adaptive quadrature.
 *
 * Method (see cavity/gauss.h for the contract):
 *   E[f] = int_{-zmax}^{zmax} phi(z) f(z) dz, phi the standard normal density. The range is cut
 *   at the caller's kink breakpoints and at fixed points (0, +-1.7, +-3.5, +-5.5, +-8, +-12) that
 *   resolve the Gaussian weight itself; each panel [a, b] is integrated by the 15-point
 *   Gauss–Kronrod rule applied to phi(z) f(z) (the density is folded into the weights), with
 *   the embedded 7-point Gauss rule giving the error estimate of Piessens et al., QUADPACK
 *   (Springer 1983), sec. 2.2.1:
 *       err = resasc * min(1, (200 |K15 - G7| / resasc)^{3/2}),  floored at 50 eps resabs,
 *   where resasc = int |g - mean g| (by the K15 rule) and resabs = int |g|.
 *   The panel errors are summed per component; while some component k has
 *       sum_panels err_k > tol_k = max(abstol, reltol |E_k|),
 *   the panel with the largest max_k err_k / tol_k (over unconverged k) is bisected.
 *   Bisection localises kinks that the caller did not announce (error ~ h^2 per panel), so
 *   they cost a few dozen extra panels rather than failure.
 *
 *   Two-dimensional expectations (independent z1, z2) are iterated integrals
 *       E[f] = E_{z1}[ g(z1) ],  g(z1) = E_{z2}[f(z1, z2)],
 *   each level by the same adaptive engine: the outer integrand returns g(z1) and the inner
 *   error estimate e(z1), and the outer error reported is its own quadrature error plus
 *   E_{z1}[e(z1)] (integrated alongside g). Inner tolerances are a tenth of the outer ones.
 *
 * Speed: integrands are called in batches (all initial panels in one call, then the two halves of
 * each bisected panel), nothing is allocated unless the refinement outgrows a stack workspace of
 * GAUSS_WS doubles (several hundred panels for a few components).
 *
 * cav_gauss_hermite: Golub–Welsch (Math. Comp. 23, 221 (1969)) eigenvalues of the Jacobi matrix
 * of the probabilists' Hermite polynomials (zero diagonal, off-diagonal sqrt(k)), then each node
 * polished by Newton's method on the orthonormal recurrence and weighted by the Christoffel
 * formula w = 1 / sum_{k<n} p_k(x)^2 (relative accuracy even for the tiny outer weights).
 */
#include "cavity/gauss.h"
#include "cavity/quad.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"

/* 15-point Kronrod nodes on [-1, 1] (positive half, descending; the last is the centre), the
 * Kronrod weights, and the weights of the embedded 7-point Gauss rule (nodes xgk[1], xgk[3],
 * xgk[5], xgk[7]). Standard values (Kronrod 1965; Piessens et al. 1983). */
static const double xgk[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.000000000000000000000000000000000};
static const double wgk[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
static const double wg[4] = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

#define NK 15
/* Panels evaluated per integrand call in the initial pass. */
#define GAUSS_NB 8
/* Internal integrands carry up to 2*CAV_GAUSS_MAXOUT columns (value + inner error in 2-D). */
#define GAUSS_MAXT (2 * CAV_GAUSS_MAXOUT)
/* Stack workspace for the panel table (doubles). */
#define GAUSS_WS 8192
/* Fixed cuts that resolve the Gaussian weight (chosen so that polynomial-like integrands up to
 * z^4 converge to ~1e-10 without refinement). A cut closer than GAUSS_SNAP to a kink is dropped. */
static const double gauss_cuts[] = {-12.0, -8.0, -5.5, -3.5, -1.7, 0.0, 1.7, 3.5, 5.5, 8.0, 12.0};
#define GAUSS_NCUTS ((int)(sizeof gauss_cuts / sizeof gauss_cuts[0]))
#define GAUSS_SNAP 0.4

static const double inv_sqrt_2pi = 0.398942280401432677939946059934;

cav_gauss_opts cav_gauss_opts_default(void)
{
    cav_gauss_opts o;
    o.abstol = 1e-12;
    o.reltol = 1e-10;
    o.zmax = 12.0;
    o.max_panels = 400;
    return o;
}

/* Internal batched integrand with a status: out[i*nt + k]. */
typedef int (*engine_fn)(void *ctx, size_t n, const double *z, double *out);

typedef struct engine {
    engine_fn f;
    void *ctx;
    int nt;    /* columns returned by f */
    int nc;    /* checked components: the first nc columns */
    int carry; /* columns nc..2nc-1 are integrated error contributions of columns 0..nc-1 */
    int plain; /* 1: no Gaussian weight, range [lo, hi] cut only at the breaks (cav_quad_integrate)
                */
    double lo, hi;
} engine;

/* Evaluate `np` panels [a[p], b[p]]: the K15 integral of phi*f into res[p*nt + k] and the error
 * estimate into er[p*nt + k]. z, fv are scratch of size np*NK and np*NK*nt. */
static int eval_panels(const engine *E, int np, const double *a, const double *b, double *res,
                       double *er, double *z, double *fv, double *dens)
{
    const int nt = E->nt;
    for (int p = 0; p < np; p++) {
        double c = 0.5 * (a[p] + b[p]), h = 0.5 * (b[p] - a[p]);
        double *zp = z + p * NK;
        for (int j = 0; j < 7; j++) {
            zp[j] = c - h * xgk[j];
            zp[NK - 1 - j] = c + h * xgk[j];
        }
        zp[7] = c;
        for (int j = 0; j < NK; j++)
            dens[p * NK + j] = E->plain ? 1.0 : inv_sqrt_2pi * exp(-0.5 * zp[j] * zp[j]);
    }
    int st = E->f(E->ctx, (size_t)np * NK, z, fv);
    if (st != CAV_OK) return st;
    const double eps = 2.220446049250313e-16, uflow = 2.2250738585072014e-308;
    for (int p = 0; p < np; p++) {
        double h = 0.5 * (b[p] - a[p]);
        const double *dp = dens + p * NK;
        for (int k = 0; k < nt; k++) {
            double g[NK];
            for (int j = 0; j < NK; j++) {
                double v = fv[(size_t)(p * NK + j) * nt + k];
                if (!isfinite(v)) return CAV_ENUMERIC;
                g[j] = dp[j] * v;
            }
            double resk = wgk[7] * g[7], resg = wg[3] * g[7], resabs = wgk[7] * fabs(g[7]);
            for (int j = 0; j < 7; j++) {
                resk += wgk[j] * (g[j] + g[NK - 1 - j]);
                resabs += wgk[j] * (fabs(g[j]) + fabs(g[NK - 1 - j]));
            }
            for (int j = 0; j < 3; j++)
                resg += wg[j] * (g[2 * j + 1] + g[NK - 2 - 2 * j]);
            double reskh = 0.5 * resk, resasc = wgk[7] * fabs(g[7] - reskh);
            for (int j = 0; j < 7; j++)
                resasc += wgk[j] * (fabs(g[j] - reskh) + fabs(g[NK - 1 - j] - reskh));
            resk *= h;
            resabs *= fabs(h);
            resasc *= fabs(h);
            double e = fabs((resk - resg * h));
            if (resasc != 0.0 && e != 0.0) {
                double t = pow(200.0 * e / resasc, 1.5);
                e = resasc * (t < 1.0 ? t : 1.0);
            }
            if (resabs > uflow / (50.0 * eps) && e < 50.0 * eps * resabs) e = 50.0 * eps * resabs;
            res[p * nt + k] = resk;
            er[p * nt + k] = e;
        }
    }
    return CAV_OK;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The adaptive engine. Panel table: record p at tab + p*stride = {a, b, res[nt], err[nt]}. */
static int engine_run(const engine *E, const double *breaks, int nbreaks, const cav_gauss_opts *o,
                      double *res, double *abserr, cav_err *err)
{
    const int nt = E->nt, nc = E->nc;
    const int stride = 2 + 2 * nt;
    double zmax = o->zmax;

    /* Cut list: -zmax, kinks inside the range, fixed cuts not too close to a kink, zmax. */
    double cuts[CAV_GAUSS_MAXBREAKS + GAUSS_NCUTS + 2];
    double lo = E->plain ? E->lo : -zmax, hi = E->plain ? E->hi : zmax;
    int nk = 0;
    for (int i = 0; i < nbreaks; i++)
        if (breaks[i] > lo && breaks[i] < hi) cuts[nk++] = breaks[i];
    int ncut = nk;
    for (int i = 0; i < (E->plain ? 0 : GAUSS_NCUTS); i++) {
        double c = gauss_cuts[i];
        if (c <= -zmax + GAUSS_SNAP || c >= zmax - GAUSS_SNAP) continue;
        int near = 0;
        for (int j = 0; j < nk; j++)
            if (fabs(cuts[j] - c) < GAUSS_SNAP) near = 1;
        if (!near) cuts[ncut++] = c;
    }
    cuts[ncut++] = lo;
    cuts[ncut++] = hi;
    qsort(cuts, (size_t)ncut, sizeof cuts[0], cmp_double);
    int m = 1; /* deduplicate */
    for (int i = 1; i < ncut; i++)
        if (cuts[i] > cuts[m - 1]) cuts[m++] = cuts[i];
    ncut = m;
    int npan = ncut - 1;
    int budget = o->max_panels > npan ? o->max_panels : npan;

    double stackws[GAUSS_WS];
    double *tab = stackws, *heap = NULL;
    int cap = GAUSS_WS / stride;

    double z[GAUSS_NB * NK], dens[GAUSS_NB * NK], fv[GAUSS_NB * NK * GAUSS_MAXT];
    double pa[GAUSS_NB], pb[GAUSS_NB], pr[GAUSS_NB * GAUSS_MAXT], pe[GAUSS_NB * GAUSS_MAXT];
    int status = CAV_OK;

    if (npan > cap) {
        heap = malloc((size_t)budget * (size_t)stride * sizeof(double));
        if (!heap) return cav_err_set(err, CAV_ENOMEM, "gauss: no memory for %d panels", budget);
        tab = heap;
        cap = budget;
    }
    for (int p0 = 0; p0 < npan; p0 += GAUSS_NB) {
        int np = npan - p0 < GAUSS_NB ? npan - p0 : GAUSS_NB;
        for (int p = 0; p < np; p++) {
            pa[p] = cuts[p0 + p];
            pb[p] = cuts[p0 + p + 1];
        }
        status = eval_panels(E, np, pa, pb, pr, pe, z, fv, dens);
        if (status != CAV_OK) goto fail;
        for (int p = 0; p < np; p++) {
            double *r = tab + (size_t)(p0 + p) * stride;
            r[0] = pa[p];
            r[1] = pb[p];
            memcpy(r + 2, pr + p * nt, (size_t)nt * sizeof(double));
            memcpy(r + 2 + nt, pe + p * nt, (size_t)nt * sizeof(double));
        }
    }

    double tot[GAUSS_MAXT], terr[CAV_GAUSS_MAXOUT], tol[CAV_GAUSS_MAXOUT];
    for (;;) {
        /* Totals (recomputed: no drift from incremental updates). */
        for (int k = 0; k < nt; k++)
            tot[k] = 0.0;
        for (int k = 0; k < nc; k++)
            terr[k] = 0.0;
        for (int p = 0; p < npan; p++) {
            const double *r = tab + (size_t)p * stride;
            for (int k = 0; k < nt; k++)
                tot[k] += r[2 + k];
            for (int k = 0; k < nc; k++)
                terr[k] += r[2 + nt + k];
        }
        int done = 1;
        unsigned open = 0; /* bit k: component k not converged */
        for (int k = 0; k < nc; k++) {
            double e = terr[k] + (E->carry ? fabs(tot[nc + k]) : 0.0);
            double t = o->reltol * fabs(tot[k]);
            tol[k] = t > o->abstol ? t : o->abstol;
            if (!(e <= tol[k])) {
                done = 0;
                open |= 1u << k;
            }
        }
        if (done) break;
        /* Worst panel over the unconverged components. */
        int worst = -1;
        double wv = -1.0;
        for (int p = 0; p < npan; p++) {
            const double *r = tab + (size_t)p * stride;
            if (!(r[1] - r[0] > 1e-12 * (1.0 + fabs(r[0])))) continue; /* too narrow to split */
            double v = 0.0;
            for (int k = 0; k < nc; k++) {
                if (!(open & (1u << k))) continue;
                double q =
                    tol[k] > 0.0 ? r[2 + nt + k] / tol[k] : (r[2 + nt + k] > 0 ? HUGE_VAL : 0);
                if (q > v) v = q;
            }
            if (v > wv) {
                wv = v;
                worst = p;
            }
        }
        if (worst < 0 || wv <= 0.0) {
            status = cav_err_set(err, CAV_EMAXITER,
                                 "gauss: tolerance not reachable (error dominated by inner "
                                 "integrals or roundoff) after %d panels",
                                 npan);
            break;
        }
        if (npan + 1 > budget) {
            int k0 = 0;
            for (int k = 0; k < nc; k++)
                if (open & (1u << k)) {
                    k0 = k;
                    break;
                }
            status = cav_err_set(err, CAV_EMAXITER,
                                 "gauss: panel budget %d exhausted: component %d has error %.3g "
                                 "> tolerance %.3g",
                                 budget, k0, terr[k0], tol[k0]);
            break;
        }
        if (npan + 1 > cap) {
            double *nh = malloc((size_t)budget * (size_t)stride * sizeof(double));
            if (!nh) {
                status = cav_err_set(err, CAV_ENOMEM, "gauss: no memory for %d panels", budget);
                goto fail;
            }
            memcpy(nh, tab, (size_t)npan * (size_t)stride * sizeof(double));
            free(heap);
            heap = tab = nh;
            cap = budget;
        }
        double *r = tab + (size_t)worst * stride;
        pa[0] = r[0];
        pb[0] = pa[1] = 0.5 * (r[0] + r[1]);
        pb[1] = r[1];
        status = eval_panels(E, 2, pa, pb, pr, pe, z, fv, dens);
        if (status != CAV_OK) goto fail;
        for (int h = 0; h < 2; h++) {
            double *q = h == 0 ? r : tab + (size_t)npan * stride;
            q[0] = pa[h];
            q[1] = pb[h];
            memcpy(q + 2, pr + h * nt, (size_t)nt * sizeof(double));
            memcpy(q + 2 + nt, pe + h * nt, (size_t)nt * sizeof(double));
        }
        npan++;
    }
    for (int k = 0; k < nc; k++) {
        res[k] = tot[k];
        if (abserr) abserr[k] = terr[k] + (E->carry ? fabs(tot[nc + k]) : 0.0);
    }
    free(heap);
    return status;
fail:
    free(heap);
    if (status == CAV_ENUMERIC)
        return cav_err_set(err, CAV_ENUMERIC, "gauss: integrand returned a non-finite value");
    return status;
}

static int check_opts(const cav_gauss_opts *o, int nout, int nbreaks, const double *breaks,
                      cav_err *err)
{
    if (nout < 1 || nout > CAV_GAUSS_MAXOUT)
        return cav_err_set(err, CAV_EINVAL, "gauss: nout = %d outside [1, %d]", nout,
                           CAV_GAUSS_MAXOUT);
    if (nbreaks < 0 || nbreaks > CAV_GAUSS_MAXBREAKS || (nbreaks > 0 && !breaks))
        return cav_err_set(err, CAV_EINVAL, "gauss: nbreaks = %d outside [0, %d]", nbreaks,
                           CAV_GAUSS_MAXBREAKS);
    for (int i = 0; i < nbreaks; i++)
        if (isnan(breaks[i])) return cav_err_set(err, CAV_EINVAL, "gauss: breakpoint %d is NaN", i);
    if (!(o->abstol >= 0.0) || !(o->reltol >= 0.0) || (o->abstol == 0.0 && o->reltol == 0.0))
        return cav_err_set(err, CAV_EINVAL, "gauss: tolerances abstol = %g, reltol = %g invalid",
                           o->abstol, o->reltol);
    if (!(o->zmax > 0.0) || !isfinite(o->zmax))
        return cav_err_set(err, CAV_EINVAL, "gauss: zmax = %g must be positive", o->zmax);
    if (o->max_panels < 1)
        return cav_err_set(err, CAV_EINVAL, "gauss: max_panels = %d must be >= 1", o->max_panels);
    return CAV_OK;
}

/* ---- 1-D ---- */

typedef struct ctx1 {
    cav_gauss_fn f;
    void *ctx;
} ctx1;

static int call1(void *c, size_t n, const double *z, double *out)
{
    ctx1 *C = c;
    C->f(C->ctx, n, z, out);
    return CAV_OK;
}

int cav_gauss_expect(cav_gauss_fn f, void *ctx, int nout, const double *breaks, int nbreaks,
                     const cav_gauss_opts *opts, double *res, double *abserr, cav_err *err)
{
    cav_gauss_opts o = opts ? *opts : cav_gauss_opts_default();
    if (!f || !res) return cav_err_set(err, CAV_EINVAL, "gauss: f and res must not be NULL");
    int st = check_opts(&o, nout, nbreaks, breaks, err);
    if (st != CAV_OK) return st;
    ctx1 C = {f, ctx};
    engine E = {call1, &C, nout, nout, 0, 0, 0.0, 0.0};
    return engine_run(&E, breaks, nbreaks, &o, res, abserr, err);
}

/* ---- 2-D: iterated integral ---- */

typedef struct ctx2 {
    cav_gauss_fn2 f;
    void *ctx;
    int nout;
    const double *breaks2;
    int nbreaks2;
    const cav_gauss_line *lines;
    int nlines;
    cav_gauss_opts inner;
    double z1; /* current outer node */
} ctx2;

static int call2_inner(void *c, size_t n, const double *z2, double *out)
{
    ctx2 *C = c;
    double z1[GAUSS_NB * NK];
    for (size_t i = 0; i < n; i++)
        z1[i] = C->z1;
    C->f(C->ctx, n, z1, z2, out);
    return CAV_OK;
}

static int call2_outer(void *c, size_t n, const double *z1, double *out)
{
    ctx2 *C = c;
    const int nout = C->nout;
    engine Ei = {call2_inner, C, nout, nout, 0, 0, 0.0, 0.0};
    double r[CAV_GAUSS_MAXOUT], e[CAV_GAUSS_MAXOUT], br[CAV_GAUSS_MAXBREAKS];
    for (int j = 0; j < C->nbreaks2; j++)
        br[j] = C->breaks2[j];
    for (size_t i = 0; i < n; i++) {
        C->z1 = z1[i];
        /* inner kinks: the fixed ones and the diagonal lines at this z1 */
        for (int j = 0; j < C->nlines; j++)
            br[C->nbreaks2 + j] = C->lines[j].c + C->lines[j].s * z1[i];
        int st = engine_run(&Ei, br, C->nbreaks2 + C->nlines, &C->inner, r, e, NULL);
        if (st != CAV_OK && st != CAV_EMAXITER)
            return st; /* budget exhaustion inside is carried as error, not failure */
        for (int k = 0; k < nout; k++) {
            out[i * (size_t)(2 * nout) + (size_t)k] = r[k];
            out[i * (size_t)(2 * nout) + (size_t)(nout + k)] = e[k];
        }
    }
    return CAV_OK;
}

int cav_gauss_expect2(cav_gauss_fn2 f, void *ctx, int nout, const double *breaks1, int nbreaks1,
                      const double *breaks2, int nbreaks2, const cav_gauss_opts *opts, double *res,
                      double *abserr, cav_err *err)
{
    return cav_gauss_expect2_lines(f, ctx, nout, breaks1, nbreaks1, breaks2, nbreaks2, NULL, 0,
                                   opts, res, abserr, err);
}

int cav_gauss_expect2_lines(cav_gauss_fn2 f, void *ctx, int nout, const double *breaks1,
                            int nbreaks1, const double *breaks2, int nbreaks2,
                            const cav_gauss_line *lines, int nlines, const cav_gauss_opts *opts,
                            double *res, double *abserr, cav_err *err)
{
    cav_gauss_opts o = opts ? *opts : cav_gauss_opts_default();
    if (!f || !res) return cav_err_set(err, CAV_EINVAL, "gauss2: f and res must not be NULL");
    int st = check_opts(&o, nout, nbreaks1, breaks1, err);
    if (st == CAV_OK) st = check_opts(&o, nout, nbreaks2, breaks2, err);
    if (st != CAV_OK) return st;
    ctx2 C;
    C.f = f;
    C.ctx = ctx;
    C.nout = nout;
    C.breaks2 = breaks2;
    C.nbreaks2 = nbreaks2;
    C.lines = lines;
    C.nlines = nlines;
    C.inner = o;
    C.inner.abstol = 0.1 * o.abstol;
    C.inner.reltol = 0.1 * o.reltol;
    C.z1 = 0.0;
    engine E = {call2_outer, &C, 2 * nout, nout, 1, 0, 0.0, 0.0};
    return engine_run(&E, breaks1, nbreaks1, &o, res, abserr, err);
}

/* ---- Gauss–Hermite for N(0, 1) ---- */

int cav_gauss_hermite(int n, double *z, double *w)
{
    if (n < 1 || n > 200 || !z || !w) return CAV_EINVAL;
    double e[200];
    /* Jacobi matrix of the monic probabilists' Hermite recurrence He_{k+1} = x He_k - k He_{k-1}:
     * symmetric tridiagonal with zero diagonal and off-diagonal sqrt(k), k = 1..n-1. */
    for (int i = 0; i < n; i++)
        z[i] = 0.0;
    for (int i = 0; i + 1 < n; i++)
        e[i] = sqrt((double)(i + 1));
    if (n > 1) {
        lapack_int info = LAPACKE_dstev(LAPACK_ROW_MAJOR, 'N', n, z, e, NULL, n);
        if (info != 0) return CAV_ENUMERIC;
    }
    /* Newton polish and Christoffel weights with the orthonormal recurrence
     * p_0 = 1, p_{k+1} = (x p_k - sqrt(k) p_{k-1}) / sqrt(k+1), p_n' = sqrt(n) p_{n-1}. */
    for (int i = 0; i < n; i++) {
        double x = z[i], s = 1.0;
        for (int it = 0; it < 3; it++) {
            double pm = 0.0, p = 1.0;
            s = 1.0;
            for (int k = 0; k < n; k++) {
                double pn = (x * p - sqrt((double)k) * pm) / sqrt((double)(k + 1));
                pm = p;
                p = pn;
                if (k + 1 < n) s += p * p;
            }
            /* p = p_n, pm = p_{n-1} */
            double dx = p / (sqrt((double)n) * pm);
            x -= dx;
            if (fabs(dx) <= 1e-16 * (1.0 + fabs(x))) break;
        }
        /* weights from the final x */
        double pm = 0.0, p = 1.0;
        s = 1.0;
        for (int k = 0; k + 1 < n; k++) {
            double pn = (x * p - sqrt((double)k) * pm) / sqrt((double)(k + 1));
            pm = p;
            p = pn;
            s += p * p;
        }
        z[i] = x;
        w[i] = 1.0 / s;
    }
    /* Exact symmetry: z[i] = -z[n-1-i], equal weights. */
    for (int i = 0; i < n / 2; i++) {
        double zz = 0.5 * (z[n - 1 - i] - z[i]), ww = 0.5 * (w[i] + w[n - 1 - i]);
        z[i] = -zz;
        z[n - 1 - i] = zz;
        w[i] = w[n - 1 - i] = ww;
    }
    if (n % 2) z[n / 2] = 0.0;
    double sw = 0.0;
    for (int i = 0; i < n; i++)
        sw += w[i];
    for (int i = 0; i < n; i++)
        w[i] /= sw;
    return CAV_OK;
}

/* ---- plain integrals over [a, b] (cavity/quad.h): the same engine without the weight ---- */

cav_quad_opts cav_quad_opts_default(void)
{
    cav_quad_opts o;
    o.abstol = 1e-12;
    o.reltol = 1e-10;
    o.max_panels = 400;
    return o;
}

int cav_quad_integrate(cav_gauss_fn f, void *ctx, int nout, double a, double b,
                       const double *breaks, int nbreaks, const cav_quad_opts *opts, double *res,
                       double *abserr, cav_err *err)
{
    cav_quad_opts q = opts ? *opts : cav_quad_opts_default();
    if (!f || !res) return cav_err_set(err, CAV_EINVAL, "quad: f and res must not be NULL");
    if (!(a < b) || !isfinite(a) || !isfinite(b))
        return cav_err_set(err, CAV_EINVAL, "quad: need finite a < b (a = %g, b = %g)", a, b);
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = q.abstol, o.reltol = q.reltol, o.max_panels = q.max_panels;
    int st = check_opts(&o, nout, nbreaks, breaks, err);
    if (st != CAV_OK) return st;
    ctx1 C = {f, ctx};
    engine E = {call1, &C, nout, nout, 0, 1, a, b};
    return engine_run(&E, breaks, nbreaks, &o, res, abserr, err);
}
