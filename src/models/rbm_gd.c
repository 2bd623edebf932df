/* The `rbm-gd` model (cavity/models/rbm_gd.h): gradient ascent on the RBM likelihood J(W) on
 * spiked-covariance data, the k-index DMFT (cavity/dmft_k.h) against the simulation step by step.
 * Xu, Krzakala, Zdeborová, arXiv:2505.18046; derivation and checks in docs/rbm-gd.md.
 * Theory rows: step, zeta = Abar Lambda, cos, gram = C_w(t,t), loglik = E eta(h^t) - psi(gram),
 * with jackknife Monte-Carlo errors in the *_mc columns. Simulation: data from
 * cav_rbm_data_draw(seed), W^0 = U* Lambda^{-1} zeta0^T + init_scale xi (xi from the seed), the
 * gradient-ascent update of cav_rbm_gd. No unit matching is needed: the informed start aligns
 * hidden unit i with spike i. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/dmft_k.h"
#include "cavity/models/rbm_gd.h"
#include "cavity/rbm.h"

typedef cav_rbm_gd_params par;
typedef cav_rbm_gd_obs obs;

static const char *const units[] = {"rademacher", "gaussian", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(lambda, .kind = CAV_PARAM_REAL, .def = 2, .lo = 0, .hi = 1e3,
      .help = "strength of spike 1: Cov(x) = I + U* U*^T/d, |U*_1|^2/d = lambda"),
    F(ratio, .kind = CAV_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 1e3,
      .help = "Lambda = diag(lambda, ratio lambda, ratio^2 lambda)"),
    F(alpha, .kind = CAV_PARAM_REAL, .def = 2, .lo = 0, .hi = 1e4, .flags = CAV_PF_LO_OPEN,
      .help = "samples per dimension n/d"),
    F(k, .kind = CAV_PARAM_INT, .def = 1, .lo = 1, .hi = 3, .help = "RBM hidden units"),
    F(r, .kind = CAV_PARAM_INT, .def = 1, .lo = 1, .hi = 3, .help = "spikes (rank of the data)"),
    F(hidden, .kind = CAV_PARAM_CHOICE, .choices = units, .def = CAV_RBM_RADEMACHER,
      .help = "RBM hidden units (gaussian: the likelihood is PCA's)"),
    F(spike_prior, .kind = CAV_PARAM_CHOICE, .choices = units, .def = CAV_RBM_RADEMACHER,
      .help = "entries of the spikes (the theory depends on their variance only)"),
    F(latent_prior, .kind = CAV_PARAM_CHOICE, .choices = units, .def = CAV_RBM_RADEMACHER,
      .help = "latent variables c"),
    F(steps, .kind = CAV_PARAM_INT, .def = 100, .lo = 1, .hi = 2000,
      .help = "gradient-ascent steps"),
    F(lr, .kind = CAV_PARAM_REAL, .def = 0.05, .lo = 0, .hi = 10, .flags = CAV_PF_LO_OPEN,
      .help = "step of the gradient ascent on n J(W)"),
    F(init_scale, .kind = CAV_PARAM_REAL, .def = 0.1, .lo = 0, .hi = 100,
      .help = "start: W^0 = U* Lambda^{-1} zeta0^T + init_scale xi"),
    F(init_overlap, .kind = CAV_PARAM_REAL, .def = 0.2, .lo = -100, .hi = 100,
      .help = "start: zeta(0) on the diagonal (0 is a fixed point at d = infinity)"),
    F(d, .kind = CAV_PARAM_INT, .def = 2000, .lo = 3, .hi = 1e5, .flags = CAV_PF_SIM,
      .help = "simulation: dimension (n = round(alpha d))"),
    F(ntraj, .kind = CAV_PARAM_INT, .def = 20000, .lo = 512, .hi = 1e8, .flags = CAV_PF_THEORY,
      .help = "theory: trajectories of the sampled DMFT"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, step, "gradient-ascent step t"),
    CAV_OBS_MAT3(obs, zeta, "zeta", "overlap W^T U*/d (k x r)"),
    CAV_OBS_MAT3(obs, cos, "cos", "cosine zeta_ij/sqrt(gram_ii Lambda_jj)"),
    CAV_OBS_MAT3(obs, gram, "gram", "Gram matrix W^T W/d (k x k)"),
    CAV_OBS(obs, loglik, "log-likelihood per sample J(W) up to a constant"),
    CAV_OBS_MAT3(obs, zeta_mc, "zeta_mc", "theory: Monte-Carlo standard error of zeta"),
    CAV_OBS_MAT3(obs, gram_mc, "gram_mc", "theory: Monte-Carlo standard error of gram"),
    CAV_OBS(obs, loglik_mc, "theory: Monte-Carlo standard error of loglik"),
};

static cav_dmft_k_problem problem_of(const par *p)
{
    cav_dmft_k_problem e;
    cav_dmft_k_problem_default(&e);
    e.rbm.k = (int)p->k, e.rbm.r = (int)p->r, e.rbm.hidden = p->hidden;
    e.rbm.spike_prior = p->spike_prior, e.rbm.latent_prior = p->latent_prior;
    e.rbm.lambda = p->lambda, e.rbm.ratio = p->ratio, e.rbm.alpha = p->alpha;
    e.steps = p->steps, e.lr = p->lr, e.init_scale = p->init_scale;
    e.init_overlap = p->init_overlap;
    return e;
}

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    cav_dmft_k_problem e = problem_of(p);
    int st = cav_dmft_k_check(&e, NULL, err);
    if (st) return st;
    if (p->hidden == CAV_RBM_GAUSSIAN) { /* psi needs Q(0) < I */
        int m = p->k < p->r ? (int)p->k : (int)p->r;
        double q = p->init_scale * p->init_scale;
        for (int j = 0; j < m; j++)
            if (q + p->init_overlap * p->init_overlap / cav_rbm_lambda(&e.rbm, j) >= 1)
                return cav_err_set(err, CAV_EINVAL,
                                   "hidden = gaussian needs gram(0) < 1: init_scale^2 + "
                                   "init_overlap^2/Lambda_jj = %g; lower init_scale or "
                                   "init_overlap",
                                   q + p->init_overlap * p->init_overlap /
                                           cav_rbm_lambda(&e.rbm, j));
        if (p->init_scale >= 1)
            return cav_err_set(err, CAV_EINVAL,
                               "hidden = gaussian needs init_scale = %g < 1 (gram(0) < I)",
                               p->init_scale);
    }
    if (kind == CAV_KIND_SIM) {
        double n = round(p->alpha * (double)p->d);
        if (n < (double)p->r + 1 || (double)p->d < (double)p->r + 1)
            return cav_err_set(err, CAV_EINVAL,
                               "n = round(alpha d) = %g and d = %ld must exceed r = %ld", n, p->d,
                               p->r);
        if (n * (double)p->d > 2e8)
            return cav_err_set(err, CAV_EINVAL,
                               "n d = %g data entries (limit 2e8): lower d or alpha",
                               n * (double)p->d);
    }
    return CAV_OK;
}

/* One row from a trajectory row (step, J, zeta (k r), Q (k k)) and its errors (may be NULL). */
static void fill_row(const par *p, const cav_rbm *e, const double *row, const double *se, obs *o)
{
    const int k = (int)p->k, r = (int)p->r;
    double *v = (double *)o;
    for (size_t i = 0; i < sizeof *o / sizeof(double); i++)
        v[i] = NAN;
    o->step = row[0], o->loglik = row[1], o->loglik_mc = se ? se[1] : 0;
    for (int a = 0; a < k; a++) {
        double qa = row[2 + k * r + a * k + a];
        for (int j = 0; j < r; j++) {
            double z = row[2 + a * r + j], l = cav_rbm_lambda(e, j);
            o->zeta[a][j] = z;
            o->zeta_mc[a][j] = se ? se[2 + a * r + j] : 0;
            o->cos[a][j] = qa > 0 && l > 0 ? z / sqrt(qa * l) : 0;
        }
        for (int b = 0; b < k; b++) {
            o->gram[a][b] = row[2 + k * r + a * k + b];
            o->gram_mc[a][b] = se ? se[2 + k * r + a * k + b] : 0;
        }
    }
}

/* A failed run keeps its rows up to the last finite one (at least the first). */
static void keep_finite_rows(cav_result *res)
{
    size_t i = 0;
    for (; i < res->nrows; i++) {
        const obs *o = (const obs *)(res->rows + i * res->nobs);
        if (!isfinite(o->gram[0][0]) || !isfinite(o->loglik)) break;
    }
    res->nrows = i > 0 ? i : 1;
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const par *p = vp;
    cav_dmft_k_problem e = problem_of(p);
    cav_dmft_k_opts o = cav_dmft_k_opts_default();
    o.ntraj = o.ntraj_init = (size_t)p->ntraj;
    const size_t nr = (size_t)p->steps + 1, nc = (size_t)CAV_RBM_TRAJ_NCOL(p->k, p->r);
    cav_dmft_k *s = cav_dmft_k_alloc();
    double *rows = cav_result_rows(res, nr), *tmp = malloc(2 * nr * nc * sizeof *tmp);
    if (!s || !rows || !tmp) {
        cav_dmft_k_free(s);
        free(tmp);
        return cav_result_fail(res, CAV_ENOMEM, "rbm-gd: out of memory");
    }
    int st = cav_dmft_k_set(s, &e, &o);
    if (!st) st = cav_dmft_k_solve(s);
    if (cav_dmft_k_iterations(s) > 0) {
        cav_dmft_k_observables(s, tmp, tmp + nr * nc);
        for (size_t t = 0; t < nr; t++)
            fill_row(p, &e.rbm, tmp + t * nc, tmp + nr * nc + t * nc, cav_result_row(res, t));
    }
    cav_result_set(res, st, cav_dmft_k_residual(s), cav_dmft_k_iterations(s),
                   cav_dmft_k_error(s)->msg);
    if (st) keep_finite_rows(res);
    cav_dmft_k_free(s);
    free(tmp);
    return st;
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    cav_dmft_k_problem e = problem_of(p);
    const size_t nr = (size_t)p->steps + 1, nc = (size_t)CAV_RBM_TRAJ_NCOL(p->k, p->r);
    double *rows = cav_result_rows(res, nr), *tmp = malloc(nr * nc * sizeof *tmp);
    if (!rows || !tmp) {
        free(tmp);
        return cav_result_fail(res, CAV_ENOMEM, "rbm-gd: out of memory");
    }
    cav_rbm_data data;
    cav_err err = {0};
    int st = cav_rbm_data_draw(&e.rbm, p->d, seed, &data, &err);
    if (st) {
        free(tmp);
        return cav_result_fail(res, st, "%s", err.msg);
    }
    st = cav_dmft_k_simulate(&e, &data, seed, tmp, &err);
    cav_rbm_data_free(&data);
    for (size_t t = 0; t < nr; t++)
        fill_row(p, &e.rbm, tmp + t * nc, NULL, cav_result_row(res, t));
    free(tmp);
    cav_result_set(res, st, 0, p->steps, err.msg);
    if (st) keep_finite_rows(res);
    return st;
}

/* Theory: about 12 (steps+1)^2 k^2 kernels, 32 of them in batch sums, 2 k (steps+1) values per
 * causal-sweep trajectory and at most 320 MB of response triangles; simulation: the n x d data. */
static double memory(const void *vp, int kind)
{
    const par *p = vp;
    double S = (double)p->steps + 1, kk = (double)(p->k * p->k);
    double rows = 8.0 * S * (double)CAV_MAX_OBS;
    if (kind == CAV_KIND_THEORY) {
        double resp = fmin(4e7, 2048.0 * S * S / 2 * kk);
        return 8.0 * (44 * S * S * kk + 2 * (double)p->k * S * (double)p->ntraj + resp) + rows;
    }
    double d = (double)p->d, n = round(p->alpha * d);
    return 8.0 * (n * d + 4 * (n + d) * (double)p->k) + rows;
}

const cav_model cav_model_rbm_gd = {
    .name = "rbm-gd",
    .summary = "gradient ascent on the RBM likelihood (spiked data): k-index DMFT vs simulation, "
               "per step",
    .paper = "Xu, Krzakala, Zdeborová, Learning with Restricted Boltzmann Machines: Asymptotics "
             "of AMP and GD in High Dimensions, arXiv:2505.18046 (2025)",
    CAV_MODEL_TABLES(par, params, observables),
    .axis = "step",
    .check = check,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "step",
    .compare_y = "zeta_11,gram_11,loglik",
    .compare_by = "lambda",
    .compare_set = "lambda=1.4,2;alpha=2;k=1;r=1;steps=100;d=4000;seeds=6;ntraj=40000",
};
