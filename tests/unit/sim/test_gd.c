/* Gradient descent / SGD on a GLM (src/sim/gd/gd.c, conventions in cavity/dynamics.h).
 * References:
 *   - square loss: the GD iteration is linear, w_t = w_inf + (I - eta H)^t (w_0 - w_inf) with
 *     H = X^T X/d + lambda I; evaluated here independently in the eigenbasis of H from
 *     LAPACKE_dsyev (modes with eigenvalue e evolve as (1 - eta e)^t), on the same data drawn
 *     from the streams documented in dynamics.h;
 *   - logistic: the objective J = n train_loss + (lambda/2) d q decreases monotonically for
 *     eta below the bound (descent lemma), and GD converges to the minimiser of cav_sim_logistic;
 *   - SGD: one step rebuilt by hand from the Bernoulli(b) selection stream;
 *   - random start: E m(0) = m0, E q(0) = q0 with the exact finite-d standard deviations;
 *   - exact population test error vs measured error on fresh points (binomial error bar). */
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cavity/dynamics.h"
#include "cavity/sim.h"
#include "core/la.h"
#include "simtest.h"

void openblas_set_num_threads(int);

/* Draw the data of a run exactly as gd.c does (streams named in dynamics.h). */
static void gd_data(const cav_gd_config *c, size_t n, double *X, double *y, double *wstar,
                    double *w0)
{
    size_t d = c->d;
    assert_int_equal(cav_sim_teacher(c->seed, cav_rng_hash("gd/teacher"), d, NULL, wstar, NULL), 0);
    assert_int_equal(cav_sim_glm_data(c->seed, cav_rng_hash("gd/data"), n, d, wstar, &c->channel, X,
                                      NULL, y, NULL),
                     0);
    cav_rng r;
    cav_rng_init(&r, c->seed, cav_rng_hash("gd/init"), 0);
    double s = sqrt(c->q0 - c->m0 * c->m0);
    if (s > 0.0)
        cav_rng_normal_fill(&r, d, s, w0);
    else
        memset(w0, 0, d * sizeof *w0);
    for (size_t j = 0; j < d; j++)
        w0[j] += c->m0 * wstar[j];
}

static void test_square_closed_form(void **state)
{
    (void)state;
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.channel.par[0] = 0.3; /* linear teacher with noise Delta = 0.3 */
    c.alpha = 1.5;
    c.lambda = 0.05;
    c.d = 60;
    c.steps = 40;
    c.m0 = 0.3;
    c.q0 = 0.5;
    c.seed = 11;
    c.eta = 0.8 * cav_gd_eta_max(&c);
    size_t d = c.d, n = 90;
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *ws = malloc(d * sizeof *ws), *w0 = malloc(d * sizeof *w0);
    double *H = malloc(d * d * sizeof *H), *e = malloc(d * sizeof *e), *b = malloc(d * sizeof *b);
    double *c0 = malloc(d * sizeof *c0), *wt = malloc(d * sizeof *wt), *h = malloc(n * sizeof *h);
    double *out = malloc((size_t)(c.steps + 1) * CAV_GD_NOBS * sizeof *out);
    gd_data(&c, n, X, y, ws, w0);
    /* H = X^T X / d + lambda I, r = X^T y / sqrt(d). */
    double sd = sqrt((double)d), rho = 0.0;
    for (size_t a = 0; a < d; a++) {
        rho += ws[a] * ws[a] / (double)d;
        for (size_t bb = 0; bb < d; bb++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += X[i * d + a] * X[i * d + bb];
            H[a * d + bb] = s / (double)d + (a == bb ? c.lambda : 0.0);
        }
    }
    assert_int_equal(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, H, (lapack_int)d, e),
                     0);
    /* Eigenvector k is column k of H. b_k = u_k . X^T y / sqrt d, c0_k = u_k . w0. */
    for (size_t k = 0; k < d; k++) {
        double sb = 0.0, sc = 0.0;
        for (size_t a = 0; a < d; a++) {
            double r = 0.0;
            for (size_t i = 0; i < n; i++)
                r += X[i * d + a] * y[i];
            sb += H[a * d + k] * r / sd;
            sc += H[a * d + k] * w0[a];
        }
        b[k] = sb, c0[k] = sc;
    }
    cav_err err = {0, ""};
    cav_gd_info info;
    assert_int_equal(cav_gd_simulate_info(&c, out, &info, &err), CAV_OK);
    assert_int_equal(info.n, n);
    assert_int_equal(info.rows, c.steps + 1);
    double worst = 0.0;
    for (long t = 0; t <= c.steps; t++) {
        /* Mode k: c_k(t) = f^t c0_k + (1 - f^t) b_k / e_k, f = 1 - eta e_k. */
        for (size_t a = 0; a < d; a++)
            wt[a] = 0.0;
        for (size_t k = 0; k < d; k++) {
            double f = pow(1.0 - c.eta * e[k], (double)t);
            double ck = f * c0[k] + (1.0 - f) * b[k] / e[k];
            for (size_t a = 0; a < d; a++)
                wt[a] += H[a * d + k] * ck;
        }
        double m = 0.0, q = 0.0, L = 0.0;
        for (size_t a = 0; a < d; a++)
            m += wt[a] * ws[a] / (double)d, q += wt[a] * wt[a] / (double)d;
        field(n, d, X, wt, h);
        for (size_t i = 0; i < n; i++)
            L += 0.5 * (y[i] - h[i]) * (y[i] - h[i]) / (double)n;
        double test = 0.5 * (rho - 2.0 * m + q + 0.3);
        const double *row = out + t * CAV_GD_NOBS;
        assert_true(row[CAV_GD_STEP] == (double)t);
        assert_true(fabs(row[CAV_GD_TIME] - c.eta * (double)t) < 1e-14);
        double dv[4] = {row[CAV_GD_TRAIN_LOSS] - L, row[CAV_GD_TEST_ERROR] - test,
                        row[CAV_GD_M] - m, row[CAV_GD_Q] - q};
        for (int j = 0; j < 4; j++)
            if (fabs(dv[j]) > worst) worst = fabs(dv[j]);
    }
    assert_true(worst < 1e-11); /* all quantities are O(1): round-off only */
    free(X), free(y), free(ws), free(w0), free(H), free(e), free(b), free(c0), free(wt), free(h);
    free(out);
}

static void test_logistic_descent_and_limit(void **state)
{
    (void)state;
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.loss.type = &cav_loss_logistic;
    c.channel.type = &cav_channel_sign;
    c.alpha = 2.0;
    c.lambda = 1.0;
    c.d = 100;
    c.steps = 120;
    c.seed = 5;
    c.eta = 0.6 * cav_gd_eta_max(&c);
    size_t n = 200, d = c.d;
    double *out = malloc((size_t)(c.steps + 1) * CAV_GD_NOBS * sizeof *out);
    assert_int_equal(cav_gd_simulate(&c, out, NULL), CAV_OK);
    /* J_t = n train_loss + (lambda/2) d q strictly decreases until it stalls at round-off. */
    double Jprev = INFINITY;
    for (long t = 0; t <= c.steps; t++) {
        const double *row = out + t * CAV_GD_NOBS;
        double J = (double)n * row[CAV_GD_TRAIN_LOSS] + 0.5 * c.lambda * (double)d * row[CAV_GD_Q];
        assert_true(J <= Jprev + 1e-12 * fabs(J));
        Jprev = J;
    }
    /* Limit: the minimiser of cav_sim_logistic on the same data. */
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *ws = malloc(d * sizeof *ws), *w0 = malloc(d * sizeof *w0), *w = malloc(d * sizeof *w);
    gd_data(&c, n, X, y, ws, w0);
    cav_sim_opts o = cav_sim_opts_default();
    o.tol = 1e-13;
    assert_int_equal(cav_sim_logistic(n, d, X, y, c.lambda, &o, w, NULL, NULL), CAV_OK);
    double m = 0.0, q = 0.0;
    for (size_t a = 0; a < d; a++)
        m += w[a] * ws[a] / (double)d, q += w[a] * w[a] / (double)d;
    const double *last = out + c.steps * CAV_GD_NOBS;
    assert_true(fabs(last[CAV_GD_M] - m) < 1e-9);
    assert_true(fabs(last[CAV_GD_Q] - q) < 1e-9);
    assert_true(q > 1e-3); /* non-trivial minimiser */
    free(out), free(X), free(y), free(ws), free(w0), free(w);
}

static void test_divergence(void **state)
{
    (void)state;
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.alpha = 2.0;
    c.d = 80;
    c.steps = 3000;
    c.eta = 1.3 * cav_gd_eta_max(&c); /* square loss: above 2/lambda_max */
    double *out = malloc((size_t)(c.steps + 1) * CAV_GD_NOBS * sizeof *out);
    cav_err err = {0, ""};
    cav_gd_info info;
    assert_int_equal(cav_gd_simulate_info(&c, out, &info, &err), CAV_EDIVERGE);
    assert_int_equal(err.code, CAV_EDIVERGE);
    assert_non_null(strstr(err.msg, "eta ="));
    assert_non_null(strstr(err.msg, "stability bound"));
    assert_true(info.rows > 1 && info.rows <= c.steps);
    for (long t = 0; t <= c.steps; t++) {
        const double *row = out + t * CAV_GD_NOBS;
        assert_true(row[CAV_GD_STEP] == (double)t);
        for (int j = CAV_GD_TRAIN_LOSS; j < CAV_GD_NOBS; j++)
            assert_true(t < info.rows ? isfinite(row[j]) : isnan(row[j]));
    }
    /* Just below the bound: no divergence. */
    c.eta = 0.9 * cav_gd_eta_max(&c);
    c.steps = 200;
    assert_int_equal(cav_gd_simulate(&c, out, &err), CAV_OK);
    free(out);
}

static void test_sgd(void **state)
{
    (void)state;
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.loss.type = &cav_loss_logistic;
    c.channel.type = &cav_channel_sign;
    c.d = 50;
    c.steps = 30;
    c.lambda = 0.1;
    c.eta = 0.3;
    c.m0 = 0.2, c.q0 = 0.3;
    size_t rows = (size_t)(c.steps + 1) * CAV_GD_NOBS;
    double *gd = malloc(rows * sizeof *gd), *sgd = malloc(rows * sizeof *sgd);
    assert_int_equal(cav_gd_simulate(&c, gd, NULL), CAV_OK);
    c.batch = 1.0;
    assert_int_equal(cav_gd_simulate(&c, sgd, NULL), CAV_OK);
    assert_memory_equal(gd, sgd, rows * sizeof *gd); /* b = 1 is full-batch GD */
    /* One SGD step by hand: w1 = (1 - eta lambda) w0 - eta/sqrt(d) sum_{mu in batch} l' x_mu. */
    c.batch = 0.4;
    c.steps = 1;
    assert_int_equal(cav_gd_simulate(&c, sgd, NULL), CAV_OK);
    size_t n = 100, d = c.d;
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y), *h = malloc(n * sizeof *h);
    double *ws = malloc(d * sizeof *ws), *w = malloc(d * sizeof *w), *g = malloc(n * sizeof *g);
    gd_data(&c, n, X, y, ws, w);
    field(n, d, X, w, h);
    cav_rng r;
    cav_rng_init(&r, c.seed, cav_rng_hash("gd/batch"), 0);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        int in = cav_rng_uniform(&r) < c.batch;
        kept += (size_t)in;
        g[i] = in ? -y[i] / (1.0 + exp(y[i] * h[i])) : 0.0; /* logistic l'(y, h) */
    }
    assert_true(kept > 20 && kept < 60); /* Binomial(100, 0.4) */
    double m = 0.0, q = 0.0;
    for (size_t a = 0; a < d; a++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += X[i * d + a] * g[i];
        double w1 = (1.0 - c.eta * c.lambda) * w[a] - c.eta * s / sqrt((double)d);
        m += w1 * ws[a] / (double)d, q += w1 * w1 / (double)d;
    }
    assert_true(fabs(sgd[CAV_GD_NOBS + CAV_GD_M] - m) < 1e-13);
    assert_true(fabs(sgd[CAV_GD_NOBS + CAV_GD_Q] - q) < 1e-13);
    free(gd), free(sgd), free(X), free(y), free(h), free(ws), free(w), free(g);
}

static void test_random_start(void **state)
{
    (void)state;
    /* m(0) = m0 |w*|^2/d + s xi.w* / d, s^2 = q0 - m0^2: mean m0, variance (2 m0^2 + s^2)/d;
     * q(0) mean q0, variance (2 m0^4 + 4 m0^2 s^2 + 2 s^4)/d. Average over 20 seeds at
     * d = 4000: the tolerance is 4 standard errors of the mean. */
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.alpha = 0.01;
    c.d = 4000;
    c.steps = 0;
    c.m0 = 0.4, c.q0 = 0.7;
    double s2 = c.q0 - c.m0 * c.m0, out[CAV_GD_NOBS];
    double sm = sqrt((2 * c.m0 * c.m0 + s2) / (double)c.d / 20.0);
    double sq = sqrt((2 * pow(c.m0, 4) + 4 * c.m0 * c.m0 * s2 + 2 * s2 * s2) / (double)c.d / 20.0);
    double mm = 0.0, qq = 0.0;
    for (uint64_t seed = 0; seed < 20; seed++) {
        c.seed = seed;
        assert_int_equal(cav_gd_simulate(&c, out, NULL), CAV_OK);
        mm += out[CAV_GD_M] / 20.0, qq += out[CAV_GD_Q] / 20.0;
    }
    assert_true(fabs(mm - c.m0) < 4.0 * sm);
    assert_true(fabs(qq - c.q0) < 4.0 * sq);
    /* w0 = 0 by default. */
    cav_gd_config_default(&c);
    c.steps = 0;
    assert_int_equal(cav_gd_simulate(&c, out, NULL), CAV_OK);
    assert_true(out[CAV_GD_M] == 0.0 && out[CAV_GD_Q] == 0.0);
}

static void test_population_vs_fresh(void **state)
{
    (void)state;
    /* Sign teacher: exact arccos(m/sqrt(q rho))/pi vs the error on 40000 fresh points (sd of the
     * measured value sqrt(p(1-p)/40000) <= 0.0025; tolerance 4 sd). Linear teacher: the exact
     * (1/2)(rho - 2m + q + Delta) vs the mean of (y - h)^2/2 on fresh points (variance
     * of (y-h)^2/2 for Gaussian y-h with variance v is v^2/2). */
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.loss.type = &cav_loss_logistic;
    c.channel.type = &cav_channel_sign;
    c.d = 200;
    c.steps = 10;
    c.eta = 0.5;
    c.lambda = 0.01;
    double *a = malloc(11 * CAV_GD_NOBS * sizeof *a), *b = malloc(11 * CAV_GD_NOBS * sizeof *b);
    assert_int_equal(cav_gd_simulate(&c, a, NULL), CAV_OK);
    c.n_test = 40000;
    assert_int_equal(cav_gd_simulate(&c, b, NULL), CAV_OK);
    for (int t = 1; t <= 10; t++) {
        double p = a[t * CAV_GD_NOBS + CAV_GD_TEST_ERROR];
        assert_true(p > 0.05 && p < 0.45);
        assert_true(fabs(b[t * CAV_GD_NOBS + CAV_GD_TEST_ERROR] - p) <
                    4.0 * sqrt(p * (1 - p) / 40000.0));
        assert_true(a[t * CAV_GD_NOBS + CAV_GD_M] == b[t * CAV_GD_NOBS + CAV_GD_M]);
    }
    cav_gd_config_default(&c);
    c.channel.par[0] = 0.5;
    c.d = 200;
    c.steps = 10;
    assert_int_equal(cav_gd_simulate(&c, a, NULL), CAV_OK);
    c.n_test = 40000;
    assert_int_equal(cav_gd_simulate(&c, b, NULL), CAV_OK);
    for (int t = 0; t <= 10; t++) {
        double e = a[t * CAV_GD_NOBS + CAV_GD_TEST_ERROR], v = 2.0 * e;
        assert_true(fabs(b[t * CAV_GD_NOBS + CAV_GD_TEST_ERROR] - e) <
                    4.0 * sqrt(v * v / 2.0 / 40000.0));
    }
    free(a), free(b);
}

static void test_threads_and_checks(void **state)
{
    (void)state;
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.loss.type = &cav_loss_smooth_hinge;
    c.channel.type = &cav_channel_sign;
    c.d = 300;
    c.steps = 20;
    c.batch = 0.5;
    c.eta = 0.2;
    size_t rows = 21 * CAV_GD_NOBS;
    double *a = malloc(rows * sizeof *a), *b = malloc(rows * sizeof *b);
    openblas_set_num_threads(1);
    omp_set_num_threads(1);
    assert_int_equal(cav_gd_simulate(&c, a, NULL), CAV_OK);
    openblas_set_num_threads(2);
    omp_set_num_threads(2);
    assert_int_equal(cav_gd_simulate(&c, b, NULL), CAV_OK);
    assert_memory_equal(a, b, rows * sizeof *a);
    /* Parameter checks name the parameter; nothing is written. */
    cav_err err = {0, ""};
    c.eta = -1.0;
    assert_int_equal(cav_gd_simulate(&c, a, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "eta"));
    c.eta = 0.1, c.batch = 0.0;
    assert_int_equal(cav_gd_simulate(&c, a, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "batch"));
    c.batch = 1.0, c.m0 = 1.0, c.q0 = 0.5;
    assert_int_equal(cav_gd_simulate(&c, a, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "q0"));
    free(a), free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_square_closed_form),
        cmocka_unit_test(test_logistic_descent_and_limit),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_random_start),
        cmocka_unit_test(test_population_vs_fresh),
        cmocka_unit_test(test_threads_and_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
