/* sim/mi/rbm_sim.c — finite-size experiments of the RBM on spiked-covariance data
 * (cavity/rbm.h, "simulation"; docs/rbm.md): the data generator, observables, PCA (top
 * eigenvectors of the sample covariance by LAPACK dsyevr), gradient ascent on n J(W), and
 * AMP-RBM (the iteration whose state evolution is cav_rbm_amp_se_step). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rbm.h"
#include "core/la.h"
#include "theory/mi/mi_internal.h"

#define K CAV_RBM_MAXK

void cav_rbm_data_free(cav_rbm_data *d)
{
    if (!d) return;
    free(d->X);
    free(d->Ustar);
    free(d->c);
    memset(d, 0, sizeof *d);
}

static double draw_prior(int type, cav_rng *r)
{
    return type == CAV_RBM_GAUSSIAN ? cav_rng_normal(r) : cav_rng_sign(r);
}

int cav_rbm_data_draw(const cav_rbm *p, long d, uint64_t seed, cav_rbm_data *data, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (!data) return cav_err_set(err, CAV_EINVAL, "rbm data: NULL");
    memset(data, 0, sizeof *data);
    if (d < 2) return cav_err_set(err, CAV_EINVAL, "rbm data: d = %ld must be >= 2", d);
    long n = (long)llround(p->alpha * (double)d);
    if (n < 1) return cav_err_set(err, CAV_EINVAL, "rbm data: n = alpha d < 1");
    int r = p->r;
    data->d = d, data->n = n, data->r = r;
    data->X = malloc(sizeof(double) * (size_t)n * (size_t)d);
    data->Ustar = malloc(sizeof(double) * (size_t)(d * r));
    data->c = malloc(sizeof(double) * (size_t)(n * r));
    if (!data->X || !data->Ustar || !data->c) {
        cav_rbm_data_free(data);
        return cav_err_set(err, CAV_ENOMEM, "rbm data: out of memory (n d = %ld)", n * d);
    }
    cav_rng g;
    cav_rng_init(&g, seed, cav_rng_hash("rbm-u"), 0);
    for (long i = 0; i < d; i++)
        for (int j = 0; j < r; j++)
            data->Ustar[i * r + j] = sqrt(cav_rbm_lambda(p, j)) * draw_prior(p->spike_prior, &g);
    cav_rng_init(&g, seed, cav_rng_hash("rbm-c"), 0);
    for (long mu = 0; mu < n; mu++)
        for (int j = 0; j < r; j++)
            data->c[mu * r + j] = draw_prior(p->latent_prior, &g);
    cav_rng_normal_matrix(seed, cav_rng_hash("rbm-z"), (size_t)n, (size_t)d, 1.0, data->X);
    /* X += C U*^T / sqrt(d) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n, (blasint)d, r,
                1.0 / sqrt((double)d), data->c, r, data->Ustar, r, 1.0, data->X, (blasint)d);
    return CAV_OK;
}

/* J(W) with the fields H = X W/sqrt(d) (n x k) already computed. */
static int objective(const cav_rbm *p, long n, long d, const double *H, const double *W, double *Q,
                     double *J, cav_err *err)
{
    int k = p->k;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = 0;
            for (long i = 0; i < d; i++)
                s += W[i * k + a] * W[i * k + b];
            Q[a * k + b] = s / (double)d;
        }
    double psi;
    int st = cav_rbm_psi(k, p->hidden, Q, &psi, NULL, err);
    if (st) return st;
    double e = 0;
    for (long mu = 0; mu < n; mu++)
        e += cav_rbm_eta(k, p->hidden, H + mu * k, NULL, NULL);
    *J = e / (double)n - psi;
    return CAV_OK;
}

int cav_rbm_observe(const cav_rbm *p, const cav_rbm_data *data, const double *W, double *zeta,
                    double *cosm, double *Q, double *J, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (!data || !W) return cav_err_set(err, CAV_EINVAL, "rbm observe: NULL data or W");
    int k = p->k, r = data->r;
    long d = data->d, n = data->n;
    double Qm[K * K], zm[K * K], lam[K];
    for (int j = 0; j < r; j++) {
        double s = 0;
        for (long i = 0; i < d; i++)
            s += data->Ustar[i * r + j] * data->Ustar[i * r + j];
        lam[j] = s / (double)d;
    }
    for (int a = 0; a < k; a++) {
        for (int j = 0; j < r; j++) {
            double s = 0;
            for (long i = 0; i < d; i++)
                s += W[i * k + a] * data->Ustar[i * r + j];
            zm[a * r + j] = s / (double)d;
        }
        for (int b = 0; b < k; b++) {
            double s = 0;
            for (long i = 0; i < d; i++)
                s += W[i * k + a] * W[i * k + b];
            Qm[a * k + b] = s / (double)d;
        }
    }
    if (zeta) memcpy(zeta, zm, sizeof(double) * (size_t)(k * r));
    if (Q) memcpy(Q, Qm, sizeof(double) * (size_t)(k * k));
    if (cosm)
        for (int a = 0; a < k; a++)
            for (int j = 0; j < r; j++)
                cosm[a * r + j] = Qm[a * k + a] > 0 && lam[j] > 0
                                      ? zm[a * r + j] / sqrt(Qm[a * k + a] * lam[j])
                                      : 0;
    if (J) {
        double *H = malloc(sizeof(double) * (size_t)(n * k)), Qd[K * K];
        if (!H) return cav_err_set(err, CAV_ENOMEM, "rbm observe: out of memory");
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, k, (blasint)d,
                    1.0 / sqrt((double)d), data->X, (blasint)d, W, k, 0.0, H, k);
        st = objective(p, n, d, H, W, Qd, J, err);
        free(H);
        if (st) return st;
    }
    return CAV_OK;
}

int cav_rbm_pca(const cav_rbm_data *data, double *W, cav_err *err)
{
    if (!data || !data->X || !W) return cav_err_set(err, CAV_EINVAL, "rbm pca: NULL argument");
    long d = data->d, n = data->n;
    int r = data->r;
    double *C = malloc(sizeof(double) * (size_t)(d * d)), *ev = malloc(sizeof(double) * (size_t)d);
    double *Z = malloc(sizeof(double) * (size_t)(d * r));
    lapack_int *isup = malloc(sizeof(lapack_int) * (size_t)(2 * r));
    if (!C || !ev || !Z || !isup) {
        free(C), free(ev), free(Z), free(isup);
        return cav_err_set(err, CAV_ENOMEM, "rbm pca: out of memory (d = %ld)", d);
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)d, (blasint)n, 1.0 / (double)n,
                data->X, (blasint)d, 0.0, C, (blasint)d);
    lapack_int m = 0;
    lapack_int info =
        LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)d, C, (lapack_int)d, 0, 0,
                       (lapack_int)(d - r + 1), (lapack_int)d, 0.0, &m, ev, Z, r, isup);
    int st = CAV_OK;
    if (info || m != r) {
        st = cav_err_set(err, CAV_ENUMERIC, "rbm pca: dsyevr failed (info %d)", (int)info);
    } else {
        /* eigenvalues ascending: column r-1 is the top one; W column j = eigenvector j-th largest
         */
        for (int j = 0; j < r; j++) {
            int col = r - 1 - j;
            double s = 0;
            for (long i = 0; i < d; i++)
                s += Z[i * r + col] * Z[i * r + col];
            s = sqrt((double)d / s);
            for (long i = 0; i < d; i++)
                W[i * r + j] = s * Z[i * r + col];
        }
    }
    free(C), free(ev), free(Z), free(isup);
    return st;
}

cav_rbm_gd_opts cav_rbm_gd_opts_default(void)
{
    cav_rbm_gd_opts o = {400, 0.05, 0.1, 1, 1};
    return o;
}

long cav_rbm_gd_rows(const cav_rbm_gd_opts *o)
{
    if (!o || o->every < 1 || o->steps < 0) return 0;
    return o->steps / o->every + 1 + (o->steps % o->every ? 1 : 0);
}

static void record(const cav_rbm *p, const cav_rbm_data *data, const double *W, double J, long t,
                   double *row)
{
    int k = p->k, r = data->r;
    row[0] = (double)t;
    row[1] = J;
    cav_rbm_observe(p, data, W, row + 2, NULL, row + 2 + k * r, NULL, NULL);
}

int cav_rbm_gd(const cav_rbm *p, const cav_rbm_data *data, const cav_rbm_gd_opts *opts,
               double *traj, double *Wout, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (!data || !data->X || !traj) return cav_err_set(err, CAV_EINVAL, "rbm gd: NULL argument");
    cav_rbm_gd_opts o = opts ? *opts : cav_rbm_gd_opts_default();
    if (o.steps < 0 || o.every < 1 || !(o.lr > 0) || !(o.init_scale > 0))
        return cav_err_set(err, CAV_EINVAL,
                           "rbm gd: steps = %ld >= 0, every = %ld >= 1, lr = %g > 0 and "
                           "init_scale = %g > 0 required",
                           o.steps, o.every, o.lr, o.init_scale);
    int k = p->k, ncol = CAV_RBM_TRAJ_NCOL(k, data->r);
    long d = data->d, n = data->n;
    double *W = malloc(sizeof(double) * (size_t)(d * k)),
           *H = malloc(sizeof(double) * (size_t)(n * k));
    double *Gr = malloc(sizeof(double) * (size_t)(d * k));
    if (!W || !H || !Gr) {
        free(W), free(H), free(Gr);
        return cav_err_set(err, CAV_ENOMEM, "rbm gd: out of memory");
    }
    cav_rng g;
    cav_rng_init(&g, o.init_seed, cav_rng_hash("rbm-gd-init"), 0);
    cav_rng_normal_fill(&g, (size_t)(d * k), o.init_scale, W);
    double sqd = sqrt((double)d), al = (double)n / (double)d;
    long row = 0;
    for (long t = 0;; t++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, k, (blasint)d, 1.0 / sqd,
                    data->X, (blasint)d, W, k, 0.0, H, k);
        double Q[K * K], J, gp[K * K];
        st = objective(p, n, d, H, W, Q, &J, err);
        if (!st) st = cav_rbm_psi(k, p->hidden, Q, NULL, gp, err);
        if (st || !isfinite(J)) {
            if (!st) st = cav_err_set(err, CAV_EDIVERGE, "rbm gd: J not finite at step %ld", t);
            for (; row < cav_rbm_gd_rows(&o); row++)
                for (int j = 0; j < ncol; j++)
                    traj[row * ncol + j] = NAN;
            break;
        }
        if (t % o.every == 0 || t == o.steps) record(p, data, W, J, t, traj + (row++) * ncol);
        if (t == o.steps) break;
        /* grad = X^T grad eta(H)/sqrt(d) - 2 (n/d) W grad psi(Q) */
        for (long mu = 0; mu < n; mu++) {
            double gr[K];
            cav_rbm_eta(k, p->hidden, H + mu * k, gr, NULL);
            memcpy(H + mu * k, gr, sizeof(double) * (size_t)k);
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)d, k, (blasint)n, 1.0 / sqd,
                    data->X, (blasint)d, H, k, 0.0, Gr, k);
        for (long i = 0; i < d; i++)
            for (int a = 0; a < k; a++) {
                double s = 0;
                for (int b = 0; b < k; b++)
                    s += W[i * k + b] * gp[b * k + a];
                Gr[i * k + a] -= 2 * al * s;
            }
        for (long i = 0; i < d * k; i++)
            W[i] += o.lr * Gr[i];
    }
    if (Wout && !st) memcpy(Wout, W, sizeof(double) * (size_t)(d * k));
    free(W), free(H), free(Gr);
    return st;
}

cav_rbm_amp_opts cav_rbm_amp_opts_default(void)
{
    cav_rbm_amp_opts o = {60, 0.5, 0.1, 0.5, 1, NULL, 0.95, CAV_RBM_AMP_ORTH_STEPS};
    return o;
}

/* AMP-RBM (docs/rbm.md): omega = X W/sqrt d - G S (G the previous g), h = prox_S(omega),
 * G = grad eta(h), A = -(1/d) sum_mu dg_mu, B = X^T G/sqrt d + W A, S <- update(A, Q, S),
 * W = B S. */
int cav_rbm_amp(const cav_rbm *p, const cav_rbm_data *data, const cav_rbm_amp_opts *opts,
                double *traj, double *Wout, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (!data || !data->X || !traj) return cav_err_set(err, CAV_EINVAL, "rbm amp: NULL argument");
    cav_rbm_amp_opts o = opts ? *opts : cav_rbm_amp_opts_default();
    if (o.steps < 0 || !(o.damping > 0 && o.damping <= 1) || !(o.init_scale > 0) ||
        !(o.init_v > 0 && o.init_v < 1) || !(o.smax > 0 && o.smax < 1) || o.orth_steps < 0)
        return cav_err_set(err, CAV_EINVAL,
                           "rbm amp: steps = %ld >= 0, damping = %g in (0, 1], init_scale = %g > 0"
                           ", init_v = %g in (0, 1), smax = %g in (0, 1) and orth_steps = %ld >= 0"
                           " required",
                           o.steps, o.damping, o.init_scale, o.init_v, o.smax, o.orth_steps);
    int k = p->k, ncol = CAV_RBM_TRAJ_NCOL(k, data->r);
    long d = data->d, n = data->n;
    double *W = malloc(sizeof(double) * (size_t)(d * k)),
           *H = malloc(sizeof(double) * (size_t)(n * k));
    double *G = calloc((size_t)(n * k), sizeof(double)),
           *B = malloc(sizeof(double) * (size_t)(d * k));
    if (!W || !H || !G || !B) {
        free(W), free(H), free(G), free(B);
        return cav_err_set(err, CAV_ENOMEM, "rbm amp: out of memory");
    }
    cav_rng g;
    cav_rng_init(&g, o.init_seed, cav_rng_hash("rbm-amp-init"), 0);
    cav_rng_normal_fill(&g, (size_t)(d * k), o.init_scale, W);
    if (o.W0) memcpy(W, o.W0, sizeof(double) * (size_t)(d * k));
    double S[K * K] = {0}, sqd = sqrt((double)d), al = (double)n / (double)d;
    for (int a = 0; a < k; a++)
        S[a * k + a] = o.init_v;
    for (long t = 0;; t++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, k, (blasint)d, 1.0 / sqd,
                    data->X, (blasint)d, W, k, 0.0, H, k);
        double Q[K * K], J;
        st = objective(p, n, d, H, W, Q, &J, err);
        if (st) break;
        record(p, data, W, J, t, traj + t * ncol);
        if (t == o.steps) break;
        double A[K * K] = {0};
        int bad = 0;
        for (long mu = 0; mu < n && !bad; mu++) {
            double om[K], gg[K], dg[K * K];
            for (int a = 0; a < k; a++) {
                double s = H[mu * k + a];
                for (int b = 0; b < k; b++)
                    s -= S[a * k + b] * G[mu * k + b];
                om[a] = s;
            }
            if (mi_rbm_prox(k, p->hidden, om, S, gg, dg)) bad = 1;
            memcpy(G + mu * k, gg, sizeof(double) * (size_t)k);
            for (int i = 0; i < k * k; i++)
                A[i] -= dg[i] / (double)d;
        }
        if (bad) {
            st = cav_err_set(err, CAV_ENUMERIC, "rbm amp: proximal step failed at step %ld", t);
            break;
        }
        mi_symmetrise(k, A);
        /* B = X^T G/sqrt(d) + W A */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)d, k, (blasint)n, 1.0 / sqd,
                    data->X, (blasint)d, G, k, 0.0, B, k);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)d, k, k, 1.0, W, k, A, k,
                    1.0, B, k);
        double Sn[K * K], Tb[K * K];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double s = 0;
                for (long i = 0; i < d; i++)
                    s += B[i * k + a] * B[i * k + b];
                Tb[a * k + b] = s / (double)d;
            }
        st = mi_rbm_s_update(k, p->hidden, al, A, Q, Tb, S, o.damping, o.smax, t < o.orth_steps, Sn,
                             NULL, err);
        if (st) break;
        for (long i = 0; i < d; i++)
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int b = 0; b < k; b++)
                    s += B[i * k + b] * Sn[b * k + c];
                W[i * k + c] = s;
            }
        memcpy(S, Sn, sizeof S);
    }
    if (st) {
        long rows = o.steps + 1;
        for (long t = 0; t < rows; t++)
            if (!(traj[t * ncol] == (double)t))
                for (int j = 0; j < ncol; j++)
                    traj[t * ncol + j] = NAN;
    } else if (Wout) {
        memcpy(Wout, W, sizeof(double) * (size_t)(d * k));
    }
    free(W), free(H), free(G), free(B);
    return st;
}
