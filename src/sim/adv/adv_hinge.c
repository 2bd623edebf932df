/* Exact robust-hinge adversarial training (docs/adversarial.md "Learner", hinge loss; Vilucchio,
 * Zdeborová, Loureiro, arXiv:2506.12454, Sec. 2): the last step of cav_adv_erm for the hinge
 * loss, after a smoothed (Huber) solve has located the solution.
 *
 *   J(w) = sum_mu max(0, 1 - m_mu(w)) + lambda |w|^2/2,  m_mu = y_mu a_mu.w - eps N(w),
 * N(w) = scale ||w_k||_2 (l_2 attack) or scale ||w_k||_1 (l_inf attack).
 *
 * Duality. max(0, e) = max_{0 <= alpha <= 1} alpha e gives J(w) = max_alpha L(w, alpha),
 *   L(w, alpha) = S - (alpha o y)^T A w + eps S N(w) + lambda |w|^2/2,  S = sum alpha,
 * and weak duality J(w) >= D(alpha) = min_w L(w, alpha) for all alpha in [0, 1]^n. The inner
 * minimum is a proximal step, with c = A^T (alpha o y):
 *   w(alpha) = prox_{tau ||.||}(c/lambda) on the k block (group soft-threshold for l_2,
 *              coordinatewise soft-threshold for l_1), tau = eps S scale/lambda; c/lambda off it,
 * and, N being positively homogeneous (w.dN(w) = N(w)), D(alpha) = S - lambda |w(alpha)|^2/2.
 * The certificate is the relative duality gap (J(w(alpha)) - D(alpha)) / J(w(alpha)) >= 0, which
 * bounds the relative suboptimality of w(alpha) in J (and lambda |w - w*|^2/2 <= J - D).
 *
 * Exact KKT structure. At the optimum alpha_mu = 1 where m_mu < 1, 0 where m_mu > 1, and on the
 * margin set M (m_mu = 1) alpha_mu in [0, 1] solves F(alpha_M) = 1 - m_M(w(alpha)) = 0 with the
 * other multipliers fixed. Differentiating lambda w + eps S g = c (g in dN(w)) in alpha_nu:
 *   K dw/dalpha_nu = b_nu,  b_nu = y_nu a_nu - eps g,  K = lambda I + eps S Hess N(w),
 * and dm_mu/dw = b_mu, so dm_M/dalpha_M = G = B_M K^+ B_M^T (PSD). l_2 with w_k != 0:
 * Hess N = scale (I - ww^T/|w|^2)/|w_k| on the k block, so K^+ = kappa2 I + (kappa1 - kappa2)
 * w_hat w_hat^T there, kappa1 = 1/lambda, kappa2 = 1/(lambda + eps S scale/|w_k|), and kappa1
 * off the block (w_k = 0: K^+ = 0 on the block, where w(alpha) stays 0 locally). l_inf: K^+ =
 * 1/lambda on the coordinates with w_i != 0 or i >= k, 0 on the zero coordinates of the block
 * (w(alpha) is piecewise linear in alpha: one Newton step is exact at a fixed pattern).
 * Newton (semismooth, Qi & Sun, Math. Program. 58 (1993) 353): G delta = 1 - m_M, alpha_M +=
 * delta, clipped to [0, 1] (a clipped multiplier leaves M, fixed at its bound); once F is small,
 * fixed multipliers whose margin violates their sign (alpha = 1 with m > 1, alpha = 0 with
 * m < 1) join M. Every iterate is certified by the duality gap, and the best is returned. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "sim/adv/adv_internal.h"

/* w = w(alpha) (prox, above); ay (length n) scratch; returns S = sum alpha. */
static double w_of_alpha(const adv_hinge *H, const double *alpha, double *ay, double *w)
{
    double S = 0.0;
    for (size_t i = 0; i < H->n; i++) {
        S += alpha[i];
        ay[i] = alpha[i] * H->y[i];
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)H->n, (blasint)H->p, H->sc / H->lambda, H->X,
                (blasint)H->p, ay, 1, 0.0, w, 1);
    const double tau = H->eps * S * H->scale / H->lambda;
    if (!H->linf) {
        double nv = cav_la_nrm2(H->k, w), f = nv > tau ? 1.0 - tau / nv : 0.0;
        for (size_t i = 0; i < H->k; i++)
            w[i] *= f;
    } else {
        for (size_t i = 0; i < H->k; i++)
            w[i] = w[i] > tau ? w[i] - tau : w[i] < -tau ? w[i] + tau : 0.0;
    }
    return S;
}

/* Margins m_mu(w) into m; returns J(w) (hinge). */
static double margins(const adv_hinge *H, const double *w, double *m)
{
    double N = 0.0;
    if (!H->linf)
        N = H->scale * cav_la_nrm2(H->k, w);
    else
        for (size_t i = 0; i < H->k; i++)
            N += H->scale * fabs(w[i]);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)H->n, (blasint)H->p, H->sc, H->X,
                (blasint)H->p, w, 1, 0.0, m, 1);
    double J = 0.0;
    for (size_t i = 0; i < H->n; i++) {
        m[i] = H->y[i] * m[i] - H->eps * N;
        J += m[i] < 1.0 ? 1.0 - m[i] : 0.0;
    }
    return J + 0.5 * H->lambda * cav_la_dot(H->p, w, w);
}

/* Relative gap at alpha; w = w(alpha), m its margins (m also the scratch of w_of_alpha). */
static double gap_at(const adv_hinge *H, const double *alpha, double *w, double *m, double *J,
                     double *S)
{
    *S = w_of_alpha(H, alpha, m, w);
    *J = margins(H, w, m);
    double D = *S - 0.5 * H->lambda * cav_la_dot(H->p, w, w);
    return *J > 0.0 ? (*J - D) / *J : 0.0;
}

double adv_hinge_gap(const adv_hinge *H, const double *alpha, double *w, double *J)
{
    double *m = malloc(H->n * sizeof *m), S;
    if (!m) return INFINITY;
    double g = gap_at(H, alpha, w, m, J, &S);
    free(m);
    return g;
}

int adv_hinge_exact(const adv_hinge *H, double *alpha, double tol, double *w, double *gap,
                    long *steps)
{
    const size_t n = H->n, p = H->p, k = H->k;
    double *m = malloc(n * sizeof *m), *abest = malloc(n * sizeof *abest);
    double *wbest = malloc(p * sizeof *wbest), *dk = malloc(p * sizeof *dk);
    double *g = malloc(p * sizeof *g), *what = malloc(p * sizeof *what);
    unsigned char *st = malloc(n);
    size_t *idx = malloc(n * sizeof *idx);
    double *B = NULL, *G = NULL, *G0 = NULL, *r = NULL, *u = NULL;
    int ret = -1;
    *steps = 0;
    *gap = INFINITY;
    if (!m || !abest || !wbest || !dk || !g || !what || !st || !idx) goto done;
    /* initial sets from the given multipliers: 0 and 1 fixed, interior free */
    for (size_t i = 0; i < n; i++) {
        alpha[i] = fmin(1.0, fmax(0.0, alpha[i]));
        st[i] = alpha[i] <= 0.0 ? 0 : alpha[i] >= 1.0 ? 1 : 2;
    }
    memcpy(abest, alpha, n * sizeof *alpha);
    memset(wbest, 0, p * sizeof *wbest);
    size_t cap = 0;
    double best = INFINITY, Fmax = 0.0;
    long since = 0;
    for (long it = 0; it < 100; it++) {
        double J, S, gp = gap_at(H, alpha, w, m, &J, &S);
        if (!(gp >= -1.0)) break; /* non-finite */
        if (gp < best) {
            best = gp, since = 0;
            memcpy(abest, alpha, n * sizeof *alpha);
            memcpy(wbest, w, p * sizeof *w);
        } else if (++since > (best <= tol ? 2 : 15)) {
            break; /* stalled (at rounding once certified) */
        }
        if (best <= 1e-14) break;
        /* margin-set residual, then (once it is small, or M empty) free the violators */
        size_t nM = 0;
        Fmax = 0.0;
        for (size_t i = 0; i < n; i++)
            if (st[i] == 2) Fmax = fmax(Fmax, fabs(1.0 - m[i]));
        if (Fmax <= 1e-9 || it == 0) {
            for (size_t i = 0; i < n; i++)
                if ((st[i] == 1 && m[i] > 1.0) || (st[i] == 0 && m[i] < 1.0)) st[i] = 2;
        }
        for (size_t i = 0; i < n; i++)
            if (st[i] == 2) idx[nM++] = i;
        if (nM == 0) break;
        if (nM > cap) {
            free(B), free(G), free(G0), free(r), free(u);
            cap = nM;
            B = malloc(cap * p * sizeof *B);
            G = malloc(cap * cap * sizeof *G);
            G0 = malloc(cap * cap * sizeof *G0);
            r = malloc(cap * sizeof *r);
            u = malloc(cap * sizeof *u);
            if (!B || !G || !G0 || !r || !u) goto done;
        }
        /* g in dN(w), K^+ = diag(dk) + c1 what what^T (see the top) */
        const double k1 = 1.0 / H->lambda;
        double c1 = 0.0;
        memset(g, 0, p * sizeof *g);
        memset(what, 0, p * sizeof *what);
        for (size_t j = k; j < p; j++)
            dk[j] = k1;
        if (!H->linf) {
            double nk = cav_la_nrm2(k, w);
            double k2 = nk > 0.0 ? 1.0 / (H->lambda + H->eps * S * H->scale / nk) : 0.0;
            for (size_t j = 0; j < k; j++) {
                dk[j] = k2;
                what[j] = nk > 0.0 ? w[j] / nk : 0.0;
                g[j] = H->scale * what[j];
            }
            c1 = nk > 0.0 ? k1 - k2 : 0.0;
        } else {
            for (size_t j = 0; j < k; j++) {
                dk[j] = w[j] != 0.0 ? k1 : 0.0;
                g[j] = w[j] > 0.0 ? H->scale : w[j] < 0.0 ? -H->scale : 0.0;
            }
        }
        for (size_t a = 0; a < nM; a++) {
            const size_t i = idx[a];
            const double *x = H->X + i * p;
            double *b = B + a * p, ub = 0.0;
            for (size_t j = 0; j < p; j++) {
                double bj = H->y[i] * H->sc * x[j] - H->eps * g[j];
                ub += bj * what[j];
                b[j] = bj * sqrt(dk[j]);
            }
            u[a] = ub;
            r[a] = 1.0 - m[i];
        }
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (blasint)nM, (blasint)p, 1.0, B,
                    (blasint)p, 0.0, G0, (blasint)nM);
        if (c1 != 0.0)
            cblas_dsyr(CblasRowMajor, CblasLower, (blasint)nM, c1, u, 1, G0, (blasint)nM);
        double tr = 0.0;
        for (size_t a = 0; a < nM; a++)
            tr += G0[a * nM + a];
        /* a tiny ridge keeps the factorisation defined when M has more points than G has rank
         * (degenerate margins); the next Newton step corrects the O(ridge) error */
        double ridge = 1e-13 * tr / (double)nM + 1e-300;
        int ok = 0;
        double *rhs = u; /* u no longer needed */
        for (int tr_ = 0; tr_ < 4 && !ok; tr_++, ridge *= 1e3) {
            memcpy(G, G0, nM * nM * sizeof *G);
            memcpy(rhs, r, nM * sizeof *r);
            for (size_t a = 0; a < nM; a++)
                G[a * nM + a] += ridge;
            ok = cav_la_posv(nM, 1, G, rhs) == 0;
        }
        if (!ok) break;
        for (size_t a = 0; a < nM; a++) {
            const size_t i = idx[a];
            double v = alpha[i] + rhs[a];
            if (v >= 1.0) {
                alpha[i] = 1.0, st[i] = 1;
            } else if (v <= 0.0) {
                alpha[i] = 0.0, st[i] = 0;
            } else {
                alpha[i] = v;
            }
        }
        (*steps)++;
    }
    memcpy(alpha, abest, n * sizeof *alpha);
    memcpy(w, wbest, p * sizeof *w);
    *gap = best;
    ret = best <= tol ? 0 : 1;
done:
    free(m), free(abest), free(wbest), free(dk), free(g), free(what), free(st), free(idx);
    free(B), free(G), free(G0), free(r), free(u);
    return ret;
}
