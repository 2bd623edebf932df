/* theory/mi/rbm_amp.c — state evolution of AMP-RBM (cavity/rbm.h; docs/rbm.md, eqs. AMP and
 * SE-AMP): GAMP for the M-estimation max_W sum_mu eta(W^T x_mu/sqrt d) - n psi(W^T W/d) on
 * spiked-covariance data, tracked through zeta = W^T U* / d (k x r), Q = W^T W/d and V.
 * Output side: omega = zeta c + Q^{1/2} xi, h = prox (the maximiser of
 * eta(h) - (h - omega)^T V^{-1} (h - omega)/2, by Newton from omega), g = V^{-1}(h - omega)
 * = grad eta(h), dg/domega = V^{-1} (V^{-1} - Hess eta(h))^{-1} Hess eta(h). Expectations: c
 * enumerated (Rademacher) or integrated out by Stein's lemma (Gaussian: omega ~ N(0, zeta
 * zeta^T + Q) and E[g c^T] = E[dg/domega] zeta), xi by a tensor Gauss-Hermite rule.
 * Input side: the penalty n psi(W^T W/d) makes the row denoiser linear, W_i = R^{-1} B_i with
 * R = A + 2 alpha grad psi(Q_new) solved self-consistently with Q_new. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/fixpt.h"
#include "cavity/gauss.h"
#include "cavity/rbm.h"
#include "theory/mi/mi_internal.h"

#define K CAV_RBM_MAXK

/* prox and its derivatives at omega for V^{-1} = Vi (k x k, SPD). Returns 0 or -1 (not
 * concave). Shared with the AMP-RBM simulation. */
int mi_rbm_prox(int k, int hidden, const double *om, const double *Vi, double *g, double *dg)
{
    double h[K], grad[K], H[K * K];
    memcpy(h, om, sizeof(double) * (size_t)k);
    for (int it = 0; it < 60; it++) {
        cav_rbm_eta(k, hidden, h, grad, H);
        /* Newton on F = grad eta(h) - Vi (h - om), -dF/dh = Vi - H (positive definite) */
        double F[K], J[K * K];
        for (int a = 0; a < k; a++) {
            double s = grad[a];
            for (int b = 0; b < k; b++) {
                s -= Vi[a * k + b] * (h[b] - om[b]);
                J[a * k + b] = Vi[a * k + b] - H[a * k + b];
            }
            F[a] = s;
        }
        if (mi_chol(k, J)) return -1;
        mi_chol_solve(k, J, F);
        double sn = 0;
        for (int a = 0; a < k; a++) {
            h[a] += F[a];
            sn = fmax(sn, fabs(F[a]));
        }
        if (sn < 1e-13 * (1 + fabs(h[0]))) break;
    }
    cav_rbm_eta(k, hidden, h, grad, H);
    memcpy(g, grad, sizeof(double) * (size_t)k);
    /* dg = V^{-1} (V^{-1} - H)^{-1} H */
    double J[K * K], Ji[K * K], T[K * K];
    for (int i = 0; i < k * k; i++)
        J[i] = Vi[i] - H[i];
    if (mi_spd_inv(k, J, Ji)) return -1;
    mi_matmul(k, Ji, H, T);
    mi_matmul(k, Vi, T, dg);
    mi_symmetrise(k, dg);
    return 0;
}

/* Input side: R = A + 2 alpha grad psi(Q_new), Q_new = R^{-1} T R^{-1} (T = B^T B/d), solved
 * by damped iteration from Q0. Writes Q_new and R^{-1}. Shared with the simulation. */
int mi_rbm_input(int k, int hidden, double alpha, const double *A, const double *T,
                 const double *Q0, double *Qn, double *Ri, cav_err *err)
{
    double R[K * K], gp[K * K];
    memcpy(Qn, Q0, sizeof(double) * (size_t)(k * k));
    for (int it = 0; it < 200; it++) {
        int st = cav_rbm_psi(k, hidden, Qn, NULL, gp, err);
        if (st) return st;
        for (int i = 0; i < k * k; i++)
            R[i] = A[i] + 2 * alpha * gp[i];
        mi_symmetrise(k, R);
        if (mi_spd_inv(k, R, Ri))
            return cav_err_set(err, CAV_ENUMERIC, "rbm amp: A + 2 alpha grad psi not PD");
        double tmp[K * K], Qnew[K * K], diff = 0;
        mi_matmul(k, Ri, T, tmp);
        mi_matmul(k, tmp, Ri, Qnew);
        mi_symmetrise(k, Qnew);
        for (int i = 0; i < k * k; i++) {
            diff = fmax(diff, fabs(Qnew[i] - Qn[i]));
            Qn[i] = 0.5 * (Qnew[i] + Qn[i]); /* damped: the plain map can oscillate */
        }
        if (diff < 1e-13) break;
    }
    return CAV_OK;
}

int cav_rbm_amp_se_step(const cav_rbm *p, const cav_rbm_amp_state *in, int gh_n,
                        cav_rbm_amp_state *out, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (!in || !out) return cav_err_set(err, CAV_EINVAL, "rbm amp se: NULL state");
    int k = p->k, r = p->r, n1 = gh_n > 0 ? gh_n : 24;
    if (n1 > 64) return cav_err_set(err, CAV_EINVAL, "rbm amp se: gh_n = %d > 64", n1);
    double Vi[K * K], V[K * K];
    memcpy(V, in->V, sizeof V);
    mi_symmetrise(k, V);
    if (mi_spd_inv(k, V, Vi))
        return cav_err_set(err, CAV_EINVAL, "rbm amp se: V is not positive definite");
    /* covariance of the Gaussian part and the c enumeration */
    double S[K * K], Ss[K * K];
    int gauss_c = p->latent_prior == CAV_RBM_GAUSSIAN;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = in->Q[a * k + b];
            if (gauss_c)
                for (int j = 0; j < r; j++)
                    s += in->zeta[a * r + j] * in->zeta[b * r + j];
            S[a * k + b] = s;
        }
    mi_symmetrise(k, S);
    if (!(mi_sqrtm(k, S, Ss) > -1e-12))
        return cav_err_set(err, CAV_EINVAL, "rbm amp se: Q is not positive semi-definite");
    double z1[64], w1[64];
    cav_gauss_hermite(n1, z1, w1);
    long N = 1;
    for (int a = 0; a < k; a++)
        N *= n1;
    int nc = gauss_c ? 1 : 1 << r;
    double Egc[K * K] = {0}, Egg[K * K] = {0}, Edg[K * K] = {0};
    for (int cs = 0; cs < nc; cs++) {
        double c[K];
        for (int j = 0; j < r; j++)
            c[j] = gauss_c ? 0.0 : ((cs >> j & 1) ? 1.0 : -1.0);
        for (long node = 0; node < N; node++) {
            double xi[K], w = 1.0 / nc, om[K], g[K], dg[K * K];
            long rr = node;
            for (int a = 0; a < k; a++) {
                int ia = (int)(rr % n1);
                rr /= n1;
                xi[a] = z1[ia];
                w *= w1[ia];
            }
            for (int a = 0; a < k; a++) {
                double s = 0;
                for (int b = 0; b < k; b++)
                    s += Ss[a * k + b] * xi[b];
                if (!gauss_c)
                    for (int j = 0; j < r; j++)
                        s += in->zeta[a * r + j] * c[j];
                om[a] = s;
            }
            if (mi_rbm_prox(k, p->hidden, om, Vi, g, dg))
                return cav_err_set(err, CAV_ENUMERIC,
                                   "rbm amp se: the proximal problem is not concave "
                                   "(V^{-1} - Hess eta not positive definite; V too large)");
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    Egg[a * k + b] += w * g[a] * g[b];
                    Edg[a * k + b] += w * dg[a * k + b];
                }
                if (!gauss_c)
                    for (int j = 0; j < r; j++)
                        Egc[a * r + j] += w * g[a] * c[j];
            }
        }
    }
    if (gauss_c) /* Stein: E[g c^T] = E[dg/domega] zeta */
        for (int a = 0; a < k; a++)
            for (int j = 0; j < r; j++) {
                double s = 0;
                for (int b = 0; b < k; b++)
                    s += Edg[a * k + b] * in->zeta[b * r + j];
                Egc[a * r + j] = s;
            }
    double al = p->alpha, A[K * K], Zh[K * K], Qh[K * K], lam[K];
    for (int j = 0; j < r; j++)
        lam[j] = cav_rbm_lambda(p, j);
    for (int i = 0; i < k * k; i++) {
        A[i] = -al * Edg[i];
        Qh[i] = al * Egg[i];
    }
    for (int i = 0; i < k * r; i++)
        Zh[i] = al * Egc[i];
    /* T = Zh Lambda Zh^T + Qh */
    double T[K * K];
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = Qh[a * k + b];
            for (int j = 0; j < r; j++)
                s += Zh[a * r + j] * lam[j] * Zh[b * r + j];
            T[a * k + b] = s;
        }
    double Qn[K * K], Ri[K * K];
    st = mi_rbm_input(k, p->hidden, al, A, T, in->Q, Qn, Ri, err);
    if (st) return st;
    memcpy(out->Q, Qn, sizeof out->Q);
    memcpy(out->V, Ri, sizeof out->V);
    for (int a = 0; a < k; a++)
        for (int j = 0; j < r; j++) {
            double s = 0;
            for (int b = 0; b < k; b++)
                s += Ri[a * k + b] * Zh[b * r + j];
            out->zeta[a * r + j] = s * lam[j];
        }
    return CAV_OK;
}

/* ---------------------------------------------------------------- fixed point ----------- */

typedef struct fp_ctx {
    const cav_rbm *p;
    int gh;
} fp_ctx;

static void unpack_state(int k, int r, const double *x, cav_rbm_amp_state *s)
{
    memset(s, 0, sizeof *s);
    memcpy(s->zeta, x, sizeof(double) * (size_t)(k * r));
    mi_unpack(k, x + k * r, s->Q);
    mi_unpack(k, x + k * r + k * (k + 1) / 2, s->V);
}

static void pack_state(int k, int r, const cav_rbm_amp_state *s, double *x)
{
    memcpy(x, s->zeta, sizeof(double) * (size_t)(k * r));
    mi_pack(k, s->Q, x + k * r);
    mi_pack(k, s->V, x + k * r + k * (k + 1) / 2);
}

static int fp_map(void *vc, const double *x, double *fx, cav_err *err)
{
    fp_ctx *c = vc;
    int k = c->p->k, r = c->p->r;
    cav_rbm_amp_state s, s2;
    unpack_state(k, r, x, &s);
    double L[K * K];
    memcpy(L, s.V, sizeof L);
    if (mi_chol(k, L)) return cav_err_set(err, CAV_EINVAL, "rbm amp fp: V not PD");
    int st = cav_rbm_amp_se_step(c->p, &s, c->gh, &s2, err);
    if (st) return st;
    pack_state(k, r, &s2, fx);
    return CAV_OK;
}

int cav_rbm_amp_se_solve(const cav_rbm *p, const cav_rbm_amp_state *in, int gh_n,
                         cav_rbm_amp_fp *out)
{
    cav_err err = {0};
    if (!out) return CAV_EINVAL;
    memset(out, 0, sizeof *out);
    int st = cav_rbm_check(p, &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return st;
    }
    int k = p->k, r = p->r, n = k * r + k * (k + 1);
    cav_rbm_amp_state s0;
    if (in) {
        s0 = *in;
    } else {
        memset(&s0, 0, sizeof s0);
        for (int a = 0; a < k; a++) {
            if (a < r) s0.zeta[a * r + a] = 0.8 * sqrt(cav_rbm_lambda(p, a));
            s0.Q[a * k + a] = 2.0;
            s0.V[a * k + a] = 0.7;
        }
    }
    double x0[2 * K * K + K * K];
    pack_state(k, r, &s0, x0);
    fp_ctx c = {p, gh_n};
    cav_fixpt *f = cav_fixpt_alloc((size_t)n);
    if (!f) {
        out->status = CAV_ENOMEM;
        return CAV_ENOMEM;
    }
    cav_fixpt_opts o = cav_fixpt_opts_default();
    o.tol = 1e-10;
    o.max_iter = 3000;
    o.anderson_m = 3;
    o.damping = 0.5;
    st = cav_fixpt_set(f, fp_map, &c, x0, &o);
    if (!st) st = cav_fixpt_solve(f, NULL, NULL);
    unpack_state(k, r, cav_fixpt_x(f), &out->s);
    out->residual = cav_fixpt_residual(f);
    out->iterations = (long)cav_fixpt_iterations(f);
    snprintf(out->msg, sizeof out->msg, "%s", cav_fixpt_error(f)->msg);
    cav_fixpt_free(f);
    for (int a = 0; a < k; a++)
        for (int j = 0; j < r; j++) {
            double den = out->s.Q[a * k + a] * cav_rbm_lambda(p, j);
            out->cos[a * r + j] = den > 0 ? out->s.zeta[a * r + j] / sqrt(den) : 0.0;
        }
    out->status = st;
    return st;
}
