/* theory/mi/dmft_k_internal.h — private declarations of the k-index DMFT (cavity/dmft_k.h):
 * the solver object, its weight and sample sides, small block helpers, and the entry points shared
 * by dmft_k.c (sampled path) and dmft_k_exact.c (exact path for Gaussian hidden units). */
#ifndef CAVITY_THEORY_MI_DMFT_K_INTERNAL_H
#define CAVITY_THEORY_MI_DMFT_K_INTERNAL_H

#include <stddef.h>

#include "cavity/dmft_k.h"

#define CHUNK 256       /* trajectories per RNG chunk (fixes the streams) */
#define MAXB 16         /* jackknife batches */
#define DEGEN 1e-12     /* relative innovation variance below which a direction is dropped */
#define RESP_CAP 4e7    /* doubles of response triangles kept by the causal sweep (320 MB) */
#define RESP_FLOPS 2e10 /* default budget of the pathwise responses per sweep */
#define KM CAV_RBM_MAXK

typedef struct {
    double *A, *Rw, *Cw, *P;
} kw; /* weight side */
typedef struct {
    double *Cg, *Rg, *Mg, *Je;
} ks; /* sample side */

struct cav_dmft_k {
    cav_dmft_k_problem p;
    cav_dmft_k_opts o;
    int k, r, set, status, exact; /* exact: the deterministic path (Gaussian hidden units) */
    long T, iter;
    size_t L, kk, kr, n2; /* T+1, k k, k r, L L kk */
    double lam[KM];
    kw W, Wo, Wj;
    ks S, Sn, Sj;
    double *chol;                        /* (kL)^2 */
    double *bcg, *brg, *bmg, *bje, *bdg; /* batch sums (bdg: E Hess eta, all trajectories) */
    size_t bn[MAXB], bnr[MAXB];
    int nb;
    double *se, *rest, residual, noise, *rep;
    double *Kx, *Yx; /* exact path: K = (I - R_w)^{-1} and K (zeta zeta^T + C_w), blocks */
    cav_err err;
};

/* ---- small dense blocks ---- */
static inline double *blk(const cav_dmft_k *s, double *M, size_t t, size_t u)
{
    return M + (t * s->L + u) * s->kk;
}

/* C (m x n) += a X (m x p) Y (p x n) */
static inline void mm(int m, int n, int p, double a, const double *X, const double *Y, double *C)
{
    for (int i = 0; i < m; i++)
        for (int l = 0; l < p; l++) {
            double x = a * X[i * p + l];
            for (int j = 0; j < n; j++)
                C[i * n + j] += x * Y[l * n + j];
        }
}

/* C (m x n) += a X (m x p) Y^T (Y: n x p) */
static inline void mmt(int m, int n, int p, double a, const double *X, const double *Y, double *C)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double v = 0;
            for (int l = 0; l < p; l++)
                v += X[i * p + l] * Y[j * p + l];
            C[i * n + j] += a * v;
        }
}

/* Weight row t from weight rows < t and sample rows < t, then P(t) = grad psi(C_w(t,t));
 * CAV_EDIVERGE when C_w blows up or psi is not defined (dmft_k.c). */
int dmft_k_weight_row(cav_dmft_k *s, long t, const ks *S, kw *W);
/* Exact causal sweep for Gaussian hidden units (g = h linear): fills s->W and s->S
 * (dmft_k_exact.c). CAV_OK, CAV_EDIVERGE, CAV_ENOMEM. */
int dmft_k_sweep_exact(cav_dmft_k *s);

#endif
