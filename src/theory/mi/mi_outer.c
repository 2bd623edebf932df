/* theory/mi/mi_outer.c — the output side of a channel in the Bayes-optimal state evolution
 * (cavity/multi_index.h, section 3; docs/multi-index.md, eqs. SE, F, Psi):
 *     G(Q)          = E sum_m g_out(y; omega, V)_{.m} g_out_{.m}^T,
 *     Psi_out(Q)    = E log Z_out(y; omega, V),
 *     F_U(E) at Q*  = E sum_m [(C_U - I)(E (x) I_M)(C_U - I)]_{(pm),(p'm)},  C_U = Cov(Z_U | .),
 * with omega = Q^{1/2} Xi, Z = omega + V^{1/2} U, V = I - Q, y ~ P(y | Z), Xi, U iid N(0, 1)
 * (P x M). The expectation is a Monte-Carlo average over a fixed set of draws (common random
 * numbers, so that G is a smooth deterministic function of Q and the fixed point is well
 * defined), in blocks of 256 samples whose sums are combined in a fixed order: the result does
 * not depend on the number of threads. For P*M = 1 and a deterministic channel the expectation
 * is the 2-D adaptive cubature over (Xi, U) with the label map's kinks as lines
 * U = (t - sqrt(q) Xi)/sqrt(1 - q). */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/gauss.h"
#include "theory/mi/mi_internal.h"

#define BS 256 /* samples per block (fixes the summation order) */
#define MAXOUT (36 * 36 + CAV_MI_MAXP * CAV_MI_MAXP)

struct cav_mi_chside {
    cav_mi_channel ch;
    cav_mi_layout lay;
    cav_mi_outer_opts o;
    int P, M, n, outer, nthr;
    double *xi, *u; /* N x n draws */
    cav_mi_inner **inner;
    double inner_err, failed;
};

cav_mi_outer_opts cav_mi_outer_opts_default(void)
{
    cav_mi_outer_opts o;
    o.outer = CAV_MI_AUTO;
    o.n = 20000;
    o.seed = 1;
    o.tol = 1e-9;
    o.inner = cav_mi_inner_opts_default();
    o.threads = 0;
    return o;
}

cav_mi_chside *cav_mi_chside_alloc(const cav_mi_channel *ch, const cav_mi_outer_opts *opts,
                                   cav_err *err)
{
    cav_mi_layout lay;
    if (cav_mi_channel_layout(ch, &lay, err)) return NULL;
    cav_mi_outer_opts o = opts ? *opts : cav_mi_outer_opts_default();
    int n = ch->P * ch->M;
    if (o.outer != CAV_MI_AUTO && o.outer != CAV_MI_MC && o.outer != CAV_MI_ADAPTIVE) {
        cav_err_set(err, CAV_EINVAL, "mi output side: outer = %d must be AUTO, MC or ADAPTIVE",
                    o.outer);
        return NULL;
    }
    if (o.outer == CAV_MI_AUTO)
        o.outer = (n == 1 && lay.deterministic) ? CAV_MI_ADAPTIVE : CAV_MI_MC;
    if (o.outer == CAV_MI_ADAPTIVE && !(n == 1 && lay.deterministic)) {
        cav_err_set(err, CAV_EUNSUP,
                    "mi output side: outer cubature needs P*M = 1 and a deterministic channel");
        return NULL;
    }
    if (o.outer == CAV_MI_MC && o.n < 2) {
        cav_err_set(err, CAV_EINVAL, "mi output side: n = %ld samples must be >= 2", o.n);
        return NULL;
    }
    if (o.outer == CAV_MI_ADAPTIVE && !(o.tol > 0 && o.tol < 1)) {
        cav_err_set(err, CAV_EINVAL, "mi output side: tol = %g must be in (0, 1)", o.tol);
        return NULL;
    }
    if (o.threads < 0) {
        cav_err_set(err, CAV_EINVAL, "mi output side: threads = %d must be >= 0", o.threads);
        return NULL;
    }
    cav_mi_chside *c = calloc(1, sizeof *c);
    if (!c) {
        cav_err_set(err, CAV_ENOMEM, "mi output side: out of memory");
        return NULL;
    }
    c->ch = *ch;
    c->lay = lay;
    c->o = o;
    c->P = ch->P, c->M = ch->M, c->n = n, c->outer = o.outer;
    c->nthr = o.threads > 0 ? o.threads : omp_get_max_threads();
    if (c->outer != CAV_MI_MC) c->nthr = 1;
    c->inner = calloc((size_t)c->nthr, sizeof *c->inner);
    if (!c->inner) goto nomem;
    for (int t = 0; t < c->nthr; t++) {
        c->inner[t] = cav_mi_inner_alloc(ch, &o.inner, err);
        if (!c->inner[t]) {
            cav_mi_chside_free(c);
            return NULL;
        }
    }
    if (c->outer == CAV_MI_MC) {
        c->xi = malloc(sizeof(double) * (size_t)(o.n * n));
        c->u = malloc(sizeof(double) * (size_t)(o.n * n));
        if (!c->xi || !c->u) goto nomem;
        cav_rng r;
        cav_rng_init(&r, o.seed, cav_rng_hash("mi-outer-xi"), 0);
        cav_rng_normal_fill(&r, (size_t)(o.n * n), 1.0, c->xi);
        cav_rng_init(&r, o.seed, cav_rng_hash("mi-outer-u"), 0);
        cav_rng_normal_fill(&r, (size_t)(o.n * n), 1.0, c->u);
    }
    return c;
nomem:
    cav_mi_chside_free(c);
    cav_err_set(err, CAV_ENOMEM, "mi output side: out of memory");
    return NULL;
}

void cav_mi_chside_free(cav_mi_chside *c)
{
    if (!c) return;
    if (c->inner)
        for (int t = 0; t < c->nthr; t++)
            cav_mi_inner_free(c->inner[t]);
    free(c->inner);
    free(c->xi);
    free(c->u);
    free(c);
}

double cav_mi_chside_inner_err(const cav_mi_chside *c)
{
    return c ? c->inner_err : NAN;
}

double cav_mi_chside_failed(const cav_mi_chside *c)
{
    return c ? c->failed : NAN;
}

/* ----------------------------------------------------------- per-sample kernels --------- */

enum { K_OUT = 0, K_LIN = 1 };

typedef struct kspec {
    int mode;
    double Qs[CAV_MI_MAXP * CAV_MI_MAXP], Vs[CAV_MI_MAXP * CAV_MI_MAXP];
    double V[CAV_MI_MAXP * CAV_MI_MAXP];
    int nu, un[CAV_MI_MAXP], nb;
    int nout;
} kspec;

/* Stability terms of one posterior (docs/multi-index.md, eq. F): with K = C_U - I on the
 * unlearned rows U (all tokens), v[a*nb + b] = <E_a, F(E_b)>,
 *     F(E)_{rr'} = sum_m sum_{m'} sum_{p,q} K_{(r m),(p m')} E_{pq} K_{(q m'),(r' m)},
 * then v[nb*nb + r*nu + r'] = sum_m E[Z_{r m}] E[Z_{r' m}] (the trivial-direction term). */
void mi_lin_terms(int P, int M, const int *un, int nu, const cav_mi_post *post, double *v)
{
    int n = P * M, nm = nu * M, nb = nu * (nu + 1) / 2;
    double Km[CAV_MI_MAXPM * CAV_MI_MAXPM];
    for (int a = 0; a < nm; a++)
        for (int b = 0; b < nm; b++) {
            int ia = un[a / M] * M + a % M, ib = un[b / M] * M + b % M;
            Km[a * nm + b] = post->cov[ia * n + ib] - (a == b ? 1.0 : 0.0);
        }
    for (int bcol = 0; bcol < nb; bcol++) {
        int pb, qb;
        mi_basis_pq(nu, bcol, &pb, &qb);
        double eb = pb == qb ? 1.0 : 1.0 / sqrt(2.0);
        double Fb[CAV_MI_MAXP * CAV_MI_MAXP];
        for (int r1 = 0; r1 < nu; r1++)
            for (int r2 = 0; r2 < nu; r2++) {
                double a = 0;
                for (int m = 0; m < M; m++)
                    for (int mp = 0; mp < M; mp++) {
                        a += Km[(r1 * M + m) * nm + pb * M + mp] *
                             Km[(qb * M + mp) * nm + r2 * M + m];
                        if (pb != qb)
                            a += Km[(r1 * M + m) * nm + qb * M + mp] *
                                 Km[(pb * M + mp) * nm + r2 * M + m];
                    }
                Fb[r1 * nu + r2] = eb * a;
            }
        for (int arow = 0; arow < nb; arow++)
            v[arow * nb + bcol] = mi_basis_dot(nu, arow, Fb);
    }
    for (int r1 = 0; r1 < nu; r1++)
        for (int r2 = 0; r2 < nu; r2++) {
            double a = 0;
            for (int m = 0; m < M; m++)
                a += post->mean[un[r1] * M + m] * post->mean[un[r2] * M + m];
            v[nb * nb + r1 * nu + r2] = a;
        }
}

/* Outputs of one sample (Xi, U): K_OUT: packed G contribution (P(P+1)/2) then log Z_out;
 * K_LIN: Fop (nb x nb) then trivial (nu x nu). Returns 0, or 1 when the posterior failed. */
static int kernel(const cav_mi_chside *c, const kspec *k, cav_mi_inner *in, const double *xi,
                  const double *u, uint64_t sample, double *v, double *ierr)
{
    int P = c->P, M = c->M, n = c->n;
    double om[CAV_MI_MAXPM], Z[CAV_MI_MAXPM], y[CAV_MI_MAXY], s[CAV_MI_MAXY];
    for (int p = 0; p < P; p++)
        for (int m = 0; m < M; m++) {
            double a = 0, b = 0;
            for (int q = 0; q < P; q++) {
                a += k->Qs[p * P + q] * xi[q * M + m];
                b += k->Vs[p * P + q] * u[q * M + m];
            }
            om[p * M + m] = a;
            Z[p * M + m] = a + b;
        }
    cav_rng r;
    cav_rng_init(&r, c->o.seed, cav_rng_hash("mi-outer-noise"), sample);
    c->ch.type->sample(&c->ch, Z, &r, y);
    if (c->ch.type->observe(&c->ch, y, s)) return 1;
    cav_mi_post post;
    int st = cav_mi_posterior(in, s, om, k->V, &post, NULL);
    if (st && st != CAV_EMAXITER) return 1;
    if (post.err > *ierr) *ierr = post.err;
    if (k->mode == K_OUT) {
        double g[CAV_MI_MAXPM];
        cav_mi_gout(P, M, &post, om, k->V, g, NULL);
        int t = 0;
        for (int p = 0; p < P; p++)
            for (int q = p; q < P; q++) {
                double a = 0;
                for (int m = 0; m < M; m++)
                    a += g[p * M + m] * g[q * M + m];
                v[t++] = a;
            }
        v[t] = post.logZ;
        return 0;
    }
    mi_lin_terms(P, M, k->un, k->nu, &post, v);
    (void)n;
    return 0;
}

/* ----------------------------------------------------------- the two outer methods ------ */

static int pass_mc(cav_mi_chside *c, const kspec *k, double *mean, double *se)
{
    long N = c->o.n, nblk = (N + BS - 1) / BS;
    int nout = k->nout;
    double *bs = calloc((size_t)(nblk * nout * 2), sizeof(double));
    long *bfail = calloc((size_t)nblk, sizeof(long));
    double *berr = calloc((size_t)nblk, sizeof(double));
    if (!bs || !bfail || !berr) {
        free(bs), free(bfail), free(berr);
        return CAV_ENOMEM;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(c->nthr)
    for (long b = 0; b < nblk; b++) {
        cav_mi_inner *in = c->inner[omp_get_thread_num()];
        double v[MAXOUT], *s1 = bs + b * nout * 2, *s2 = s1 + nout, ie = 0;
        for (long i = b * BS; i < N && i < (b + 1) * BS; i++) {
            if (kernel(c, k, in, c->xi + i * c->n, c->u + i * c->n, (uint64_t)i, v, &ie)) {
                bfail[b]++;
                continue;
            }
            for (int j = 0; j < nout; j++) {
                s1[j] += v[j];
                s2[j] += v[j] * v[j];
            }
        }
        berr[b] = ie;
    }
    long fail = 0;
    double ie = 0;
    for (int j = 0; j < nout; j++)
        mean[j] = se[j] = 0;
    for (long b = 0; b < nblk; b++) {
        fail += bfail[b];
        ie = fmax(ie, berr[b]);
        for (int j = 0; j < nout; j++) {
            mean[j] += bs[b * nout * 2 + j];
            se[j] += bs[b * nout * 2 + nout + j];
        }
    }
    long ok = N - fail;
    for (int j = 0; j < nout; j++) {
        double m = ok > 0 ? mean[j] / (double)ok : NAN;
        double var = ok > 1 ? (se[j] - (double)ok * m * m) / (double)(ok - 1) : NAN;
        mean[j] = m;
        se[j] = sqrt(fmax(var, 0.0) / (double)ok);
    }
    c->failed = (double)fail / (double)N;
    c->inner_err = ie;
    free(bs), free(bfail), free(berr);
    return ok > 0 ? CAV_OK : CAV_ENUMERIC;
}

typedef struct cub_ctx {
    cav_mi_chside *c;
    const kspec *k;
    double ierr;
    long fail, nodes;
} cub_ctx;

static void cub_f(void *vc, size_t np, const double *z1, const double *z2, double *out)
{
    cub_ctx *cc = vc;
    double v[MAXOUT];
    cc->nodes += (long)np;
    for (size_t i = 0; i < np; i++) {
        if (kernel(cc->c, cc->k, cc->c->inner[0], z1 + i, z2 + i, 0, v, &cc->ierr)) {
            cc->fail++;
            for (int j = 0; j < cc->k->nout; j++)
                v[j] = 0;
        }
        for (int j = 0; j < cc->k->nout; j++)
            out[i * (size_t)cc->k->nout + (size_t)j] = v[j];
    }
}

static int pass_cub(cav_mi_chside *c, const kspec *k, double *mean, double *se, cav_err *err)
{
    /* P*M = 1: Z = sqrt(q) xi + sqrt(1-q) u; kinks Z = t are the lines u = t/sv - (sq/sv) xi */
    double sq = k->Qs[0], sv = k->Vs[0], pts[8];
    cav_gauss_line lines[8];
    int nl = c->ch.type->zkinks ? c->ch.type->zkinks(&c->ch, pts) : 0;
    for (int j = 0; j < nl; j++) {
        lines[j].c = pts[j] / sv;
        lines[j].s = -sq / sv;
    }
    cav_gauss_opts go = cav_gauss_opts_default();
    go.reltol = c->o.tol;
    go.abstol = c->o.tol * 1e-3;
    go.max_panels = 2000;
    cub_ctx cc = {c, k, 0, 0, 0};
    double ae[CAV_GAUSS_MAXOUT];
    if (k->nout > CAV_GAUSS_MAXOUT)
        return cav_err_set(err, CAV_EUNSUP, "mi output side: too many outputs for cubature");
    int st = cav_gauss_expect2_lines(cub_f, &cc, k->nout, NULL, 0, NULL, 0, lines, nl, &go, mean,
                                     ae, err);
    for (int j = 0; j < k->nout; j++)
        se[j] = 0; /* deterministic: quadrature error reported through inner_err */
    c->inner_err = fmax(cc.ierr, ae[0]);
    c->failed = cc.nodes > 0 ? (double)cc.fail / (double)cc.nodes : 0.0;
    return st == CAV_EMAXITER ? CAV_OK : st;
}

/* Build the spec for Q: square roots of Q and V = I - Q. */
static int spec_q(const cav_mi_chside *c, const double *Q, kspec *k, cav_err *err)
{
    int P = c->P;
    double Qsym[CAV_MI_MAXP * CAV_MI_MAXP];
    memcpy(Qsym, Q, sizeof(double) * (size_t)(P * P));
    mi_symmetrise(P, Qsym);
    for (int i = 0; i < P * P; i++)
        if (!isfinite(Qsym[i]))
            return cav_err_set(err, CAV_EINVAL, "mi output side: Q is not finite");
    double wmin = mi_sqrtm(P, Qsym, k->Qs);
    if (!(wmin > -1e-12))
        return cav_err_set(err, CAV_EINVAL, "mi output side: Q has eigenvalue %g < 0 (must be PSD)",
                           wmin);
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            k->V[i * P + j] = (i == j) - Qsym[i * P + j];
    double vmin = mi_sqrtm(P, k->V, k->Vs);
    if (!(vmin > 0))
        return cav_err_set(err, CAV_EINVAL,
                           "mi output side: I - Q has eigenvalue %g <= 0 (Q must be < I)", vmin);
    return CAV_OK;
}

static int run_pass(cav_mi_chside *c, const kspec *k, double *mean, double *se, cav_err *err)
{
    int st = c->outer == CAV_MI_MC ? pass_mc(c, k, mean, se) : pass_cub(c, k, mean, se, err);
    if (st == CAV_ENOMEM) return cav_err_set(err, st, "mi output side: out of memory");
    if (st == CAV_ENUMERIC)
        return cav_err_set(err, st, "mi output side: every posterior evaluation failed");
    return st;
}

/* One K_OUT pass at Q: mean[0..P(P+1)/2) the packed G, mean[P(P+1)/2] = E log Z_out. */
static int out_pass(cav_mi_chside *c, const double *Q, double *mean, double *s, cav_err *err)
{
    kspec k;
    memset(&k, 0, sizeof k);
    k.mode = K_OUT;
    k.nout = c->P * (c->P + 1) / 2 + 1;
    int st = spec_q(c, Q, &k, err);
    return st ? st : run_pass(c, &k, mean, s, err);
}

static int chside_output(void *ctx, const double *Q, double *G, double *se, cav_err *err)
{
    cav_mi_chside *c = ctx;
    double mean[MAXOUT], s[MAXOUT];
    int st = out_pass(c, Q, mean, s, err);
    if (st) return st;
    mi_unpack(c->P, mean, G);
    if (se) mi_unpack(c->P, s, se);
    return CAV_OK;
}

static int chside_psi(void *ctx, const double *Q, double *val, double *se, cav_err *err)
{
    cav_mi_chside *c = ctx;
    double mean[MAXOUT], s[MAXOUT];
    int st = out_pass(c, Q, mean, s, err), j = c->P * (c->P + 1) / 2;
    if (st) return st;
    *val = mean[j];
    if (se) *se = s[j];
    return CAV_OK;
}

int cav_mi_chside_lin(cav_mi_chside *c, const double *Q, const int *unlearned, int nu, double *Fop,
                      double *se, double *trivial, cav_err *err)
{
    if (!c || !Q || !Fop) return cav_err_set(err, CAV_EINVAL, "mi lin: NULL argument");
    int P = c->P;
    kspec k;
    memset(&k, 0, sizeof k);
    k.mode = K_LIN;
    if (nu <= 0 || !unlearned) {
        k.nu = P;
        for (int i = 0; i < P; i++)
            k.un[i] = i;
    } else {
        if (nu > P) return cav_err_set(err, CAV_EINVAL, "mi lin: nu = %d > P = %d", nu, P);
        k.nu = nu;
        for (int i = 0; i < nu; i++) {
            if (unlearned[i] < 0 || unlearned[i] >= P)
                return cav_err_set(err, CAV_EINVAL, "mi lin: unlearned[%d] = %d not in [0, %d)", i,
                                   unlearned[i], P);
            k.un[i] = unlearned[i];
        }
    }
    k.nb = k.nu * (k.nu + 1) / 2;
    k.nout = k.nb * k.nb + k.nu * k.nu;
    int st = spec_q(c, Q, &k, err);
    if (st) return st;
    double *mean = malloc(sizeof(double) * MAXOUT * 2), *s = mean + MAXOUT;
    if (!mean) return cav_err_set(err, CAV_ENOMEM, "mi lin: out of memory");
    st = run_pass(c, &k, mean, s, err);
    if (!st) {
        memcpy(Fop, mean, sizeof(double) * (size_t)(k.nb * k.nb));
        if (se) memcpy(se, s, sizeof(double) * (size_t)(k.nb * k.nb));
        if (trivial) memcpy(trivial, mean + k.nb * k.nb, sizeof(double) * (size_t)(k.nu * k.nu));
    }
    free(mean);
    return st;
}

static int chside_lin(void *ctx, const double *Q, const int *unlearned, int nu, double *Fop,
                      double *se, double *trivial, cav_err *err)
{
    return cav_mi_chside_lin(ctx, Q, unlearned, nu, Fop, se, trivial, err);
}

void cav_mi_chside_model(cav_mi_chside *c, cav_mi_model *m)
{
    memset(m, 0, sizeof *m);
    m->P = c->P;
    m->out_ctx = c;
    m->prior_ctx = &c->P;
    m->output = chside_output;
    m->prior = cav_mi_prior_gaussian;
    m->lin = chside_lin;
    m->psi_out = chside_psi;
    m->psi_prior = cav_mi_psi_gaussian;
}
