/* The `autoencoder` model (cavity/models/autoencoder.h): Conde Mendes et al., arXiv:2602.10680.
 *
 * Theory: PCA closed forms (learner pca), or the replica-symmetric state evolution of ERM for the
 * tied autoencoder (learner ae), whose linear case reproduces PCA; test loss from the population
 * risk at the fixed point's overlaps, downstream error by Monte Carlo over exact draws of the
 * projections (a fixed seed, 20000 draws: standard error below 0.0025). Simulation: one run of
 * cav_hf_sim_run per seed. docs/autoencoder.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/hf.h"
#include "cavity/models/autoencoder.h"
#include "models/hidden_factor.h"

typedef cav_autoencoder_params par;
typedef cav_autoencoder_obs obs;

static const char *const learners[] = {"ae", "pca", "bo", NULL};
static const char *const activations[] = {"linear", "relu", "tanh", "sigmoid", "elu",
                                          "gelu",   "he2",  "he3",  NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(learner, .kind = CAV_PARAM_CHOICE, .choices = learners, .def = CAV_AUTOENCODER_AE,
      .help = "ae: tied one-neuron autoencoder x_hat = (w/sqrt d) sigma(w.x/sqrt d); pca: top "
              "principal directions; bo: Bayes-optimal estimator of (u*, v*) (state evolution / "
              "AMP)"),
    F(activation, .kind = CAV_PARAM_TYPE, .choices = activations, .def = 1,
      .find = cav_activation_find_any,
      .help = "autoencoder activation sigma (linear: the linear autoencoder)"),
    HF_DATA_FIELDS(F),
    F(alpha, .kind = CAV_PARAM_REAL, .def = 4, .lo = 0, .hi = 1e4, .flags = CAV_PF_LO_OPEN,
      .help = "samples per dimension n/d"),
    F(lambda, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e3,
      .help = "weight decay: the objective gains lambda ||w||^2/2"),
    F(d, .kind = CAV_PARAM_INT, .def = 500, .lo = 2, .hi = 1e5, .flags = CAV_PF_SIM,
      .help = "simulation: dimension"),
    F(lr, .kind = CAV_PARAM_REAL, .def = 0.1, .lo = 0, .hi = 10,
      .flags = CAV_PF_SIM | CAV_PF_LO_OPEN, .help = "simulation: Adam learning rate"),
    F(epochs, .kind = CAV_PARAM_INT, .def = 1200, .lo = 0, .hi = 1e6, .flags = CAV_PF_SIM,
      .help = "simulation: full-batch Adam steps from w ~ N(0, I_d)"),
    F(ntest, .kind = CAV_PARAM_INT, .def = 100000, .lo = 2, .hi = 1e8, .flags = CAV_PF_SIM,
      .help = "simulation: fresh samples of the test loss"),
    F(draws, .kind = CAV_PARAM_INT, .def = 2000, .lo = 1, .hi = 1e7, .flags = CAV_PF_SIM,
      .help = "simulation: downstream draws of 100 fresh samples"),
    F(amp_steps, .kind = CAV_PARAM_INT, .def = 60, .lo = 1, .hi = 1e5, .flags = CAV_PF_SIM,
      .help = "simulation, learner bo: AMP iterations from a random start"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, theta_u, "|cos(w, u*)|: overlap with the visible spike"),
    CAV_OBS(obs, theta_v, "|cos(w, v*)|: overlap with the hidden spike (pca: best of the top two)"),
    CAV_OBS(obs, q, "||w||^2/d"),
    CAV_OBS(obs, m_u, "w.u* / d (signed)"),
    CAV_OBS(obs, m_v, "w.v* / d (signed)"),
    CAV_OBS(obs, train_loss, "training reconstruction loss per sample minus mean ||x||^2/2"),
    CAV_OBS(obs, test_loss, "test reconstruction loss per sample minus E||x||^2/2"),
    CAV_OBS(obs, downstream_error,
            "fraction of class means (100 samples, labels sign(x.v*)) misclassified by sign(w.x)"),
    CAV_OBS(obs, V, "theory: the state evolution's V (NaN for pca and in simulations)"),
};

static cav_hf_sim_config config_of(const par *p, uint64_t seed)
{
    cav_hf_sim_config c;
    cav_hf_sim_config_default(&c);
    c.data = HF_DATA_OF(p);
    c.learner = p->learner == CAV_AUTOENCODER_PCA ? CAV_HF_PCA : CAV_HF_AE;
    c.act = p->activation;
    c.d = (size_t)p->d;
    c.alpha = p->alpha;
    c.lr = p->lr;
    c.epochs = p->epochs;
    c.lambda = p->lambda;
    c.ntest = p->ntest;
    c.draws = p->draws;
    c.seed = seed;
    return c;
}

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    cav_hf_data g = HF_DATA_OF(p);
    int rc = cav_hf_data_check(&g, err);
    if (rc) return rc;
    if (p->learner == CAV_AUTOENCODER_BO && p->lambda > 0)
        return cav_err_set(err, CAV_EINVAL, "lambda = %g: bo has no weight decay (lambda = 0)",
                           p->lambda);
    if (p->learner == CAV_AUTOENCODER_BO && p->beta_u == 0 && p->beta_v == 0)
        return cav_err_set(err, CAV_EINVAL,
                           "beta_u = beta_v = 0: bo needs a spike (beta_u > 0 or beta_v > 0)");
    if (kind == CAV_KIND_SIM && p->learner == CAV_AUTOENCODER_BO) {
        if (llround(p->alpha * (double)p->d) < 1)
            return cav_err_set(err, CAV_EINVAL, "alpha = %g: n = round(alpha d) must be >= 1",
                               p->alpha);
        return CAV_OK;
    }
    if (p->learner == CAV_AUTOENCODER_PCA && p->lambda > 0)
        return cav_err_set(err, CAV_EINVAL, "lambda = %g: pca has no weight decay (lambda = 0)",
                           p->lambda);
    if (kind == CAV_KIND_THEORY && p->learner == CAV_AUTOENCODER_PCA &&
        (p->latent == CAV_HF_K1 || (p->latent == CAV_HF_MIX && p->gamma > 0)))
        return cav_err_set(err, CAV_EINVAL,
                           "latent = %s: the PCA closed form needs E[lam nu] = 0 (k* >= 2: latent "
                           "k2, k3, indep, or mix with gamma = 0); the k1 law makes v* visible to "
                           "the covariance (theory with learner=ae, activation=linear covers it)",
                           p->latent == CAV_HF_K1 ? "k1" : "mix");
    if (kind == CAV_KIND_SIM) {
        cav_hf_sim_config c = config_of(p, 0);
        return cav_hf_sim_check(&c, err);
    }
    return CAV_OK;
}

enum { NWARM = 4 };

/* Bayes-optimal: the state evolution of the multi-index engine from the uninformed start
 * Q = 1e-3 I (the branch AMP from a random start follows). The u row of the estimator gives
 * m_u = Q_uu, m_v = Q_uv, q = Q_uu (Nishimori: overlap with the truth = self-overlap);
 * theta_u = sqrt(Q_uu), theta_v = sqrt(Q_vv). Losses and downstream error: NaN. */
static int bo_theory(const par *p, double *warm_out, cav_result *res)
{
    cav_hf_data g = HF_DATA_OF(p);
    obs *o = cav_result_row(res, 0);
    if (warm_out) warm_out[0] = warm_out[1] = warm_out[2] = warm_out[3] = NAN;
    cav_err e = {0};
    cav_hf_bo_side *s = cav_hf_bo_side_alloc(&g, 20, &e);
    if (!s) return cav_result_set(res, CAV_ENOMEM, NAN, 0, e.msg);
    cav_mi_model m;
    cav_hf_bo_side_model(s, &m);
    cav_mi_se_opts so = cav_mi_se_opts_default();
    so.want_se = 0;
    cav_mi_se_result r;
    int st = cav_mi_se_solve(&m, p->alpha, &so, &r);
    cav_hf_bo_side_free(s);
    o->theta_u = sqrt(fmax(r.Q[0], 0.0));
    o->theta_v = sqrt(fmax(r.Q[3], 0.0));
    o->q = r.Q[0], o->m_u = r.Q[0], o->m_v = r.Q[1];
    o->V = 1.0 - r.Q[0];
    return cav_result_set(res, st, r.residual, r.iterations, st ? r.msg : "");
}

/* AMP from a random start at dimension d (cav_hf_amp_run), overlaps after amp_steps. */
static int bo_simulate(const par *p, uint64_t seed, cav_result *res)
{
    cav_hf_data g = HF_DATA_OF(p);
    obs *o = cav_result_row(res, 0);
    for (size_t j = 0; j < sizeof *o / sizeof(double); j++)
        ((double *)o)[j] = NAN;
    cav_hf_amp_opts ao;
    cav_hf_amp_opts_default(&ao);
    ao.steps = p->amp_steps;
    ao.informed = 0;
    ao.q0 = 0.5;
    ao.seed = seed;
    double *traj = malloc(sizeof(double) * 8 * (size_t)(ao.steps + 1));
    if (!traj) return cav_result_set(res, CAV_ENOMEM, NAN, 0, "out of memory");
    cav_err e = {0};
    int st = cav_hf_amp_run(&g, (size_t)p->d, p->alpha, &ao, traj, &e);
    const double *M = traj + 8 * (size_t)ao.steps, *Q = M + 4;
    if (!st) {
        o->theta_u = fabs(M[0]) / sqrt(Q[0]);
        o->theta_v = fabs(M[3]) / sqrt(Q[3]);
        o->q = Q[0], o->m_u = M[0], o->m_v = M[1];
    }
    free(traj);
    return cav_result_set(res, st, 0.0, 0, st ? e.msg : "");
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    const par *p = vp;
    cav_hf_data g = HF_DATA_OF(p);
    obs *o = cav_result_row(res, 0);
    for (size_t j = 0; j < sizeof *o / sizeof(double); j++)
        ((double *)o)[j] = NAN;
    if (p->learner == CAV_AUTOENCODER_PCA) {
        cav_hf_pca_theory(p->beta_u, p->alpha, &o->theta_u, &o->train_loss, &o->test_loss);
        o->theta_v = 0, o->q = 1, o->m_u = o->theta_u, o->m_v = 0;
        o->downstream_error = 0.5; /* w independent of v*: each class mean is a fair coin */
        if (warm_out) warm_out[0] = warm_out[1] = warm_out[2] = warm_out[3] = NAN;
        return cav_result_set(res, CAV_OK, 0.0, 0, "");
    }
    if (p->learner == CAV_AUTOENCODER_BO) return bo_theory(p, warm_out, res);
    cav_hf_se_opts so;
    cav_hf_se_opts_default(&so);
    so.lambda = p->lambda;
    /* ERM selects the global minimiser of the empirical risk: the state evolution is run from an
     * uninformed start (m = 0.01, q = 1) and an informed one (m_u = 1, m_v = 0.3, q = 1.1 for
     * linear and relu, 2.5 otherwise), and the fixed point with the lower training loss is kept
     * (both can be stable). The start V is 0.5 for linear and relu (their prox needs 1 + V(q - 2) >
     * 0) and 1 otherwise (a small V makes Vhat negative for bounded activations). */
    const int closed = p->activation == &cav_act_linear || p->activation == &cav_act_relu;
    const double V0 = closed ? 0.5 : 1.0;
    cav_hf_se_state starts[2] = {{.m_u = 0.01, .m_v = 0.01, .q = 1, .V = V0},
                                 {.m_u = 1.0, .m_v = 0.3, .q = closed ? 1.1 : 2.5, .V = V0}};
    if (warm_in && isfinite(warm_in[0]) && warm_in[2] > 0 && warm_in[3] > 0) {
        /* continuation for the informed start */
        starts[1].m_u = fabs(warm_in[0]) > 0.01 ? warm_in[0] : 1.0;
        starts[1].m_v = fabs(warm_in[1]) > 0.01 ? warm_in[1] : 0.3;
        starts[1].q = warm_in[2];
        starts[1].V = warm_in[3];
    }
    cav_hf_se_state st = starts[0];
    double resid = NAN;
    long it = 0;
    int rc = CAV_EINVAL;
    cav_err e = {0};
    for (int k = 0; k < 2; k++) {
        cav_hf_se_state s = starts[k];
        double r1 = NAN;
        long i1 = 0;
        cav_err e1 = {0};
        int rc1 = cav_hf_se_solve(&g, p->activation, p->alpha, &so, &s, &r1, &i1, &e1);
        if (rc1 == CAV_EINVAL) return cav_result_set(res, rc1, NAN, 0, e1.msg);
        int better =
            k == 0 || (rc1 == CAV_OK && (rc != CAV_OK || s.train_loss < st.train_loss - 1e-9));
        if (better) {
            st = s, resid = r1, it = i1, rc = rc1, e = e1;
        }
    }
    o->m_u = st.m_u, o->m_v = st.m_v, o->q = st.q, o->V = st.V;
    o->theta_u = fabs(st.m_u) / sqrt(st.q);
    o->theta_v = fabs(st.m_v) / sqrt(st.q);
    o->train_loss = st.train_loss;
    double R = NAN;
    cav_err e2 = {0};
    if (cav_hf_pop_risk(&g, p->activation, st.m_u, st.m_v, st.q, &R, NULL, NULL, &e2) == CAV_OK)
        o->test_loss = R;
    o->downstream_error =
        cav_hf_downstream(&g, st.m_u, st.m_v, st.q, 20000, 100, 1, cav_rng_hash("hf-theory"));
    if (warm_out) {
        int ok = rc == CAV_OK;
        warm_out[0] = ok ? st.m_u : NAN;
        warm_out[1] = ok ? st.m_v : NAN;
        warm_out[2] = ok ? st.q : NAN;
        warm_out[3] = ok ? st.V : NAN;
    }
    return cav_result_set(res, rc, resid, it, rc ? e.msg : "");
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    if (p->learner == CAV_AUTOENCODER_BO) return bo_simulate(p, seed, res);
    cav_hf_sim_config c = config_of(p, seed);
    cav_hf_sim_result r;
    cav_err e = {0};
    cav_hf_sim_run(&c, &r, &e);
    obs *o = cav_result_row(res, 0);
    o->theta_u = r.theta_u, o->theta_v = r.theta_v, o->q = r.q, o->m_u = r.m_u, o->m_v = r.m_v;
    o->train_loss = r.train_loss, o->test_loss = r.test_loss;
    o->downstream_error = r.downstream_error;
    o->V = NAN;
    return cav_result_set(res, r.status, 0.0, 0, r.msg);
}

/* X (n x d) and the network's workspace (pre-activations, outputs, deltas: ~3 n x d). */
static double memory(const void *vp, int kind)
{
    const par *p = vp;
    if (kind != CAV_KIND_SIM) return 0;
    double d = (double)p->d, n = ceil(p->alpha * d);
    double m = n < d ? n : d;
    if (p->learner == CAV_AUTOENCODER_BO) return 8.0 * (n * d + 8.0 * n + 6.0 * d);
    return 8.0 * (4.0 * n * d + (p->learner == CAV_AUTOENCODER_PCA ? m * m : 0.0) + 8.0 * d);
}

static int q_threshold(const void *vp, double *v, cav_err *err)
{
    const par *p = vp;
    cav_hf_data g = HF_DATA_OF(p);
    cav_hf_bo_thr t;
    int st = cav_hf_bo_thresholds(&g, &t, err);
    v[0] = t.alpha_u, v[1] = t.alpha_v, v[2] = t.kv;
    return st;
}

static const cav_model_quantity quantities[] = {
    {.name = "threshold",
     .help = "Bayes-optimal weak-recovery thresholds in alpha of u* and v* (linear stability of "
             "the state evolution; inf: not at n = O(d)) and the order kv of v's overlap in u's",
     .outputs = "alpha_u,alpha_v,kv",
     .uses = "latent,gamma,delta,beta_u,beta_v",
     .compute = q_threshold},
};

const cav_model cav_model_autoencoder = {
    .name = "autoencoder",
    .summary = "hidden factor: nonlinear tied autoencoders learn a direction PCA cannot see",
    .paper = "Conde Mendes, Bardone, Koller, Medina Moreira, Erba, Troiani, Zdeborová, A solvable "
             "high-dimensional model where nonlinear autoencoders learn structure invisible to "
             "PCA while test loss misaligns with generalization, arXiv:2602.10680 (2026)",
    CAV_MODEL_TABLES(par, params, observables),
    .check = check,
    .nwarm = NWARM,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    CAV_MODEL_QUANTITIES(quantities),
    .compare_x = "alpha",
    .compare_theory = "0.5:8:16",
    .compare_sim = "1,2,4,8",
    .compare_y = "theta_u,theta_v,test_loss",
    .compare_by = "activation",
    .compare_set = "activation=linear,relu,tanh;latent=k2;d=300;epochs=600;seeds=2",
};
