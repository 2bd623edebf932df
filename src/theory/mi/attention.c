/* theory/mi/attention.c — deep tied low-rank attention (cavity/attention.h, docs/attention.md):
 * the network and its back-propagation, the plug-in and Bayes-optimal generalisation errors at
 * an overlap Q, and the two weak-recovery thresholds of the staircase.
 *
 * Back-propagation (loss l = ||y_hat - y||_F^2, G = dl/dy_hat = 2 (y_hat - y)): for a row
 * softmax y_i = softmax(u_i), dl/du_ij = y_ij (G_ij - sum_k G_ik y_ik); with u = beta h h^T,
 * dl/dh_a = beta sum_j (U_aj + U_ja) h_j. Through h = B z_L: dl/dz_L = B^T dl/dh and
 * dl/dB = dl/dh z_L^T; through B_l = A_l B_{l-1}: dl/dA_l = dl/dB_l B_{l-1}^T and
 * dl/dB_{l-1} += A_l^T dl/dB_l; through A_l = softmax(beta t t^T) + c I the same softmax rule
 * gives dl/dt_l, and t_l = B_{l-1} z_l gives dl/dz_l = B_{l-1}^T dl/dt_l and
 * dl/dB_{l-1} += dl/dt_l z_l^T. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/attention.h"
#include "theory/mi/mi_internal.h"

#define AM CAV_MI_MAXPM

cav_attention cav_attention_default(void)
{
    cav_attention a = {2, 2, 1.0, 1.0};
    return a;
}

int cav_attention_check(const cav_attention *a, cav_err *err)
{
    if (!a) return cav_err_set(err, CAV_EINVAL, "attention: NULL parameters");
    if (a->L < 1 || a->L > CAV_MI_MAXP)
        return cav_err_set(err, CAV_EINVAL, "attention: layers L = %d must be in [1, %d]", a->L,
                           CAV_MI_MAXP);
    if (a->M < 2 || a->L * a->M > CAV_MI_MAXPM)
        return cav_err_set(err, CAV_EINVAL, "attention: tokens M = %d must be >= 2 with L*M <= %d",
                           a->M, CAV_MI_MAXPM);
    if (!(a->c >= 0) || !isfinite(a->c))
        return cav_err_set(err, CAV_EINVAL, "attention: skip c = %g must be >= 0", a->c);
    if (!(a->beta > 0) || !isfinite(a->beta))
        return cav_err_set(err, CAV_EINVAL, "attention: beta = %g must be > 0", a->beta);
    return CAV_OK;
}

void cav_attention_channel(const cav_attention *a, cav_mi_channel *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->type = &cav_mi_channel_attention;
    ch->P = a->L;
    ch->M = a->M;
    ch->par[0] = a->c;
    ch->par[1] = a->beta;
}

void cav_attention_forward(const cav_attention *a, const double *Z, double *y)
{
    double h[AM];
    mi_att_h(a->L, a->M, a->beta, a->c, Z, h);
    mi_att_softmax(a->M, a->beta, h, y);
}

/* Row softmax S of beta t t^T. */
static void smx(int M, double beta, const double *t, double *S)
{
    mi_att_softmax(M, beta, t, S);
}

/* dl/dt for S = softmax(beta t t^T) given dl/dS = G. */
static void smx_back(int M, double beta, const double *t, const double *S, const double *G,
                     double *dt)
{
    double U[AM * AM];
    for (int i = 0; i < M; i++) {
        double r = 0;
        for (int k = 0; k < M; k++)
            r += G[i * M + k] * S[i * M + k];
        for (int j = 0; j < M; j++)
            U[i * M + j] = S[i * M + j] * (G[i * M + j] - r);
    }
    for (int a = 0; a < M; a++) {
        double s = 0;
        for (int j = 0; j < M; j++)
            s += (U[a * M + j] + U[j * M + a]) * t[j];
        dt[a] = beta * s;
    }
}

double cav_attention_loss_grad(const cav_attention *a, const double *Z, const double *y, double *dZ)
{
    int L = a->L, M = a->M;
    double beta = a->beta, c = a->c;
    /* forward, keeping t_l, S_l, B_l */
    double B[CAV_MI_MAXP + 1][AM * AM], S[CAV_MI_MAXP][AM * AM], t[CAV_MI_MAXP][AM];
    memset(B[0], 0, sizeof B[0]);
    for (int i = 0; i < M; i++)
        B[0][i * M + i] = 1.0;
    for (int l = 0; l < L - 1; l++) {
        const double *z = Z + l * M;
        for (int i = 0; i < M; i++) {
            double s = 0;
            for (int k = 0; k < M; k++)
                s += B[l][i * M + k] * z[k];
            t[l][i] = s;
        }
        smx(M, beta, t[l], S[l]);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) {
                double s = 0;
                for (int k = 0; k < M; k++)
                    s += (S[l][i * M + k] + (i == k ? c : 0.0)) * B[l][k * M + j];
                B[l + 1][i * M + j] = s;
            }
    }
    double h[AM], yh[AM * AM], G[AM * AM];
    const double *zL = Z + (L - 1) * M, *BL = B[L - 1];
    for (int i = 0; i < M; i++) {
        double s = 0;
        for (int k = 0; k < M; k++)
            s += BL[i * M + k] * zL[k];
        h[i] = s;
    }
    smx(M, beta, h, yh);
    double loss = 0;
    for (int i = 0; i < M * M; i++) {
        double d = yh[i] - y[i];
        loss += d * d;
        G[i] = 2 * d;
    }
    if (!dZ) return loss;
    double dh[AM], dB[AM * AM];
    smx_back(M, beta, h, yh, G, dh);
    for (int k = 0; k < M; k++) {
        double s = 0;
        for (int i = 0; i < M; i++)
            s += BL[i * M + k] * dh[i];
        dZ[(L - 1) * M + k] = s;
    }
    for (int i = 0; i < M; i++)
        for (int k = 0; k < M; k++)
            dB[i * M + k] = dh[i] * zL[k];
    for (int l = L - 2; l >= 0; l--) {
        /* B_{l+1} = A_l B_l, A_l = S_l + c I */
        double dA[AM * AM], dBp[AM * AM], dt[AM];
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) {
                double s = 0, s2 = 0;
                for (int k = 0; k < M; k++) {
                    s += dB[i * M + k] * B[l][j * M + k];
                    s2 += (S[l][k * M + i] + (k == i ? c : 0.0)) * dB[k * M + j];
                }
                dA[i * M + j] = s;
                dBp[i * M + j] = s2;
            }
        smx_back(M, beta, t[l], S[l], dA, dt);
        const double *z = Z + l * M;
        for (int k = 0; k < M; k++) {
            double s = 0;
            for (int i = 0; i < M; i++)
                s += B[l][i * M + k] * dt[i];
            dZ[l * M + k] = s;
        }
        for (int i = 0; i < M; i++)
            for (int k = 0; k < M; k++)
                dBp[i * M + k] += dt[i] * z[k];
        memcpy(dB, dBp, sizeof dB);
    }
    return loss;
}

/* ------------------------------------------------------------------ errors -------------- */

static int prep_q(const cav_attention *a, const double *Q, double *Qs, double *Vs, cav_err *err)
{
    int L = a->L;
    int st = cav_attention_check(a, err);
    if (st) return st;
    if (!Q) return cav_err_set(err, CAV_EINVAL, "attention: Q is NULL");
    double S[CAV_MI_MAXP * CAV_MI_MAXP], V[CAV_MI_MAXP * CAV_MI_MAXP];
    memcpy(S, Q, sizeof(double) * (size_t)(L * L));
    mi_symmetrise(L, S);
    double w = mi_sqrtm(L, S, Qs);
    if (!(w > -1e-12)) return cav_err_set(err, CAV_EINVAL, "attention: Q has eigenvalue %g < 0", w);
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++)
            V[i * L + j] = (i == j) - S[i * L + j];
    w = mi_sqrtm(L, V, Vs);
    if (!(w >= -1e-12))
        return cav_err_set(err, CAV_EINVAL, "attention: I - Q has eigenvalue %g < 0", w);
    return CAV_OK;
}

/* Z = Qs xi + Vs u per token. */
static void draw(int L, int M, const double *Qs, const double *Vs, cav_rng *r, double *om,
                 double *Z)
{
    double xi[AM], u[AM];
    for (int i = 0; i < L * M; i++) {
        xi[i] = cav_rng_normal(r);
        u[i] = cav_rng_normal(r);
    }
    for (int p = 0; p < L; p++)
        for (int m = 0; m < M; m++) {
            double s1 = 0, s2 = 0;
            for (int q = 0; q < L; q++) {
                s1 += Qs[p * L + q] * xi[q * M + m];
                s2 += Vs[p * L + q] * u[q * M + m];
            }
            om[p * M + m] = s1;
            if (Z) Z[p * M + m] = s1 + s2;
        }
}

/* Mean and standard error of n samples from per-block (sum, sum of squares) pairs, added in block
 * order (the same bits for any thread count); frees bs. */
static void block_mean(double *bs, long nb, long n, double *e, double *se)
{
    double s1 = 0, s2 = 0;
    for (long b = 0; b < nb; b++)
        s1 += bs[2 * b], s2 += bs[2 * b + 1];
    free(bs);
    double m = s1 / (double)n;
    *e = m;
    if (se) *se = sqrt(fmax(s2 / (double)n - m * m, 0) / (double)(n - 1));
}

int cav_attention_gen_error(const cav_attention *a, const double *Q, long n, uint64_t seed,
                            double *e, double *se, cav_err *err)
{
    double Qs[CAV_MI_MAXP * CAV_MI_MAXP], Vs[CAV_MI_MAXP * CAV_MI_MAXP];
    int st = prep_q(a, Q, Qs, Vs, err);
    if (st) return st;
    if (n < 2 || !e) return cav_err_set(err, CAV_EINVAL, "attention gen error: n = %ld < 2", n);
    int L = a->L, M = a->M;
    long nb = (n + 1023) / 1024;
    double *bs = calloc((size_t)(2 * nb), sizeof(double));
    if (!bs) return cav_err_set(err, CAV_ENOMEM, "attention gen error: out of memory");
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++) {
        cav_rng r;
        cav_rng_init(&r, seed, cav_rng_hash("attention-gen"), (uint64_t)b);
        for (long i = b * 1024; i < n && i < (b + 1) * 1024; i++) {
            double om[AM], Z[AM], y1[AM * AM], y2[AM * AM], d = 0;
            draw(L, M, Qs, Vs, &r, om, Z);
            cav_attention_forward(a, Z, y1);
            cav_attention_forward(a, om, y2);
            for (int j = 0; j < M * M; j++)
                d += (y1[j] - y2[j]) * (y1[j] - y2[j]);
            bs[2 * b] += d;
            bs[2 * b + 1] += d * d;
        }
    }
    block_mean(bs, nb, n, e, se);
    return CAV_OK;
}

int cav_attention_bo_error(const cav_attention *a, const double *Q, long n, long K, uint64_t seed,
                           double *e, double *se, cav_err *err)
{
    double Qs[CAV_MI_MAXP * CAV_MI_MAXP], Vs[CAV_MI_MAXP * CAV_MI_MAXP];
    int st = prep_q(a, Q, Qs, Vs, err);
    if (st) return st;
    if (n < 2 || K < 2 || !e)
        return cav_err_set(err, CAV_EINVAL, "attention bo error: n = %ld and K = %ld must be >= 2",
                           n, K);
    int L = a->L, M = a->M, MM = M * M;
    long nb = (n + 255) / 256;
    double *bs = calloc((size_t)(2 * nb), sizeof(double));
    if (!bs) return cav_err_set(err, CAV_ENOMEM, "attention bo error: out of memory");
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++) {
        cav_rng r;
        cav_rng_init(&r, seed, cav_rng_hash("attention-bo"), (uint64_t)b);
        for (long i = b * 256; i < n && i < (b + 1) * 256; i++) {
            double om[AM], Z[AM], y[AM * AM], sum[AM * AM] = {0}, ss = 0, yk[AM * AM];
            draw(L, M, Qs, Vs, &r, om, Z);
            cav_attention_forward(a, Z, y);
            /* inner draws Z' = omega + Vs u */
            for (long k = 0; k < K; k++) {
                double Zp[AM], u[AM];
                for (int j = 0; j < L * M; j++)
                    u[j] = cav_rng_normal(&r);
                for (int p = 0; p < L; p++)
                    for (int m = 0; m < M; m++) {
                        double s = om[p * M + m];
                        for (int q = 0; q < L; q++)
                            s += Vs[p * L + q] * u[q * M + m];
                        Zp[p * M + m] = s;
                    }
                cav_attention_forward(a, Zp, yk);
                for (int j = 0; j < MM; j++) {
                    sum[j] += yk[j];
                    ss += yk[j] * yk[j];
                }
            }
            /* E[g'.g''] from pairs: (|sum|^2 - sum |g_k|^2)/(K(K-1)) */
            double s2 = 0, gy = 0;
            for (int j = 0; j < MM; j++) {
                s2 += sum[j] * sum[j];
                gy += y[j] * y[j];
            }
            double d = gy - (s2 - ss) / ((double)K * (double)(K - 1));
            bs[2 * b] += d;
            bs[2 * b + 1] += d * d;
        }
    }
    block_mean(bs, nb, n, e, se);
    return CAV_OK;
}

/* ------------------------------------------------------------------ thresholds ---------- */

cav_attention_th_opts cav_attention_th_opts_default(void)
{
    cav_attention_th_opts o;
    o.inner = cav_mi_inner_opts_default();
    o.inner.method = CAV_MI_GH;
    o.inner.gh_n = 20;
    o.tol = 1e-6;
    o.outer = cav_mi_outer_opts_default();
    o.outer.n = 20000;
    o.outer.inner = o.inner;
    o.outer.inner.gh_n = 16;
    o.outer.inner.gh_check = 0;
    o.ahi = 8.0;
    o.xtol = 1e-3;
    o.conditional = 1;
    o.mc_n = 0;
    return o;
}

int cav_attention_thresholds(const cav_attention *a, const cav_attention_th_opts *opts,
                             cav_attention_th *out)
{
    cav_err err = {0};
    if (!out) return CAV_EINVAL;
    memset(out, 0, sizeof *out);
    int st = cav_attention_check(a, &err);
    cav_attention_th_opts o = opts ? *opts : cav_attention_th_opts_default();
    if (!st && !(o.ahi > 0)) st = cav_err_set(&err, CAV_EINVAL, "attention: ahi = %g <= 0", o.ahi);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return st;
    }
    int L = a->L, M = a->M;
    cav_mi_channel ch;
    cav_attention_channel(a, &ch);
    /* the default rule is sized for two layers (k = M free coordinates): deeper networks have
     * (L-1) M free coordinates and a tensor rule of n^k nodes */
    if (!opts && (L - 1) * M > 2) {
        o.inner.gh_n = (L - 1) * M >= 4 ? 8 : 12;
        o.outer.inner.gh_n = o.inner.gh_n;
    }
    cav_mi_stab s;
    double eest = 0;
    if (o.mc_n < 0) {
        out->status = cav_err_set(&err, CAV_EINVAL, "attention: mc_n = %ld < 0", o.mc_n);
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return out->status;
    }
    st = cav_mi_channel_stability(&ch, &o.inner, o.tol, o.mc_n, 1, &s, NULL, &eest, &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return st;
    }
    out->alpha1 = s.alpha_c;
    out->lambda1 = s.lambda_max;
    /* error: Monte Carlo: its standard error; cubature: the same computation with a 3/4
     * posterior rule, plus the cubature estimate */
    if (o.mc_n > 0) {
        out->alpha1_err = s.lambda_max > 0 ? s.lambda_se / (s.lambda_max * s.lambda_max) : NAN;
    } else {
        cav_mi_inner_opts i2 = o.inner;
        cav_mi_stab s2;
        double e2 = 0;
        if (i2.method == CAV_MI_GH) i2.gh_n -= i2.gh_n / 4;
        if (i2.method == CAV_MI_MC) i2.mc_n /= 2;
        if (!cav_mi_channel_stability(&ch, &i2, o.tol, 0, 1, &s2, NULL, &e2, NULL))
            out->alpha1_err = fabs(s2.alpha_c - s.alpha_c) +
                              (s.lambda_max > 0 ? eest / (s.lambda_max * s.lambda_max) : 0);
        else
            out->alpha1_err = NAN;
    }
    int nb = L * (L + 1) / 2, best = 0;
    for (int l = 0; l < L; l++) {
        int a_ll = 0; /* basis index of (l, l) */
        for (int i = 0; i < l; i++)
            a_ll += L - i;
        out->F[l] = s.Fop[a_ll * nb + a_ll];
        if (fabs(s.vmax[l * L + l]) > fabs(s.vmax[best * L + best])) best = l;
    }
    out->first = best;
    out->jensen = 1.0 / (M * (M + 1.0));
    out->alpha2 = NAN;
    if (!o.conditional || L == 1) return CAV_OK;
    /* conditional threshold of the other layers given `best` */
    int un[CAV_MI_MAXP], nu = 0;
    for (int l = 0; l < L; l++)
        if (l != best) un[nu++] = l;
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &o.outer, &err);
    if (!cs) {
        out->status = err.code;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return err.code;
    }
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    /* the learned block's fixed point to 1e-5: its Monte-Carlo error (1e-3 and more for q near
     * 1) dominates, and a tighter tolerance costs iterations near the transitions */
    cav_mi_se_opts so = cav_mi_se_opts_default();
    so.fixpt.tol = 1e-5;
    so.fixpt.max_iter = 400;
    cav_mi_cond_result cr;
    st = cav_mi_threshold_conditional(&m, un, nu, out->alpha1 * 1.02, o.ahi, o.xtol, &so, &cr);
    if (st == CAV_EINVAL && cr.flo >= 0) {
        /* learned as soon as the first block is: the staircase collapses */
        out->alpha2 = out->alpha1;
        out->alpha2_se = 0;
        st = CAV_OK;
        snprintf(out->msg, sizeof out->msg,
                 "conditional instability already at 1.02 alpha_1: alpha_2 = alpha_1");
    } else if (st) {
        snprintf(out->msg, sizeof out->msg, "%s", cr.msg);
    } else {
        out->alpha2 = cr.alpha_c;
        out->alpha2_se = cr.alpha_se;
        out->q_first_at_alpha2 = cr.Q[best * L + best];
    }
    cav_mi_chside_free(cs);
    out->status = st;
    return st;
}
