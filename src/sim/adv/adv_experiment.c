/* Metrics and the experiment driver of the consistent-adversarial model (docs/adversarial.md
 * "Attacks and errors"; Vilucchio, Zdeborová, Loureiro, arXiv:2506.12454): clean error, standard
 * robust error, consistent robust and boundary errors, fraction of consistently attackable points,
 * and the order parameters (m, q, P) of one adversarially trained linear classifier, measured on
 * fresh test points (definitions in cavity/adv_sim.h).
 *
 * Per fit the attack thresholds do not depend on the test point: N(w) (unconstrained) and
 * D(w) = min_t ||v - t theta||_{s*} (consistent, cav_adv_consistent_norm) are computed once, and
 * each test point only needs its field h = w.x/sqrt(p) (one dgemv per chunk of 2048 points;
 * chunk c from stream hash("adv/test") + c, so memory is O(2048 p) and the numbers do not depend
 * on the thread count). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/adv_sim.h"
#include "cavity/rng.h"
#include "core/la.h"

#define TEST_CHUNK 2048

void cav_adv_config_default(cav_adv_config *c)
{
    memset(c, 0, sizeof *c);
    c->latent = 0;
    c->alpha = 1.0;
    c->gamma = 1.0;
    c->eps_train = 0.0;
    c->eps = 0.1;
    c->attack_norm = CAV_ADV_L2;
    c->train_norm = CAV_ADV_L2;
    c->loss.type = &cav_loss_logistic;
    c->lambda = 1e-3;
    c->reg_norm = 2;
    c->d = 200;
    c->seed = 0;
    c->n_test = 0;
    c->opts = cav_sim_opts_default();
    c->train_on_features = 0;
}

/* Effective weight in the teacher's input space: v = w/sqrt(d) (direct) or F^T w/sqrt(p). */
static void eff_weight(int latent, size_t d, size_t p, const double *w, double *v)
{
    if (!latent) {
        for (size_t i = 0; i < d; i++)
            v[i] = w[i] / sqrt((double)d);
        return;
    }
    const size_t k = p < d ? p : d;
    const double c = cav_adv_latent_scale(d, p) / sqrt((double)p);
    for (size_t i = 0; i < d; i++)
        v[i] = i < k ? c * w[i] : 0.0;
}

/* Order parameters and the thresholds N, D into r. */
static int fit_quantities(int latent, size_t d, size_t p, const double *theta, const double *w,
                          int norm, cav_adv_result *r, cav_err *err)
{
    double *v = malloc(d * sizeof *v);
    if (!v) return cav_err_set(err, CAV_ENOMEM, "adv metrics: d = %zu", d);
    eff_weight(latent, d, p, w, v);
    const double sd = sqrt((double)d);
    r->rho = cav_la_dot(d, theta, theta) / (double)d;
    double l1w = 0.0;
    for (size_t j = 0; j < p; j++)
        l1w += fabs(w[j]);
    const double ww = cav_la_dot(p, w, w);
    if (!latent) {
        r->m = cav_la_dot(d, w, theta) / (double)d;
        r->q = ww / (double)d;
        r->P = l1w / (double)d;
        r->q_latent = r->q_feat = r->q;
    } else {
        /* F^T w = sqrt(p) v */
        const double vv = cav_la_dot(d, v, v);
        r->m = cav_la_dot(d, v, theta) / sd; /* theta.F^T w / sqrt(p d) */
        r->q = vv + ww / (double)p;          /* (|F^T w|^2 + |w|^2) / p */
        r->P = l1w / (double)p;
        r->q_latent = vv * (double)p / (double)d;
        r->q_feat = ww / (double)p;
    }
    double cr = r->q > 0 ? r->m / sqrt(r->rho * r->q) : 0.0;
    cr = cr > 1 ? 1 : (cr < -1 ? -1 : cr);
    r->egen_pop = acos(cr) / 3.14159265358979323846;
    if (norm == CAV_ADV_L2) {
        r->N = cav_la_nrm2(d, v);
    } else {
        double s = 0.0;
        for (size_t i = 0; i < d; i++)
            s += fabs(v[i]);
        r->N = s / sd;
    }
    r->D = cav_adv_consistent_norm(d, v, theta, norm, NULL);
    free(v);
    if (!isfinite(r->D)) return cav_err_set(err, CAV_ENOMEM, "adv metrics: consistent norm");
    return CAV_OK;
}

typedef struct counts {
    size_t err, rob, bnd, att;
} counts;

static void count(size_t nt, const double *h, const double *yt, double eps, double N, double D,
                  counts *c)
{
    for (size_t i = 0; i < nt; i++) {
        double m = yt[i] * h[i];
        if (m <= 0.0)
            c->err++;
        else if (m <= eps * D)
            c->bnd++;
        if (m <= eps * N) c->rob++;
        if (fabs(h[i]) <= eps * D) c->att++;
    }
}

static void finish(const counts *c, size_t nt, cav_adv_result *r)
{
    const double t = (double)nt;
    r->egen = (double)c->err / t;
    r->erob = (double)c->rob / t;
    r->erob_cns = (double)(c->err + c->bnd) / t;
    r->ebnd_cns = (double)c->bnd / t;
    r->attackable = (double)c->att / t;
}

int cav_adv_metrics(int latent, size_t d, size_t p, const double *theta, const double *w,
                    int attack_norm, double eps, size_t nt, const double *Xt, const double *yt,
                    cav_adv_result *r, cav_err *err)
{
    if (!r || !theta || !w || !Xt || !yt || d == 0 || p == 0 || nt == 0 || (!latent && p != d))
        return cav_err_set(err, CAV_EINVAL,
                           "cav_adv_metrics: d = %zu, p = %zu (= d for the direct model), nt = "
                           "%zu, arrays non-NULL",
                           d, p, nt);
    if (attack_norm != CAV_ADV_L2 && attack_norm != CAV_ADV_LINF)
        return cav_err_set(err, CAV_EINVAL, "attack_norm = %d unknown (2 for l_2, 0 for l_inf)",
                           attack_norm);
    if (!(eps >= 0.0) || !isfinite(eps))
        return cav_err_set(err, CAV_EINVAL, "eps = %g must be >= 0", eps);
    int st = fit_quantities(latent, d, p, theta, w, attack_norm, r, err);
    if (st) return st;
    double *h = malloc(nt * sizeof *h);
    if (!h) return cav_err_set(err, CAV_ENOMEM, "cav_adv_metrics: nt = %zu", nt);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)nt, (blasint)p, 1.0 / sqrt((double)p), Xt,
                (blasint)p, w, 1, 0.0, h, 1);
    counts c = {0, 0, 0, 0};
    count(nt, h, yt, eps, r->N, r->D, &c);
    finish(&c, nt, r);
    r->n_test = nt;
    free(h);
    return CAV_OK;
}

static int check(const cav_adv_config *c, cav_err *err)
{
    if (!c->loss.type) return cav_err_set(err, CAV_EINVAL, "adv experiment: loss not set");
    if (c->d == 0) return cav_err_set(err, CAV_EINVAL, "adv experiment: d = 0");
    if (!(c->alpha > 0) || !isfinite(c->alpha) || c->alpha * (double)c->d < 0.5)
        return cav_err_set(err, CAV_EINVAL, "adv experiment: alpha = %g gives n = 0", c->alpha);
    if (c->latent != 0 && c->latent != 1)
        return cav_err_set(err, CAV_EINVAL, "adv experiment: latent = %d (0 or 1)", c->latent);
    if (c->latent && (!(c->gamma > 0) || !isfinite(c->gamma)))
        return cav_err_set(err, CAV_EINVAL, "adv experiment: gamma = %g must be > 0", c->gamma);
    if (!(c->eps >= 0) || !isfinite(c->eps))
        return cav_err_set(err, CAV_EINVAL, "adv experiment: eps = %g must be >= 0", c->eps);
    if (!(c->eps_train >= 0) || !isfinite(c->eps_train))
        return cav_err_set(err, CAV_EINVAL, "adv experiment: eps_train = %g must be >= 0",
                           c->eps_train);
    if (c->attack_norm != CAV_ADV_L2 && c->attack_norm != CAV_ADV_LINF)
        return cav_err_set(err, CAV_EINVAL,
                           "adv experiment: attack_norm = %d unknown (2 for l_2, 0 for l_inf)",
                           c->attack_norm);
    if (c->train_norm != CAV_ADV_L2 && c->train_norm != CAV_ADV_LINF)
        return cav_err_set(err, CAV_EINVAL,
                           "adv experiment: train_norm = %d unknown (2 for l_2, 0 for l_inf)",
                           c->train_norm);
    if (c->train_on_features != 0 && c->train_on_features != 1)
        return cav_err_set(err, CAV_EINVAL, "adv experiment: train_on_features = %d (0 or 1)",
                           c->train_on_features);
    if (c->reg_norm != 1 && c->reg_norm != 2)
        return cav_err_set(err, CAV_EINVAL, "adv experiment: reg_norm = %d (1 or 2)", c->reg_norm);
    if (!(c->lambda >= 0) || !isfinite(c->lambda))
        return cav_err_set(err, CAV_EINVAL, "adv experiment: lambda = %g must be >= 0", c->lambda);
    return cav_loss_check(&c->loss, err);
}

int cav_adv_experiment(const cav_adv_config *c, cav_adv_result *r)
{
    cav_err err = {0, ""};
    memset(r, 0, sizeof *r);
    r->egen = r->erob = r->erob_cns = r->ebnd_cns = r->attackable = NAN;
    r->m = r->q = r->P = r->residual = r->objective = NAN;
    int st = check(c, &err);
    if (st != CAV_OK) {
        r->status = st;
        snprintf(r->msg, sizeof r->msg, "%s", err.msg);
        return st;
    }
    const size_t d = c->d, n = (size_t)llround(c->alpha * (double)d);
    const size_t p = c->latent ? cav_adv_latent_p(d, c->gamma) : d;
    const size_t nt = c->n_test ? c->n_test : 10000;
    const uint64_t seed = c->seed;
    r->n = n, r->p = p, r->n_test = nt;
    double *theta = malloc(d * sizeof *theta), *X = malloc(n * p * sizeof *X);
    double *y = malloc(n * sizeof *y), *w = malloc(p * sizeof *w);
    const size_t nb = nt < TEST_CHUNK ? nt : TEST_CHUNK;
    double *Xt = malloc(nb * p * sizeof *Xt), *yt = malloc(nb * sizeof *yt);
    double *ht = malloc(nb * sizeof *ht);
    if (!theta || !X || !y || !w || !Xt || !yt || !ht) {
        st = cav_err_set(&err, CAV_ENOMEM, "adv experiment: n = %zu, p = %zu", n, p);
        goto done;
    }
    cav_rng rng;
    cav_rng_init(&rng, seed, cav_rng_hash("adv/teacher"), 0);
    cav_rng_normal_fill(&rng, d, 1.0, theta);
    if ((st = cav_adv_data(seed, cav_rng_hash("adv/train"), c->latent, n, d, p, theta, X, NULL,
                           NULL, y, &err)))
        goto done;
    cav_adv_attack atk;
    if ((st = cav_adv_attack_make(c->latent, c->train_on_features, c->train_norm, c->eps_train, d,
                                  p, &atk, &err)))
        goto done;
    cav_sim_fit fit;
    int fst =
        cav_adv_erm(&c->loss, n, p, X, y, c->lambda, c->reg_norm, &atk, &c->opts, w, &fit, &err);
    if (fst > 0 && fst != CAV_EMAXITER && fst != CAV_EDIVERGE) {
        st = fst;
        goto done;
    }
    r->residual = fit.residual;
    r->iterations = fit.iterations;
    r->objective = cav_adv_objective(&c->loss, n, p, X, y, c->lambda, c->reg_norm, &atk, w);
    if ((st = fit_quantities(c->latent, d, p, theta, w, c->attack_norm, r, &err))) goto done;
    counts cnt = {0, 0, 0, 0};
    const uint64_t ts = cav_rng_hash("adv/test");
    for (size_t ch = 0, i0 = 0; i0 < nt; ch++, i0 += TEST_CHUNK) {
        size_t m = i0 + TEST_CHUNK < nt ? TEST_CHUNK : nt - i0;
        if ((st = cav_adv_data(seed, ts + ch, c->latent, m, d, p, theta, Xt, NULL, NULL, yt, &err)))
            goto done;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)m, (blasint)p, 1.0 / sqrt((double)p), Xt,
                    (blasint)p, w, 1, 0.0, ht, 1);
        count(m, ht, yt, c->eps, r->N, r->D, &cnt);
    }
    finish(&cnt, nt, r);
    st = fst;
    if (fst != CAV_OK) snprintf(r->msg, sizeof r->msg, "%s", err.msg);
done:
    if (st > 0 && !r->msg[0]) snprintf(r->msg, sizeof r->msg, "%s", err.msg);
    r->status = st;
    free(theta), free(X), free(y), free(w), free(Xt), free(yt), free(ht);
    return st;
}
