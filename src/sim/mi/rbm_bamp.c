/* sim/mi/rbm_bamp.c — Bayes-optimal AMP for the spiked covariance data of cavity/rbm.h: the
 * bipartite low-rank AMP of Lesieur, Krzakala, Zdeborová (arXiv:1701.00858) whose state
 * evolution is the Bayes-optimal (LKZ) state evolution of the rbm theory.
 *
 * With Y = X^T (d x n) = U* C^T/sqrt(d) + noise (unit variance), rows u_i of U* (prior:
 * Lambda^{1/2} times Rademacher or Gaussian entries) and rows v_mu = c_mu (Rademacher or Gaussian):
 *     B_v = Y^T U_hat/sqrt(d) - V_hat_old S_u,   A_v = U_hat^T U_hat/d,   S_u = sum_i Cov(u_i)/d
 *     V_hat, Cov(v_mu) = posterior mean / covariance of v_mu under exp(B_v.v - v^T A_v v/2) P(v)
 *     B_u = Y V_hat/sqrt(d) - U_hat S_v,         A_u = V_hat^T V_hat/d,   S_v = sum_mu Cov(v_mu)/d
 *     U_hat, Cov(u_i) likewise with the prior of u.
 * Posterior moments by enumeration of the 2^r sign states (Rademacher) or in closed form
 * (Gaussian: Cov = S (I + S A S)^{-1} S, mean = Cov B, S = prior standard deviations).
 * Start: U_hat = init_scale xi (stream (seed, "rbm-bamp-init")), V_hat_old = 0, Cov(u) = the
 * prior covariance. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rbm.h"
#include "core/la.h"
#include "theory/mi/mi_internal.h"

#define K CAV_RBM_MAXK

/* Posterior mean and covariance of w = diag(sl) s under P(s) exp(B.w - w^T A w/2). */
static void denoise(int r, int type, const double *sl, const double *B, const double *A,
                    double *mean, double *cov)
{
    if (type == CAV_RBM_GAUSSIAN) {
        double T[K * K] = {0}, Ti[K * K] = {0};
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++)
                T[i * r + j] = (i == j) + sl[i] * A[i * r + j] * sl[j];
        mi_spd_inv(r, T, Ti);
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++)
                cov[i * r + j] = sl[i] * Ti[i * r + j] * sl[j];
        for (int i = 0; i < r; i++) {
            double s = 0;
            for (int j = 0; j < r; j++)
                s += cov[i * r + j] * B[j];
            mean[i] = s;
        }
        return;
    }
    int ns = 1 << r;
    double lw[1 << K], w[1 << K][K], mx = -INFINITY;
    for (int s = 0; s < ns; s++) {
        for (int i = 0; i < r; i++)
            w[s][i] = ((s >> i) & 1 ? -1.0 : 1.0) * sl[i];
        double e = 0;
        for (int i = 0; i < r; i++) {
            e += B[i] * w[s][i];
            for (int j = 0; j < r; j++)
                e -= 0.5 * w[s][i] * A[i * r + j] * w[s][j];
        }
        lw[s] = e;
        if (e > mx) mx = e;
    }
    double Zs = 0;
    memset(mean, 0, sizeof(double) * (size_t)r);
    memset(cov, 0, sizeof(double) * (size_t)(r * r));
    for (int s = 0; s < ns; s++) {
        double p = exp(lw[s] - mx);
        Zs += p;
        for (int i = 0; i < r; i++) {
            mean[i] += p * w[s][i];
            for (int j = 0; j < r; j++)
                cov[i * r + j] += p * w[s][i] * w[s][j];
        }
    }
    for (int i = 0; i < r; i++)
        mean[i] /= Zs;
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++)
            cov[i * r + j] = cov[i * r + j] / Zs - mean[i] * mean[j];
}

/* One side of the iteration: for each of the m rows, B = Bfield - Hat_row S_other (Onsager),
 * Hat_row <- posterior mean under A, and Snew = sum of posterior covariances / d. Returns 1 when
 * an estimate is not finite. */
static int side(int r, int type, const double *sl, long m, double d, const double *Bfield,
                const double *S_other, const double *A, double *Hat, double *Snew)
{
    int bad = 0;
    memset(Snew, 0, sizeof(double) * (size_t)(r * r));
    for (long i = 0; i < m; i++) {
        double b[K], mean[K], c[K * K];
        for (int a = 0; a < r; a++) {
            double s = 0;
            for (int j = 0; j < r; j++)
                s += Hat[i * r + j] * S_other[j * r + a];
            b[a] = Bfield[i * r + a] - s;
        }
        denoise(r, type, sl, b, A, mean, c);
        for (int a = 0; a < r; a++)
            if (!isfinite(mean[a])) bad = 1;
        memcpy(Hat + i * r, mean, sizeof(double) * (size_t)r);
        for (int a = 0; a < r * r; a++)
            Snew[a] += c[a] / d;
    }
    return bad;
}

cav_rbm_bamp_opts cav_rbm_bamp_opts_default(void)
{
    cav_rbm_bamp_opts o = {50, 0.1, 1};
    return o;
}

int cav_rbm_bamp(const cav_rbm *p, const cav_rbm_data *data, const cav_rbm_bamp_opts *opts,
                 double *Uhat, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (!data || !data->X || !Uhat) return cav_err_set(err, CAV_EINVAL, "rbm bamp: NULL argument");
    cav_rbm_bamp_opts o = opts ? *opts : cav_rbm_bamp_opts_default();
    if (o.steps < 0 || !(o.init_scale > 0))
        return cav_err_set(err, CAV_EINVAL,
                           "rbm bamp: steps = %ld >= 0 and init_scale = %g > 0 required", o.steps,
                           o.init_scale);
    int r = data->r;
    long d = data->d, n = data->n;
    double slu[K], slv[K] = {1, 1, 1};
    for (int j = 0; j < r; j++)
        slu[j] = sqrt(cav_rbm_lambda(p, j));
    double *U = Uhat, *V = calloc((size_t)(n * r), sizeof(double)),
           *Bv = malloc(sizeof(double) * (size_t)(n * r)),
           *Bu = malloc(sizeof(double) * (size_t)(d * r));
    if (!V || !Bv || !Bu) {
        free(V), free(Bv), free(Bu);
        return cav_err_set(err, CAV_ENOMEM, "rbm bamp: out of memory");
    }
    cav_rng g;
    cav_rng_init(&g, o.seed, cav_rng_hash("rbm-bamp-init"), 0);
    cav_rng_normal_fill(&g, (size_t)(d * r), o.init_scale, U);
    double Su[K * K] = {0}, Sv[K * K] = {0}, sqd = sqrt((double)d);
    for (int j = 0; j < r; j++)
        Su[j * r + j] = slu[j] * slu[j];
    for (long t = 0; t < o.steps; t++) {
        /* v side: B_v = X U/sqrt(d) - V_old S_u (X is n x d: Y^T = X) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, r, (blasint)d, 1.0 / sqd,
                    data->X, (blasint)d, U, r, 0.0, Bv, r);
        double Av[K * K];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, r, (blasint)d, 1.0 / (double)d, U,
                    r, U, r, 0.0, Av, r);
        side(r, p->latent_prior, slv, n, (double)d, Bv, Su, Av, V, Sv);
        /* u side: B_u = X^T V/sqrt(d) - U S_v */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)d, r, (blasint)n, 1.0 / sqd,
                    data->X, (blasint)d, V, r, 0.0, Bu, r);
        double Au[K * K];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, r, (blasint)n, 1.0 / (double)d, V,
                    r, V, r, 0.0, Au, r);
        int bad = side(r, p->spike_prior, slu, d, (double)d, Bu, Sv, Au, U, Su);
        if (bad) {
            st = cav_err_set(err, CAV_EDIVERGE, "rbm bamp: non-finite estimate at step %ld", t);
            break;
        }
    }
    free(V), free(Bv), free(Bu);
    return st;
}
