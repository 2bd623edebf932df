/* Adversarial-training ERM and the experiment driver (src/sim/adv/adv_erm.c, adv_experiment.c).
 * Optimality is checked on the original (unsplit) problem with plain loops: the subgradient
 * condition of J(w) = sum phi(y a.w - eps N(w)) + lambda R(w),
 *   0 in G + beta eps dN(w) + lambda dR(w),  G = sum phi'(u) y a_mu,  beta = -sum phi'(u),
 * coordinatewise for the l_1 pieces (w_i != 0: equality with sign(w_i); w_i = 0: |.| <= bound),
 * and the gradient for l_2 ones; the residual relative to ||A^T y||/2 must be <= 1e-7 (solver
 * tol 1e-8). eps_t = 0 must give exactly the plain logistic solution. The experiment: identities
 * erob_cns = egen + ebnd_cns, erob_cns <= erob, eps = 0 gives ebnd_cns = attackable = 0,
 * identical results for 1 and 2 BLAS threads, parameter errors naming the parameter, and the
 * latent order parameters: the measured clean error matches arccos(m/sqrt(rho q))/pi. The
 * training attack on the features of the latent model: its closed-form inner maximum against
 * explicit perturbations, the KKT condition of its fits, and its equality with the attack on z
 * where the two coincide (gamma = 1; l_2 with gamma > 1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "cavity/adv_sim.h"
#include "simtest.h"

int cav_la_set_threads(int n);

/* KKT residual of the unsplit problem (see the file comment). */
static double kkt(size_t n, size_t p, const double *X, const double *y, double lambda, int reg,
                  const cav_adv_attack *a, const double *w)
{
    double *h = malloc(n * sizeof *h), *G = calloc(p, sizeof *G), *G0 = calloc(p, sizeof *G0);
    field(n, p, X, w, h);
    double N = cav_adv_dual_norm(a, w), beta = 0.0;
    for (size_t i = 0; i < n; i++) {
        double u = y[i] * h[i] - a->eps * N, dphi = -1.0 / (1.0 + exp(u));
        beta -= dphi;
        for (size_t j = 0; j < p; j++) {
            G[j] += dphi * y[i] * X[i * p + j] / sqrt((double)p);
            G0[j] += -0.5 * y[i] * X[i * p + j] / sqrt((double)p);
        }
    }
    double nk = 0.0;
    for (size_t j = 0; j < a->k; j++)
        nk += w[j] * w[j];
    nk = sqrt(nk);
    double r2 = 0.0, g02 = 0.0;
    for (size_t j = 0; j < p; j++) {
        double g = G[j],
               bound = 0.0; /* smooth part and the half-width of the l_1 subdifferential */
        if (reg == 2)
            g += lambda * w[j];
        else
            bound += lambda;
        if (a->eps > 0 && j < a->k) {
            if (a->norm == CAV_ADV_L2)
                g += beta * a->eps * a->scale * w[j] / nk;
            else
                bound += beta * a->eps * a->scale;
        }
        double res;
        if (bound == 0.0)
            res = g;
        else if (w[j] != 0.0)
            res = g + bound * (w[j] > 0 ? 1.0 : -1.0);
        else
            res = fabs(g) > bound ? fabs(g) - bound : 0.0;
        r2 += res * res;
        g02 += G0[j] * G0[j];
    }
    free(h), free(G), free(G0);
    return sqrt(r2 / g02);
}

static void data(size_t n, size_t d, double **X, double **y, double **th)
{
    *X = malloc(n * d * sizeof **X);
    *y = malloc(n * sizeof **y);
    *th = malloc(d * sizeof **th);
    cav_rng r;
    cav_rng_init(&r, 11, 0, 0);
    cav_rng_normal_fill(&r, d, 1.0, *th);
    assert_int_equal(cav_adv_data(5, 6, 0, n, d, d, *th, *X, NULL, NULL, *y, NULL), CAV_OK);
}

static void test_plain(void **state)
{
    (void)state;
    const size_t n = 120, d = 60;
    double *X, *y, *th, *w1 = malloc(d * sizeof *w1), *w2 = malloc(d * sizeof *w2);
    data(n, d, &X, &y, &th);
    cav_loss L = {&cav_loss_logistic, {0, 0}};
    cav_adv_attack a;
    assert_int_equal(cav_adv_attack_make(0, 0, CAV_ADV_L2, 0.0, d, d, &a, NULL), CAV_OK);
    cav_sim_fit f1, f2;
    assert_int_equal(cav_adv_erm(&L, n, d, X, y, 0.01, 2, &a, NULL, w1, &f1, NULL), CAV_OK);
    assert_int_equal(cav_sim_logistic(n, d, X, y, 0.01, NULL, w2, &f2, NULL), CAV_OK);
    assert_true(maxabsdiff(d, w1, w2) == 0.0);
    free(X), free(y), free(th), free(w1), free(w2);
}

static void run_kkt(int norm, int reg, double eps, double lambda)
{
    const size_t n = 150, d = 80;
    double *X, *y, *th, *w = malloc(d * sizeof *w);
    data(n, d, &X, &y, &th);
    cav_loss L = {&cav_loss_logistic, {0, 0}};
    cav_adv_attack a;
    assert_int_equal(cav_adv_attack_make(0, 0, norm, eps, d, d, &a, NULL), CAV_OK);
    cav_sim_fit f;
    cav_err err = {0, ""};
    int st = cav_adv_erm(&L, n, d, X, y, lambda, reg, &a, NULL, w, &f, &err);
    if (st) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, CAV_OK);
    assert_true(f.residual <= 1e-8);
    double r = kkt(n, d, X, y, lambda, reg, &a, w);
    int zeros = 0;
    for (size_t j = 0; j < d; j++)
        zeros += w[j] == 0.0;
    fprintf(stderr,
            "norm %d reg %d eps %g lambda %g: KKT %.2e, solver residual %.2e, %ld steps, "
            "%d exact zeros\n",
            norm, reg, eps, lambda, r, f.residual, f.iterations, zeros);
    assert_true(r <= 1e-7);
    /* the objective at w is below the objective at nearby points (convexity + optimality) */
    double J = cav_adv_objective(&L, n, d, X, y, lambda, reg, &a, w);
    assert_true(fabs(J - f.objective) <= 1e-12 * J);
    cav_rng rr;
    cav_rng_init(&rr, 1, 1, 1);
    double *w2 = malloc(d * sizeof *w2);
    for (int t = 0; t < 20; t++) {
        for (size_t j = 0; j < d; j++)
            w2[j] = w[j] + 1e-3 * cav_rng_normal(&rr);
        assert_true(cav_adv_objective(&L, n, d, X, y, lambda, reg, &a, w2) >= J);
    }
    free(w2);
    free(X), free(y), free(th), free(w);
}

/* Training attack on the features of the latent model (cav_adv_attack_make with
 * latent_on_features = 1: N = ||w||_1/p or ||w||_2/sqrt(p) over all p features). */
static void run_kkt_features(double gamma, int norm, double eps, double lambda)
{
    const size_t n = 150, d = 80, p = cav_adv_latent_p(d, gamma);
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *th = malloc(d * sizeof *th);
    double *w = malloc(p * sizeof *w);
    cav_rng r;
    cav_rng_init(&r, 12, 0, 0);
    cav_rng_normal_fill(&r, d, 1.0, th);
    assert_int_equal(cav_adv_data(7, 8, 1, n, d, p, th, X, NULL, NULL, y, NULL), CAV_OK);
    cav_loss L = {&cav_loss_logistic, {0, 0}};
    cav_adv_attack a;
    assert_int_equal(cav_adv_attack_make(1, 1, norm, eps, d, p, &a, NULL), CAV_OK);
    assert_int_equal(a.k, p);
    assert_true(a.scale == (norm == CAV_ADV_L2 ? 1.0 / sqrt((double)p) : 1.0 / (double)p));
    cav_sim_fit f;
    assert_int_equal(cav_adv_erm(&L, n, p, X, y, lambda, 2, &a, NULL, w, &f, NULL), CAV_OK);
    double res = kkt(n, p, X, y, lambda, 2, &a, w);
    fprintf(stderr, "features gamma %g (p %zu) norm %d eps %g: KKT %.2e\n", gamma, p, norm, eps,
            res);
    assert_true(res <= 1e-7);
    free(X), free(y), free(th), free(w);
}

static void test_kkt_features(void **state)
{
    (void)state;
    run_kkt_features(0.5, CAV_ADV_LINF, 0.5, 1e-2); /* p = 2d: noise features attacked too */
    run_kkt_features(2.0, CAV_ADV_LINF, 0.5, 1e-2);
    run_kkt_features(0.5, CAV_ADV_L2, 0.5, 1e-2);
}

/* The closed-form inner maximum of an attack on the features, against explicit perturbations:
 * delta* = -y (eps/sqrt p) sign(w) (l_inf) or -y eps w/|w| (l_2) lowers the margin y w.x/sqrt(p)
 * by exactly eps N(w), and no perturbation within the budget (random points of the box or ball,
 * and its vertices) lowers it more (Hoelder). */
static void test_features_inner_max(void **state)
{
    (void)state;
    const size_t d = 40, p = cav_adv_latent_p(d, 0.4);
    double *w = malloc(p * sizeof *w), *x = malloc(p * sizeof *x), *dl = malloc(p * sizeof *dl);
    cav_rng r;
    cav_rng_init(&r, 3, 4, 5);
    cav_rng_normal_fill(&r, p, 1.0, w);
    cav_rng_normal_fill(&r, p, 1.0, x);
    w[3] = 0.0;
    const double eps = 0.7, y = -1.0;
    for (int norm = 0; norm <= 2; norm += 2) {
        cav_adv_attack a;
        assert_int_equal(cav_adv_attack_make(1, 1, norm, eps, d, p, &a, NULL), CAV_OK);
        double N = cav_adv_dual_norm(&a, w), nw = 0.0, l1 = 0.0, m0 = 0.0, m1 = 0.0;
        for (size_t j = 0; j < p; j++)
            nw += w[j] * w[j], l1 += fabs(w[j]);
        nw = sqrt(nw);
        assert_true(fabs(N - (norm == CAV_ADV_L2 ? nw / sqrt((double)p) : l1 / (double)p)) <=
                    1e-14 * N);
        for (size_t j = 0; j < p; j++) {
            double dj = norm == CAV_ADV_L2 ? -y * eps * w[j] / nw
                                           : -y * eps / sqrt((double)p) *
                                                 (w[j] > 0   ? 1.0
                                                  : w[j] < 0 ? -1.0
                                                             : 0.0);
            m0 += y * w[j] * x[j] / sqrt((double)p);
            m1 += y * w[j] * (x[j] + dj) / sqrt((double)p);
        }
        assert_true(fabs(m1 - (m0 - eps * N)) <= 1e-12 * (fabs(m0) + eps * N));
        for (int t = 0; t < 2000; t++) {
            double mt = 0.0, s2 = 0.0;
            for (size_t j = 0; j < p; j++) {
                dl[j] = norm == CAV_ADV_L2 ? cav_rng_normal(&r)
                                           : (t % 2 ? (cav_rng_normal(&r) > 0 ? 1.0 : -1.0)
                                                    : 2.0 * cav_rng_uniform(&r) - 1.0);
                s2 += dl[j] * dl[j];
            }
            for (size_t j = 0; j < p; j++) {
                double dj =
                    norm == CAV_ADV_L2 ? eps * dl[j] / sqrt(s2) : eps * dl[j] / sqrt((double)p);
                mt += y * w[j] * (x[j] + dj) / sqrt((double)p);
            }
            assert_true(mt >= m1 - 1e-12);
        }
    }
    free(w), free(x), free(dl);
}

/* The experiment with the training attack on the features: at gamma = 1 (p = d, F = I) and, for
 * an l_2 attack, at gamma > 1 (F^T w keeps the norm of w) it is the attack on z, so the results
 * are the same numbers; at gamma < 1 they differ; train_on_features must be 0 or 1. */
static void test_features_experiment(void **state)
{
    (void)state;
    const double gammas[] = {1.0, 2.0, 0.5};
    const int norms[] = {CAV_ADV_LINF, CAV_ADV_L2, CAV_ADV_LINF};
    for (int k = 0; k < 3; k++) {
        cav_adv_config c;
        cav_adv_config_default(&c);
        c.latent = 1;
        c.gamma = gammas[k];
        c.d = 80;
        c.alpha = 1.5;
        c.eps_train = 0.4;
        c.train_norm = c.attack_norm = norms[k];
        c.eps = 0.5;
        c.n_test = 2000;
        c.seed = 9;
        cav_adv_result r0, r1;
        assert_int_equal(cav_adv_experiment(&c, &r0), CAV_OK);
        c.train_on_features = 1;
        assert_int_equal(cav_adv_experiment(&c, &r1), CAV_OK);
        fprintf(stderr, "gamma %g norm %d: q %.10f (z) %.10f (x)\n", gammas[k], norms[k], r0.q,
                r1.q);
        if (k < 2)
            assert_true(fabs(r1.q - r0.q) <= 1e-9 * r0.q && fabs(r1.m - r0.m) <= 1e-9 * r0.q);
        else
            assert_true(fabs(r1.q - r0.q) > 1e-3 * r0.q);
    }
    cav_adv_config c;
    cav_adv_result r;
    cav_adv_config_default(&c);
    c.latent = 1;
    c.train_on_features = 2;
    assert_int_equal(cav_adv_experiment(&c, &r), CAV_EINVAL);
    assert_non_null(strstr(r.msg, "train_on_features"));
}

static void test_kkt_l2(void **state)
{
    (void)state;
    run_kkt(CAV_ADV_L2, 2, 0.3, 1e-2);
    run_kkt(CAV_ADV_L2, 2, 1.0, 1e-3);
}

static void test_kkt_linf(void **state)
{
    (void)state;
    run_kkt(CAV_ADV_LINF, 2, 0.3, 1e-2);
    run_kkt(CAV_ADV_LINF, 2, 1.0, 1e-3);
}

static void test_kkt_l1reg(void **state)
{
    (void)state;
    run_kkt(CAV_ADV_L2, 1, 0.0, 0.5);
    run_kkt(CAV_ADV_LINF, 1, 0.5, 0.2);
    run_kkt(CAV_ADV_L2, 1, 0.5, 0.2);
}

static void test_experiment(void **state)
{
    (void)state;
    for (int latent = 0; latent <= 1; latent++)
        for (int norm = 0; norm <= 2; norm += 2) {
            cav_adv_config c;
            cav_adv_config_default(&c);
            c.latent = latent;
            c.gamma = 0.5;
            c.d = 100;
            c.alpha = 1.5;
            c.eps_train = 0.3;
            c.train_norm = norm;
            c.attack_norm = norm;
            c.eps = 0.5;
            c.n_test = 3000;
            c.seed = 4;
            cav_adv_result r, r1;
            assert_int_equal(cav_adv_experiment(&c, &r), CAV_OK);
            fprintf(stderr,
                    "latent %d norm %d: p %zu egen %.4f (pop %.4f) erob %.4f erob_cns %.4f ebnd "
                    "%.4f att %.4f m %.4f q %.4f P %.4f N %.4f D %.4f res %.1e it %ld\n",
                    latent, norm, r.p, r.egen, r.egen_pop, r.erob, r.erob_cns, r.ebnd_cns,
                    r.attackable, r.m, r.q, r.P, r.N, r.D, r.residual, r.iterations);
            assert_true(fabs(r.erob_cns - (r.egen + r.ebnd_cns)) <= 1e-15);
            assert_true(r.erob_cns <= r.erob);
            assert_true(r.D <= r.N);
            /* clean error vs the Gaussian population formula: test SE sqrt(e(1-e)/3000) */
            double se = sqrt(r.egen_pop * (1 - r.egen_pop) / 3000.0);
            assert_true(fabs(r.egen - r.egen_pop) <= 4 * se);
            /* same numbers on 1 BLAS thread */
            int old = cav_la_set_threads(1);
            assert_int_equal(cav_adv_experiment(&c, &r1), CAV_OK);
            cav_la_set_threads(old > 0 ? old : 2);
            assert_true(r1.egen == r.egen && r1.erob == r.erob && r1.erob_cns == r.erob_cns);
            /* the data are bit-identical (test_data_threads); the fits agree to the solver's
             * rounding (BLAS sums in a thread-dependent order; measured 1e-12 here) */
            assert_true(fabs(r1.m - r.m) <= 1e-9 * fabs(r.m) && fabs(r1.q - r.q) <= 1e-9 * r.q);
            /* eps = 0: no boundary error, nothing attackable (|h| > 0 a.s.) */
            c.eps = 0.0;
            assert_int_equal(cav_adv_experiment(&c, &r1), CAV_OK);
            assert_true(r1.ebnd_cns == 0.0 && r1.attackable == 0.0);
            assert_true(r1.erob == r1.egen && r1.erob_cns == r1.egen);
        }
}

/* Generators give the same bits for 1 and 2 BLAS threads (latent model: latents, noise, labels). */
static void test_data_threads(void **state)
{
    (void)state;
    const size_t n = 300, d = 70, p = cav_adv_latent_p(d, 0.3);
    assert_int_equal(p, 233);
    double *th = malloc(d * sizeof *th), *X1 = malloc(n * p * sizeof *X1),
           *X2 = malloc(n * p * sizeof *X2), *y1 = malloc(n * sizeof *y1),
           *y2 = malloc(n * sizeof *y2), *Z = malloc(n * d * sizeof *Z);
    cav_rng r;
    cav_rng_init(&r, 1, 2, 3);
    cav_rng_normal_fill(&r, d, 1.0, th);
    int old = cav_la_set_threads(1);
    assert_int_equal(cav_adv_data(9, 10, 1, n, d, p, th, X1, Z, NULL, y1, NULL), CAV_OK);
    cav_la_set_threads(2);
    assert_int_equal(cav_adv_data(9, 10, 1, n, d, p, th, X2, NULL, NULL, y2, NULL), CAV_OK);
    cav_la_set_threads(old > 0 ? old : 2);
    assert_memory_equal(X1, X2, n * p * sizeof *X1);
    assert_memory_equal(y1, y2, n * sizeof *y1);
    /* x = c z + u on the first d features, c = sqrt(p/d); labels are sign(theta.z) */
    double c = sqrt((double)p / (double)d), su = 0.0;
    for (size_t i = 0; i < n; i++) {
        double nu = 0.0;
        for (size_t j = 0; j < d; j++) {
            nu += th[j] * Z[i * d + j];
            double u = X1[i * p + j] - c * Z[i * d + j];
            su += u * u;
        }
        assert_true(y1[i] == (nu >= 0 ? 1.0 : -1.0));
    }
    /* residual noise has unit variance: sum of n d squares, 5 SE = 5 sqrt(2 n d) */
    assert_true(fabs(su - (double)(n * d)) <= 5 * sqrt(2.0 * (double)(n * d)));
    free(th), free(X1), free(X2), free(y1), free(y2), free(Z);
}

static void test_errors(void **state)
{
    (void)state;
    cav_adv_config c;
    cav_adv_result r;
    cav_adv_config_default(&c);
    c.eps = -1;
    assert_int_equal(cav_adv_experiment(&c, &r), CAV_EINVAL);
    assert_non_null(strstr(r.msg, "eps"));
    cav_adv_config_default(&c);
    c.latent = 1;
    c.gamma = 0;
    assert_int_equal(cav_adv_experiment(&c, &r), CAV_EINVAL);
    assert_non_null(strstr(r.msg, "gamma"));
    cav_adv_config_default(&c);
    c.attack_norm = 3;
    assert_int_equal(cav_adv_experiment(&c, &r), CAV_EINVAL);
    assert_non_null(strstr(r.msg, "attack_norm"));
    /* hinge with eps_t > 0 is supported for reg_norm 2 only (src/sim/adv/adv_hinge.c) */
    cav_adv_config_default(&c);
    c.eps_train = 0.1;
    c.loss.type = &cav_loss_hinge;
    c.reg_norm = 1;
    assert_int_equal(cav_adv_experiment(&c, &r), CAV_EUNSUP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_kkt_l2),
        cmocka_unit_test(test_kkt_linf),
        cmocka_unit_test(test_kkt_l1reg),
        cmocka_unit_test(test_experiment),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_data_threads),
        cmocka_unit_test(test_kkt_features),
        cmocka_unit_test(test_features_inner_max),
        cmocka_unit_test(test_features_experiment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
