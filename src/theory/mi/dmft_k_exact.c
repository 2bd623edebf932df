/* theory/mi/dmft_k_exact.c — the exact path of the k-index DMFT for Gaussian hidden units
 * (cavity/dmft_k.h, docs/rbm-gd.md). eta(h) = |h|^2/2, g = h: the sample side (S) is linear,
 *   h = K (zeta c + omega),  K = (I - R_w)^{-1}: K(t,t) = I, K(t,s) = sum_{s<=r<t} R_w(t,r) K(r,s),
 * so R_g = K, M(t) = E h^t c^T = sum_a K(t,a) zeta(a), and with X(a,b) = zeta(a) zeta(b)^T +
 * C_w(a,b) (unit-variance latents), Y = K X and C_g(t,s) = sum_{b<=s} Y(t,b) K(s,b)^T,
 * E eta(h^t) = tr C_g(t,t)/2. Row t needs weight rows <= t: one causal sweep, O(T^3 k^3). */
#include <math.h>
#include <string.h>

#include "theory/mi/dmft_k_internal.h"

/* zeta(a) zeta(b)^T + C_w(a,b) into X (k x k). */
static void xab(const cav_dmft_k *s, size_t a, size_t b, double *X)
{
    const int k = s->k, r = s->r;
    const double *Ca = s->W.Cw + (a * s->L + b) * s->kk;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double v = Ca[i * k + j];
            for (int q = 0; q < r; q++)
                v += s->W.A[a * s->kr + (size_t)(i * r + q)] * s->lam[q] * s->lam[q] *
                     s->W.A[b * s->kr + (size_t)(j * r + q)];
            X[i * k + j] = v;
        }
}

static void exact_row(cav_dmft_k *s, size_t t)
{
    const int k = s->k, r = s->r;
    const size_t kk = s->kk, kr = s->kr, L = s->L;
    ks *S = &s->S;
    /* K row t */
    for (size_t u = 0; u < L; u++) {
        double *K = blk(s, s->Kx, t, u);
        memset(K, 0, kk * sizeof *K);
        if (u > t) continue;
        if (u == t) {
            for (int a = 0; a < k; a++)
                K[a * k + a] = 1;
        } else {
            for (size_t q = u; q < t; q++)
                mm(k, k, k, 1, blk(s, s->W.Rw, t, q), blk(s, s->Kx, q, u), K);
        }
        memcpy(blk(s, S->Rg, t, u), K, kk * sizeof *K);
    }
    /* Y row t: Y(t,b) = sum_{a<=t} K(t,a) X(a,b), b <= t */
    for (size_t b = 0; b <= t; b++) {
        double *Y = blk(s, s->Yx, t, b), X[KM * KM];
        memset(Y, 0, kk * sizeof *Y);
        for (size_t a = 0; a <= t; a++) {
            xab(s, a, b, X);
            mm(k, k, k, 1, blk(s, s->Kx, t, a), X, Y);
        }
    }
    /* C_g(t,u) = sum_{b<=u} Y(t,b) K(u,b)^T, u <= t; mirrored */
    for (size_t u = 0; u <= t; u++) {
        double *C = blk(s, S->Cg, t, u);
        memset(C, 0, kk * sizeof *C);
        for (size_t b = 0; b <= u; b++)
            mmt(k, k, k, 1, blk(s, s->Yx, t, b), blk(s, s->Kx, u, b), C);
        double *Ct = blk(s, S->Cg, u, t);
        if (u == t) {
            for (int i = 0; i < k; i++)
                for (int j = 0; j < i; j++)
                    C[i * k + j] = C[j * k + i] = 0.5 * (C[i * k + j] + C[j * k + i]);
        } else {
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                    Ct[j * k + i] = C[i * k + j];
        }
    }
    /* M(t) = sum_a K(t,a) zeta(a), zeta(a) = Abar(a) Lambda */
    double *M = S->Mg + t * kr;
    memset(M, 0, kr * sizeof *M);
    for (size_t a = 0; a <= t; a++) {
        double z[KM * KM];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < r; j++)
                z[i * r + j] = s->W.A[a * kr + (size_t)(i * r + j)] * s->lam[j];
        mm(k, r, k, 1, blk(s, s->Kx, t, a), z, M);
    }
    const double *Ctt = blk(s, S->Cg, t, t);
    double tr = 0;
    for (int i = 0; i < k; i++)
        tr += Ctt[i * k + i];
    S->Je[t] = tr / 2;
}

int dmft_k_sweep_exact(cav_dmft_k *s)
{
    for (long t = 0; t <= s->T; t++) {
        if (dmft_k_weight_row(s, t, &s->S, &s->W))
            return cav_err_set(&s->err, CAV_EDIVERGE,
                               "dmft_k: the dynamics diverged at step %ld (Q not finite or "
                               "Q >= I for Gaussian hidden units)",
                               t);
        exact_row(s, (size_t)t);
        const double *C = blk(s, s->S.Cg, (size_t)t, (size_t)t);
        for (size_t i = 0; i < s->kk; i++)
            if (!isfinite(C[i]))
                return cav_err_set(&s->err, CAV_EDIVERGE, "dmft_k: C_g not finite at step %ld", t);
    }
    return CAV_OK;
}
