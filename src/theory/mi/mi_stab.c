/* theory/mi/mi_stab.c — weak-recovery thresholds from linear stability (cavity/multi_index.h,
 * section 4; docs/multi-index.md, "Stability").
 *
 * At a fixed point Q* with the unlearned block U at zero, the map T(Q) = f_prior(alpha G(Q)) is
 * linear in Q_UU to leading order: dT_UU = f_prior'(Qhat*)[alpha dG_UU]. dG_UU comes from the
 * model's lin method (for a channel: the posterior-covariance formula, eq. F) or from
 * Richardson-extrapolated forward differences of G; f_prior' always from forward differences
 * (the prior is deterministic). Differences are taken along positive semi-definite directions
 * only (E_pp, and E_pq/sqrt2 + I_U for p < q, minus the I_U response), because the sides may be
 * defined for PSD arguments only. The operator per unit alpha, Op = f' o dG on the orthonormal
 * basis of symmetric U x U matrices, has the top eigenvalue lambda_max: the block grows iff
 * alpha lambda_max > 1.
 * Trivial directions: G(Q*)_UU = E[E[Z_U|.] E[Z_U|.]^T] (the output at Q_UU = 0); when it is not
 * zero the block is learned at any alpha and there is no threshold (alpha_c = 0). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/gauss.h"
#include "cavity/roots.h"
#include "core/la.h"
#include "theory/mi/mi_internal.h"

#define NB 36

static void embed(int P, const int *un, int nu, const double *Eu, double *E)
{
    memset(E, 0, sizeof(double) * (size_t)(P * P));
    for (int a = 0; a < nu; a++)
        for (int b = 0; b < nu; b++)
            E[un[a] * P + un[b]] = Eu[a * nu + b];
}

/* Directional derivative of a symmetric-matrix function h(X) (P x P) along the U-block basis
 * element b at X0, projected on the U-block basis: col[a] = <E_a, dh[E_b]>. Richardson on forward
 * differences, step hstep, along PSD directions. */
typedef int (*matfn)(void *ctx, const double *X, double *Y, cav_err *err);

static int ddir(matfn h, void *ctx, int P, const int *un, int nu, const double *X0,
                const double *Y0, const double *D, double hstep, double *dY, cav_err *err)
{
    double X[CAV_MI_MAXP * CAV_MI_MAXP] = {0}, Y1[CAV_MI_MAXP * CAV_MI_MAXP],
                           Y2[CAV_MI_MAXP * CAV_MI_MAXP];
    (void)un, (void)nu;
    for (int i = 0; i < P * P; i++)
        X[i] = X0[i] + hstep * D[i];
    int st = h(ctx, X, Y1, err);
    if (st) return st;
    for (int i = 0; i < P * P; i++)
        X[i] = X0[i] + 0.5 * hstep * D[i];
    st = h(ctx, X, Y2, err);
    if (st) return st;
    for (int i = 0; i < P * P; i++) {
        double d1 = (Y1[i] - Y0[i]) / hstep, d2 = (Y2[i] - Y0[i]) / (0.5 * hstep);
        dY[i] = 2 * d2 - d1;
    }
    return CAV_OK;
}

/* Operator of h on the U block at X0 (Y0 = h(X0)): Op[a*nb + b] = <E_a, dh[E_b]>. */
static int fd_operator(matfn h, void *ctx, int P, const int *un, int nu, const double *X0,
                       const double *Y0, double hstep, double *Op, cav_err *err)
{
    int nb = nu * (nu + 1) / 2;
    double Eu[CAV_MI_MAXP * CAV_MI_MAXP], D[CAV_MI_MAXP * CAV_MI_MAXP];
    double dY[CAV_MI_MAXP * CAV_MI_MAXP], dI[CAV_MI_MAXP * CAV_MI_MAXP];
    double Yu[CAV_MI_MAXP * CAV_MI_MAXP];
    int haveI = 0;
    for (int b = 0; b < nb; b++) {
        int p, q;
        mi_basis_pq(nu, b, &p, &q);
        mi_basis_mat(nu, b, Eu);
        if (p != q) {
            if (!haveI) {
                double Iu[CAV_MI_MAXP * CAV_MI_MAXP] = {0};
                for (int i = 0; i < nu; i++)
                    Iu[i * nu + i] = 1.0;
                embed(P, un, nu, Iu, D);
                int st = ddir(h, ctx, P, un, nu, X0, Y0, D, hstep, dI, err);
                if (st) return st;
                haveI = 1;
            }
            for (int i = 0; i < nu; i++)
                Eu[i * nu + i] += 1.0;
        }
        embed(P, un, nu, Eu, D);
        int st = ddir(h, ctx, P, un, nu, X0, Y0, D, hstep, dY, err);
        if (st) return st;
        if (p != q)
            for (int i = 0; i < P * P; i++)
                dY[i] -= dI[i];
        for (int a = 0; a < nu; a++)
            for (int c = 0; c < nu; c++)
                Yu[a * nu + c] = 0.5 * (dY[un[a] * P + un[c]] + dY[un[c] * P + un[a]]);
        for (int a = 0; a < nb; a++)
            Op[a * nb + b] = mi_basis_dot(nu, a, Yu);
    }
    return CAV_OK;
}

typedef struct out_fn_ctx {
    const cav_mi_model *m;
} out_fn_ctx;

static int out_fn(void *vc, const double *X, double *Y, cav_err *err)
{
    const cav_mi_model *m = ((out_fn_ctx *)vc)->m;
    return m->output(m->out_ctx, X, Y, NULL, err);
}

static int prior_fn(void *vc, const double *X, double *Y, cav_err *err)
{
    const cav_mi_model *m = ((out_fn_ctx *)vc)->m;
    return m->prior(m->prior_ctx, X, Y, err);
}

/* Top eigenpair of a general nb x nb matrix (real part ordering). */
static int top_eig(int nb, const double *Op, double *eig, double *evec, double *vtop)
{
    double A[NB * NB], wr[NB], wi[NB], vr[NB * NB];
    memcpy(A, Op, sizeof(double) * (size_t)(nb * nb));
    lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'V', (lapack_int)nb, A, (lapack_int)nb,
                                    wr, wi, NULL, (lapack_int)nb, vr, (lapack_int)nb);
    if (info) return -1;
    int idx[NB];
    for (int i = 0; i < nb; i++)
        idx[i] = i;
    for (int i = 0; i < nb; i++)
        for (int j = i + 1; j < nb; j++)
            if (wr[idx[j]] > wr[idx[i]]) {
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
    for (int i = 0; i < nb; i++) {
        eig[i] = wr[idx[i]];
        for (int r = 0; r < nb; r++)
            evec[r * nb + i] = vr[r * nb + idx[i]];
    }
    double nrm = 0;
    for (int r = 0; r < nb; r++)
        nrm += evec[r * nb] * evec[r * nb];
    nrm = sqrt(nrm);
    for (int r = 0; r < nb; r++)
        vtop[r] = evec[r * nb] / (nrm > 0 ? nrm : 1);
    return 0;
}

/* Fill the spectral part of out from out->Fop, out->Fop_se and the trivial matrix (nu x nu):
 * eigenpairs, lambda_max and its first-order error v^T dF v, the top eigenvector as a matrix,
 * trivial_max and alpha_c. */
static int finish_stab(cav_mi_stab *out, int nu, double *triv, double trivial_tol)
{
    int nb = nu * (nu + 1) / 2;
    double vtop[NB];
    if (top_eig(nb, out->Fop, out->eig, out->evec, vtop)) return CAV_ENUMERIC;
    out->lambda_max = out->eig[0];
    double v2 = 0;
    for (int a = 0; a < nb; a++)
        for (int b = 0; b < nb; b++)
            v2 += pow(vtop[a] * vtop[b] * out->Fop_se[a * nb + b], 2);
    out->lambda_se = sqrt(v2);
    memset(out->vmax, 0, sizeof out->vmax);
    for (int a = 0; a < nb; a++) {
        double E[CAV_MI_MAXP * CAV_MI_MAXP];
        mi_basis_mat(nu, a, E);
        for (int i = 0; i < nu * nu; i++)
            out->vmax[i] += vtop[a] * E[i];
    }
    double w[CAV_MI_MAXP], R[CAV_MI_MAXP * CAV_MI_MAXP];
    mi_symmetrise(nu, triv);
    if (mi_eig_sym(nu, triv, w, R)) return CAV_ENUMERIC;
    out->trivial_max = w[nu - 1];
    out->alpha_c = out->trivial_max > trivial_tol
                       ? 0.0
                       : (out->lambda_max > 0 ? 1.0 / out->lambda_max : INFINITY);
    return CAV_OK;
}

int cav_mi_stability(const cav_mi_model *m, double alpha, const double *Q, const int *unlearned,
                     int nu, double trivial_tol, cav_mi_stab *out, cav_err *err)
{
    if (!m || !Q || !out) return cav_err_set(err, CAV_EINVAL, "mi stability: NULL argument");
    if (m->P < 1 || m->P > CAV_MI_MAXP || !m->output || !m->prior)
        return cav_err_set(err, CAV_EINVAL, "mi stability: invalid model");
    if (!(alpha > 0) || !isfinite(alpha))
        return cav_err_set(err, CAV_EINVAL, "mi stability: alpha = %g must be > 0", alpha);
    int P = m->P, un[CAV_MI_MAXP];
    if (!unlearned || nu <= 0) {
        nu = P;
        for (int i = 0; i < P; i++)
            un[i] = i;
    } else {
        if (nu > P) return cav_err_set(err, CAV_EINVAL, "mi stability: nu = %d > P = %d", nu, P);
        for (int i = 0; i < nu; i++) {
            if (unlearned[i] < 0 || unlearned[i] >= P)
                return cav_err_set(err, CAV_EINVAL,
                                   "mi stability: unlearned[%d] = %d not in [0, %d)", i,
                                   unlearned[i], P);
            un[i] = unlearned[i];
        }
    }
    if (trivial_tol <= 0) trivial_tol = 1e-4;
    memset(out, 0, sizeof *out);
    out->nu = nu;
    memcpy(out->unlearned, un, sizeof(int) * (size_t)nu);
    int nb = nu * (nu + 1) / 2;
    double G[CAV_MI_MAXP * CAV_MI_MAXP], Qhat[CAV_MI_MAXP * CAV_MI_MAXP];
    double Q0[CAV_MI_MAXP * CAV_MI_MAXP];
    for (int i = 0; i < P * P; i++)
        Q0[i] = Q[i];
    int st = m->output(m->out_ctx, Q0, G, NULL, err);
    if (st) return st;
    mi_symmetrise(P, G);
    for (int i = 0; i < P * P; i++)
        Qhat[i] = alpha * G[i];
    double triv[CAV_MI_MAXP * CAV_MI_MAXP], Fo[NB * NB], Fse[NB * NB] = {0};
    for (int a = 0; a < nu; a++)
        for (int b = 0; b < nu; b++)
            triv[a * nu + b] = G[un[a] * P + un[b]];
    out_fn_ctx oc = {m};
    if (m->lin) {
        st = m->lin(m->out_ctx, Q0, un, nu, Fo, Fse, triv, err);
    } else {
        st = fd_operator(out_fn, &oc, P, un, nu, Q0, G, 1e-4, Fo, err);
    }
    if (st) return st;
    /* prior derivative at Qhat* on the U block */
    double Qn[CAV_MI_MAXP * CAV_MI_MAXP], Pf[NB * NB];
    st = m->prior(m->prior_ctx, Qhat, Qn, err);
    if (st) return st;
    st = fd_operator(prior_fn, &oc, P, un, nu, Qhat, Qn, 1e-4, Pf, err);
    if (st) return st;
    for (int a = 0; a < nb; a++)
        for (int b = 0; b < nb; b++) {
            double s = 0, v = 0;
            for (int c = 0; c < nb; c++) {
                s += Pf[a * nb + c] * Fo[c * nb + b];
                v += Pf[a * nb + c] * Pf[a * nb + c] * Fse[c * nb + b] * Fse[c * nb + b];
            }
            out->Fop[a * nb + b] = s;
            out->Fop_se[a * nb + b] = sqrt(v);
        }
    if (finish_stab(out, nu, triv, trivial_tol))
        return cav_err_set(err, CAV_ENUMERIC, "mi stability: eigen-decomposition failed");
    return CAV_OK;
}

/* ------------------------------------------------------- conditional thresholds --------- */

typedef struct cond_ctx {
    const cav_mi_model *m;
    const int *un;
    int nu, P, have, st;
    int frozen[CAV_MI_MAXP];
    double Qwarm[CAV_MI_MAXP * CAV_MI_MAXP], Qlast[CAV_MI_MAXP * CAV_MI_MAXP];
    double lam, lam_se;
    long evals;
    cav_mi_se_opts so;
    cav_err err;
} cond_ctx;

static double cond_f(void *vc, double alpha)
{
    cond_ctx *c = vc;
    int P = c->P;
    cav_mi_se_opts o = c->so;
    o.frozen = c->frozen;
    o.start = CAV_MI_START_GIVEN;
    o.want_se = 0;
    double Q0[CAV_MI_MAXP * CAV_MI_MAXP];
    int informed = c->so.start == CAV_MI_START_INFORMED;
    if (c->have && informed) {
        memcpy(Q0, c->Qwarm, sizeof Q0);
    } else {
        double eps = c->so.eps > 0 && c->so.eps < 1 ? c->so.eps : 1e-3;
        for (int i = 0; i < P; i++)
            for (int j = 0; j < P; j++)
                Q0[i * P + j] = (i == j && !c->frozen[i]) ? (informed ? 1 - eps : eps) : 0.0;
    }
    o.Q0 = Q0;
    cav_mi_se_result r;
    c->evals++;
    int st = cav_mi_se_solve(c->m, alpha, &o, &r);
    /* a Monte-Carlo side with mode-adapted quadrature is piecewise smooth: the iteration may stall
     * a little above a tight tolerance; the stability does not feel a residual of 1e-5 */
    if (st == CAV_EMAXITER && r.residual < 1e-5) st = CAV_OK;
    if (st) {
        c->st = st;
        cav_err_set(&c->err, st, "mi conditional threshold: SE at alpha = %g: %s", alpha, r.msg);
        return NAN;
    }
    /* keep a warm start only if the learned block did not collapse */
    double tr = 0;
    for (int i = 0; i < P; i++)
        if (!c->frozen[i]) tr += r.Q[i * P + i];
    if (tr > 1e-6) {
        memcpy(c->Qwarm, r.Q, sizeof Q0);
        c->have = 1;
    }
    memcpy(c->Qlast, r.Q, sizeof Q0);
    cav_mi_stab s;
    st = cav_mi_stability(c->m, alpha, r.Q, c->un, c->nu, 0, &s, &c->err);
    if (st) {
        c->st = st;
        return NAN;
    }
    c->lam = s.lambda_max;
    c->lam_se = s.lambda_se;
    if (s.trivial_max > 1e-4) return 1.0; /* learned without threshold */
    return alpha * s.lambda_max - 1.0;
}

int cav_mi_threshold_conditional(const cav_mi_model *m, const int *unlearned, int nu, double alo,
                                 double ahi, double xtol, const cav_mi_se_opts *se_opts,
                                 cav_mi_cond_result *out)
{
    if (!out) return CAV_EINVAL;
    memset(out, 0, sizeof *out);
    cond_ctx c;
    memset(&c, 0, sizeof c);
    int st = CAV_OK;
    if (!m || !unlearned || nu < 1 || nu >= (m ? m->P : 1))
        st = cav_err_set(&c.err, CAV_EINVAL,
                         "mi conditional threshold: need 1 <= nu < P unlearned indices");
    else if (!(alo > 0) || !(ahi > alo) || !isfinite(ahi))
        st = cav_err_set(&c.err, CAV_EINVAL,
                         "mi conditional threshold: need 0 < alo < ahi (got %g, %g)", alo, ahi);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", c.err.msg);
        return st;
    }
    c.m = m, c.un = unlearned, c.nu = nu, c.P = m->P;
    for (int i = 0; i < nu; i++) {
        if (unlearned[i] < 0 || unlearned[i] >= m->P) {
            out->status = cav_err_set(&c.err, CAV_EINVAL, "mi conditional threshold: bad index");
            snprintf(out->msg, sizeof out->msg, "%s", c.err.msg);
            return out->status;
        }
        c.frozen[unlearned[i]] = 1;
    }
    c.so = se_opts ? *se_opts : cav_mi_se_opts_default();
    /* bracket values, from the top (informed learned block) down */
    double fhi = cond_f(&c, ahi);
    double flo = c.st ? NAN : cond_f(&c, alo);
    if (c.st) {
        out->status = c.st;
        snprintf(out->msg, sizeof out->msg, "%s", c.err.msg);
        return c.st;
    }
    out->flo = flo;
    out->fhi = fhi;
    if (!(flo < 0 && fhi > 0)) {
        out->status = CAV_EINVAL;
        snprintf(out->msg, sizeof out->msg,
                 "mi conditional threshold: [%g, %g] does not bracket the crossing "
                 "(alpha lambda_max - 1 = %g, %g)",
                 alo, ahi, flo, fhi);
        return CAV_EINVAL;
    }
    double x;
    st = cav_root_brent(cond_f, &c, alo, ahi, xtol > 0 ? xtol : 1e-6, 100, &x, &c.err);
    if (c.st) st = c.st;
    out->status = st;
    if (st) {
        snprintf(out->msg, sizeof out->msg, "%s", c.err.msg);
        return st;
    }
    cond_f(&c, x);
    out->alpha_c = x;
    out->lambda_max = c.lam;
    /* d(alpha lambda) ~ alpha dlambda: the error of the crossing to first order */
    out->alpha_se = c.lam > 0 ? x * c.lam_se / c.lam : NAN;
    memcpy(out->Q, c.Qlast, sizeof out->Q);
    out->evaluations = c.evals;
    return CAV_OK;
}

/* ------------------------------------------------ trivial fixed point of a channel ------ */

typedef struct cs_ctx {
    cav_mi_inner *in;
    const cav_mi_channel *ch;
    cav_mi_layout lay;
    int P, M, n, nb, ntot;
    int first, cnt; /* component window for the cubature runs */
    double sig, V[CAV_MI_MAXP * CAV_MI_MAXP];
    long fail;
    double ierr;
} cs_ctx;

/* Full vector of one observation: Fop (nb^2), trivial (P^2), E[ZZ^T | y] (n^2), mass 1. */
static int cs_terms(cs_ctx *c, const double *s, double *v)
{
    double om[CAV_MI_MAXPM] = {0};
    cav_mi_post post;
    int un[CAV_MI_MAXP];
    for (int i = 0; i < c->P; i++)
        un[i] = i;
    int st = cav_mi_posterior(c->in, s, om, c->V, &post, NULL);
    if (st && st != CAV_EMAXITER) return 1;
    if (post.err > c->ierr) c->ierr = post.err;
    mi_lin_terms(c->P, c->M, un, c->P, &post, v);
    int o = c->nb * c->nb + c->P * c->P;
    for (int i = 0; i < c->n; i++)
        for (int j = 0; j < c->n; j++)
            v[o + i * c->n + j] = post.cov[i * c->n + j] + post.mean[i] * post.mean[j];
    v[o + c->n * c->n] = 1.0;
    v[c->ntot] = post.logZ;
    return 0;
}

static void cs_cub(cs_ctx *c, size_t np, const double *t1, const double *t2, double *out)
{
    double v[NB * NB + 3 * CAV_MI_MAXPM * CAV_MI_MAXPM], s[CAV_MI_MAXPM];
    int d = c->lay.nobs;
    for (size_t i = 0; i < np; i++) {
        s[0] = c->sig * t1[i];
        double r2 = t1[i] * t1[i];
        if (d == 2) {
            s[1] = c->sig * t2[i];
            r2 += t2[i] * t2[i];
        }
        double *o = out + i * (size_t)c->cnt;
        if (cs_terms(c, s, v)) {
            c->fail++;
            for (int j = 0; j < c->cnt; j++)
                o[j] = 0;
            continue;
        }
        /* Z_out(s) ds / (nbranch phi(t) dt) */
        double lw = v[c->ntot] + d * log(c->sig) + 0.5 * r2 + 0.5 * d * MI_LOG_2PI -
                    log((double)c->lay.nbranch);
        double w = exp(lw);
        for (int j = 0; j < c->cnt; j++)
            o[j] = w * v[c->first + j];
    }
}

static void cs_f1(void *vc, size_t np, const double *t, double *out)
{
    cs_cub(vc, np, t, NULL, out);
}

static void cs_f2(void *vc, size_t np, const double *t1, const double *t2, double *out)
{
    cs_cub(vc, np, t1, t2, out);
}

int cav_mi_channel_stability(const cav_mi_channel *ch, const cav_mi_inner_opts *inner, double tol,
                             long mc_n, uint64_t seed, cav_mi_stab *out, double *tower,
                             double *err_est, cav_err *err)
{
    cs_ctx c;
    memset(&c, 0, sizeof c);
    int st = cav_mi_channel_layout(ch, &c.lay, err);
    if (st) return st;
    if (!out) return cav_err_set(err, CAV_EINVAL, "mi channel stability: out is NULL");
    if (mc_n < 0) return cav_err_set(err, CAV_EINVAL, "mi channel stability: mc_n < 0");
    if (tol <= 0) tol = 1e-7;
    c.ch = ch, c.P = ch->P, c.M = ch->M, c.n = ch->P * ch->M;
    c.nb = c.P * (c.P + 1) / 2;
    c.ntot = c.nb * c.nb + c.P * c.P + c.n * c.n + 1;
    for (int i = 0; i < c.P; i++)
        c.V[i * c.P + i] = 1.0;
    int use_mc = mc_n > 0 || (c.lay.nlabels == 0 && c.lay.nobs > 2);
    c.in = cav_mi_inner_alloc(ch, inner, err);
    if (!c.in) return err ? err->code : CAV_EINVAL;
    double *mean = calloc((size_t)(2 * c.ntot + 2), sizeof(double)), *se = mean + c.ntot + 1;
    double *v = calloc((size_t)(c.ntot + 1), sizeof(double));
    if (!mean || !v) {
        free(mean), free(v);
        cav_mi_inner_free(c.in);
        return cav_err_set(err, CAV_ENOMEM, "mi channel stability: out of memory");
    }
    double eest = 0;
    if (use_mc) {
        if (mc_n <= 0) mc_n = 100000;
        cav_rng r;
        cav_rng_init(&r, seed, cav_rng_hash("mi-stab-mc"), 0);
        long ok = 0;
        for (long i = 0; i < mc_n; i++) {
            double Z[CAV_MI_MAXPM], y[CAV_MI_MAXY], s[CAV_MI_MAXY];
            for (int j = 0; j < c.n; j++)
                Z[j] = cav_rng_normal(&r);
            ch->type->sample(ch, Z, &r, y);
            if (ch->type->observe(ch, y, s) || cs_terms(&c, s, v)) {
                c.fail++;
                continue;
            }
            ok++;
            for (int j = 0; j < c.ntot; j++) {
                mean[j] += v[j];
                se[j] += v[j] * v[j];
            }
        }
        for (int j = 0; j < c.ntot; j++) {
            double mu = mean[j] / (double)ok;
            se[j] = sqrt(fmax(se[j] / (double)ok - mu * mu, 0) / (double)ok);
            mean[j] = mu;
        }
    } else if (c.lay.nlabels > 0) {
        for (int l = 0; l < c.lay.nlabels; l++) {
            double s[CAV_MI_MAXY] = {(double)l};
            if (cs_terms(&c, s, v)) continue;
            double w = exp(v[c.ntot]);
            for (int j = 0; j < c.ntot; j++)
                mean[j] += w * v[j];
        }
    } else {
        c.sig = c.lay.obs_scale;
        cav_gauss_opts go = cav_gauss_opts_default();
        go.reltol = tol;
        go.abstol = tol * 1e-2;
        go.max_panels = 1000;
        for (c.first = 0; c.first < c.ntot; c.first += CAV_GAUSS_MAXOUT) {
            c.cnt = c.ntot - c.first < CAV_GAUSS_MAXOUT ? c.ntot - c.first : CAV_GAUSS_MAXOUT;
            double res[CAV_GAUSS_MAXOUT], ae[CAV_GAUSS_MAXOUT];
            if (c.lay.nobs == 1)
                st = cav_gauss_expect(cs_f1, &c, c.cnt, NULL, 0, &go, res, ae, err);
            else
                st = cav_gauss_expect2(cs_f2, &c, c.cnt, NULL, 0, NULL, 0, &go, res, ae, err);
            if (st && st != CAV_EMAXITER) break;
            st = CAV_OK;
            for (int j = 0; j < c.cnt; j++) {
                mean[c.first + j] = res[j];
                eest = fmax(eest, ae[j]);
            }
        }
    }
    if (!st) {
        int nb = c.nb, P = c.P, un[CAV_MI_MAXP];
        for (int i = 0; i < P; i++)
            un[i] = i;
        memset(out, 0, sizeof *out);
        out->nu = P;
        memcpy(out->unlearned, un, sizeof(int) * (size_t)P);
        memcpy(out->Fop, mean, sizeof(double) * (size_t)(nb * nb));
        if (use_mc) memcpy(out->Fop_se, se, sizeof(double) * (size_t)(nb * nb));
        double triv[CAV_MI_MAXP * CAV_MI_MAXP];
        memcpy(triv, mean + nb * nb, sizeof(double) * (size_t)(P * P));
        if (finish_stab(out, P, triv, 1e-4)) {
            st = cav_err_set(err, CAV_ENUMERIC, "mi channel stability: eigen failed");
        } else {
            if (tower) memcpy(tower, mean + nb * nb + P * P, sizeof(double) * (size_t)(c.n * c.n));
            if (err_est) *err_est = fmax(eest, c.ierr);
            if (fabs(mean[c.ntot - 1] - 1.0) > 1e-3 && !use_mc)
                st = cav_err_set(err, CAV_ENUMERIC,
                                 "mi channel stability: the label law sums to %g, not 1 "
                                 "(obs_scale too small?)",
                                 mean[c.ntot - 1]);
        }
    }
    free(mean), free(v);
    cav_mi_inner_free(c.in);
    return st;
}
