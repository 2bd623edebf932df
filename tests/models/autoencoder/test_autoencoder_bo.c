/* The Bayes-optimal estimator of (u*, v*) in the `autoencoder` model (cavity/hf.h, learner bo):
 * the closed-form posterior of the label-free channel against brute-force 2-D quadrature of
 * N(Z; omega, V) r(Z); the data law's covariance from r (Cov(Z) = [[1 + beta_u, kappa],
 * [kappa, 1]], kappa = sqrt(beta_u beta_v/(1 + beta_v)) E[lam nu]); the thresholds from the
 * engine's stability (BBP 1/beta_u^2 for k* >= 2; at k* = 1 the top eigenvalue e1^2 of
 * C - I, e1 = (beta_u + sqrt(beta_u^2 + 4 kappa^2))/2; the order k* of v's growth); the state
 * evolution at independent latents against the PCA closed form (a Gaussian latent: BO = PCA);
 * log r against an adaptive quadrature over lam of the generator's conditional law P(nu | lam);
 * AMP at d = 600 against the state-evolution iterate (6 seeds, family-wise zcrit).
 * The d = 2000 comparison is test_slow_autoencoder_bo_amp.c. Run time: ~30 s of CPU. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/gauss.h"
#include "cavity/hf.h"
#include "models/zcrit.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static cav_hf_data law(int latent, double bu)
{
    return (cav_hf_data){.beta_u = bu, .beta_v = 2, .latent = latent, .gamma = 0.3, .delta = 0.4};
}

/* Trapezoid rule on [-9, 9]^2 (spectrally accurate for these Gaussian-tailed integrands). */
static void grid_moments(const cav_hf_data *g, const double om[2], const double V[4], double *logZ,
                         double mean[2], double cov[3])
{
    double det = V[0] * V[3] - V[1] * V[2];
    double Vi[4] = {V[3] / det, -V[1] / det, -V[2] / det, V[0] / det};
    double S = 0, m0 = 0, m1 = 0, s00 = 0, s01 = 0, s11 = 0, h = 0.06;
    for (int i = -150; i <= 150; i++)
        for (int j = -150; j <= 150; j++) {
            double a = i * h, b = j * h, d0 = a - om[0], d1 = b - om[1];
            double q = d0 * (Vi[0] * d0 + Vi[1] * d1) + d1 * (Vi[2] * d0 + Vi[3] * d1);
            double w = exp(-0.5 * q + cav_hf_bo_logr(g, a, b)) / (2 * M_PI * sqrt(det)) * h * h;
            S += w, m0 += w * a, m1 += w * b, s00 += w * a * a, s01 += w * a * b, s11 += w * b * b;
        }
    m0 /= S, m1 /= S;
    *logZ = log(S);
    mean[0] = m0, mean[1] = m1;
    cov[0] = s00 / S - m0 * m0, cov[1] = s01 / S - m0 * m1, cov[2] = s11 / S - m1 * m1;
}

/* r(a, b) from the generator's definitions: E_lam[ P(nu | lam) N(a; s lam, 1) N(b; c t nu, c^2) ]
 * / (phi(a) phi(b)) by the adaptive Gaussian rule over lam with the laws' kinks announced. */
typedef struct rctx {
    const cav_hf_data *g;
    double a, b;
} rctx;

static void r_integrand(void *vc, size_t n, const double *z, double *out)
{
    const rctx *c = vc;
    double s = sqrt(c->g->beta_u), c1 = 1 / sqrt(1 + c->g->beta_v), t = sqrt(c->g->beta_v);
    for (size_t i = 0; i < n; i++) {
        double pp = cav_hf_pplus(c->g, z[i]), da = c->a - s * z[i];
        double bp = (c->b - c1 * t) / c1, bm = (c->b + c1 * t) / c1;
        double na = exp(-0.5 * da * da + 0.5 * c->a * c->a);
        out[i] = na * (pp * exp(-0.5 * bp * bp) + (1 - pp) * exp(-0.5 * bm * bm)) / c1 *
                 exp(0.5 * c->b * c->b);
    }
}

static void test_logr_from_generator(void **state)
{
    (void)state;
    const double brk[5] = {-CAV_HF_C3, -CAV_HF_C2, 0, CAV_HF_C2, CAV_HF_C3};
    const double pts[4][2] = {{0, 0}, {1.3, -0.7}, {-2.5, 1.9}, {3.5, 0.4}};
    double worst = 0;
    for (int L = CAV_HF_K1; L <= CAV_HF_MIX; L++) {
        cav_hf_data g = law(L, 1.3);
        for (int k = 0; k < 4; k++) {
            rctx c = {&g, pts[k][0], pts[k][1]};
            double r, ae;
            cav_gauss_opts o = cav_gauss_opts_default();
            assert_int_equal(cav_gauss_expect(r_integrand, &c, 1, brk, 5, &o, &r, &ae, NULL),
                             CAV_OK);
            double diff = fabs(cav_hf_bo_logr(&g, c.a, c.b) - log(r));
            if (diff > worst) worst = diff;
        }
    }
    printf("log r closed form vs adaptive quadrature over lam: worst %.2e\n", worst);
    assert_true(worst < 1e-9);
}

static void test_posterior_vs_grid(void **state)
{
    (void)state;
    const double om[2] = {0.7, -0.4}, V[4] = {0.6, 0.15, 0.15, 0.8};
    for (int L = CAV_HF_K1; L <= CAV_HF_MIX; L++) {
        cav_hf_data g = law(L, 1.3);
        cav_mi_post p;
        assert_int_equal(cav_hf_bo_posterior(&g, om, V, &p, NULL), CAV_OK);
        double lz, m[2], c[3];
        grid_moments(&g, om, V, &lz, m, c);
        printf("latent %s: logZ %.10f vs grid %.10f, mean %.8f %.8f, cov %.8f %.8f %.8f\n",
               cav_hf_latent_name(L), p.logZ, lz, p.mean[0], p.mean[1], p.cov[0], p.cov[1],
               p.cov[3]);
        assert_true(fabs(p.logZ - lz) < 1e-7);
        assert_true(fabs(p.mean[0] - m[0]) < 1e-7 && fabs(p.mean[1] - m[1]) < 1e-7);
        assert_true(fabs(p.cov[0] - c[0]) < 1e-7 && fabs(p.cov[1] - c[1]) < 1e-7 &&
                    fabs(p.cov[3] - c[2]) < 1e-7);
        /* the data law: E r = 1 (a density ratio) and Cov(Z) from the generator */
        double z0[2] = {0, 0}, I[4] = {1, 0, 0, 1};
        assert_int_equal(cav_hf_bo_posterior(&g, z0, I, &p, NULL), CAV_OK);
        double kap = sqrt(g.beta_u * g.beta_v / (1 + g.beta_v)) * cav_hf_moment(&g, 1);
        assert_true(fabs(p.logZ) < 1e-12);
        assert_true(fabs(p.cov[0] - (1 + g.beta_u)) < 1e-10);
        assert_true(fabs(p.cov[1] - kap) < 1e-10);
        assert_true(fabs(p.cov[3] - 1) < 1e-10);
    }
    /* bad input */
    cav_hf_data g = law(CAV_HF_K2, 1);
    cav_mi_post p;
    double Vbad[4] = {1, 2, 2, 1};
    assert_int_equal(cav_hf_bo_posterior(&g, om, Vbad, &p, NULL), CAV_EINVAL);
    g.beta_u = -1;
    cav_err e = {0};
    assert_null(cav_hf_bo_side_alloc(&g, 20, &e));
    assert_non_null(strstr(e.msg, "beta_u"));
}

static void test_thresholds(void **state)
{
    (void)state;
    /* k* = 2, beta_u = 1.5: BBP */
    cav_hf_data g = law(CAV_HF_K2, 1.5);
    cav_hf_bo_thr t;
    assert_int_equal(cav_hf_bo_thresholds(&g, &t, NULL), CAV_OK);
    printf("k2, beta_u 1.5: alpha_u %.10f (1/beta_u^2 = %.10f), alpha_v %.6f, kv %.4f\n", t.alpha_u,
           1 / 2.25, t.alpha_v, t.kv);
    assert_true(fabs(t.alpha_u * 2.25 - 1) < 1e-6);
    assert_true(t.alpha_v == t.alpha_u);
    assert_true(fabs(t.kv - 2) < 0.1);
    /* k* = 1: top eigenvalue of the operator E -> (C - I) E (C - I) */
    g = law(CAV_HF_K1, 1);
    assert_int_equal(cav_hf_bo_thresholds(&g, &t, NULL), CAV_OK);
    double kap = sqrt(2.0 / 3.0) * sqrt(2 / M_PI), e1 = (1 + sqrt(1 + 4 * kap * kap)) / 2;
    printf("k1: lambda_max %.10f vs e1^2 = %.10f, alpha_v %.6f, kv %.4f\n", t.lambda_max, e1 * e1,
           t.alpha_v, t.kv);
    assert_true(fabs(t.lambda_max - e1 * e1) < 1e-6);
    assert_true(t.alpha_v == t.alpha_u && fabs(t.kv - 1) < 0.1);
    /* independent latents: v is never learned at n = O(d) */
    g = law(CAV_HF_INDEP, 1);
    assert_int_equal(cav_hf_bo_thresholds(&g, &t, NULL), CAV_OK);
    printf("indep: alpha_u %.8f alpha_v %g kv %g\n", t.alpha_u, t.alpha_v, t.kv);
    assert_true(fabs(t.alpha_u - 1) < 1e-6 && isinf(t.alpha_v) && isinf(t.kv));
    /* k* = 3: v's growth is cubic in u's overlap */
    g = law(CAV_HF_K3, 1);
    cav_hf_bo_side *s = cav_hf_bo_side_alloc(&g, 20, NULL);
    double G1[4], G2[4], Q1[4] = {0.02, 0, 0, 0}, Q2[4] = {0.04, 0, 0, 0};
    assert_int_equal(cav_hf_bo_output(s, Q1, G1, NULL, NULL), CAV_OK);
    assert_int_equal(cav_hf_bo_output(s, Q2, G2, NULL, NULL), CAV_OK);
    printf("k3: G_vv %.4e, %.4e: order %.4f\n", G1[3], G2[3], log2(G2[3] / G1[3]));
    assert_true(fabs(log2(G2[3] / G1[3]) - 3) < 0.15);
    cav_hf_bo_side_free(s);
}

static void test_se_indep_is_pca(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        double bu = k ? 1.5 : 1.0, alpha = 3;
        cav_hf_data g = law(CAV_HF_INDEP, bu);
        cav_hf_bo_side *s = cav_hf_bo_side_alloc(&g, 20, NULL);
        cav_mi_model m;
        cav_hf_bo_side_model(s, &m);
        cav_mi_se_opts o = cav_mi_se_opts_default();
        o.want_se = 0;
        cav_mi_se_result r;
        assert_int_equal(cav_mi_se_solve(&m, alpha, &o, &r), CAV_OK);
        double tu, tr, te;
        cav_hf_pca_theory(bu, alpha, &tu, &tr, &te);
        printf("indep beta_u %g alpha %g: Q_uu %.10f vs PCA cos^2 %.10f, Q_vv %.2e\n", bu, alpha,
               r.Q[0], tu * tu, r.Q[3]);
        assert_true(fabs(r.Q[0] - tu * tu) < 1e-7);
        assert_true(fabs(r.Q[3]) < 1e-10 && fabs(r.Q[1]) < 1e-10);
        cav_hf_bo_side_free(s);
    }
}

static void test_amp_vs_se(void **state)
{
    (void)state;
    enum { SEEDS = 6, T = 20 };
    const double alpha = 3;
    cav_hf_data g = law(CAV_HF_K2, 1);
    cav_hf_bo_side *s = cav_hf_bo_side_alloc(&g, 20, NULL);
    cav_mi_model m;
    cav_hf_bo_side_model(s, &m);
    double Q0[4] = {0.1, 0, 0, 0.1}, se[(T + 1) * 4];
    assert_int_equal(cav_mi_se_iterate(&m, alpha, Q0, T, 1.0, se, NULL), CAV_OK);
    cav_hf_bo_side_free(s);
    double sum[2] = {0, 0}, sum2[2] = {0, 0}, traj[(T + 1) * 8];
    for (int k = 0; k < SEEDS; k++) {
        cav_hf_amp_opts o;
        cav_hf_amp_opts_default(&o);
        o.steps = T, o.seed = (uint64_t)k + 1;
        assert_int_equal(cav_hf_amp_run(&g, 600, alpha, &o, traj, NULL), CAV_OK);
        double x[2] = {traj[T * 8 + 0], traj[T * 8 + 3]};
        for (int j = 0; j < 2; j++)
            sum[j] += x[j], sum2[j] += x[j] * x[j];
    }
    double zc = test_zcrit(2);
    const char *nm[2] = {"M_uu", "M_vv"};
    double ref[2] = {se[T * 4 + 0], se[T * 4 + 3]};
    for (int j = 0; j < 2; j++) {
        double mu = sum[j] / SEEDS, sd = sqrt((sum2[j] / SEEDS - mu * mu) * SEEDS / (SEEDS - 1));
        double z = (mu - ref[j]) / (sd / sqrt(SEEDS));
        printf("AMP d = 600 alpha 3 k2 %s %.4f +- %.4f vs SE %.4f (z %.2f, zcrit %.2f)\n", nm[j],
               mu, sd / sqrt(SEEDS), ref[j], z, zc);
        assert_true(fabs(z) < zc);
    }
    /* bad input */
    cav_hf_amp_opts o;
    cav_hf_amp_opts_default(&o);
    cav_err e = {0};
    assert_int_equal(cav_hf_amp_run(&g, 600, -1, &o, traj, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "alpha"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logr_from_generator), cmocka_unit_test(test_posterior_vs_grid),
        cmocka_unit_test(test_thresholds),          cmocka_unit_test(test_se_indep_is_pca),
        cmocka_unit_test(test_amp_vs_se),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
