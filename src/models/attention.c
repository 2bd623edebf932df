/* The `attention` model (cavity/models/attention.h): Troiani, Cui, Dandi, Krzakala, Zdeborová,
 * arXiv:2502.00901.
 *
 * Theory: the Bayes-optimal state evolution of the multi-index engine with the attention channel
 * (cavity/attention.h, docs/attention.md), from an uninformed start Q = 1e-3 I (the branch an
 * algorithm from a random start follows) or, along a sweep, from the previous point's fixed
 * point; the expectation is a Monte-Carlo average over `nsamples` fixed samples with a
 * Gauss-Hermite posterior of `gh` nodes per free coordinate. q_l = Q_ll; gen_error: the plug-in
 * error at Q (Monte Carlo, 2e5 draws); gen_error_bo: the Bayes-optimal error (Monte Carlo).
 * alpha_1, alpha_2 (thresholds = yes): the engine's thresholds, computed once per sweep (the warm
 * vector carries them to the next point of the same network).
 * Simulation: GAMP (cavity/mi_sim.h) from a random start of overlap init_scale, q_l = |M_ll| =
 * |w_l.w*_l|/D (= Q_ll at the Bayes-optimal fixed point), gen_error of the posterior-mean weights
 * on ntest fresh samples; or gradient descent on the tied network (cav_attention_gd), q_l the
 * squared cosine with the teacher (which equals Q_ll for the Bayes estimator). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/attention.h"
#include "cavity/mi_sim.h"
#include "cavity/models/attention.h"
#include "cavity/rng.h"

typedef cav_attention_model_params par;
typedef cav_attention_obs obs;

static const char *const methods[] = {"gamp", "gd", NULL};
static const char *const which[] = {"none", "first", "both", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
#define SIM CAV_PF_SIM
#define TH CAV_PF_THEORY
static const cav_param_spec params[] = {
    F(alpha, .kind = CAV_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 100, .flags = CAV_PF_LO_OPEN,
      .help = "samples per dimension N/D"),
    F(layers, .kind = CAV_PARAM_INT, .def = 2, .lo = 2, .hi = 3, .help = "attention layers L"),
    F(M, .kind = CAV_PARAM_INT, .def = 2, .lo = 2, .hi = 8,
      .help = "tokens (L*M <= 16; more than 2 free coordinates per posterior: slower)"),
    F(c, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 100, .help = "skip strength"),
    F(beta, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 100, .flags = CAV_PF_LO_OPEN,
      .help = "softmax inverse temperature"),
    F(nsamples, .kind = CAV_PARAM_INT, .def = 2000, .lo = 100, .hi = 1e7, .flags = TH,
      .help = "theory: Monte-Carlo samples of the state-evolution average"),
    F(gh, .kind = CAV_PARAM_INT, .def = 0, .lo = 0, .hi = 40, .flags = TH,
      .help = "theory: Gauss-Hermite nodes per free coordinate of the posterior (0: 12 for "
              "L = 2, 6 for L = 3)"),
    F(thresholds, .kind = CAV_PARAM_CHOICE, .choices = which, .def = 0, .flags = TH,
      .help = "theory: also compute alpha_1 (first: seconds) or alpha_1 and alpha_2 (both: "
              "minutes), once per sweep"),
    F(method, .kind = CAV_PARAM_CHOICE, .choices = methods, .def = CAV_ATT_M_GAMP, .flags = SIM,
      .help = "simulation: gamp (Bayes-optimal GAMP) or gd (gradient descent on the network)"),
    F(d, .kind = CAV_PARAM_INT, .def = 1000, .lo = 2, .hi = 1e5, .flags = SIM,
      .help = "simulation: dimension D (N = round(alpha D))"),
    F(iters, .kind = CAV_PARAM_INT, .def = 50, .lo = 0, .hi = 1e4, .flags = SIM,
      .help = "simulation: GAMP iterations"),
    F(steps, .kind = CAV_PARAM_INT, .def = 2000, .lo = 0, .hi = 1e6, .flags = SIM,
      .help = "simulation: gradient-descent steps"),
    F(lr, .kind = CAV_PARAM_REAL, .def = 0.2, .lo = 0, .hi = 100, .flags = SIM | CAV_PF_LO_OPEN,
      .help = "simulation: gradient-descent step"),
    F(init_scale, .kind = CAV_PARAM_REAL, .def = 1e-3, .lo = 0, .hi = 1,
      .flags = SIM | CAV_PF_LO_OPEN,
      .help = "simulation: GAMP start overlap q0 (< 1), or GD start scale"),
    F(ntest, .kind = CAV_PARAM_INT, .def = 2000, .lo = 1, .hi = 1e7, .flags = SIM,
      .help = "simulation: fresh samples of the test error"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, q1, "overlap of layer 1 (theory Q_11; gamp |w_1.w*_1|/D; gd cos^2)"),
    CAV_OBS(obs, q2, "overlap of layer 2"),
    CAV_OBS(obs, q3, "overlap of layer 3 (NaN for L = 2)"),
    CAV_OBS(obs, gen_error, "plug-in generalisation error E||g(Z) - g(omega)||_F^2"),
    CAV_OBS(obs, gen_error_bo, "Bayes-optimal error E||g(Z) - E[g(Z)|omega]||_F^2 (theory)"),
    {.name = "alpha_1",
     .offset = offsetof(obs, alpha_1),
     .flags = CAV_OF_EXACT,
     .help = "first weak-recovery threshold (last layer; theory with thresholds = yes)"},
    {.name = "alpha_2",
     .offset = offsetof(obs, alpha_2),
     .flags = CAV_OF_EXACT,
     .help = "conditional threshold of the other layers given the last"},
};

static cav_attention net_of(const par *p)
{
    cav_attention a = {(int)p->layers, (int)p->M, p->c, p->beta};
    return a;
}

static int gh_of(const par *p)
{
    if (p->gh > 0) return (int)p->gh;
    return (p->layers - 1) * p->M <= 2 ? 12 : (p->layers - 1) * p->M <= 3 ? 8 : 6;
}

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    if (p->layers * p->M > CAV_MI_MAXPM)
        return cav_err_set(err, CAV_EINVAL, "layers x M = %ld must be <= %d", p->layers * p->M,
                           CAV_MI_MAXPM);
    cav_attention a = net_of(p);
    int st = cav_attention_check(&a, err);
    if (st) return st;
    if (kind == CAV_KIND_SIM) {
        if (llround(p->alpha * (double)p->d) < 1)
            return cav_err_set(err, CAV_EINVAL, "N = round(alpha d) = 0: raise alpha or d");
        if (p->method == CAV_ATT_M_GAMP && p->init_scale >= 1)
            return cav_err_set(err, CAV_EINVAL,
                               "init_scale = %g: the GAMP start overlap must be "
                               "in (0, 1)",
                               p->init_scale);
        double cells = (double)(p->d) * (p->alpha * (double)p->d + (double)p->ntest) * (double)p->M;
        if (cells > 3e8)
            return cav_err_set(err, CAV_EINVAL,
                               "the data need %g doubles (limit 3e8): lower d, alpha or ntest",
                               cells);
    }
    return CAV_OK;
}

static void nan_fill(obs *o)
{
    o->q1 = o->q2 = o->q3 = o->gen_error = o->gen_error_bo = o->alpha_1 = o->alpha_2 = NAN;
}

/* Thresholds at the model's accuracy settings: alpha_1 by Monte Carlo over 10 nsamples draws,
 * alpha_2 (both = 1) by the conditional stability with nsamples-sample state evolutions. When
 * alpha_2 cannot be computed it is NaN and *note says why (alpha_1 stands). */
static int thresholds(const par *p, int both, double *a1, double *a2, char *note, size_t len,
                      cav_err *err)
{
    cav_attention a = net_of(p);
    cav_attention_th_opts o = cav_attention_th_opts_default();
    o.inner.gh_n = gh_of(p);
    o.outer.n = p->nsamples;
    o.outer.inner.gh_n = gh_of(p);
    o.xtol = 1e-2;
    o.ahi = 1.5;
    o.mc_n = 10 * p->nsamples;
    o.conditional = both;
    cav_attention_th th;
    int st = cav_attention_thresholds(&a, &o, &th);
    *a1 = th.alpha1, *a2 = NAN;
    if (note && len) note[0] = '\0';
    if (st && !(th.alpha1 > 0)) return cav_err_set(err, st, "attention thresholds: %s", th.msg);
    if (both && st == CAV_OK)
        *a2 = th.alpha2;
    else if (both && note)
        snprintf(note, len, "alpha_2 not found: %.400s", th.msg);
    return CAV_OK;
}

/* warm: has, Q (3 x 3), unused, has_th, layers, M, c, beta, alpha_1, alpha_2 */
#define ATT_NWARM 18

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    const par *p = vp;
    cav_attention a = net_of(p);
    obs *o = cav_result_row(res, 0);
    nan_fill(o);
    cav_err err = {0};
    int L = a.L;
    char note[CAV_ERR_MSG_LEN] = "";
    double w[ATT_NWARM] = {0};
    if (warm_in) memcpy(w, warm_in, sizeof w);
    int same = warm_in && w[11] == (double)p->thresholds && w[12] == (double)p->layers &&
               w[13] == (double)p->M && w[14] == p->c && w[15] == p->beta;
    if (p->thresholds) {
        if (same) {
            o->alpha_1 = w[16], o->alpha_2 = w[17];
        } else {
            int st = thresholds(p, p->thresholds == 2, &o->alpha_1, &o->alpha_2, note, sizeof note,
                                &err);
            if (st) return cav_result_fail(res, st, "%s", err.msg);
        }
    }
    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    cav_mi_outer_opts oo = cav_mi_outer_opts_default();
    oo.n = p->nsamples;
    oo.inner.method = CAV_MI_GH;
    oo.inner.gh_n = gh_of(p);
    oo.threads = 0;
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &oo, &err);
    if (!cs) return cav_result_fail(res, err.code ? err.code : CAV_ENOMEM, "%s", err.msg);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    double Q0[CAV_MI_MAXP * CAV_MI_MAXP] = {0};
    int warm_q = warm_in && w[0] == 1 && w[12] == (double)p->layers;
    for (int l = 0; l < L; l++)
        for (int k = 0; k < L; k++)
            Q0[l * L + k] = warm_q ? w[1 + l * 3 + k] : (l == k ? 1e-3 : 0.0);
    for (int l = 0; l < L; l++) /* a learned direction is never exactly 0: restart just above */
        if (Q0[l * L + l] < 1e-3) Q0[l * L + l] = 1e-3;
    cav_mi_se_opts so = cav_mi_se_opts_default();
    so.start = CAV_MI_START_GIVEN;
    so.Q0 = Q0;
    so.fixpt.tol = 1e-6;
    so.fixpt.max_iter = 200;
    so.want_se = 0;
    cav_mi_se_result r;
    cav_mi_se_solve(&m, p->alpha, &so, &r);
    /* Q_ll = 0 is a fixed point for every alpha (E[z_l | y] = 0 by the sign symmetry), which the
     * accelerated solver can reach from a small overlap even where it is unstable. Test each
     * collapsed layer with one plain step from Q_ll = 1e-3; if it grows, iterate plainly away
     * from it and solve again from there (the branch a random start follows). */
    for (int l = 0; l < L && (r.status == CAV_OK || r.status == CAV_EMAXITER); l++) {
        if (r.Q[l * L + l] > 1e-4) continue;
        double Qp[CAV_MI_MAXP * CAV_MI_MAXP], traj[41 * CAV_MI_MAXP * CAV_MI_MAXP];
        memcpy(Qp, r.Q, sizeof Qp);
        Qp[l * L + l] = 1e-3;
        if (cav_mi_se_iterate(&m, p->alpha, Qp, 1, 1.0, traj, NULL)) break;
        if (!(traj[L * L + l * L + l] > 1e-3)) continue; /* stable: q_l = 0 stands */
        if (cav_mi_se_iterate(&m, p->alpha, Qp, 40, 1.0, traj, NULL)) break;
        memcpy(Q0, traj + 40 * L * L, sizeof(double) * (size_t)(L * L));
        cav_mi_se_result r2;
        cav_mi_se_solve(&m, p->alpha, &so, &r2);
        r2.iterations += r.iterations + 41;
        r = r2;
    }
    cav_mi_chside_free(cs);
    double *q = &o->q1;
    for (int l = 0; l < L; l++)
        q[l] = r.Q[l * L + l];
    if (r.status == CAV_OK || r.status == CAV_EMAXITER) {
        double e, se, Qc[CAV_MI_MAXP * CAV_MI_MAXP];
        memcpy(Qc, r.Q, sizeof Qc);
        for (int l = 0; l < L; l++) /* a zero overlap may come out as -1e-8: clamp at 0 */
            for (int k = 0; k < L; k++)
                if (!(r.Q[l * L + l] > 0) || !(r.Q[k * L + k] > 0)) Qc[l * L + k] = 0;
        if (!cav_attention_gen_error(&a, Qc, 200000, 7, &e, &se, NULL)) o->gen_error = e;
        if (!cav_attention_bo_error(&a, Qc, 20000, 8, 11, &e, &se, NULL)) o->gen_error_bo = e;
    }
    if (warm_out) {
        memset(w, 0, sizeof w);
        w[0] = r.status == CAV_OK;
        for (int l = 0; l < L; l++)
            for (int k = 0; k < L; k++)
                w[1 + l * 3 + k] = r.Q[l * L + k];
        w[11] = (double)p->thresholds;
        w[12] = (double)p->layers, w[13] = (double)p->M, w[14] = p->c, w[15] = p->beta;
        w[16] = o->alpha_1, w[17] = o->alpha_2;
        memcpy(warm_out, w, sizeof w);
    }
    return cav_result_set(res, r.status, r.residual, r.iterations, r.status ? r.msg : note);
}

/* Test error of weights W (L x D) on ntest fresh samples of the teacher Wstar (stream
 * (seed, "attention-test")). */
static int test_error(const cav_attention *a, long D, const double *Wstar, const double *W,
                      long ntest, uint64_t seed, double *e)
{
    int L = a->L, M = a->M;
    double *x = malloc(sizeof(double) * (size_t)(M * D));
    if (!x) return CAV_ENOMEM;
    cav_rng g;
    cav_rng_init(&g, seed, cav_rng_hash("attention-test"), 0);
    double s = 0, sq = sqrt((double)D);
    for (long mu = 0; mu < ntest; mu++) {
        cav_rng_normal_fill(&g, (size_t)(M * D), 1.0, x);
        double Z[CAV_MI_MAXPM], Zh[CAV_MI_MAXPM], y[CAV_MI_MAXPM * CAV_MI_MAXPM],
            yh[CAV_MI_MAXPM * CAV_MI_MAXPM];
        for (int l = 0; l < L; l++)
            for (int m = 0; m < M; m++) {
                double u = 0, v = 0;
                for (long i = 0; i < D; i++)
                    u += Wstar[l * D + i] * x[m * D + i], v += W[l * D + i] * x[m * D + i];
                Z[l * M + m] = u / sq, Zh[l * M + m] = v / sq;
            }
        cav_attention_forward(a, Z, y);
        cav_attention_forward(a, Zh, yh);
        for (int j = 0; j < M * M; j++)
            s += (y[j] - yh[j]) * (y[j] - yh[j]);
    }
    free(x);
    *e = s / (double)ntest;
    return CAV_OK;
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    cav_attention a = net_of(p);
    obs *o = cav_result_row(res, 0);
    nan_fill(o);
    cav_err err = {0};
    int L = a.L, st;
    double *q = &o->q1;
    if (p->method == CAV_ATT_M_GD) {
        cav_attention_gd_opts g = cav_attention_gd_opts_default();
        g.D = p->d, g.alpha = p->alpha, g.steps = p->steps, g.lr = p->lr;
        g.init_scale = p->init_scale, g.n_test = p->ntest, g.every = p->steps + 1;
        g.seed = seed, g.init_seed = seed;
        long rows = cav_attention_gd_rows(&g);
        int ncol = CAV_ATTENTION_GD_NCOL(L);
        double *out = malloc(sizeof(double) * (size_t)(rows * ncol));
        if (!out) return cav_result_fail(res, CAV_ENOMEM, "attention: out of memory");
        st = cav_attention_gd(&a, &g, out, &err);
        double *last = out + (rows - 1) * ncol;
        if (!st) {
            o->gen_error = last[2];
            for (int l = 0; l < L; l++)
                q[l] = last[5 + 3 * l] * last[5 + 3 * l];
        }
        free(out);
        if (st) return cav_result_fail(res, st, "%s", err.msg);
        return cav_result_set(res, CAV_OK, 0.0, p->steps, "");
    }
    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    cav_mi_data data;
    long N = llround(p->alpha * (double)p->d);
    st = cav_mi_data_draw(&ch, p->d, N, seed, &data, &err);
    if (st) return cav_result_fail(res, st, "%s", err.msg);
    cav_mi_gamp_opts g = cav_mi_gamp_opts_default();
    g.steps = p->iters;
    g.q0 = p->init_scale;
    g.seed = seed;
    g.inner.method = CAV_MI_GH;
    g.inner.gh_n = gh_of(p);
    int nc = CAV_MI_GAMP_NCOL(L);
    double *traj = malloc(sizeof(double) * (size_t)((p->iters + 1) * nc)),
           *W = malloc(sizeof(double) * (size_t)(L * p->d));
    if (!traj || !W) {
        free(traj), free(W), cav_mi_data_free(&data);
        return cav_result_fail(res, CAV_ENOMEM, "attention: out of memory");
    }
    st = cav_mi_gamp_run(&ch, &data, &g, traj, W, &err);
    if (!st) {
        const double *last = traj + p->iters * nc;
        for (int l = 0; l < L; l++)
            q[l] = fabs(last[l * L + l]);
        double e;
        st = test_error(&a, p->d, data.Wstar, W, p->ntest, seed, &e);
        if (st)
            cav_err_set(&err, st, "attention: out of memory");
        else
            o->gen_error = e;
    }
    free(traj), free(W);
    cav_mi_data_free(&data);
    if (st) return cav_result_fail(res, st, "%s", err.msg);
    return cav_result_set(res, CAV_OK, 0.0, p->iters, "");
}

static double memory(const void *vp, int kind)
{
    const par *p = vp;
    if (kind != CAV_KIND_SIM) return 8.0 * (double)p->nsamples * 64.0;
    double D = (double)p->d, N = p->alpha * D + (p->method == CAV_ATT_M_GD ? (double)p->ntest : 0);
    return 8.0 * (N * (double)p->M * D + 4.0 * (double)p->layers * D + 64.0 * N);
}

static int q_threshold(const void *vp, double *v, cav_err *err)
{
    const par *p = vp;
    v[2] = 1.0 / ((double)p->M * (double)(p->M + 1)); /* Jensen bound of one rank-one block */
    return thresholds(p, p->thresholds == 2, &v[0], &v[1], NULL, 0, err);
}

static const cav_model_quantity quantities[] = {
    {.name = "threshold",
     .help = "first weak-recovery threshold alpha_1 (the last layer, from the linear stability "
             "of Q = 0), with thresholds = both also the conditional threshold alpha_2 of the "
             "other layers given the last (minutes; NaN otherwise); jensen = 1/(M(M+1)), a lower "
             "bound of every single-layer threshold",
     .outputs = "alpha_1,alpha_2,jensen",
     .uses = "layers,M,c,beta,nsamples,gh,thresholds",
     .compute = q_threshold},
};

const cav_model cav_model_attention = {
    .name = "attention",
    .summary = "deep tied low-rank attention as a sequence multi-index model: Bayes-optimal "
               "overlaps, errors, staircase thresholds; GAMP and GD",
    .paper = "Troiani, Cui, Dandi, Krzakala, Zdeborová, Fundamental limits of learning in "
             "sequence multi-index models and deep attention networks, arXiv:2502.00901 (2025)",
    CAV_MODEL_TABLES(par, params, observables),
    .check = check,
    .nwarm = ATT_NWARM,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "alpha",
    .compare_theory = "0.05:1.2:24",
    .compare_sim = "0.2,0.4,0.6,0.8,1",
    .compare_y = "q1,q2,gen_error",
    .compare_marks = "alpha_1,alpha_2",
    .compare_set = "thresholds=first;seeds=3",
    .quantities = quantities,
    .nquantities = 1,
};
