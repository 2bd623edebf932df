/* sim/mi/rbm_gd_traj.c — gradient ascent on n J(W) from an informed start (cavity/dmft_k.h):
 * W^0 = U* Lambda^{-1} zeta0^T + init_scale xi, the start that the k-index DMFT describes at
 * d -> infinity (a random start has zeta(0) = O(1/sqrt d), a fixed point of the limiting dynamics;
 * docs/rbm-gd.md). Same update as cav_rbm_gd:
 *   W <- W + lr [X^T grad eta(X W/sqrt d)/sqrt d - 2 (n/d) W grad psi(W^T W/d)]. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/dmft_k.h"
#include "cavity/rng.h"
#include "core/la.h"

#define K CAV_RBM_MAXK

int cav_dmft_k_simulate(const cav_dmft_k_problem *p, const cav_rbm_data *data, uint64_t init_seed,
                        double *traj, cav_err *err)
{
    int st = cav_dmft_k_check(p, NULL, err);
    if (st) return st;
    if (!data || !data->X || !data->Ustar || !traj)
        return cav_err_set(err, CAV_EINVAL, "dmft_k simulate: NULL data or traj");
    if (data->r != p->rbm.r)
        return cav_err_set(err, CAV_EINVAL, "dmft_k simulate: data has r = %d, problem r = %d",
                           data->r, p->rbm.r);
    const int k = p->rbm.k, r = p->rbm.r, ncol = CAV_RBM_TRAJ_NCOL(k, r);
    const long d = data->d, n = data->n;
    double *W = malloc(sizeof(double) * (size_t)(d * k)),
           *H = malloc(sizeof(double) * (size_t)(n * k)),
           *Gr = malloc(sizeof(double) * (size_t)(d * k));
    if (!W || !H || !Gr) {
        free(W), free(H), free(Gr);
        return cav_err_set(err, CAV_ENOMEM, "dmft_k simulate: out of memory");
    }
    cav_rng g;
    cav_rng_init(&g, init_seed, cav_rng_hash("rbm-gd-init"), 0);
    cav_rng_normal_fill(&g, (size_t)(d * k), p->init_scale, W);
    for (int a = 0; a < k && a < r; a++) {
        double f = p->init_overlap != 0 ? p->init_overlap / cav_rbm_lambda(&p->rbm, a) : 0;
        for (long i = 0; i < d; i++)
            W[i * k + a] += f * data->Ustar[i * r + a];
    }
    const double sqd = sqrt((double)d), al = (double)n / (double)d;
    for (long t = 0;; t++) {
        double *row = traj + t * ncol, gp[K * K], J;
        st = cav_rbm_observe(&p->rbm, data, W, row + 2, NULL, row + 2 + k * r, &J, err);
        if (!st) st = cav_rbm_psi(k, p->rbm.hidden, row + 2 + k * r, NULL, gp, err);
        if (!st && !isfinite(J))
            st = cav_err_set(err, CAV_EDIVERGE, "dmft_k simulate: J not finite at step %ld", t);
        if (st) {
            for (long u = t; u <= p->steps; u++)
                for (int j = 0; j < ncol; j++)
                    traj[u * ncol + j] = NAN;
            break;
        }
        row[0] = (double)t, row[1] = J;
        if (t == p->steps) break;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, k, (blasint)d, 1.0 / sqd,
                    data->X, (blasint)d, W, k, 0.0, H, k);
        for (long mu = 0; mu < n; mu++) {
            double gr[K];
            cav_rbm_eta(k, p->rbm.hidden, H + mu * k, gr, NULL);
            memcpy(H + mu * k, gr, sizeof(double) * (size_t)k);
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)d, k, (blasint)n, 1.0 / sqd,
                    data->X, (blasint)d, H, k, 0.0, Gr, k);
        for (long i = 0; i < d; i++)
            for (int a = 0; a < k; a++) {
                double s = 0;
                for (int b = 0; b < k; b++)
                    s += W[i * k + b] * gp[b * k + a];
                W[i * k + a] += p->lr * (Gr[i * k + a] - 2 * al * s);
            }
    }
    free(W), free(H), free(Gr);
    return st;
}
