/* hf_amp.c — Bayes-optimal AMP for the two spikes of the hidden-factor model: the GAMP of the
 * multi-index engine (cavity/mi_sim.h, Gaussian prior N(0, I_2) on the rows of W) with the
 * label-free channel Z_out(omega, V) = E_{Z ~ N(omega, V)} r(Z) of cavity/hf.h, on data drawn by
 * the generator itself (not the engine's Gaussian inputs). docs/autoencoder.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "cavity/hf.h"
#include "cavity/rng.h"

void cav_hf_amp_opts_default(cav_hf_amp_opts *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 30;
    o->damping = 1.0;
    o->informed = 1;
    o->q0 = 0.1;
    o->seed = 1;
}

static double fsph(double s)
{
    return s > 1e-8 ? (sqrt(1.0 + 4.0 * s) - 1.0) / (2.0 * s) : 1.0 - s + 2.0 * s * s;
}

/* M = f(S) for a symmetric positive semi-definite 2 x 2 S (eigen-decomposition). */
static int sphere_fn(const double S[4], double M[4])
{
    double a = S[0], b = 0.5 * (S[1] + S[2]), c = S[3];
    if (!isfinite(a) || !isfinite(b) || !isfinite(c)) return 1;
    double tr = 0.5 * (a + c), dif = 0.5 * (a - c), rad = hypot(dif, b);
    double f1 = fsph(fmax(tr + rad, 0.0)), f2 = fsph(fmax(tr - rad, 0.0));
    if (rad == 0) {
        M[0] = M[3] = f1, M[1] = M[2] = 0;
        return 0;
    }
    double e0 = tr + rad - c, e1 = b, nrm = hypot(e0, e1);
    if (nrm < 1e-300) e0 = b, e1 = tr + rad - a, nrm = hypot(e0, e1);
    e0 /= nrm, e1 /= nrm;
    M[0] = f1 * e0 * e0 + f2 * e1 * e1;
    M[1] = M[2] = (f1 - f2) * e0 * e1;
    M[3] = f1 * e1 * e1 + f2 * e0 * e0;
    return 0;
}

static void nan_rows(double *traj, long from, long to)
{
    for (long u = from; u <= to; u++)
        for (int k = 0; k < 8; k++)
            traj[(size_t)u * 8 + k] = NAN;
}

int cav_hf_amp_run(const cav_hf_data *g, size_t d, double alpha, const cav_hf_amp_opts *o,
                   double *traj, cav_err *err)
{
    int rc = cav_hf_data_check(g, err);
    if (rc) return rc;
    if (!o || !traj) return cav_err_set(err, CAV_EINVAL, "hf amp: NULL argument");
    if (d < 2) return cav_err_set(err, CAV_EINVAL, "hf amp: d = %zu must be >= 2", d);
    if (!(alpha > 0) || !isfinite(alpha))
        return cav_err_set(err, CAV_EINVAL, "hf amp: alpha = %g must be > 0", alpha);
    if (o->steps < 0)
        return cav_err_set(err, CAV_EINVAL, "hf amp: steps = %ld must be >= 0", o->steps);
    if (!(o->damping > 0 && o->damping <= 1))
        return cav_err_set(err, CAV_EINVAL, "hf amp: damping = %g must be in (0, 1]", o->damping);
    if (!(o->q0 >= 0 && o->q0 < 1))
        return cav_err_set(err, CAV_EINVAL, "hf amp: q0 = %g must be in [0, 1)", o->q0);
    if (llround(alpha * (double)d) < 1)
        return cav_err_set(err, CAV_EINVAL, "hf amp: alpha = %g: n = round(alpha d) must be >= 1",
                           alpha);
    size_t n = (size_t)llround(alpha * (double)d);
    double *X = malloc(sizeof(double) * n * d), *Ws = malloc(sizeof(double) * 2 * d);
    double *W = malloc(sizeof(double) * 2 * d), *B = malloc(sizeof(double) * 2 * d);
    double *Om = malloc(sizeof(double) * n * 2), *Gm = calloc(n * 2, sizeof(double));
    double *DG = malloc(sizeof(double) * n * 4);
    if (!X || !Ws || !W || !B || !Om || !Gm || !DG) {
        rc = cav_err_set(err, CAV_ENOMEM, "hf amp: out of memory (n = %zu, d = %zu)", n, d);
        goto done;
    }
    rc = cav_hf_spikes(d, o->seed, Ws, Ws + d, err);
    if (!rc)
        rc = cav_hf_sample(g, d, Ws, Ws + d, n, o->seed, cav_rng_hash("hf-amp-x"), X, NULL, NULL,
                           err);
    if (rc) goto done;
    {
        cav_rng r;
        cav_rng_init(&r, o->seed, cav_rng_hash("hf-amp-init"), 0);
        double a = o->informed ? o->q0 : 0.0,
               b = o->informed ? sqrt(o->q0 - o->q0 * o->q0) : sqrt(o->q0);
        for (size_t i = 0; i < 2 * d; i++)
            W[i] = a * Ws[i] + b * cav_rng_normal(&r);
    }
    double C[4] = {1 - o->q0, 0, 0, 1 - o->q0};
    const double sd = sqrt((double)d), id = 1.0 / (double)d;
    const int ncol = 8;
    for (long t = 0;; t++) {
        /* overlaps M = W W*^T/d, Q = W W^T/d */
        double *row = traj + (size_t)t * ncol;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                row[2 * i + j] = cav_la_dot(d, W + i * d, Ws + j * d) * id;
                row[4 + 2 * i + j] = cav_la_dot(d, W + i * d, W + j * d) * id;
            }
        if (!isfinite(row[0]) || !isfinite(row[3])) {
            rc = cav_err_set(err, CAV_ENUMERIC, "hf amp: non-finite estimate at step %ld", t);
            nan_rows(traj, t, o->steps);
            goto done;
        }
        if (t == o->steps) break;
        /* omega_mu = W x_mu/sqrt(d) - V g_mu^{old},  V = C */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, 2, (int)d, 1.0 / sd, X, (int)d,
                    W, (int)d, 0.0, Om, 2);
        double V[4] = {C[0], 0.5 * (C[1] + C[2]), 0.5 * (C[1] + C[2]), C[3]};
        int fail = 0;
        double Asum[4] = {0, 0, 0, 0};
#pragma omp parallel for schedule(static) reduction(| : fail)
        for (size_t mu = 0; mu < n; mu++) {
            double om[2] = {Om[2 * mu] - V[0] * Gm[2 * mu] - V[1] * Gm[2 * mu + 1],
                            Om[2 * mu + 1] - V[2] * Gm[2 * mu] - V[3] * Gm[2 * mu + 1]};
            cav_mi_post post;
            if (cav_hf_bo_posterior(g, om, V, &post, NULL)) {
                fail = 1;
                continue;
            }
            cav_mi_gout(2, 1, &post, om, V, Gm + 2 * mu, DG + 4 * mu);
        }
        if (fail) {
            rc = cav_err_set(err, CAV_ENUMERIC, "hf amp: posterior failed at step %ld", t);
            nan_rows(traj, t + 1, o->steps);
            goto done;
        }
        for (size_t mu = 0; mu < n; mu++) /* fixed order: independent of the thread count */
            for (int k = 0; k < 4; k++)
                Asum[k] += DG[4 * mu + k];
        /* channel part A = -(1/d) sum dg, B = g^T X/sqrt(d) + A W */
        double A[4];
        for (int k = 0; k < 4; k++)
            A[k] = -Asum[k] * id;
        A[1] = A[2] = 0.5 * (A[1] + A[2]);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 2, (int)d, (int)n, 1.0 / sd, Gm, 2, X,
                    (int)d, 0.0, B, (int)d);
        for (size_t i = 0; i < d; i++) {
            double w0 = W[i], w1 = W[d + i];
            B[i] += A[0] * w0 + A[1] * w1;
            B[d + i] += A[2] * w0 + A[3] * w1;
        }
        /* spherical prior (||u*||^2 = ||v*||^2 = d, u* orthogonal to v*): the denoiser
         * W = M B with the Lagrange multiplier fixing E[w w^T]/d = I, i.e. M S M + M = I,
         * S = B B^T/d, solved by M = f(S), f(s) = (sqrt(1 + 4 s) - 1)/(2 s) */
        double S[4], Mx[4];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                S[2 * i + j] = cav_la_dot(d, B + i * d, B + j * d) * id;
        if (sphere_fn(S, Mx)) {
            rc = cav_err_set(err, CAV_ENUMERIC, "hf amp: non-finite field at step %ld", t);
            nan_rows(traj, t + 1, o->steps);
            goto done;
        }
        for (size_t i = 0; i < d; i++) {
            double w0 = W[i], w1 = W[d + i];
            double n0 = Mx[0] * B[i] + Mx[1] * B[d + i], n1 = Mx[2] * B[i] + Mx[3] * B[d + i];
            W[i] = o->damping * n0 + (1 - o->damping) * w0;
            W[d + i] = o->damping * n1 + (1 - o->damping) * w1;
        }
        for (int k = 0; k < 4; k++)
            C[k] = o->damping * Mx[k] + (1 - o->damping) * C[k];
    }
done:
    free(X), free(Ws), free(W), free(B), free(Om), free(Gm), free(DG);
    return rc;
}
