/* theory/mi/mi_post.c — posterior of the pre-activations of a multi-index channel
 * (cavity/multi_index.h, section 2; docs/multi-index.md, "Posterior").
 *
 * Under the Gaussian N(omega, V (x) I_M) on vec Z, the free coordinates F of the channel's fibre
 * have the marginal N(omega_F, V_FF) and are written u = omega_F + L xi, L L^T = V_FF,
 * xi ~ N(0, I_k); the determined coordinates D have the conditional law
 * N(omega_D + K (u - omega_F), S), K = V_DF V_FF^{-1}, S = V_DD - K V_FD. Then
 *     Z_out = E_xi sum_b exp(lw_b(xi)),
 *     lw_b = logw_b(u) + log N(zdet_b(u); omega_D + K(u - omega_F), S),
 * and the posterior moments are the same expectations weighted by the fibre point
 * Z = (u, zdet_b(u)). Moments are accumulated centred at omega (Delta = Z - omega), scaled by a
 * running maximum of lw (log-sum-exp), so that nothing overflows and Cov = E[Delta Delta^T] -
 * E[Delta] E[Delta]^T loses no digits when V is small.
 * Rules: EXACT (k = 0), ADAPTIVE (cav_gauss_expect / cav_gauss_expect2_lines on xi, with the
 * channel's kinks mapped to xi and the reference scale from a Gauss-Hermite probe), GH (tensor
 * rule), MC (importance sampling from N(0, I_k) on xi: the prior of the free coordinates). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/gauss.h"
#include "theory/mi/mi_post.h"

cav_mi_inner_opts cav_mi_inner_opts_default(void)
{
    cav_mi_inner_opts o;
    o.method = CAV_MI_AUTO;
    o.tol = 1e-8;
    o.gh_n = 20;
    o.gh_check = 0;
    o.gh_adapt = 1;
    o.mc_n = 4096;
    o.seed = 1;
    return o;
}

static int tensor_rule(int n, int k, long *N, double **x, double **w)
{
    double z1[200], w1[200];
    cav_gauss_hermite(n, z1, w1);
    long tot = 1;
    for (int j = 0; j < k; j++)
        tot *= n;
    *N = tot;
    *x = malloc(sizeof(double) * (size_t)(tot * (k > 0 ? k : 1)));
    *w = malloc(sizeof(double) * (size_t)tot);
    if (!*x || !*w) return CAV_ENOMEM;
    for (long i = 0; i < tot; i++) {
        long r = i;
        double wt = 0.0;
        for (int j = k - 1; j >= 0; j--) {
            int a = (int)(r % n);
            r /= n;
            (*x)[i * k + j] = z1[a];
            wt += log(w1[a]);
        }
        (*w)[i] = wt;
    }
    return CAV_OK;
}

cav_mi_inner *cav_mi_inner_alloc(const cav_mi_channel *ch, const cav_mi_inner_opts *opts,
                                 cav_err *err)
{
    cav_mi_layout lay;
    if (cav_mi_channel_layout(ch, &lay, err)) return NULL;
    cav_mi_inner_opts o = opts ? *opts : cav_mi_inner_opts_default();
    int n = ch->P * ch->M, k = lay.nfree;
    if (o.method < CAV_MI_AUTO || o.method > CAV_MI_MC) {
        cav_err_set(err, CAV_EINVAL, "mi inner: method = %d unknown", o.method);
        return NULL;
    }
    if (o.method == CAV_MI_AUTO)
        o.method = k == 0 ? CAV_MI_EXACT
                          : (k <= 2 && n <= 4 ? CAV_MI_ADAPTIVE : (k <= 4 ? CAV_MI_GH : CAV_MI_MC));
    if (k == 0) o.method = CAV_MI_EXACT;
    if (o.method == CAV_MI_EXACT && k > 0) {
        cav_err_set(err, CAV_EUNSUP, "mi inner: EXACT needs a fibre without free coordinates");
        return NULL;
    }
    if (o.method == CAV_MI_ADAPTIVE && (k > 2 || n > 4)) {
        cav_err_set(err, CAV_EUNSUP,
                    "mi inner: ADAPTIVE cubature needs k <= 2 free coordinates and P*M <= 4 "
                    "(here k = %d, P*M = %d): use GH or MC",
                    k, n);
        return NULL;
    }
    if ((o.method == CAV_MI_GH || o.method == CAV_MI_ADAPTIVE) && (o.gh_n < 2 || o.gh_n > 64)) {
        cav_err_set(err, CAV_EINVAL, "mi inner: gh_n = %d must be in [2, 64]", o.gh_n);
        return NULL;
    }
    if (o.method == CAV_MI_GH && k > 4) {
        cav_err_set(err, CAV_EUNSUP, "mi inner: GH needs k <= 4 free coordinates (k = %d)", k);
        return NULL;
    }
    if (o.method == CAV_MI_MC && o.mc_n < 16) {
        cav_err_set(err, CAV_EINVAL, "mi inner: mc_n = %ld must be >= 16", o.mc_n);
        return NULL;
    }
    if (o.method == CAV_MI_ADAPTIVE && !(o.tol > 0 && o.tol < 1)) {
        cav_err_set(err, CAV_EINVAL, "mi inner: tol = %g must be in (0, 1)", o.tol);
        return NULL;
    }
    cav_mi_inner *w = calloc(1, sizeof *w);
    if (!w) {
        cav_err_set(err, CAV_ENOMEM, "mi inner: out of memory");
        return NULL;
    }
    w->ch = *ch;
    w->lay = lay;
    w->o = o;
    w->method = o.method;
    w->P = ch->P, w->M = ch->M, w->n = n, w->k = k, w->nd = n - k;
    for (int j = 0; j < k; j++)
        w->isF[lay.free[j]] = 1;
    for (int i = 0, d = 0; i < n; i++)
        if (!w->isF[i]) w->idD[d++] = i;
    int st = CAV_OK;
    if (w->method == CAV_MI_GH || w->method == CAV_MI_ADAPTIVE) {
        st = tensor_rule(o.gh_n, k, &w->ngh, &w->gh_x, &w->gh_w);
        if (!st && w->method == CAV_MI_GH && o.gh_check)
            st = tensor_rule(o.gh_n - o.gh_n / 4, k, &w->ngh2, &w->gh2_x, &w->gh2_w);
        if (!st) {
            w->plw = malloc(sizeof(double) * (size_t)w->ngh);
            w->plw0 = malloc(sizeof(double) * (size_t)w->ngh);
            w->pZ = malloc(sizeof(double) * (size_t)(w->ngh * n));
            if (!w->plw || !w->plw0 || !w->pZ) st = CAV_ENOMEM;
            int nm = o.gh_n - o.gh_n / 3, nm2 = o.gh_n - o.gh_n / 4;
            nm2 -= nm2 / 3;
            if (!st) st = tensor_rule(nm < 2 ? 2 : nm, k, &w->ngm, &w->gm_x, &w->gm_w);
            if (!st && w->ngh2)
                st = tensor_rule(nm2 < 2 ? 2 : nm2, k, &w->ngm2, &w->gm2_x, &w->gm2_w);
            double s2 = 0;
            for (long i = 0; !st && i < w->ngh; i++)
                s2 += exp(2 * w->gh_w[i]);
            w->ess_rule = 1.0 / s2;
            s2 = 0;
            for (long i = 0; !st && i < w->ngh2; i++)
                s2 += exp(2 * w->gh2_w[i]);
            w->ess_rule2 = w->ngh2 ? 1.0 / s2 : 0;
        }
    }
    if (!st) {
        w->lwb = malloc(sizeof(double) * (size_t)(lay.nbranch * CH));
        w->Zb = malloc(sizeof(double) * (size_t)(lay.nbranch * CH * n));
        if (!w->lwb || !w->Zb) st = CAV_ENOMEM;
    }
    if (!st && w->method == CAV_MI_MC) {
        w->mc_x = malloc(sizeof(double) * (size_t)(o.mc_n * k));
        if (!w->mc_x)
            st = CAV_ENOMEM;
        else {
            cav_rng r;
            cav_rng_init(&r, o.seed, cav_rng_hash("mi-inner-mc"), 0);
            cav_rng_normal_fill(&r, (size_t)(o.mc_n * k), 1.0, w->mc_x);
        }
    }
    if (st) {
        cav_mi_inner_free(w);
        cav_err_set(err, CAV_ENOMEM, "mi inner: out of memory");
        return NULL;
    }
    return w;
}

void cav_mi_inner_free(cav_mi_inner *w)
{
    if (!w) return;
    free(w->gh_x);
    free(w->gh_w);
    free(w->gh2_x);
    free(w->gh2_w);
    free(w->mc_x);
    free(w->lwb);
    free(w->Zb);
    free(w->plw);
    free(w->plw0);
    free(w->pZ);
    free(w->gm_x);
    free(w->gm_w);
    free(w->gm2_x);
    free(w->gm2_w);
    free(w);
}

int cav_mi_inner_method(const cav_mi_inner *w)
{
    return w ? w->method : -1;
}

/* Set up the Gaussian decomposition for (omega, V). */
static int setup(cav_mi_inner *w, const double *s, const double *omega, const double *V,
                 cav_err *err)
{
    int n = w->n, k = w->k, nd = w->nd;
    double Vf[CAV_MI_MAXPM * CAV_MI_MAXPM];
    mi_kron_I(w->P, w->M, V, Vf);
    w->s = s;
    memcpy(w->om, omega, sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++)
        if (!isfinite(omega[i]))
            return cav_err_set(err, CAV_EINVAL, "mi posterior: omega[%d] is not finite", i);
    /* V_FF and its Cholesky factor */
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            w->LF[a * k + b] = Vf[w->lay.free[a] * n + w->lay.free[b]];
    if (k && mi_chol(k, w->LF))
        return cav_err_set(err, CAV_EINVAL, "mi posterior: V is not positive definite");
    /* K = V_DF V_FF^{-1}: rows solve V_FF K_d^T = V_Fd */
    double col[CAV_MI_MAXPM];
    for (int d = 0; d < nd; d++) {
        for (int a = 0; a < k; a++)
            col[a] = Vf[w->lay.free[a] * n + w->idD[d]];
        if (k) mi_chol_solve(k, w->LF, col);
        for (int a = 0; a < k; a++)
            w->K[d * k + a] = col[a];
    }
    /* S = V_DD - K V_FD */
    for (int d = 0; d < nd; d++)
        for (int e = 0; e < nd; e++) {
            double v = Vf[w->idD[d] * n + w->idD[e]];
            for (int a = 0; a < k; a++)
                v -= w->K[d * k + a] * Vf[w->lay.free[a] * n + w->idD[e]];
            w->LS[d * nd + e] = v;
        }
    if (nd) {
        mi_symmetrise(nd, w->LS);
        if (mi_chol(nd, w->LS))
            return cav_err_set(err, CAV_EINVAL, "mi posterior: V is not positive definite");
        w->lnorm = -0.5 * (mi_chol_logdet(nd, w->LS) + nd * MI_LOG_2PI);
    } else {
        w->lnorm = 0;
    }
    w->nodes = 0;
    w->bad = 0;
    return CAV_OK;
}

/* Evaluate cnt points xi (cnt x k) for branch b: fills w->lw[cnt] and w->Zf (cnt x n, full Z). */
void mi_post_batch(cav_mi_inner *w, int b, int cnt, const double *xi)
{
    int n = w->n, k = w->k, nd = w->nd;
    for (int i = 0; i < cnt; i++)
        for (int a = 0; a < k; a++) {
            double v = w->om[w->lay.free[a]];
            for (int c = 0; c <= a; c++)
                v += w->LF[a * k + c] * xi[i * k + c];
            w->u[i * k + a] = v;
        }
    w->ch.type->fibre(&w->ch, w->s, b, (size_t)cnt, w->u, w->zd, w->lw);
    w->nodes += cnt;
    for (int i = 0; i < cnt; i++) {
        double *Z = w->Zf + i * n;
        for (int a = 0; a < k; a++)
            Z[w->lay.free[a]] = w->u[i * k + a];
        for (int d = 0; d < nd; d++)
            Z[w->idD[d]] = w->zd[i * nd + d];
        if (w->lw[i] == -INFINITY) continue;
        if (!isfinite(w->lw[i])) {
            w->bad = 1;
            w->lw[i] = -INFINITY;
            continue;
        }
        if (nd) {
            double r[CAV_MI_MAXPM];
            for (int d = 0; d < nd; d++) {
                double m = w->om[w->idD[d]];
                for (int a = 0; a < k; a++)
                    m += w->K[d * k + a] * (w->u[i * k + a] - w->om[w->lay.free[a]]);
                r[d] = w->zd[i * nd + d] - m;
            }
            /* forward solve L y = r, |y|^2 */
            double q = 0;
            for (int d = 0; d < nd; d++) {
                double v = r[d];
                for (int e = 0; e < d; e++)
                    v -= w->LS[d * nd + e] * r[e];
                r[d] = v / w->LS[d * nd + d];
                q += r[d] * r[d];
            }
            w->lw[i] += w->lnorm - 0.5 * q;
        }
        if (!isfinite(w->lw[i])) {
            if (w->lw[i] != -INFINITY) w->bad = 1;
            w->lw[i] = -INFINITY;
        }
    }
}

void mi_acc_init(mi_acc *A)
{
    memset(A, 0, sizeof *A);
    A->ref = -INFINITY;
}

/* lw[b*stride], Z[(b*stride)*n]: the nb branches of one point, lwt its rule log-weight. */
void mi_acc_point(mi_acc *A, int n, const double *om, int nb, const double *lw, const double *Z,
                  size_t stride, double lwt)
{
    double lmax = -INFINITY;
    for (int b = 0; b < nb; b++)
        if (lw[(size_t)b * stride] > lmax) lmax = lw[(size_t)b * stride];
    if (lmax == -INFINITY) return;
    lmax += lwt;
    if (lmax > A->ref) {
        double f = A->ref == -INFINITY ? 0.0 : exp(A->ref - lmax);
        A->s0 *= f;
        A->q0 *= f * f;
        for (int i = 0; i < n; i++) {
            A->s1[i] *= f;
            A->q1[i] *= f * f;
            A->q2[i] *= f * f;
            for (int j = i; j < n; j++)
                A->s2[i * n + j] *= f;
        }
        A->ref = lmax;
    }
    double W = 0, Y[CAV_MI_MAXPM] = {0};
    for (int b = 0; b < nb; b++) {
        double l = lw[(size_t)b * stride];
        if (l == -INFINITY) continue;
        double e = exp(l + lwt - A->ref), D[CAV_MI_MAXPM];
        const double *Zb = Z + (size_t)b * stride * (size_t)n;
        for (int i = 0; i < n; i++) {
            D[i] = Zb[i] - om[i];
            Y[i] += e * D[i];
        }
        W += e;
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
                A->s2[i * n + j] += e * D[i] * D[j];
    }
    A->s0 += W;
    A->q0 += W * W;
    for (int i = 0; i < n; i++) {
        A->s1[i] += Y[i];
        A->q1[i] += W * Y[i];
        A->q2[i] += Y[i] * Y[i];
    }
}

/* Posterior from the accumulated sums (weights already include the rule weights). */
int mi_acc_finish(const mi_acc *A, int n, const double *om, cav_mi_post *out)
{
    if (!(A->s0 > 0) || !isfinite(A->s0) || A->ref == -INFINITY) return CAV_ENUMERIC;
    out->logZ = A->ref + log(A->s0);
    double m[CAV_MI_MAXPM];
    for (int i = 0; i < n; i++) {
        m[i] = A->s1[i] / A->s0;
        out->mean[i] = om[i] + m[i];
    }
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++)
            out->cov[i * n + j] = out->cov[j * n + i] = A->s2[i * n + j] / A->s0 - m[i] * m[j];
    return CAV_OK;
}

/* N points x (N x k) with log-weights lwt (NULL: equal weights 1/N, Monte Carlo). */
int mi_post_rule(cav_mi_inner *w, long N, const double *x, const double *lwt, int mc,
                 cav_mi_post *out)
{
    int n = w->n, k = w->k, nb = w->lay.nbranch;
    double lw0 = -log((double)N);
    mi_acc A;
    mi_acc_init(&A);
    for (long i0 = 0; i0 < N; i0 += CH) {
        int cnt = (int)(N - i0 < CH ? N - i0 : CH);
        for (int b = 0; b < nb; b++) {
            mi_post_batch(w, b, cnt, x + i0 * k);
            memcpy(w->lwb + (size_t)b * CH, w->lw, sizeof(double) * (size_t)cnt);
            memcpy(w->Zb + (size_t)b * CH * (size_t)n, w->Zf, sizeof(double) * (size_t)(cnt * n));
        }
        for (int i = 0; i < cnt; i++)
            mi_acc_point(&A, n, w->om, nb, w->lwb + i, w->Zb + (size_t)i * (size_t)n, CH,
                         lwt ? lwt[i0 + i] : lw0);
    }
    int st = mi_acc_finish(&A, n, w->om, out);
    if (st) return st;
    out->ess = 0;
    out->err = 0;
    if (mc) {
        /* delta method for the self-normalised means; relative variance of the Z estimate */
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double mi = A.s1[i] / A.s0;
            double v = (A.q2[i] - 2 * mi * A.q1[i] + mi * mi * A.q0) / (A.s0 * A.s0);
            if (v > worst) worst = v;
        }
        double rz = A.q0 / (A.s0 * A.s0) - 1.0 / (double)N;
        out->ess = A.s0 * A.s0 / A.q0;
        out->err = sqrt(fmax(worst, fmax(rz, 0.0)));
    }
    return CAV_OK;
}

/* ---------------------------------------------------------------- adaptive -------------- */

typedef struct ad_ctx {
    cav_mi_inner *w;
    double ref;
} ad_ctx;

static void ad_eval(ad_ctx *c, size_t np, const double *xi, double *out)
{
    cav_mi_inner *w = c->w;
    int n = w->n, k = w->k, nout = 1 + n + n * (n + 1) / 2;
    memset(out, 0, sizeof(double) * np * (size_t)nout);
    for (int b = 0; b < w->lay.nbranch; b++)
        for (size_t i0 = 0; i0 < np; i0 += CH) {
            int cnt = (int)(np - i0 < CH ? np - i0 : CH);
            mi_post_batch(w, b, cnt, xi + i0 * (size_t)k);
            for (int i = 0; i < cnt; i++) {
                if (w->lw[i] == -INFINITY) continue;
                double e = exp(w->lw[i] - c->ref), *o = out + (i0 + (size_t)i) * (size_t)nout;
                const double *Z = w->Zf + i * n;
                double D[CAV_MI_MAXPM];
                for (int a = 0; a < n; a++)
                    D[a] = Z[a] - w->om[a];
                o[0] += e;
                int t = 1 + n;
                for (int a = 0; a < n; a++) {
                    o[1 + a] += e * D[a];
                    for (int bb = a; bb < n; bb++)
                        o[t++] += e * D[a] * D[bb];
                }
            }
        }
}

static void ad_f1(void *vc, size_t np, const double *z, double *out)
{
    ad_eval(vc, np, z, out);
}

static void ad_f2(void *vc, size_t np, const double *z1, const double *z2, double *out)
{
    double xi[2 * 256];
    ad_ctx *c = vc;
    int nout = 1 + c->w->n + c->w->n * (c->w->n + 1) / 2;
    for (size_t i0 = 0; i0 < np; i0 += 256) {
        size_t cnt = np - i0 < 256 ? np - i0 : 256;
        for (size_t i = 0; i < cnt; i++) {
            xi[2 * i] = z1[i0 + i];
            xi[2 * i + 1] = z2[i0 + i];
        }
        ad_eval(c, cnt, xi, out + i0 * (size_t)nout);
    }
}

static int run_adaptive(cav_mi_inner *w, cav_mi_post *out, cav_err *err)
{
    int n = w->n, k = w->k, nout = 1 + n + n * (n + 1) / 2;
    /* probe with the Gauss-Hermite rule: reference log-scale and magnitude */
    cav_mi_post probe;
    double ref, vmin = INFINITY;
    int st = mi_post_rule(w, w->ngh, w->gh_x, w->gh_w, 0, &probe);
    if (!st) {
        ref = probe.logZ;
        for (int a = 0; a < n; a++)
            vmin = fmin(vmin, probe.cov[a * n + a] > 0 ? probe.cov[a * n + a] : vmin);
    } else {
        /* the mass lies beyond the Gauss-Hermite nodes (a label deep in the tail): scan a
         * uniform grid of [-12, 12]^k for the largest lw + log phi(xi) */
        int ng = k == 1 ? 241 : 61;
        long N = k == 1 ? ng : (long)ng * ng;
        ref = -INFINITY;
        for (int b = 0; b < w->lay.nbranch; b++)
            for (long i0 = 0; i0 < N; i0 += CH) {
                int cnt = (int)(N - i0 < CH ? N - i0 : CH);
                double xi[2 * CH], lp[CH];
                for (int i = 0; i < cnt; i++) {
                    long id = i0 + i;
                    xi[k * i] = -12.0 + 24.0 * (double)(id % ng) / (ng - 1);
                    lp[i] = -0.5 * xi[k * i] * xi[k * i];
                    if (k == 2) {
                        xi[2 * i + 1] = -12.0 + 24.0 * (double)(id / ng) / (ng - 1);
                        lp[i] -= 0.5 * xi[2 * i + 1] * xi[2 * i + 1];
                    }
                }
                mi_post_batch(w, b, cnt, xi);
                for (int i = 0; i < cnt; i++)
                    if (w->lw[i] + lp[i] > ref) ref = w->lw[i] + lp[i];
            }
        if (ref == -INFINITY)
            return cav_err_set(err, CAV_ENUMERIC, "mi posterior: the label has zero likelihood");
        ref -= 0.5 * k * MI_LOG_2PI;
    }
    ad_ctx c = {w, ref};
    if (!isfinite(vmin)) vmin = 1.0;
    cav_gauss_opts go = cav_gauss_opts_default();
    go.reltol = w->o.tol;
    go.abstol = w->o.tol * fmin(1.0, vmin); /* the weight is ~1 at the reference scale */
    go.max_panels = 2000;
    double res[NMOM], ae[NMOM], br1[CAV_GAUSS_MAXBREAKS], br2[CAV_GAUSS_MAXBREAKS], pts[8];
    cav_gauss_line lines[CAV_GAUSS_MAXBREAKS];
    int nb1 = 0, nb2 = 0, nl = 0;
    if (w->ch.type->kinks)
        for (int b = 0; b < w->lay.nbranch; b++)
            for (int j = 0; j < k; j++) {
                int np = w->ch.type->kinks(&w->ch, w->s, b, j, pts);
                for (int q = 0; q < np && q < 8; q++) {
                    double t = pts[q] - w->om[w->lay.free[j]];
                    if (j == 0 && nb1 < CAV_GAUSS_MAXBREAKS)
                        br1[nb1++] = t / w->LF[0];
                    else if (j == 1 && nl < CAV_GAUSS_MAXBREAKS) {
                        if (w->LF[2] == 0 && nb2 < CAV_GAUSS_MAXBREAKS)
                            br2[nb2++] = t / w->LF[3];
                        else {
                            lines[nl].c = t / w->LF[3];
                            lines[nl].s = -w->LF[2] / w->LF[3];
                            nl++;
                        }
                    }
                }
            }
    if (k == 1)
        st = cav_gauss_expect(ad_f1, &c, nout, br1, nb1, &go, res, ae, err);
    else
        st = cav_gauss_expect2_lines(ad_f2, &c, nout, br1, nb1, br2, nb2, lines, nl, &go, res, ae,
                                     err);
    if (st && st != CAV_EMAXITER) return st;
    if (!(res[0] > 0)) return cav_err_set(err, CAV_ENUMERIC, "mi posterior: Z_out underflows");
    out->logZ = c.ref + log(res[0]);
    double m[CAV_MI_MAXPM], e = ae[0] / res[0];
    for (int a = 0; a < n; a++) {
        m[a] = res[1 + a] / res[0];
        out->mean[a] = w->om[a] + m[a];
        e = fmax(e, (ae[1 + a] + fabs(m[a]) * ae[0]) / res[0]);
    }
    int t = 1 + n;
    for (int a = 0; a < n; a++)
        for (int b = a; b < n; b++, t++) {
            out->cov[a * n + b] = out->cov[b * n + a] = res[t] / res[0] - m[a] * m[b];
            e = fmax(e, (ae[t] + fabs(res[t] / res[0]) * ae[0]) / res[0] +
                            fabs(m[a]) * ae[1 + b] / res[0] + fabs(m[b]) * ae[1 + a] / res[0]);
        }
    out->err = e;
    out->ess = 0;
    return st;
}

int cav_mi_posterior(cav_mi_inner *w, const double *s, const double *omega, const double *V,
                     cav_mi_post *out, cav_err *err)
{
    if (!w || !s || !omega || !V || !out)
        return cav_err_set(err, CAV_EINVAL, "mi posterior: NULL argument");
    int st = setup(w, s, omega, V, err);
    if (st) return st;
    out->method = w->method;
    switch (w->method) {
    case CAV_MI_EXACT: {
        double dummy = 0;
        st = mi_post_rule(w, 1, &dummy, &(double){0.0}, 0, out);
        break;
    }
    case CAV_MI_GH:
        st = mi_post_gh(w, w->ngh, w->gh_x, w->gh_w, w->o.gh_n, w->ess_rule, w->ngm, w->gm_x,
                        w->gm_w, out);
        if (!st && w->o.gh_check) {
            cav_mi_post p2;
            int st2 = mi_post_gh(w, w->ngh2, w->gh2_x, w->gh2_w, w->o.gh_n - w->o.gh_n / 4,
                                 w->ess_rule2, w->ngm2, w->gm2_x, w->gm2_w, &p2);
            double e = st2 ? INFINITY : fabs(p2.logZ - out->logZ);
            for (int i = 0; i < w->n && !st2; i++) {
                e = fmax(e, fabs(p2.mean[i] - out->mean[i]));
                for (int j = 0; j < w->n; j++)
                    e = fmax(e, fabs(p2.cov[i * w->n + j] - out->cov[i * w->n + j]));
            }
            out->err = e;
        }
        break;
    case CAV_MI_MC:
        st = mi_post_rule(w, w->o.mc_n, w->mc_x, NULL, 1, out);
        break;
    default:
        st = run_adaptive(w, out, err);
        if (st && st != CAV_EMAXITER) {
            out->nodes = w->nodes;
            return st;
        }
    }
    out->nodes = w->nodes;
    if (st == CAV_ENUMERIC)
        return cav_err_set(err, CAV_ENUMERIC,
                           "mi posterior: the label has zero likelihood under N(omega, V)");
    if (w->bad)
        return cav_err_set(err, CAV_ENUMERIC, "mi posterior: non-finite fibre weight (channel %s)",
                           w->ch.type->name);
    return st;
}

int cav_mi_gout(int P, int M, const cav_mi_post *post, const double *omega, const double *V,
                double *gout, double *dgout)
{
    int n = P * M;
    double Vi[CAV_MI_MAXP * CAV_MI_MAXP];
    if (mi_spd_inv(P, V, Vi)) return CAV_EINVAL;
    for (int p = 0; p < P; p++)
        for (int m = 0; m < M; m++) {
            double g = 0;
            for (int q = 0; q < P; q++)
                g += Vi[p * P + q] * (post->mean[q * M + m] - omega[q * M + m]);
            gout[p * M + m] = g;
        }
    if (!dgout) return CAV_OK;
    /* (Vi (x) I)(Cov - V (x) I)(Vi (x) I) */
    double T[CAV_MI_MAXPM * CAV_MI_MAXPM];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double c = post->cov[i * n + j] - ((i % M == j % M) ? V[(i / M) * P + j / M] : 0.0);
            T[i * n + j] = c;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            int pi = i / M, mi = i % M, pj = j / M, mj = j % M;
            for (int a = 0; a < P; a++)
                for (int b = 0; b < P; b++)
                    s += Vi[pi * P + a] * T[(a * M + mi) * n + (b * M + mj)] * Vi[b * P + pj];
            dgout[i * n + j] = s;
        }
    return CAV_OK;
}
