/* The `autoencoder-flow` model (cavity/models/autoencoder.h): the gradient flow of the population
 * risk of the tied autoencoder in the overlaps (m_u, m_v, q), from the overlaps of a random start
 * in dimension d (m_u = m_v = 1/sqrt d, q = 1), one row per step; the quantity `recovery` is the
 * first time theta_v reaches theta_weak (weak recovery of the hidden direction), which grows like
 * log d. Conde Mendes et al., arXiv:2602.10680 (2026); docs/autoencoder.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/hf.h"
#include "cavity/models/autoencoder.h"
#include "models/hidden_factor.h"

typedef cav_autoencoder_flow_params par;
typedef cav_autoencoder_flow_obs obs;

static const char *const activations[] = {"linear", "relu", "tanh", "sigmoid", "elu",
                                          "gelu",   "he2",  "he3",  NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(activation, .kind = CAV_PARAM_TYPE, .choices = activations, .def = 1,
      .find = cav_activation_find_any, .help = "autoencoder activation sigma"),
    HF_DATA_FIELDS(F),
    F(d, .kind = CAV_PARAM_INT, .def = 1000, .lo = 2, .hi = 1e12,
      .help = "dimension of the random start: m_u = m_v = 1/sqrt(d), q = 1"),
    F(dt, .kind = CAV_PARAM_REAL, .def = 0.2, .lo = 0, .hi = 10, .flags = CAV_PF_LO_OPEN,
      .help = "time step (classical Runge-Kutta)"),
    F(steps, .kind = CAV_PARAM_INT, .def = 200, .lo = 1, .hi = 1e6, .help = "number of steps"),
    F(theta_weak, .kind = CAV_PARAM_REAL, .def = 0.15, .lo = 0, .hi = 1,
      .flags = CAV_PF_LO_OPEN | CAV_PF_HI_OPEN,
      .help = "recovery: theta_v that counts as weak recovery"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, t, "time (dw/dt = -d grad R)"),
    CAV_OBS(obs, theta_u, "|m_u|/sqrt(q)"),
    CAV_OBS(obs, theta_v, "|m_v|/sqrt(q)"),
    CAV_OBS(obs, q, "||w||^2/d"),
    CAV_OBS(obs, m_u, "w.u* / d"),
    CAV_OBS(obs, m_v, "w.v* / d"),
    CAV_OBS(obs, test_loss, "population risk R(m_u, m_v, q)"),
};

static int check(const void *vp, int kind, cav_err *err)
{
    (void)kind;
    const par *p = vp;
    cav_hf_data g = HF_DATA_OF(p);
    return cav_hf_data_check(&g, err);
}

static int run_flow(const par *p, double *rows, cav_err *err)
{
    cav_hf_data g = HF_DATA_OF(p);
    double x0[3] = {1.0 / sqrt((double)p->d), 1.0 / sqrt((double)p->d), 1.0};
    return cav_hf_flow(&g, p->activation, x0, p->dt, p->steps, rows, err);
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const par *p = vp;
    size_t nr = (size_t)p->steps + 1;
    double *flow = malloc(sizeof(double) * 4 * nr);
    double *rows = cav_result_rows(res, nr);
    if (!flow || !rows) {
        free(flow);
        return cav_result_set(res, CAV_ENOMEM, NAN, 0, "out of memory");
    }
    cav_err e = {0};
    int rc = run_flow(p, flow, &e);
    cav_hf_data g = HF_DATA_OF(p);
    for (size_t t = 0; t < nr; t++) {
        obs *o = cav_result_row(res, t);
        const double *f = flow + 4 * t;
        o->t = f[0], o->m_u = f[1], o->m_v = f[2], o->q = f[3];
        o->theta_u = fabs(f[1]) / sqrt(f[3]);
        o->theta_v = fabs(f[2]) / sqrt(f[3]);
        o->test_loss = NAN;
        if (isfinite(f[1] + f[2] + f[3]))
            cav_hf_pop_risk(&g, p->activation, f[1], f[2], f[3], &o->test_loss, NULL, NULL, NULL);
    }
    free(flow);
    return cav_result_set(res, rc, 0.0, p->steps, rc ? e.msg : "");
}

/* First time theta_v >= theta_weak (linear interpolation between steps); +inf if not reached. */
static int q_recovery(const void *vp, double *v, cav_err *err)
{
    const par *p = vp;
    size_t nr = (size_t)p->steps + 1;
    double *flow = malloc(sizeof(double) * 4 * nr);
    if (!flow) return cav_err_set(err, CAV_ENOMEM, "out of memory");
    int rc = run_flow(p, flow, err);
    v[0] = INFINITY;
    double prev = NAN;
    for (size_t t = 0; t < nr && !rc; t++) {
        const double *f = flow + 4 * t;
        double th = fabs(f[2]) / sqrt(f[3]);
        if (th >= p->theta_weak) {
            v[0] = t == 0 ? f[0] : f[0] - p->dt * (th - p->theta_weak) / (th - prev);
            break;
        }
        prev = th;
    }
    free(flow);
    return rc;
}

static const cav_model_quantity quantities[] = {
    {.name = "recovery",
     .help = "t_weak: first time of the population gradient flow at which theta_v reaches "
             "theta_weak, from m_u = m_v = 1/sqrt(d), q = 1 (inf if not within steps x dt)",
     .outputs = "t_weak",
     .uses = "activation,latent,gamma,delta,beta_u,beta_v,d,dt,steps,theta_weak",
     .compute = q_recovery},
};

const cav_model cav_model_autoencoder_flow = {
    .name = "autoencoder-flow",
    .summary = "hidden factor: population gradient flow of the tied autoencoder in time",
    .paper = "Conde Mendes, Bardone, Koller, Medina Moreira, Erba, Troiani, Zdeborová, A solvable "
             "high-dimensional model where nonlinear autoencoders learn structure invisible to "
             "PCA while test loss misaligns with generalization, arXiv:2602.10680 (2026)",
    CAV_MODEL_TABLES(par, params, observables),
    .axis = "t",
    .check = check,
    .theory = theory,
    .quantities = quantities,
    .nquantities = 1,
    .compare_x = "t",
    .compare_y = "theta_u,theta_v",
    .compare_by = "activation",
    .compare_set = "activation=relu,tanh",
};
