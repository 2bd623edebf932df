/* Exact robust square-loss adversarial training (docs/adversarial.md "Learner", square loss;
 * Vilucchio, Zdeborová, Loureiro, arXiv:2506.12454, Sec. 2), called by cav_adv_erm:
 *
 *   J(w) = sum_mu (|e_mu| + r)^2/2 + lambda |w|^2/2,  e_mu = y_mu - a_mu.w,  r = eps N(w),
 * the inner maximum max_{|d| <= r} (e - d)^2/2 of cavity/adv_sim.h, N(w) = scale ||w_k||_2 (l_2
 * attack) or scale ||w_k||_1 (l_inf attack). J is convex but has kinks at interpolated points
 * (e_mu = 0) and, for l_inf, at w_j = 0 (j < k).
 *
 * Duality. For r >= 0, (|e| + r)^2/2 = max_{beta >= 0, |gamma| <= beta} gamma e + beta r -
 * beta^2/2 (inner max over gamma gives beta |e|, then over beta). Hence J(w) = max L(w; gamma,
 * beta), L = sum [gamma_mu e_mu + beta_mu eps N(w) - beta_mu^2/2] + lambda |w|^2/2, and for every
 * feasible (gamma, beta), J(w) >= D = min_w L. With c = A^T gamma and B = sum beta the inner
 * minimiser is w(gamma, beta) = prox_{tau ||.||}(c/lambda) on the k block (tau = eps B scale /
 * lambda; group or coordinatewise soft-threshold), c/lambda off it, and by the homogeneity of N
 *   D(gamma, beta) = sum (gamma_mu y_mu - beta_mu^2/2) - lambda |w(gamma, beta)|^2/2.
 * At the optimum beta_mu = |e_mu| + r, gamma_mu = sign(e_mu) beta_mu off the interpolated set I,
 * beta_mu = r and gamma_mu in [-r, r] on I. The certificate is (J(w) - D) / J(w) <= tol.
 *
 * Solver. (1) Continuation in a Huber width delta = 1, 1e-1, ...: |e| and (l_inf) |w_j| replaced
 * by psi(x) = x^2/(2 delta) (|x| <= delta), |x| - delta/2 (beyond); dense damped Newton on the
 * smooth J_delta, Hess J_delta = sum grad v grad v^T + sum v Hess v + lambda I with v_mu =
 * psi(e_mu) + eps N_delta(w), grad v_mu = -psi'(e_mu) a_mu + eps grad N.
 * (2) From each stage with delta <= 1e-1: the pattern I = {|e_mu| < delta}, Z = {j < k : |w_j| <
 * delta} (l_inf), signs elsewhere; Newton on the equality-constrained smooth problem
 *   min J_pat(w) = sum_{mu notin I} (s_mu e_mu + r)^2/2 + |I| r^2/2 + lambda |w|^2/2
 *   s.t. a_mu.w = y_mu (mu in I), w_Z = 0,
 * (r from the fixed signs), via the KKT system [H A_I^T; A_I 0] (Schur complement on I); its
 * multipliers give gamma_I = -nu (stationarity of L), clipped to [-r, r] for the certificate.
 * After each Newton on a pattern, active-set rounds move I points with |gamma_mu| > r out of I,
 * points with |e_mu| <= 1e-10 into it, and (l_inf) zero coordinates with |c_j| > eps B scale out
 * of Z, coordinates with |w_j| <= 1e-12 into it, until nothing moves (at most 12 rounds).
 * The first stage whose certificate passes ends the solve. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "sim/adv/adv_internal.h"

typedef struct sqws {
    double *e, *v, *dv, *Xs, *H, *H2, *g, *gN, *c, *wt, *dw;
} sqws;

static double psi(double x, double dl, double *d1, double *d2)
{
    double ax = fabs(x);
    if (ax <= dl) {
        *d1 = x / dl, *d2 = 1.0 / dl;
        return 0.5 * x * x / dl;
    }
    *d1 = x > 0 ? 1.0 : -1.0, *d2 = 0.0;
    return ax - 0.5 * dl;
}

/* Smoothed objective J_delta at w; with grad (and H != NULL) its gradient (and Hessian, full).
 * Points with inI[i] (inI may be NULL) count as interpolated: psi = psi' = psi'' = 0 (v = r),
 * which with delta -> 0 makes it J_pat of the pattern step (see the top). */
static double sq_smooth(const adv_hinge *P, double dl, const double *w, const unsigned char *inI,
                        sqws *W, double *grad, double *H)
{
    const size_t n = P->n, p = P->p, k = P->k;
    double N = 0.0, nk = 0.0;
    memset(W->gN, 0, p * sizeof *W->gN);
    if (P->linf) {
        for (size_t j = 0; j < k; j++) {
            double a1, a2;
            N += P->scale * psi(w[j], dl, &a1, &a2);
            W->gN[j] = P->scale * a1;
        }
    } else {
        nk = cav_la_nrm2(k, w);
        N = P->scale * nk;
        for (size_t j = 0; j < k; j++)
            W->gN[j] = nk > 0 ? P->scale * w[j] / nk : 0.0;
    }
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)p, -P->sc, P->X, (blasint)p, w, 1,
                0.0, W->e, 1);
    double J = 0.0, V = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a1 = 0.0, a2 = 0.0, ps = 0.0;
        W->e[i] += P->y[i];
        if (!inI || !inI[i]) ps = psi(W->e[i], dl, &a1, &a2);
        double v = ps + P->eps * N;
        J += 0.5 * v * v;
        V += v;
        W->v[i] = v * a1;            /* v psi' */
        W->dv[i] = a1 * a1 + v * a2; /* psi'^2 + v psi'' */
        W->c[i] = a1;                /* psi' (for c = A^T psi') */
    }
    J += 0.5 * P->lambda * cav_la_dot(p, w, w);
    if (!grad) return J;
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, -P->sc, P->X, (blasint)p, W->v,
                1, 0.0, grad, 1);
    for (size_t j = 0; j < p; j++)
        grad[j] += P->eps * V * W->gN[j] + P->lambda * w[j];
    if (!H) return J;
    for (size_t i = 0; i < n; i++) {
        double s = P->sc * sqrt(W->dv[i]);
        for (size_t j = 0; j < p; j++)
            W->Xs[i * p + j] = s * P->X[i * p + j];
    }
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (blasint)p, (blasint)n, 1.0, W->Xs,
                (blasint)p, 0.0, H, (blasint)p);
    double *cv = W->wt; /* c = sc X^T psi' */
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, P->sc, P->X, (blasint)p, W->c, 1,
                0.0, cv, 1);
    const double ee = P->eps;
    for (size_t a = 0; a < p; a++) {
        for (size_t b = 0; b <= a; b++)
            H[a * p + b] += -ee * (cv[a] * W->gN[b] + W->gN[a] * cv[b]) +
                            (double)n * ee * ee * W->gN[a] * W->gN[b];
        H[a * p + a] += P->lambda;
    }
    if (P->linf) {
        for (size_t j = 0; j < k; j++) {
            double a1, a2;
            (void)psi(w[j], dl, &a1, &a2);
            H[j * p + j] += ee * V * P->scale * a2;
        }
    } else if (nk > 0) {
        double f = ee * V * P->scale / nk;
        for (size_t a = 0; a < k; a++) {
            for (size_t b = 0; b <= a; b++)
                H[a * p + b] -= f * w[a] * w[b] / (nk * nk);
            H[a * p + a] += f;
        }
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = a + 1; b < p; b++)
            H[a * p + b] = H[b * p + a];
    return J;
}

/* Dense damped Newton on J_delta from w (in/out). */
static void sq_newton(const adv_hinge *P, double dl, double *w, sqws *W, long *steps)
{
    const size_t p = P->p;
    for (int it = 0; it < 60; it++) {
        double J = sq_smooth(P, dl, w, NULL, W, W->g, W->H);
        double gn = cav_la_nrm2(p, W->g);
        if (gn <= 1e-13 * (1.0 + J)) break;
        for (size_t j = 0; j < p; j++)
            W->dw[j] = -W->g[j];
        if (cav_la_posv(p, 1, W->H, W->dw) != 0) break;
        double gd = cav_la_dot(p, W->g, W->dw), s = 1.0;
        int ok = 0;
        for (int ls = 0; ls < 40; ls++, s *= 0.5) {
            for (size_t j = 0; j < p; j++)
                W->wt[j] = w[j] + s * W->dw[j];
            double Jt = sq_smooth(P, dl, W->wt, NULL, W, NULL, NULL);
            if (Jt <= J + 1e-4 * s * gd) {
                ok = 1;
                break;
            }
        }
        (*steps)++;
        if (!ok) break;
        memcpy(w, W->wt, p * sizeof *w);
    }
}

/* Exact objective and the duality gap at w with multipliers gamma_I (gI, NULL: 0) on the set
 * marked in inI. Returns the relative gap. */
static double sq_gap(const adv_hinge *P, const double *w, const unsigned char *inI,
                     const double *gI, sqws *W, double *Jout, double *rB)
{
    const size_t n = P->n, p = P->p, k = P->k;
    double N = 0.0;
    if (P->linf)
        for (size_t j = 0; j < k; j++)
            N += P->scale * fabs(w[j]);
    else
        N = P->scale * cav_la_nrm2(k, w);
    const double r = P->eps * N;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)p, -P->sc, P->X, (blasint)p, w, 1,
                0.0, W->e, 1);
    double J = 0.0, B = 0.0, D = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = W->e[i] + P->y[i], be, ga;
        J += 0.5 * (fabs(e) + r) * (fabs(e) + r);
        if (inI && inI[i]) {
            be = r;
            ga = gI ? fmin(r, fmax(-r, gI[i])) : 0.0;
        } else {
            be = fabs(e) + r;
            ga = e > 0 ? be : e < 0 ? -be : 0.0;
        }
        B += be;
        D += ga * P->y[i] - 0.5 * be * be;
        W->v[i] = ga;
    }
    J += 0.5 * P->lambda * cav_la_dot(p, w, w);
    double *wd = W->wt;
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, P->sc / P->lambda, P->X,
                (blasint)p, W->v, 1, 0.0, wd, 1);
    const double tau = P->eps * B * P->scale / P->lambda;
    if (!P->linf) {
        double nv = cav_la_nrm2(k, wd), f = nv > tau ? 1.0 - tau / nv : 0.0;
        for (size_t j = 0; j < k; j++)
            wd[j] *= f;
    } else {
        for (size_t j = 0; j < k; j++)
            wd[j] = wd[j] > tau ? wd[j] - tau : wd[j] < -tau ? wd[j] + tau : 0.0;
    }
    D -= 0.5 * P->lambda * cav_la_dot(p, wd, wd);
    *Jout = J;
    if (rB) rB[0] = r, rB[1] = B;
    return J > 0 ? (J - D) / J : 0.0;
}

int adv_square_exact(const adv_hinge *P, double tol, double *w, double *gap, long *steps)
{
    const size_t n = P->n, p = P->p, k = P->k;
    sqws W;
    double *mem = malloc((4 * n + n * p + 2 * p * p + 6 * p) * sizeof *mem);
    double *wp = malloc(p * sizeof *wp), *wb = malloc(p * sizeof *wb), *gI = malloc(n * sizeof *gI);
    unsigned char *inI = malloc(n), *inZ = malloc(p);
    double *AI = NULL, *S = NULL, *T = NULL;
    size_t *idx = malloc(n * sizeof *idx), *fr = malloc(p * sizeof *fr);
    int ret = -1;
    *steps = 0;
    *gap = INFINITY;
    if (!mem || !wp || !wb || !gI || !inI || !inZ || !idx || !fr) goto done;
    W.e = mem, W.v = W.e + n, W.dv = W.v + n, W.c = W.dv + n, W.Xs = W.c + n;
    W.H = W.Xs + n * p, W.H2 = W.H + p * p, W.g = W.H2 + p * p, W.gN = W.g + p, W.wt = W.gN + p;
    W.dw = W.wt + p;
    double best = INFINITY, J;
    memcpy(wb, w, p * sizeof *w);
    for (double dl = 1.0; dl >= 1e-10; dl *= 0.1) {
        sq_newton(P, dl, w, &W, steps);
        if (dl > 0.5) continue;
        /* pattern of the smoothed minimiser */
        memcpy(wp, w, p * sizeof *w);
        (void)sq_smooth(P, dl, wp, NULL, &W, NULL, NULL);
        for (size_t i = 0; i < n; i++) {
            inI[i] = fabs(W.e[i]) < dl;
            gI[i] = 0.0;
        }
        for (size_t j = 0; j < p; j++) {
            inZ[j] = P->linf && j < k && fabs(wp[j]) < dl;
            if (inZ[j]) wp[j] = 0.0;
        }
        /* active-set rounds: Newton on the pattern, then move the points / coordinates whose
         * sign conditions fail (|gamma_mu| > r on I; |e_mu| ~ 0 off I; for l_inf |c_j| >
         * eps B scale on Z, w_j ~ 0 off Z) */
        for (int round = 0; round < 12; round++) {
            size_t nI = 0, nF = 0;
            for (size_t i = 0; i < n; i++)
                if (inI[i]) idx[nI++] = i;
            for (size_t j = 0; j < p; j++)
                if (!inZ[j]) fr[nF++] = j;
            if (nI >= nF) break; /* not a regular pattern */
            free(AI), free(S), free(T);
            AI = malloc((nI ? nI : 1) * nF * sizeof *AI);
            T = malloc((nI ? nI : 1) * nF * sizeof *T);
            S = malloc((nI ? nI * nI : 1) * sizeof *S);
            if (!AI || !S || !T) goto done;
            for (size_t a = 0; a < nI; a++)
                for (size_t b = 0; b < nF; b++)
                    AI[a * nF + b] = P->sc * P->X[idx[a] * p + fr[b]];
            /* Newton on the pattern (J_pat: sq_smooth at delta 1e-300 with I marked; on Z the
             * psi'' = 1/delta entries are dropped with the Z rows and columns) */
            for (int it = 0; it < 20; it++) {
                (void)sq_smooth(P, 1e-300, wp, inI, &W, W.g, W.H);
                /* reduce to the free coordinates: H2 = H_FF, g_F */
                for (size_t a = 0; a < nF; a++) {
                    W.dw[a] = -W.g[fr[a]];
                    for (size_t b = 0; b < nF; b++)
                        W.H2[a * nF + b] = W.H[fr[a] * p + fr[b]];
                }
                if (cav_la_posv(nF, 1, W.H2, W.dw) != 0) break; /* H2 now its Cholesky factor */
                /* dw = H^{-1}(-g - A^T nu), S nu = -A H^{-1} g - b, b = y_I - A w */
                if (nI > 0) {
                    for (size_t a = 0; a < nI; a++)
                        for (size_t b = 0; b < nF; b++)
                            T[b * nI + a] = AI[a * nF + b];
                    LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)nF, (lapack_int)nI, W.H2,
                                   (lapack_int)nF, T, (lapack_int)nI); /* T = H^{-1} A^T */
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)nI, (blasint)nI,
                                (blasint)nF, 1.0, AI, (blasint)nF, T, (blasint)nI, 0.0, S,
                                (blasint)nI);
                    double *nu = W.v; /* n >= nI */
                    for (size_t a = 0; a < nI; a++) {
                        double Aw = 0.0, Ad = 0.0;
                        for (size_t b = 0; b < nF; b++) {
                            Aw += AI[a * nF + b] * wp[fr[b]];
                            Ad += AI[a * nF + b] * W.dw[b];
                        }
                        nu[a] = Ad - (P->y[idx[a]] - Aw);
                    }
                    double tr = 0.0;
                    for (size_t a = 0; a < nI; a++)
                        tr += S[a * nI + a];
                    for (size_t a = 0; a < nI; a++)
                        S[a * nI + a] += 1e-14 * tr / (double)nI;
                    if (cav_la_posv(nI, 1, S, nu) != 0) break;
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)nF, (blasint)nI, -1.0, T,
                                (blasint)nI, nu, 1, 1.0, W.dw, 1);
                    for (size_t a = 0; a < nI; a++)
                        gI[idx[a]] = -nu[a];
                }
                double dn = 0.0;
                for (size_t b = 0; b < nF; b++) {
                    wp[fr[b]] += W.dw[b];
                    dn = fmax(dn, fabs(W.dw[b]));
                }
                (*steps)++;
                double gp = sq_gap(P, wp, inI, gI, &W, &J, NULL);
                if (gp < best) {
                    best = gp;
                    memcpy(wb, wp, p * sizeof *wp);
                }
                if (best <= 1e-14 || dn <= 1e-15 * (1.0 + cav_la_nrm2(p, wp))) break;
            }
            if (best <= 1e-14) break;
            /* set updates at wp: sq_gap leaves gamma in W.v; c = A^T gamma recomputed below */
            double rB[2];
            (void)sq_gap(P, wp, inI, gI, &W, &J, rB);
            int moved = 0;
            for (size_t i = 0; i < n; i++) {
                double e = W.e[i] + P->y[i];
                if (inI[i] && fabs(gI[i]) > rB[0] * (1.0 + 1e-9))
                    inI[i] = 0, moved = 1;
                else if (!inI[i] && fabs(e) <= 1e-10)
                    inI[i] = 1, gI[i] = 0.0, moved = 1;
            }
            if (P->linf) {
                cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, P->sc, P->X,
                            (blasint)p, W.v, 1, 0.0, W.g, 1);
                const double th = P->eps * rB[1] * P->scale;
                for (size_t j = 0; j < k; j++) {
                    if (inZ[j] && fabs(W.g[j]) > th * (1.0 + 1e-9))
                        inZ[j] = 0, moved = 1;
                    else if (!inZ[j] && fabs(wp[j]) <= 1e-12)
                        inZ[j] = 1, wp[j] = 0.0, moved = 1;
                }
            }
            if (!moved) break;
        }
        if (best <= tol) break;
    }
    if (best < INFINITY) memcpy(w, wb, p * sizeof *w);
    *gap = best;
    ret = best <= tol ? 0 : 1;
done:
    free(mem), free(wp), free(wb), free(gI), free(inI), free(inZ), free(idx), free(fr);
    free(AI), free(S), free(T);
    return ret;
}
