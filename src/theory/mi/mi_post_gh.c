/* theory/mi/mi_post_gh.c — the mode-adapted Gauss-Hermite rule of the multi-index posterior
 * (docs/multi-index.md, "Posterior", rule GH): a branch whose posterior the tensor rule over the
 * prior does not resolve is integrated again with a defensive mixture of the prior and Laplace
 * approximations at its modes, each component by the same tensor rule in its own coordinates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "theory/mi/mi_post.h"

/* Merge accumulator B into A (different reference scales). */
static void acc_merge(mi_acc *A, const mi_acc *B, int n)
{
    if (B->ref == -INFINITY) return;
    if (B->ref > A->ref) {
        double f = A->ref == -INFINITY ? 0.0 : exp(A->ref - B->ref);
        A->s0 *= f;
        A->q0 *= f * f;
        for (int i = 0; i < n; i++) {
            A->s1[i] *= f;
            A->q1[i] *= f * f;
            A->q2[i] *= f * f;
            for (int j = i; j < n; j++)
                A->s2[i * n + j] *= f;
        }
        A->ref = B->ref;
    }
    double g = exp(B->ref - A->ref);
    A->s0 += g * B->s0;
    A->q0 += g * g * B->q0;
    for (int i = 0; i < n; i++) {
        A->s1[i] += g * B->s1[i];
        A->q1[i] += g * g * B->q1[i];
        A->q2[i] += g * g * B->q2[i];
        for (int j = i; j < n; j++)
            A->s2[i * n + j] += g * B->s2[i * n + j];
    }
}

#define MAXC 5 /* mixture components: the prior and up to 4 modes */

/* log target of branch b at cnt points xi: lw_b(xi) - |xi|^2/2 (into out). */
static void target(cav_mi_inner *w, int b, int cnt, const double *xi, double *out)
{
    int k = w->k;
    mi_post_batch(w, b, cnt, xi);
    for (int i = 0; i < cnt; i++) {
        double r2 = 0;
        for (int a = 0; a < k; a++)
            r2 += xi[i * k + a] * xi[i * k + a];
        out[i] = w->lw[i] - 0.5 * r2;
    }
}

/* Newton ascent on the log target from x (k-vector, updated); H: the negative Hessian at the end
 * (k x k, positive definite on success). Returns 0 on success. Central differences with a step
 * tied to the current width estimate. */
static int find_mode(cav_mi_inner *w, int b, double *x, double *H, double *fx)
{
    int k = w->k;
    double width = 0.3, pts[CH * 4], f[CH];
    for (int it = 0; it < 25; it++) {
        double h = 0.02 * width;
        int np = 0;
        memcpy(pts, x, sizeof(double) * (size_t)k);
        np = 1;
        for (int a = 0; a < k; a++)
            for (int sgn = -1; sgn <= 1; sgn += 2) {
                memcpy(pts + np * k, x, sizeof(double) * (size_t)k);
                pts[np * k + a] += sgn * h;
                np++;
            }
        for (int a = 0; a < k; a++)
            for (int c = a + 1; c < k; c++)
                for (int sa = -1; sa <= 1; sa += 2)
                    for (int sc = -1; sc <= 1; sc += 2) {
                        memcpy(pts + np * k, x, sizeof(double) * (size_t)k);
                        pts[np * k + a] += sa * h;
                        pts[np * k + c] += sc * h;
                        np++;
                    }
        target(w, b, np, pts, f);
        if (!isfinite(f[0])) return -1;
        double g[CAV_MI_MAXPM], Hm[CAV_MI_MAXPM * CAV_MI_MAXPM];
        int idx = 1;
        for (int a = 0; a < k; a++) {
            double fm = f[idx], fp = f[idx + 1];
            idx += 2;
            g[a] = (fp - fm) / (2 * h);
            Hm[a * k + a] = -(fp - 2 * f[0] + fm) / (h * h);
        }
        for (int a = 0; a < k; a++)
            for (int c = a + 1; c < k; c++) {
                double fmm = f[idx], fmp = f[idx + 1], fpm = f[idx + 2], fpp = f[idx + 3];
                idx += 4;
                Hm[a * k + c] = Hm[c * k + a] = -(fpp - fpm - fmp + fmm) / (4 * h * h);
            }
        memcpy(H, Hm, sizeof(double) * (size_t)(k * k));
        *fx = f[0];
        double L[CAV_MI_MAXPM * CAV_MI_MAXPM], step[CAV_MI_MAXPM];
        memcpy(L, Hm, sizeof L);
        int pd = mi_chol(k, L) == 0;
        memcpy(step, g, sizeof(double) * (size_t)k);
        if (pd)
            mi_chol_solve(k, L, step);
        else
            for (int a = 0; a < k; a++)
                step[a] *= width * width;
        double sn = 0;
        for (int a = 0; a < k; a++)
            sn += step[a] * step[a];
        sn = sqrt(sn);
        if (sn > 3 * width)
            for (int a = 0; a < k; a++)
                step[a] *= 3 * width / sn;
        /* backtracking */
        double t = 1.0, ft;
        for (int bt = 0; bt < 20; bt++, t *= 0.5) {
            double xt[CAV_MI_MAXPM];
            for (int a = 0; a < k; a++)
                xt[a] = x[a] + t * step[a];
            target(w, b, 1, xt, &ft);
            if (ft >= f[0]) {
                memcpy(x, xt, sizeof(double) * (size_t)k);
                *fx = ft;
                break;
            }
        }
        if (pd) {
            double wmin = INFINITY;
            for (int a = 0; a < k; a++)
                wmin = fmin(wmin, 1.0 / sqrt(Hm[a * k + a]));
            width = fmax(fmin(wmin, 1.0), 1e-8);
        }
        if (pd && t * sn < 1e-6 * width) return 0;
    }
    double L[CAV_MI_MAXPM * CAV_MI_MAXPM];
    memcpy(L, H, sizeof L);
    return mi_chol(k, L) == 0 ? 0 : -1;
}

/* Integrate branch b with a defensive mixture of Gaussians (the prior N(0, I) and the Laplace
 * approximations at the modes found from the pass-1 grid), each by the tensor rule (x, lwt, N)
 * in its own coordinates: int g phi = sum_c pi_c E_{N_c}[g phi / q]. */
static void gh_mixture(cav_mi_inner *w, int b, long N, const double *x, const double *lwt, int n1,
                       long Nm, const double *xm_rule, const double *lwm, mi_acc *A)
{
    int k = w->k, n = w->n;
    double mu[MAXC][CAV_MI_MAXPM], Lc[MAXC][CAV_MI_MAXPM * CAV_MI_MAXPM], ldet[MAXC], lpi[MAXC];
    int nc = 1;
    memset(mu[0], 0, sizeof mu[0]);
    memset(Lc[0], 0, sizeof Lc[0]);
    for (int a = 0; a < k; a++)
        Lc[0][a * k + a] = 1.0;
    ldet[0] = 0;
    /* candidates: grid local maxima of the log target, best first */
    double lmax = -INFINITY;
    for (long i = 0; i < N; i++) {
        double r2 = 0;
        for (int a = 0; a < k; a++)
            r2 += x[i * k + a] * x[i * k + a];
        w->plw[i] -= 0.5 * r2;
        if (w->plw[i] > lmax) lmax = w->plw[i];
    }
    long cand[8];
    int ncand = 0;
    for (long i = 0; i < N && lmax > -INFINITY; i++) {
        double v = w->plw[i];
        if (v < lmax - 40) continue;
        int ismax = 1;
        long r = i, stride = 1;
        for (int a = k - 1; a >= 0 && ismax; a--) {
            int ia = (int)(r % n1);
            r /= n1;
            if (ia > 0 && w->plw[i - stride] > v) ismax = 0;
            if (ia < n1 - 1 && w->plw[i + stride] > v) ismax = 0;
            stride *= n1;
        }
        if (!ismax) continue;
        /* keep the 8 best */
        int pos;
        if (ncand < 8)
            pos = ncand++;
        else if (w->plw[cand[7]] >= v)
            continue;
        else
            pos = 7;
        cand[pos] = i;
        for (int j = pos; j > 0 && w->plw[cand[j]] > w->plw[cand[j - 1]]; j--) {
            long t = cand[j];
            cand[j] = cand[j - 1];
            cand[j - 1] = t;
        }
    }
    double lmass[MAXC];
    lmass[0] = -INFINITY;
    for (int ci = 0; ci < ncand && nc < MAXC; ci++) {
        double xm[CAV_MI_MAXPM], H[CAV_MI_MAXPM * CAV_MI_MAXPM], fx;
        memcpy(xm, x + cand[ci] * k, sizeof(double) * (size_t)k);
        /* a candidate inside the 3-sigma ellipsoid of a mode already found climbs to it */
        int near = 0;
        for (int c = 1; c < nc && !near; c++) {
            double d[CAV_MI_MAXPM], q = 0;
            for (int a = 0; a < k; a++)
                d[a] = xm[a] - mu[c][a];
            for (int a = 0; a < k; a++) { /* forward solve L y = d */
                double v = d[a];
                for (int e = 0; e < a; e++)
                    v -= Lc[c][a * k + e] * d[e];
                d[a] = v / Lc[c][a * k + a];
                q += d[a] * d[a];
            }
            if (q < 9) near = 1;
        }
        if (near) continue;
        if (find_mode(w, b, xm, H, &fx)) continue;
        double Hi[CAV_MI_MAXPM * CAV_MI_MAXPM];
        if (mi_spd_inv(k, H, Hi)) continue;
        /* duplicate of a mode already found? (Mahalanobis distance < 1) */
        int dup = 0;
        for (int c = 1; c < nc && !dup; c++) {
            double d[CAV_MI_MAXPM], q = 0;
            for (int a = 0; a < k; a++)
                d[a] = xm[a] - mu[c][a];
            for (int a = 0; a < k; a++)
                for (int e = 0; e < k; e++)
                    q += d[a] * H[a * k + e] * d[e];
            if (q < 1) dup = 1;
        }
        if (dup) continue;
        memcpy(mu[nc], xm, sizeof(double) * (size_t)k);
        memcpy(Lc[nc], Hi, sizeof(double) * (size_t)(k * k));
        mi_chol(k, Lc[nc]);
        ldet[nc] = 0.5 * mi_chol_logdet(k, Lc[nc]);
        lmass[nc] = fx + ldet[nc] + 0.5 * k * MI_LOG_2PI; /* Laplace mass */
        nc++;
    }
    /* weights: 5% on the prior (defensive), the rest by Laplace mass */
    double mm = -INFINITY;
    for (int c = 1; c < nc; c++)
        mm = fmax(mm, lmass[c]);
    double tot = 0;
    for (int c = 1; c < nc; c++)
        tot += exp(lmass[c] - mm);
    lpi[0] = nc > 1 ? log(0.05) : 0.0;
    for (int c = 1; c < nc; c++)
        lpi[c] = log(0.95) + lmass[c] - mm - log(tot);
    /* the prior component (c = 0) by the pass-1 rule, whose points were evaluated already; the
     * Laplace components by the smaller rule (xm_rule, lwm) */
    for (int c = 0; c < nc; c++) {
        long Nc = c ? Nm : N;
        const double *xc = c ? xm_rule : x, *lwc = c ? lwm : lwt;
        for (long i0 = 0; i0 < Nc; i0 += CH) {
            int cnt = (int)(Nc - i0 < CH ? Nc - i0 : CH);
            double xi[CH * CAV_MI_MAXPM], lq[CH];
            for (int i = 0; i < cnt; i++) {
                const double *t = xc + (i0 + i) * k;
                for (int a = 0; a < k; a++) {
                    double v = mu[c][a];
                    for (int e = 0; e <= a; e++)
                        v += Lc[c][a * k + e] * t[e];
                    xi[i * k + a] = v;
                }
                /* log q(xi) = logsumexp_c' (lpi + log N(xi; mu, Sigma)) */
                double terms[MAXC], tm = -INFINITY;
                for (int cc = 0; cc < nc; cc++) {
                    double r[CAV_MI_MAXPM], q = 0;
                    for (int a = 0; a < k; a++)
                        r[a] = xi[i * k + a] - mu[cc][a];
                    for (int a = 0; a < k; a++) { /* forward solve L y = r */
                        double v = r[a];
                        for (int e = 0; e < a; e++)
                            v -= Lc[cc][a * k + e] * r[e];
                        r[a] = v / Lc[cc][a * k + a];
                        q += r[a] * r[a];
                    }
                    terms[cc] = lpi[cc] - 0.5 * q - ldet[cc] - 0.5 * k * MI_LOG_2PI;
                    tm = fmax(tm, terms[cc]);
                }
                double se = 0;
                for (int cc = 0; cc < nc; cc++)
                    se += exp(terms[cc] - tm);
                lq[i] = tm + log(se);
            }
            const double *lwv = w->plw0 + i0, *Zv = w->pZ + i0 * n;
            if (c) {
                mi_post_batch(w, b, cnt, xi);
                lwv = w->lw, Zv = w->Zf;
            }
            for (int i = 0; i < cnt; i++) {
                double r2 = 0;
                for (int a = 0; a < k; a++)
                    r2 += xi[i * k + a] * xi[i * k + a];
                double l = lwv[i] - 0.5 * r2 - 0.5 * k * MI_LOG_2PI - lq[i];
                if (lwv[i] == -INFINITY) l = -INFINITY;
                mi_acc_point(A, n, w->om, 1, &l, Zv + i * n, 1, lwc[i0 + i] + lpi[c]);
            }
        }
    }
}

/* Tensor Gauss-Hermite over the prior of the free coordinates, branch by branch; a branch whose
 * posterior the rule does not resolve (effective node count below 30% of the rule's own) is
 * integrated again with the mode-adapted mixture (Naylor & Smith, Appl. Stat. 31, 214 (1982);
 * Liu & Pierce, Biometrika 81, 624 (1994); a defensive prior component as in Hesterberg,
 * Technometrics 37, 185 (1995)). */
int mi_post_gh(cav_mi_inner *w, long N, const double *x, const double *lwt, int n1, double ess_rule,
               long Nm, const double *xm, const double *lwm, cav_mi_post *out)
{
    int n = w->n, k = w->k, nb = w->lay.nbranch;
    if (k == 0 || !w->o.gh_adapt) return mi_post_rule(w, N, x, lwt, 0, out);
    mi_acc T;
    mi_acc_init(&T);
    for (int b = 0; b < nb; b++) {
        mi_acc B;
        mi_acc_init(&B);
        for (long i0 = 0; i0 < N; i0 += CH) {
            int cnt = (int)(N - i0 < CH ? N - i0 : CH);
            mi_post_batch(w, b, cnt, x + i0 * k);
            for (int i = 0; i < cnt; i++) {
                w->plw[i0 + i] = w->plw0[i0 + i] = w->lw[i];
                memcpy(w->pZ + (i0 + i) * n, w->Zf + i * n, sizeof(double) * (size_t)n);
                mi_acc_point(&B, n, w->om, 1, w->lw + i, w->Zf + i * n, 1, lwt[i0 + i]);
            }
        }
        if (B.ref == -INFINITY) continue;
        double ess = B.s0 * B.s0 / B.q0;
        if (ess >= 0.3 * ess_rule) {
            acc_merge(&T, &B, n);
            continue;
        }
        gh_mixture(w, b, N, x, lwt, n1, Nm, xm, lwm, &T);
    }
    int st = mi_acc_finish(&T, n, w->om, out);
    if (st) return st;
    out->ess = 0;
    out->err = 0;
    return CAV_OK;
}
