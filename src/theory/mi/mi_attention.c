/* theory/mi/mi_attention.c — the deep tied low-rank attention channel of Troiani, Cui, Dandi,
 * Krzakala, Zdeborová, arXiv:2502.00901, as a sequence multi-index channel (P = L layers,
 * M tokens; cavity/multi_index.h, docs/attention.md).
 *
 * Network. Tokens x_0 (M x D); layer l < L: x_l = [softmax_b(x_{l-1} w_l w_l^T x_{l-1}^T / D)
 * + c I] x_{l-1}; output y = softmax_b(x_{L-1} w_L w_L^T x_{L-1}^T / D) (row softmax with inverse
 * temperature b = beta, tied query = key, identity value, skip strength c). With
 * z_l = x_0 w_l / sqrt(D) (row l of Z) one has x_{l-1} w_l / sqrt(D) = B_{l-1} z_l where
 * B_0 = I, B_l = A(t_l) B_{l-1}, t_l = B_{l-1} z_l, A(t) = softmax_b(t t^T) + c I; the output is
 * y = softmax_b(h h^T), h = B_{L-1} z_L.
 *
 * Output inversion. With S_ij = log y_ij - log y_ii = beta h_i (h_j - h_i):
 *     -(S_ij + S_ji)/beta = (h_i - h_j)^2,   S_ij - S_ii* = beta h_i (h_j - h_i*),
 * so for the pair (i*, j*) with the largest gap d^2 = (h_j* - h_i*)^2 and d = +sqrt(d^2),
 * h_i = (S_{i j*} - S_{i i*})/(beta d) for every i: y determines h up to its global sign (the two
 * branches), for any M >= 2 (for M = 2 this is a = h1(h1 - h2), b = h2(h2 - h1),
 * h = +-(a, -b)/sqrt(a + b)). The fibre: rows 1..L-1 of Z free, z_L = B_{L-1}^{-1}(+-h),
 * weight 1/|det B_{L-1}| (Z_out is a density in h; the Jacobian of y -> h depends on y only). */
#include <math.h>
#include <string.h>

#include "theory/mi/mi_internal.h"

#define AT_MAXM CAV_MI_MAXPM

/* Row softmax of beta t t^T plus c I (M x M). */
static void att_A(int M, double beta, double c, const double *t, double *A)
{
    if (M == 2) {
        /* row 0: logits beta(t0^2, t0 t1): s00 = 1/(1 + exp(beta t0 (t1 - t0))) */
        double s00 = 1.0 / (1.0 + exp(beta * t[0] * (t[1] - t[0])));
        double s11 = 1.0 / (1.0 + exp(beta * t[1] * (t[0] - t[1])));
        A[0] = s00 + c;
        A[1] = 1.0 - s00;
        A[2] = 1.0 - s11;
        A[3] = s11 + c;
        return;
    }
    for (int i = 0; i < M; i++) {
        double mx = -INFINITY;
        for (int j = 0; j < M; j++) {
            double v = beta * t[i] * t[j];
            if (v > mx) mx = v;
        }
        double s = 0;
        for (int j = 0; j < M; j++) {
            A[i * M + j] = exp(beta * t[i] * t[j] - mx);
            s += A[i * M + j];
        }
        for (int j = 0; j < M; j++)
            A[i * M + j] /= s;
        A[i * M + i] += c;
    }
}

/* C = A B (M x M). */
static void att_mul(int M, const double *A, const double *B, double *C)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            double s = 0;
            for (int k = 0; k < M; k++)
                s += A[i * M + k] * B[k * M + j];
            C[i * M + j] = s;
        }
}

/* y = B z (M). */
static void att_mv(int M, const double *B, const double *z, double *y)
{
    for (int i = 0; i < M; i++) {
        double s = 0;
        for (int k = 0; k < M; k++)
            s += B[i * M + k] * z[k];
        y[i] = s;
    }
}

/* B_{L-1} from the first L-1 rows of Z (each M long, consecutive). */
static void att_B(int L, int M, double beta, double c, const double *zrows, double *B)
{
    double A[AT_MAXM * AT_MAXM], T[AT_MAXM * AT_MAXM], t[AT_MAXM];
    if (L >= 2) {
        att_A(M, beta, c, zrows, B); /* B_1 = A(z_1): B_0 = I */
    } else {
        memset(B, 0, sizeof(double) * (size_t)(M * M));
        for (int i = 0; i < M; i++)
            B[i * M + i] = 1.0;
    }
    for (int l = 1; l < L - 1; l++) {
        att_mv(M, B, zrows + l * M, t);
        att_A(M, beta, c, t, A);
        att_mul(M, A, B, T);
        memcpy(B, T, sizeof(double) * (size_t)(M * M));
    }
}

/* Solve B x = r (M x M) by Gaussian elimination with partial pivoting; returns log|det B|
 * (-INFINITY when singular). */
static double att_solve(int M, const double *Bin, const double *r, double *x)
{
    if (M == 2) {
        double det = Bin[0] * Bin[3] - Bin[1] * Bin[2];
        if (det == 0 || !isfinite(det)) return -INFINITY;
        x[0] = (Bin[3] * r[0] - Bin[1] * r[1]) / det;
        x[1] = (-Bin[2] * r[0] + Bin[0] * r[1]) / det;
        return log(fabs(det));
    }
    double B[AT_MAXM * AT_MAXM], b[AT_MAXM];
    memcpy(B, Bin, sizeof(double) * (size_t)(M * M));
    memcpy(b, r, sizeof(double) * (size_t)M);
    double ld = 0;
    for (int k = 0; k < M; k++) {
        int piv = k;
        for (int i = k + 1; i < M; i++)
            if (fabs(B[i * M + k]) > fabs(B[piv * M + k])) piv = i;
        if (B[piv * M + k] == 0) return -INFINITY;
        if (piv != k) {
            for (int j = 0; j < M; j++) {
                double tmp = B[k * M + j];
                B[k * M + j] = B[piv * M + j];
                B[piv * M + j] = tmp;
            }
            double tmp = b[k];
            b[k] = b[piv];
            b[piv] = tmp;
        }
        ld += log(fabs(B[k * M + k]));
        for (int i = k + 1; i < M; i++) {
            double f = B[i * M + k] / B[k * M + k];
            for (int j = k; j < M; j++)
                B[i * M + j] -= f * B[k * M + j];
            b[i] -= f * b[k];
        }
    }
    for (int i = M - 1; i >= 0; i--) {
        double s = b[i];
        for (int j = i + 1; j < M; j++)
            s -= B[i * M + j] * x[j];
        x[i] = s / B[i * M + i];
    }
    return ld;
}

static int att_check(const cav_mi_channel *self, cav_err *err)
{
    double c = self->par[0], beta = self->par[1];
    if (self->M < 2)
        return cav_err_set(err, CAV_EINVAL,
                           "mi channel attention: M = %d tokens must be >= 2 (one token carries "
                           "no information)",
                           self->M);
    if (!(c >= 0))
        return cav_err_set(err, CAV_EINVAL, "mi channel attention: skip c = %g must be >= 0", c);
    if (!(beta > 0))
        return cav_err_set(err, CAV_EINVAL, "mi channel attention: beta = %g must be > 0", beta);
    return CAV_OK;
}

static void att_layout(const cav_mi_channel *self, cav_mi_layout *lay)
{
    int L = self->P, M = self->M;
    memset(lay, 0, sizeof *lay);
    lay->ny = M * M;
    lay->nfree = (L - 1) * M;
    for (int i = 0; i < lay->nfree; i++)
        lay->free[i] = i;
    lay->nbranch = 2;
    lay->nobs = M;
    lay->deterministic = 1;
    /* ||A(t)||_2 <= c + ||softmax||_2 <= c + sqrt(M): a bound on the scale of h */
    lay->obs_scale = pow(self->par[0] + sqrt((double)M), (double)(L - 1));
}

void mi_att_h(int L, int M, double beta, double c, const double *Z, double *h)
{
    double B[AT_MAXM * AT_MAXM];
    att_B(L, M, beta, c, Z, B);
    att_mv(M, B, Z + (L - 1) * M, h);
}

void mi_att_softmax(int M, double beta, const double *h, double *y)
{
    for (int i = 0; i < M; i++) {
        double mx = -INFINITY, s = 0;
        for (int j = 0; j < M; j++)
            if (beta * h[i] * h[j] > mx) mx = beta * h[i] * h[j];
        for (int j = 0; j < M; j++) {
            y[i * M + j] = exp(beta * h[i] * h[j] - mx);
            s += y[i * M + j];
        }
        for (int j = 0; j < M; j++)
            y[i * M + j] /= s;
    }
}

static void att_sample(const cav_mi_channel *self, const double *Z, cav_rng *rng, double *y)
{
    (void)rng;
    double h[AT_MAXM];
    mi_att_h(self->P, self->M, self->par[1], self->par[0], Z, h);
    mi_att_softmax(self->M, self->par[1], h, y);
}

static int att_observe(const cav_mi_channel *self, const double *y, double *s)
{
    int M = self->M;
    double beta = self->par[1], S[AT_MAXM * AT_MAXM];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            if (!(y[i * M + j] > 0) || !(y[i * M + i] > 0)) return CAV_ENUMERIC;
            S[i * M + j] = log(y[i * M + j]) - log(y[i * M + i]);
        }
    int is = 0, js = 1;
    double best = -1;
    for (int i = 0; i < M; i++)
        for (int j = i + 1; j < M; j++) {
            double g = -(S[i * M + j] + S[j * M + i]) / beta;
            if (g > best) best = g, is = i, js = j;
        }
    if (!(best > 0) || !isfinite(best)) return CAV_ENUMERIC;
    double d = sqrt(best);
    for (int i = 0; i < M; i++)
        s[i] = (S[i * M + js] - S[i * M + is]) / (beta * d);
    return CAV_OK;
}

static void att_fibre(const cav_mi_channel *self, const double *s, int b, size_t n, const double *u,
                      double *zdet, double *logw)
{
    int L = self->P, M = self->M, k = (L - 1) * M;
    double beta = self->par[1], c = self->par[0];
    double B[AT_MAXM * AT_MAXM], r[AT_MAXM];
    for (int i = 0; i < M; i++)
        r[i] = b ? -s[i] : s[i];
    for (size_t i = 0; i < n; i++) {
        att_B(L, M, beta, c, u + i * (size_t)k, B);
        double ld = att_solve(M, B, r, zdet + i * (size_t)M);
        if (!isfinite(ld)) {
            for (int j = 0; j < M; j++)
                zdet[i * (size_t)M + (size_t)j] = 0.0;
            logw[i] = -INFINITY;
        } else {
            logw[i] = -ld;
        }
    }
}

const cav_mi_channel_type cav_mi_channel_attention = {
    "attention", "deep tied low-rank attention: P = L layers, M tokens, par[0] = c, par[1] = beta",
    att_check,   att_layout,
    att_sample,  att_observe,
    att_fibre,   NULL,
    NULL};
