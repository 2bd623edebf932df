/* One finite-size Rules-and-Facts experiment (docs/raf.md, "Simulation protocol";
 * Farné, Boncoraglio, Zdeborová, arXiv:2603.25579): fresh teacher w* ~ N(0, I_d), n = alpha d
 * training points with a fraction eps of facts, ERM with a linear, kernel or random-feature
 * learner, and the observables E_gen (fresh rule points), E_mem (training facts), the rule
 * training error, the training loss and, for the linear learner, the overlaps m = w.w* /d and
 * q = |w|^2/d that the replica theory predicts.
 *
 * For the linear learner E_gen is the exact population error given w: for x ~ N(0, I_d) the
 * pair (w.x, w*.x) is bivariate Gaussian with correlation rho = w.w* /(|w||w*|), so
 * P(sign(w.x) != sign(w*.x)) = arccos(rho)/pi (Sheppard's formula), which has no test noise.
 * Kernel and RF learners are measured on n_test fresh rule points generated in chunks of 2048
 * (chunk c from stream hash("raf/test") + c), so memory stays O(2048 d). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rng.h"
#include "core/la.h"
#include "sim/internal.h"

#define TEST_CHUNK 2048

void cav_sim_raf_config_default(cav_sim_raf_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->learner = CAV_SIM_LINEAR;
    cfg->loss.type = NULL;
    cfg->alpha = 1.0;
    cfg->eps = 0.1;
    cfg->lambda = 0.1;
    cfg->mu1 = 1.0;
    cfg->mustar = 1.0;
    cfg->kappa = 2.0;
    cfg->act = NULL;
    cfg->d = 200;
    cfg->seed = 0;
    cfg->n_test = 0;
    cfg->opts = cav_sim_opts_default();
}

static int fail(cav_sim_raf_result *res, int st, const char *msg)
{
    res->status = st;
    snprintf(res->msg, sizeof res->msg, "%s", msg);
    return st;
}

int cav_sim_raf_check(const cav_sim_raf_config *c, cav_err *err)
{
    if (!c->loss.type) return cav_err_set(err, CAV_EINVAL, "raf experiment: loss not set");
    if (c->d == 0) return cav_err_set(err, CAV_EINVAL, "raf experiment: d = 0");
    if (!(c->alpha > 0) || !isfinite(c->alpha) || c->alpha * (double)c->d < 0.5)
        return cav_err_set(err, CAV_EINVAL, "raf experiment: alpha = %g gives n = 0", c->alpha);
    if (!(c->eps >= 0 && c->eps <= 1))
        return cav_err_set(err, CAV_EINVAL, "raf experiment: eps = %g outside [0, 1]", c->eps);
    if (!(c->lambda >= 0) || !isfinite(c->lambda))
        return cav_err_set(err, CAV_EINVAL, "raf experiment: lambda = %g < 0", c->lambda);
    if (c->learner == CAV_SIM_KERNEL &&
        (!(c->mu1 >= 0) || !(c->mustar >= 0) || !(c->mu1 + c->mustar > 0)))
        return cav_err_set(err, CAV_EINVAL, "raf experiment: kernel mu1 = %g, mustar = %g", c->mu1,
                           c->mustar);
    if (c->learner == CAV_SIM_RF && (!(c->kappa > 0) || !c->act || c->kappa * (double)c->d < 0.5))
        return cav_err_set(err, CAV_EINVAL,
                           "raf experiment: rf needs kappa > 0 (got %g) and an activation",
                           c->kappa);
    if (c->learner > CAV_SIM_RF)
        return cav_err_set(err, CAV_EINVAL, "raf experiment: learner %d unknown", (int)c->learner);
    if (c->loss.type == &cav_loss_logistic && !(c->lambda > 0))
        return cav_err_set(err, CAV_EINVAL,
                           "lambda = 0 with the logistic loss has no simulation (the unregularised "
                           "minimiser need not exist); allowed for simulate: lambda > 0");
    return CAV_OK;
}

int cav_sim_raf_experiment(const cav_sim_raf_config *cfg, cav_sim_raf_result *res)
{
    cav_err err = {0, ""};
    memset(res, 0, sizeof *res);
    res->obs.egen = res->obs.emem = res->obs.etrain_rule = res->obs.train_loss = NAN;
    res->obs.m = res->obs.q = NAN;
    res->fit.objective = res->fit.residual = NAN;
    int st = cav_sim_raf_check(cfg, &err);
    if (st != CAV_OK) return fail(res, st, err.msg);
    const size_t d = cfg->d, n = (size_t)llround(cfg->alpha * (double)d);
    const size_t p = cfg->learner == CAV_SIM_RF ? (size_t)llround(cfg->kappa * (double)d) : d;
    const size_t nt = cfg->n_test ? cfg->n_test : (n > 10000 ? n : 10000);
    const uint64_t seed = cfg->seed;
    res->n = n;
    res->p = cfg->learner == CAV_SIM_RF ? p : 0;
    res->n_test = cfg->learner == CAV_SIM_LINEAR ? 0 : nt;

    double *wstar = malloc(d * sizeof *wstar);
    double *X = malloc(n * d * sizeof *X);
    double *y = malloc(n * sizeof *y), *f = malloc(n * sizeof *f);
    unsigned char *fact = malloc(n);
    double *coef = NULL, *K = NULL, *F = NULL, *Z = NULL, *Xt = NULL, *yt = NULL, *ft = NULL,
           *Zt = NULL;
    if (!wstar || !X || !y || !f || !fact) {
        st = cav_err_set(&err, CAV_ENOMEM, "raf experiment: n = %zu, d = %zu", n, d);
        goto done;
    }
    if ((st = cav_sim_teacher(seed, cav_rng_hash("raf/teacher"), d, NULL, wstar, &err))) goto done;
    if ((st = cav_sim_raf_data(seed, cav_rng_hash("raf/train"), n, d, wstar, cfg->eps, X, NULL, y,
                               fact, &err)))
        goto done;
    for (size_t i = 0; i < n; i++)
        res->nfacts += fact[i];

    int fst = CAV_OK; /* solver status: a result, not an error, when non-converged */
    if (cfg->learner == CAV_SIM_LINEAR) {
        coef = malloc(d * sizeof *coef);
        if (!coef) {
            st = cav_err_set(&err, CAV_ENOMEM, "raf experiment: d = %zu", d);
            goto done;
        }
        fst = cav_sim_erm(&cfg->loss, n, d, X, y, cfg->lambda, &cfg->opts, coef, &res->fit, &err);
        if (fst > 0 && fst != CAV_EMAXITER && fst != CAV_EDIVERGE) {
            st = fst;
            goto done;
        }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, 1.0 / sqrt((double)d), X,
                    (blasint)d, coef, 1, 0.0, f, 1);
        cav_sim_raf_train_obs(&cfg->loss, n, f, y, fact, &res->obs);
        double ww = cav_la_dot(d, coef, coef), wsws = cav_la_dot(d, wstar, wstar);
        double wws = cav_la_dot(d, coef, wstar);
        res->obs.m = wws / (double)d;
        res->obs.q = ww / (double)d;
        double rho = ww > 0 ? wws / sqrt(ww * wsws) : 0.0;
        rho = rho > 1 ? 1 : (rho < -1 ? -1 : rho);
        res->obs.egen = acos(rho) / 3.14159265358979323846;
        st = fst;
        goto done;
    }

    cav_sim_kernel ker = {cfg->mu1, cfg->mustar};
    coef = malloc((cfg->learner == CAV_SIM_RF ? p : n) * sizeof *coef);
    Xt = malloc(TEST_CHUNK * d * sizeof *Xt);
    yt = malloc(TEST_CHUNK * sizeof *yt);
    ft = malloc(TEST_CHUNK * sizeof *ft);
    if (!coef || !Xt || !yt || !ft) {
        st = cav_err_set(&err, CAV_ENOMEM, "raf experiment: n = %zu", n);
        goto done;
    }
    if (cfg->learner == CAV_SIM_KERNEL) {
        K = malloc(n * n * sizeof *K);
        if (!K) {
            st = cav_err_set(&err, CAV_ENOMEM, "raf experiment: Gram %zu x %zu", n, n);
            goto done;
        }
        if ((st = cav_sim_kernel_gram(&ker, n, d, X, K, &err))) goto done;
        fst =
            cav_sim_kernel_fit(&cfg->loss, n, K, y, cfg->lambda, &cfg->opts, coef, &res->fit, &err);
        if (fst > 0 && fst != CAV_EMAXITER && fst != CAV_EDIVERGE) {
            st = fst;
            goto done;
        }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)n, 1.0, K, (blasint)n, coef,
                    1, 0.0, f, 1);
    } else {
        F = malloc(p * d * sizeof *F);
        Z = malloc(n * p * sizeof *Z);
        Zt = malloc(TEST_CHUNK * p * sizeof *Zt);
        if (!F || !Z || !Zt) {
            st = cav_err_set(&err, CAV_ENOMEM, "raf experiment: features %zu x %zu", n, p);
            goto done;
        }
        cav_rng_normal_matrix(seed, cav_rng_hash("raf/rf"), p, d, 1.0, F);
        if ((st = cav_sim_rf_features(cfg->act, p, d, F, n, X, Z, &err))) goto done;
        fst = cav_sim_erm(&cfg->loss, n, p, Z, y, cfg->lambda, &cfg->opts, coef, &res->fit, &err);
        if (fst > 0 && fst != CAV_EMAXITER && fst != CAV_EDIVERGE) {
            st = fst;
            goto done;
        }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)p, 1.0 / sqrt((double)p), Z,
                    (blasint)p, coef, 1, 0.0, f, 1);
    }
    cav_sim_raf_train_obs(&cfg->loss, n, f, y, fact, &res->obs);
    size_t errs = 0;
    const uint64_t tstream = cav_rng_hash("raf/test");
    for (size_t c = 0, i0 = 0; i0 < nt; c++, i0 += TEST_CHUNK) {
        size_t nb = i0 + TEST_CHUNK < nt ? TEST_CHUNK : nt - i0;
        if ((st = cav_sim_raf_data(seed, tstream + c, nb, d, wstar, 0.0, Xt, NULL, yt, NULL, &err)))
            goto done;
        if (cfg->learner == CAV_SIM_KERNEL) {
            if ((st = cav_sim_kernel_predict(&ker, n, d, X, coef, nb, Xt, ft, &err))) goto done;
        } else {
            if ((st = cav_sim_rf_features(cfg->act, p, d, F, nb, Xt, Zt, &err))) goto done;
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)nb, (blasint)p, 1.0 / sqrt((double)p),
                        Zt, (blasint)p, coef, 1, 0.0, ft, 1);
        }
        errs += (size_t)llround(cav_sim_error_rate(nb, ft, yt) * (double)nb);
    }
    res->obs.egen = (double)errs / (double)nt;
    st = fst;
done:
    if (st != CAV_OK) fail(res, st, err.msg);
    res->status = st;
    free(wstar), free(X), free(y), free(f), free(fact), free(coef), free(K), free(F), free(Z);
    free(Xt), free(yt), free(ft), free(Zt);
    return st;
}

/* ---- several alphas of one seed (kernel ridge: one Gram matrix, one factorisation) ---- */

/* Kernel ridge at every n_k = round(alpha_k d) of one seed from the data set of the largest n:
 * the rows and labels of a smaller n are the first rows of the larger (the row blocks of X and
 * the label stream are drawn in order), the test set is the same (n_test = max(n, 10000) is
 * 10000 for every n <= 10000), the Gram matrix of the first n rows is the leading block of the
 * largest one, and so is the Cholesky factor of K + lambda I: one dsyrk, one Cholesky and one
 * cross kernel per test row serve every alpha; each alpha then costs two triangular solves and
 * matrix-vector products. */
static int kernel_ridge_grid(const cav_sim_raf_config *cfg, size_t na, const size_t *ns, size_t nt,
                             cav_sim_raf_result *res)
{
    cav_err err = {0, ""};
    const size_t d = cfg->d;
    size_t N = 0;
    for (size_t k = 0; k < na; k++)
        N = ns[k] > N ? ns[k] : N;
    const uint64_t seed = cfg->seed;
    const cav_sim_kernel ker = {cfg->mu1, cfg->mustar};
    const size_t blk = 512;
    double *wstar = malloc(d * sizeof *wstar), *X = malloc(N * d * sizeof *X);
    double *y = malloc(N * sizeof *y), *f = malloc(N * sizeof *f);
    unsigned char *fact = malloc(N);
    double *K = malloc(N * N * sizeof *K), *G = malloc(N * N * sizeof *G);
    double *A = malloc(na * N * sizeof *A), *tau = malloc((N + blk) * sizeof *tau);
    double *Xt = malloc(TEST_CHUNK * d * sizeof *Xt), *yt = malloc(TEST_CHUNK * sizeof *yt);
    double *Kt = malloc(blk * N * sizeof *Kt), *ft = malloc(blk * sizeof *ft);
    size_t *errs = calloc(na, sizeof *errs);
    int st = CAV_OK;
    if (!wstar || !X || !y || !f || !fact || !K || !G || !A || !tau || !Xt || !yt || !Kt || !ft ||
        !errs) {
        st = cav_err_set(&err, CAV_ENOMEM, "raf experiment grid: n = %zu, d = %zu", N, d);
        goto done;
    }
    if ((st = cav_sim_teacher(seed, cav_rng_hash("raf/teacher"), d, NULL, wstar, &err))) goto done;
    if ((st = cav_sim_raf_data(seed, cav_rng_hash("raf/train"), N, d, wstar, cfg->eps, X, NULL, y,
                               fact, &err)))
        goto done;
    if ((st = cav_sim_kernel_gram(&ker, N, d, X, K, &err))) goto done;
    memcpy(G, K, N * N * sizeof *G);
    for (size_t i = 0; i < N; i++)
        G[i * N + i] += cfg->lambda;
    /* K + lambda I is stored in full: its column-major reading is the same matrix */
    lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)N, G, (lapack_int)N);
    if (info != 0) {
        st = cav_err_set(&err, CAV_ENUMERIC,
                         "raf experiment grid: K + lambda I not positive definite (info %d, "
                         "lambda = %g)",
                         (int)info, cfg->lambda);
        goto done;
    }
    for (size_t k = 0; k < na; k++) {
        const size_t n = ns[k];
        double *a = A + k * N;
        cav_sim_raf_result *r = res + k;
        memcpy(a, y, n * sizeof *a);
        LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, 1, G, (lapack_int)N, a,
                            (lapack_int)n);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)n, 1.0, K, (blasint)N, a, 1,
                    0.0, f, 1);
        double L = 0.0, rr = 0.0;
        for (size_t i = 0; i < n; i++) {
            double e = f[i] - y[i];
            L += 0.5 * e * e;
            rr += (e + cfg->lambda * a[i]) * (e + cfg->lambda * a[i]);
            r->nfacts += fact[i];
        }
        r->fit.objective = L + 0.5 * cfg->lambda * cav_la_dot(n, a, f);
        r->fit.residual = sqrt(rr) / fmax(cav_la_nrm2(n, y), 1e-300);
        r->fit.separable = -1, r->fit.nsv = -1;
        cav_sim_raf_train_obs(&cfg->loss, n, f, y, fact, &r->obs);
        r->n = n, r->p = 0, r->n_test = nt;
    }
    /* one cross kernel per block of test rows against all N training rows; alpha k reads its
     * first n_k columns */
    for (size_t i = 0; i < N; i++)
        tau[i] = cav_la_dot(d, X + i * d, X + i * d) / (double)d;
    const uint64_t tstream = cav_rng_hash("raf/test");
    for (size_t c = 0, i0 = 0; i0 < nt; c++, i0 += TEST_CHUNK) {
        size_t nb = i0 + TEST_CHUNK < nt ? TEST_CHUNK : nt - i0;
        if ((st = cav_sim_raf_data(seed, tstream + c, nb, d, wstar, 0.0, Xt, NULL, yt, NULL, &err)))
            goto done;
        for (size_t j0 = 0; j0 < nb; j0 += blk) {
            size_t mb = j0 + blk < nb ? blk : nb - j0;
            if ((st = cav_sim_kernel_cross(&ker, mb, N, d, Xt + j0 * d, X, Kt, &err))) goto done;
            for (size_t k = 0; k < na; k++) {
                cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)mb, (blasint)ns[k], 1.0, Kt,
                            (blasint)N, A + k * N, 1, 0.0, ft, 1);
                errs[k] += (size_t)llround(cav_sim_error_rate(mb, ft, yt + j0) * (double)mb);
            }
        }
    }
    for (size_t k = 0; k < na; k++)
        res[k].obs.egen = (double)errs[k] / (double)nt;
done:
    for (size_t k = 0; k < na; k++) {
        if (st != CAV_OK) fail(res + k, st, err.msg);
        res[k].status = res[k].fit.status = st;
    }
    free(wstar), free(X), free(y), free(f), free(fact), free(K), free(G), free(A), free(tau);
    free(Xt), free(yt), free(Kt), free(ft), free(errs);
    return st;
}

int cav_sim_raf_experiment_grid(const cav_sim_raf_config *cfg, size_t nalpha, const double *alphas,
                                cav_sim_raf_result *results)
{
    if (!cfg || !results || (nalpha && !alphas)) return CAV_EINVAL;
    cav_sim_raf_config c = *cfg;
    size_t ns[64], nt = 0;
    int shared = nalpha >= 2 && nalpha <= 64 && c.learner == CAV_SIM_KERNEL &&
                 sim_loss_kind(&c.loss) == SIM_LOSS_SQUARE;
    for (size_t k = 0; k < nalpha; k++) {
        memset(results + k, 0, sizeof *results);
        results[k].obs.egen = results[k].obs.emem = results[k].obs.etrain_rule = NAN;
        results[k].obs.train_loss = results[k].obs.m = results[k].obs.q = NAN;
        results[k].fit.objective = results[k].fit.residual = NAN;
        c.alpha = alphas[k];
        cav_err err = {0, ""};
        int st = cav_sim_raf_check(&c, &err);
        if (st != CAV_OK) { /* the same message as the single-point call, for every point */
            for (size_t j = 0; j < nalpha; j++)
                fail(results + j, st, err.msg);
            return st;
        }
        if (k < 64) ns[k] = (size_t)llround(c.alpha * (double)c.d);
        size_t ntk = c.n_test ? c.n_test : (k < 64 && ns[k] > 10000 ? ns[k] : 10000);
        if (k == 0) nt = ntk;
        if (ntk != nt) shared = 0; /* different test sets: no sharing */
    }
    if (shared) return kernel_ridge_grid(&c, nalpha, ns, nt, results);
    int worst = CAV_OK;
    for (size_t k = 0; k < nalpha; k++) {
        c.alpha = alphas[k];
        int st = cav_sim_raf_experiment(&c, results + k);
        if (st > worst) worst = st;
    }
    return worst;
}
