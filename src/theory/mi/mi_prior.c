/* theory/mi/mi_prior.c — prior sides of the multi-index state evolution (cavity/multi_index.h,
 * docs/multi-index.md, eq. prior): the map Q = f(Qhat) of the scalar-channel denoising problem
 * B = Qhat w + Qhat^{1/2} xi, w ~ prior on R^P, Q = E[w <w>^T], and its free entropy
 * psi(Qhat) = E log E_{s ~ prior} exp(B.s - s^T Qhat s/2).
 *   Gaussian N(0, I_P):  Q = I - (I + Qhat)^{-1},  psi = (tr Qhat - log det(I + Qhat))/2.
 *   Rademacher (independent +-1 coordinates): the 2^P states enumerated; E over xi by adaptive
 *   quadrature (diagonal Qhat: the coordinates decouple, Q_pp = E tanh(g + sqrt(g) z),
 *   g = Qhat_pp) or a tensor Gauss-Hermite rule (non-diagonal Qhat, P <= 6). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/gauss.h"
#include "theory/mi/mi_internal.h"

static int check_qhat(int P, const double *Qhat, cav_err *err)
{
    if (P < 1 || P > CAV_MI_MAXP)
        return cav_err_set(err, CAV_EINVAL, "mi prior: P = %d must be in [1, %d]", P, CAV_MI_MAXP);
    for (int i = 0; i < P * P; i++)
        if (!isfinite(Qhat[i])) return cav_err_set(err, CAV_EINVAL, "mi prior: Qhat is not finite");
    return CAV_OK;
}

int cav_mi_prior_gaussian(void *ctx, const double *Qhat, double *Q, cav_err *err)
{
    int P = *(const int *)ctx;
    int st = check_qhat(P, Qhat, err);
    if (st) return st;
    double A[CAV_MI_MAXP * CAV_MI_MAXP], Ai[CAV_MI_MAXP * CAV_MI_MAXP];
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            A[i * P + j] = (i == j) + 0.5 * (Qhat[i * P + j] + Qhat[j * P + i]);
    if (mi_spd_inv(P, A, Ai))
        return cav_err_set(err, CAV_EINVAL, "mi prior gaussian: I + Qhat is not positive definite");
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            Q[i * P + j] = (i == j) - Ai[i * P + j];
    return CAV_OK;
}

int cav_mi_psi_gaussian(void *ctx, const double *Qhat, double *val, cav_err *err)
{
    int P = *(const int *)ctx;
    int st = check_qhat(P, Qhat, err);
    if (st) return st;
    double A[CAV_MI_MAXP * CAV_MI_MAXP], tr = 0;
    for (int i = 0; i < P; i++) {
        tr += Qhat[i * P + i];
        for (int j = 0; j < P; j++)
            A[i * P + j] = (i == j) + 0.5 * (Qhat[i * P + j] + Qhat[j * P + i]);
    }
    if (mi_chol(P, A))
        return cav_err_set(err, CAV_EINVAL, "mi prior gaussian: I + Qhat is not positive definite");
    *val = 0.5 * (tr - mi_chol_logdet(P, A));
    return CAV_OK;
}

/* ---------------------------------------------------------------- Rademacher ------------ */

/* Scalar pieces for w* = +1 (the other sign by symmetry): f = E tanh(g + sqrt(g) z),
 * psi = E log cosh(g + sqrt(g) z) - g/2. */
typedef struct rad1 {
    double g;
} rad1;

static void rad1_f(void *vc, size_t n, const double *z, double *out)
{
    const rad1 *c = vc;
    double sg = sqrt(c->g);
    for (size_t i = 0; i < n; i++) {
        double b = c->g + sg * z[i], ab = fabs(b);
        out[2 * i] = tanh(b);
        out[2 * i + 1] = ab + log1p(exp(-2 * ab)) - M_LN2; /* log cosh b */
    }
}

static int rad_scalar(double g, double *f, double *psi, cav_err *err)
{
    if (!(g >= -1e-12))
        return cav_err_set(err, CAV_EINVAL, "mi prior rademacher: Qhat_pp = %g < 0", g);
    if (g <= 0) { /* rounding of finite differences may leave -1e-15 */
        *f = 0, *psi = 0;
        return CAV_OK;
    }
    rad1 c = {g};
    double res[2];
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 1e-15;
    o.reltol = 1e-13;
    o.zmax = 14;
    int st = cav_gauss_expect(rad1_f, &c, 2, NULL, 0, &o, res, NULL, err);
    if (st && st != CAV_EMAXITER) return st;
    *f = res[0];
    *psi = res[1] - 0.5 * g;
    return CAV_OK;
}

static int is_diag(int P, const double *A)
{
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            if (i != j && A[i * P + j] != 0.0) return 0;
    return 1;
}

/* Non-diagonal Qhat: tensor Gauss-Hermite over xi (n per coordinate), all 2^P teacher states. */
static int rad_tensor(int P, const double *Qhat, double *Q, double *psi, cav_err *err)
{
    if (P > 6)
        return cav_err_set(err, CAV_EUNSUP, "mi prior rademacher: P = %d > 6 with couplings", P);
    int n = P == 2 ? 40 : (P == 3 ? 20 : 10), S = 1 << P;
    double z1[64], w1[64], R[CAV_MI_MAXP * CAV_MI_MAXP], Qs[CAV_MI_MAXP * CAV_MI_MAXP];
    memcpy(Qs, Qhat, sizeof(double) * (size_t)(P * P));
    mi_symmetrise(P, Qs);
    double wmin = mi_sqrtm(P, Qs, R);
    if (!(wmin > -1e-12))
        return cav_err_set(err, CAV_EINVAL, "mi prior rademacher: Qhat not PSD (eig %g)", wmin);
    cav_gauss_hermite(n, z1, w1);
    long N = 1;
    for (int p = 0; p < P; p++)
        N *= n;
    /* quadratic energies of the states */
    double *E = malloc(sizeof(double) * (size_t)S);
    if (!E) return cav_err_set(err, CAV_ENOMEM, "mi prior rademacher: out of memory");
    for (int s = 0; s < S; s++) {
        double e = 0;
        for (int i = 0; i < P; i++)
            for (int j = 0; j < P; j++)
                e += ((s >> i & 1) ? 1 : -1) * Qs[i * P + j] * ((s >> j & 1) ? 1 : -1);
        E[s] = 0.5 * e;
    }
    double acc[CAV_MI_MAXP * CAV_MI_MAXP] = {0}, pacc = 0;
    for (int ws = 0; ws < S; ws++)
        for (long node = 0; node < N; node++) {
            double xi[CAV_MI_MAXP], wt = 1.0, B[CAV_MI_MAXP];
            long r = node;
            for (int p = 0; p < P; p++) {
                int a = (int)(r % n);
                r /= n;
                xi[p] = z1[a];
                wt *= w1[a];
            }
            for (int i = 0; i < P; i++) {
                double b = 0;
                for (int j = 0; j < P; j++)
                    b += Qs[i * P + j] * ((ws >> j & 1) ? 1 : -1) + R[i * P + j] * xi[j];
                B[i] = b;
            }
            double mx = -INFINITY, lw[64];
            for (int s = 0; s < S; s++) {
                double l = -E[s];
                for (int i = 0; i < P; i++)
                    l += B[i] * ((s >> i & 1) ? 1 : -1);
                lw[s] = l;
                if (l > mx) mx = l;
            }
            double Zs = 0, m[CAV_MI_MAXP] = {0};
            for (int s = 0; s < S; s++) {
                double e = exp(lw[s] - mx);
                Zs += e;
                for (int i = 0; i < P; i++)
                    m[i] += e * ((s >> i & 1) ? 1 : -1);
            }
            for (int i = 0; i < P; i++)
                m[i] /= Zs;
            wt /= S;
            for (int i = 0; i < P; i++)
                for (int j = 0; j < P; j++)
                    acc[i * P + j] += wt * m[i] * m[j];
            pacc += wt * (mx + log(Zs) - P * M_LN2);
        }
    free(E);
    if (Q) memcpy(Q, acc, sizeof(double) * (size_t)(P * P));
    if (psi) *psi = pacc;
    return CAV_OK;
}

int cav_mi_prior_rademacher(void *ctx, const double *Qhat, double *Q, cav_err *err)
{
    int P = *(const int *)ctx;
    int st = check_qhat(P, Qhat, err);
    if (st) return st;
    if (!is_diag(P, Qhat)) return rad_tensor(P, Qhat, Q, NULL, err);
    memset(Q, 0, sizeof(double) * (size_t)(P * P));
    for (int p = 0; p < P; p++) {
        double psi = 0;
        st = rad_scalar(Qhat[p * P + p], &Q[p * P + p], &psi, err);
        if (st) return st;
    }
    return CAV_OK;
}

int cav_mi_psi_rademacher(void *ctx, const double *Qhat, double *val, cav_err *err)
{
    int P = *(const int *)ctx;
    int st = check_qhat(P, Qhat, err);
    if (st) return st;
    if (!is_diag(P, Qhat)) return rad_tensor(P, Qhat, NULL, val, err);
    double s = 0;
    for (int p = 0; p < P; p++) {
        double f = 0, psi = 0;
        st = rad_scalar(Qhat[p * P + p], &f, &psi, err);
        if (st) return st;
        s += psi;
    }
    *val = s;
    return CAV_OK;
}
