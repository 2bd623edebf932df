/* The `rbm` model (cavity/models/rbm.h): Xu, Krzakala, Zdeborová, arXiv:2505.18046.
 *
 * Theory per method (cavity/rbm.h, docs/rbm.md):
 *   bo   the Bayes-optimal (Lesieur-Krzakala-Zdeborová) state evolution on the multi-index engine,
 *        both starts, the larger free entropy kept; the estimate of U* has zeta = gram =
 *        Lambda^{1/2} M_u Lambda^{1/2} (Nishimori) and cos_jj = sqrt((M_u)_jj) (r x r);
 *   pca  the BBP formula per spike (r unit-norm columns scaled to |w|^2 = d: gram = I,
 *        zeta_jj = cos_j sqrt(Lambda_jj), off-diagonal 0 for distinct strengths);
 *   amp, gd  the fixed point of the AMP-RBM state evolution: the stationary point of J that
 *        AMP-RBM and gradient ascent reach from a random start (checked for k = r = 1, where
 *        both end at the same weights; k >= 2 reports the SE's failure as the status,
 *        docs/rbm.md).
 * lambda_c1..3: the weak-recovery threshold in lambda of each spike from the engine's linear
 * stability (computed, never the BBP formula).
 * Simulation: data from cav_rbm_data_draw(seed); pca: top-r eigenvectors; gd: gradient ascent on
 * n J(W); amp: AMP-RBM; bo: Bayes-optimal low-rank AMP (cav_rbm_bamp). Hidden units are matched to
 * spikes (the permutation of the k units that maximises sum |cos_aa|, k = r) and signed so that
 * zeta_aa >= 0: the likelihood is invariant under both, so the theory describes the matched
 * estimate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/models/rbm.h"
#include "cavity/rbm.h"

typedef cav_rbm_model_params par;
typedef cav_rbm_obs obs;

static const char *const methods[] = {"bo", "pca", "gd", "amp", NULL};
static const char *const units[] = {"rademacher", "gaussian", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
#define SIM CAV_PF_SIM
static const cav_param_spec params[] = {
    F(method, .kind = CAV_PARAM_CHOICE, .choices = methods, .def = CAV_RBM_M_PCA,
      .help = "bo: Bayes-optimal estimator (simulation: Bayes-optimal low-rank AMP); pca: top-r "
              "eigenvectors; gd: gradient ascent on the RBM likelihood; amp: AMP-RBM "
              "(theory of gd and amp: the AMP-RBM fixed point, k = r = 1)"),
    F(lambda, .kind = CAV_PARAM_REAL, .def = 1.4, .lo = 0, .hi = 1e3,
      .help = "strength of spike 1: Cov(x) = I + U* U*^T/d, |U*_1|^2/d = lambda"),
    F(ratio, .kind = CAV_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 1e3,
      .help = "Lambda = diag(lambda, ratio lambda, ratio^2 lambda)"),
    F(alpha, .kind = CAV_PARAM_REAL, .def = 2, .lo = 0, .hi = 1e4, .flags = CAV_PF_LO_OPEN,
      .help = "samples per dimension n/d"),
    F(k, .kind = CAV_PARAM_INT, .def = 2, .lo = 1, .hi = 3, .help = "RBM hidden units"),
    F(r, .kind = CAV_PARAM_INT, .def = 2, .lo = 1, .hi = 3, .help = "spikes (rank of the data)"),
    F(hidden, .kind = CAV_PARAM_CHOICE, .choices = units, .def = CAV_RBM_RADEMACHER,
      .help = "RBM hidden units (gaussian: the likelihood is PCA's)"),
    F(spike_prior, .kind = CAV_PARAM_CHOICE, .choices = units, .def = CAV_RBM_RADEMACHER,
      .help = "entries of the spikes Ubar"),
    F(latent_prior, .kind = CAV_PARAM_CHOICE, .choices = units, .def = CAV_RBM_RADEMACHER,
      .help = "latent variables c"),
    F(d, .kind = CAV_PARAM_INT, .def = 1000, .lo = 3, .hi = 1e5, .flags = SIM,
      .help = "simulation: dimension (n = round(alpha d))"),
    F(steps, .kind = CAV_PARAM_INT, .def = 400, .lo = 0, .hi = 1e6, .flags = SIM,
      .help = "simulation: gradient-ascent steps (gd)"),
    F(lr, .kind = CAV_PARAM_REAL, .def = 0.05, .lo = 0, .hi = 10, .flags = SIM | CAV_PF_LO_OPEN,
      .help = "simulation: gradient-ascent step on n J(W) (gd)"),
    F(init_scale, .kind = CAV_PARAM_REAL, .def = 0.1, .lo = 0, .hi = 100,
      .flags = SIM | CAV_PF_LO_OPEN, .help = "simulation: start W = init_scale xi (gd, amp, bo)"),
    F(iters, .kind = CAV_PARAM_INT, .def = 30, .lo = 0, .hi = 1e5, .flags = SIM,
      .help = "simulation: AMP iterations (amp, bo)"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS_MAT3(obs, zeta, "zeta", "overlap W^T U*/d (k x r)"),
    CAV_OBS_MAT3(obs, cos, "cos", "cosine zeta_ij/sqrt(gram_ii Lambda_jj)"),
    CAV_OBS_MAT3(obs, gram, "gram", "Gram matrix W^T W/d (k x k)"),
    CAV_OBS(obs, loglik, "log-likelihood per sample J(W) up to a constant (simulation)"),
    {.name = "lambda_c1",
     .offset = offsetof(obs, lambda_c1),
     .flags = CAV_OF_EXACT,
     .help = "weak-recovery threshold in lambda of spike 1 (engine stability)"},
    {.name = "lambda_c2",
     .offset = offsetof(obs, lambda_c2),
     .flags = CAV_OF_EXACT,
     .help = "threshold in lambda of spike 2 given spike 1 learned"},
    {.name = "lambda_c3",
     .offset = offsetof(obs, lambda_c3),
     .flags = CAV_OF_EXACT,
     .help = "threshold in lambda of spike 3 given spikes 1, 2 learned"},
};

static cav_rbm engine_of(const par *p)
{
    cav_rbm e = cav_rbm_default();
    e.k = (int)p->k;
    e.r = (int)p->r;
    e.hidden = p->hidden;
    e.spike_prior = p->spike_prior;
    e.latent_prior = p->latent_prior;
    e.lambda = p->lambda;
    e.ratio = p->ratio;
    e.alpha = p->alpha;
    return e;
}

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    cav_rbm e = engine_of(p);
    int st = cav_rbm_check(&e, err);
    if (st) return st;
    if ((p->method == CAV_RBM_M_GD || p->method == CAV_RBM_M_AMP) && p->k != p->r)
        return cav_err_set(err, CAV_EINVAL,
                           "method = %s needs k = r (k = %ld, r = %ld): the state evolution "
                           "matches hidden unit i with spike i",
                           methods[p->method], p->k, p->r);
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

static void nan_fill(obs *o)
{
    double *v = (double *)o;
    for (size_t i = 0; i < sizeof *o / sizeof(double); i++)
        v[i] = NAN;
}

/* Thresholds of spikes 1..r (NaN beyond r, infinite for a spike of zero strength). */
static int thresholds(const par *p, double *lc, cav_err *err)
{
    cav_rbm e = engine_of(p);
    for (int j = 0; j < 3; j++) {
        lc[j] = NAN;
        if (j >= e.r) continue;
        if (j > 0 && !(e.ratio > 0)) {
            lc[j] = INFINITY;
            continue;
        }
        int st = cav_rbm_threshold(&e, j, 1e-10, &lc[j], err);
        if (st) return st;
    }
    return CAV_OK;
}

/* A row of NaN with the thresholds filled in (every point reports them: they mark figures). */
static int start_row(const par *p, obs *o, cav_err *err)
{
    nan_fill(o);
    double lc[3];
    int st = thresholds(p, lc, err);
    o->lambda_c1 = lc[0], o->lambda_c2 = lc[1], o->lambda_c3 = lc[2];
    return st;
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const par *p = vp;
    cav_rbm e = engine_of(p);
    obs *o = cav_result_row(res, 0);
    cav_err err = {0};
    int st = start_row(p, o, &err);
    if (st) return cav_result_fail(res, st, "threshold: %s", err.msg);
    int r = e.r;
    if (p->method == CAV_RBM_M_BO) {
        cav_rbm_bo_result b;
        st = cav_rbm_bo_solve(&e, &b);
        if (st) return cav_result_fail(res, st, "%s", b.msg);
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++) {
                double v = sqrt(cav_rbm_lambda(&e, i) * cav_rbm_lambda(&e, j)) * b.Mu[i * r + j];
                o->zeta[i][j] = o->gram[i][j] = v;
                double den = sqrt(fmax(b.Mu[i * r + i], 0.0)); /* zeta_ij/sqrt(gram_ii L_jj) */
                o->cos[i][j] = den > 0 ? b.Mu[i * r + j] / den : 0.0;
            }
        return cav_result_set(res, CAV_OK, 0.0, b.iterations, "");
    }
    if (p->method == CAV_RBM_M_PCA) {
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++) {
                double c = i == j ? sqrt(cav_rbm_pca_cos2(p->alpha, cav_rbm_lambda(&e, j))) : 0.0;
                o->cos[i][j] = c;
                o->zeta[i][j] = c * sqrt(cav_rbm_lambda(&e, j));
                o->gram[i][j] = i == j ? 1.0 : 0.0;
            }
        return cav_result_set(res, CAV_OK, 0.0, 0, "");
    }
    cav_rbm_amp_fp f;
    cav_rbm_amp_se_solve(&e, NULL, 0, &f);
    int k = e.k;
    for (int a = 0; a < k; a++) {
        for (int j = 0; j < r; j++) {
            o->zeta[a][j] = f.s.zeta[a * r + j];
            o->cos[a][j] = f.cos[a * r + j];
        }
        for (int b = 0; b < k; b++)
            o->gram[a][b] = f.s.Q[a * k + b];
    }
    return cav_result_set(res, f.status, f.residual, f.iterations, f.msg);
}

/* Match hidden units to spikes (k = r: the permutation maximising sum |cos_aa|) and sign them
 * so that zeta_aa >= 0 (for k != r: the sign of the largest |zeta_aj| in each row). */
static void align(int k, int r, double *zeta, double *cosm, double *Q)
{
    int perm[3] = {0, 1, 2};
    if (k == r && k > 1) {
        static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                        {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        double best = -1;
        for (int q = 0; q < 6; q++) {
            int ok = 1;
            double s = 0;
            for (int a = 0; a < k; a++) {
                if (perms[q][a] >= k)
                    ok = 0;
                else
                    s += fabs(cosm[perms[q][a] * r + a]);
            }
            if (ok && s > best) best = s, memcpy(perm, perms[q], sizeof perm);
        }
    }
    double z2[9], c2[9], Q2[9], sg[3];
    for (int a = 0; a < k; a++) {
        int pa = perm[a], jm = a < r ? a : 0;
        if (k != r)
            for (int j = 0; j < r; j++)
                if (fabs(zeta[pa * r + j]) > fabs(zeta[pa * r + jm])) jm = j;
        sg[a] = zeta[pa * r + jm] < 0 ? -1.0 : 1.0;
        for (int j = 0; j < r; j++) {
            z2[a * r + j] = sg[a] * zeta[pa * r + j];
            c2[a * r + j] = sg[a] * cosm[pa * r + j];
        }
    }
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            Q2[a * k + b] = sg[a] * sg[b] * Q[perm[a] * k + perm[b]];
    memcpy(zeta, z2, sizeof(double) * (size_t)(k * r));
    memcpy(cosm, c2, sizeof(double) * (size_t)(k * r));
    memcpy(Q, Q2, sizeof(double) * (size_t)(k * k));
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    cav_rbm e = engine_of(p);
    obs *o = cav_result_row(res, 0);
    cav_err err = {0};
    int st = start_row(p, o, &err);
    if (st) return cav_result_fail(res, st, "threshold: %s", err.msg);
    cav_rbm_data data;
    st = cav_rbm_data_draw(&e, p->d, seed, &data, &err);
    if (st) return cav_result_fail(res, st, "%s", err.msg);
    if (p->method == CAV_RBM_M_PCA || p->method == CAV_RBM_M_BO) e.k = e.r;
    int k = e.k, r = e.r;
    double *W = malloc(sizeof(double) * (size_t)(p->d * k));
    if (!W) {
        cav_rbm_data_free(&data);
        return cav_result_fail(res, CAV_ENOMEM, "rbm: out of memory");
    }
    if (p->method == CAV_RBM_M_PCA) {
        st = cav_rbm_pca(&data, W, &err);
    } else if (p->method == CAV_RBM_M_BO) {
        cav_rbm_bamp_opts b = cav_rbm_bamp_opts_default();
        b.steps = p->iters, b.init_scale = p->init_scale, b.seed = seed;
        st = cav_rbm_bamp(&e, &data, &b, W, &err);
    } else if (p->method == CAV_RBM_M_GD) {
        cav_rbm_gd_opts g = cav_rbm_gd_opts_default();
        g.steps = p->steps, g.lr = p->lr, g.init_scale = p->init_scale, g.every = p->steps + 1;
        g.init_seed = seed;
        double *traj =
            malloc(sizeof(double) * (size_t)(cav_rbm_gd_rows(&g) * CAV_RBM_TRAJ_NCOL(k, r)));
        st = traj ? cav_rbm_gd(&e, &data, &g, traj, W, &err)
                  : cav_err_set(&err, CAV_ENOMEM, "rbm: out of memory");
        free(traj);
    } else {
        cav_rbm_amp_opts a = cav_rbm_amp_opts_default();
        a.steps = p->iters, a.init_scale = p->init_scale, a.init_seed = seed;
        if (k > 1) a.damping = CAV_RBM_AMP_DAMPING_K2; /* as cav_rbm_amp_se_solve */
        double *traj = malloc(sizeof(double) * (size_t)((p->iters + 1) * CAV_RBM_TRAJ_NCOL(k, r)));
        st = traj ? cav_rbm_amp(&e, &data, &a, traj, W, &err)
                  : cav_err_set(&err, CAV_ENOMEM, "rbm: out of memory");
        free(traj);
    }
    double zeta[9], cosm[9], Q[9], J = NAN;
    if (!st) st = cav_rbm_observe(&e, &data, W, zeta, cosm, Q, &J, &err);
    free(W);
    cav_rbm_data_free(&data);
    if (st) return cav_result_fail(res, st, "%s", err.msg);
    align(k, r, zeta, cosm, Q);
    for (int a = 0; a < k; a++) {
        for (int j = 0; j < r; j++)
            o->zeta[a][j] = zeta[a * r + j], o->cos[a][j] = cosm[a * r + j];
        for (int b = 0; b < k; b++)
            o->gram[a][b] = Q[a * k + b];
    }
    o->loglik = J;
    return cav_result_set(res, CAV_OK, 0.0, 0, "");
}

/* Data X (n x d), U*, c; the fields H and gradients (n k, d k); PCA: the d x d covariance and its
 * eigen-workspace. */
static double memory(const void *vp, int kind)
{
    const par *p = vp;
    if (kind != CAV_KIND_SIM) return 0;
    double d = (double)p->d, n = round(p->alpha * d);
    double bytes = 8.0 * (n * d + 3.0 * (n + d) * 3.0);
    if (p->method == CAV_RBM_M_PCA) bytes += 8.0 * (2.0 * d * d + 30.0 * d);
    return bytes;
}

static int q_threshold(const void *vp, double *v, cav_err *err)
{
    return thresholds(vp, v, err);
}

static const cav_model_quantity quantities[] = {
    {.name = "threshold",
     .help = "weak-recovery threshold in lambda of each spike (spike j given the stronger ones "
             "learned), from the linear stability of the Bayes-optimal state evolution; NaN "
             "beyond r",
     .outputs = "lambda_c1,lambda_c2,lambda_c3",
     .uses = "ratio,alpha,r,spike_prior,latent_prior",
     .compute = q_threshold},
};

const cav_model cav_model_rbm = {
    .name = "rbm",
    .summary = "restricted Boltzmann machine on spiked-covariance data: AMP-RBM, GD, "
               "Bayes-optimal, PCA",
    .paper = "Xu, Krzakala, Zdeborová, Learning with Restricted Boltzmann Machines: Asymptotics "
             "of AMP and GD in High Dimensions, arXiv:2505.18046 (2025)",
    CAV_MODEL_TABLES(par, params, observables),
    .check = check,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "lambda",
    .compare_theory = "0.2:3:40",
    .compare_sim = "0.5,1,1.5,2,2.5",
    .compare_y = "cos_11,cos_22",
    .compare_by = "method",
    .compare_marks = "lambda_c1,lambda_c2",
    .compare_set = "method=bo,pca,gd;d=4000;seeds=2",
    .quantities = quantities,
    .nquantities = 1,
};
