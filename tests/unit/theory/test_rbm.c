/* RBM on spiked-covariance data (cavity/rbm.h):
 *  - eta and psi by enumeration of the hidden states against closed forms (k = 1: psi = Q/2)
 *    and finite differences of their gradients;
 *  - the weak-recovery threshold of each spike found by the engine's linear stability equals
 *    the BBP value 1/(ratio^j sqrt(alpha)) to 1e-6 (it is computed, not given: root of
 *    alpha lambda_max(F(lambda)) = 1 with F from finite differences of the state evolution);
 *  - Bayes-optimal overlaps: with Gaussian spikes and latents the state evolution is solvable
 *    in closed form and equals the PCA formula; with Rademacher priors the overlap is positive
 *    above threshold, zero below, and at least the PCA one;
 *  - PCA simulation (d = 1000, 6 seeds) against the BBP cosine formula (family-wise 3 sigma);
 *  - gradient ascent increases J at every step and recovers the spike above BBP, not below. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cavity/rbm.h"
#include "models/zcrit.h"

static void test_eta_psi(void **st)
{
    (void)st;
    double Q1 = 0.7, psi, g[9];
    assert_int_equal(cav_rbm_psi(1, CAV_RBM_RADEMACHER, &Q1, &psi, g, NULL), CAV_OK);
    assert_true(fabs(psi - 0.35) < 1e-15 && fabs(g[0] - 0.5) < 1e-15);
    for (int hid = 0; hid < 2; hid++)
        for (int k = 1; k <= 3; k++) {
            double Q[9] = {0.3, 0.1, -0.05, 0.1, 0.2, 0.04, -0.05, 0.04, 0.25}, Qk[9];
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                    Qk[a * k + b] = Q[a * 3 + b];
            assert_int_equal(cav_rbm_psi(k, hid, Qk, &psi, g, NULL), CAV_OK);
            for (int a = 0; a < k; a++)
                for (int b = a; b < k; b++) {
                    double h = 1e-6, p1, p2, Qp[9];
                    memcpy(Qp, Qk, sizeof Qp);
                    Qp[a * k + b] += h;
                    if (a != b) Qp[b * k + a] += h;
                    cav_rbm_psi(k, hid, Qp, &p1, NULL, NULL);
                    Qp[a * k + b] -= 2 * h;
                    if (a != b) Qp[b * k + a] -= 2 * h;
                    cav_rbm_psi(k, hid, Qp, &p2, NULL, NULL);
                    double fd = (p1 - p2) / (2 * h), an = (a == b ? 1 : 2) * g[a * k + b];
                    if (fabs(fd - an) > 1e-8)
                        fail_msg("psi grad k %d (%d,%d): %g vs %g", k, a, b, an, fd);
                }
            double z[3] = {0.4, -1.2, 2.5}, gr[3], H[9];
            double e0 = cav_rbm_eta(k, hid, z, gr, H);
            for (int a = 0; a < k; a++) {
                double zp[3];
                memcpy(zp, z, sizeof zp);
                zp[a] += 1e-6;
                double e1 = cav_rbm_eta(k, hid, zp, NULL, NULL);
                assert_true(fabs((e1 - e0) / 1e-6 - gr[a]) < 1e-5);
            }
        }
    /* Gaussian hidden needs Q < I */
    double Qbad = 1.2;
    assert_int_equal(cav_rbm_psi(1, CAV_RBM_GAUSSIAN, &Qbad, &psi, NULL, NULL), CAV_EINVAL);
}

static void test_thresholds_bbp(void **st)
{
    (void)st;
    const double alphas[] = {2.0, 0.5};
    double worst = 0;
    for (int ia = 0; ia < 2; ia++)
        for (int prior = 0; prior < 2; prior++) {
            cav_rbm p = cav_rbm_default();
            p.alpha = alphas[ia];
            p.r = 3;
            p.ratio = 0.6;
            p.spike_prior = p.latent_prior = prior;
            for (int j = 0; j < 3; j++) {
                double lc, ref = 1.0 / (pow(p.ratio, j) * sqrt(p.alpha));
                cav_err err = {0};
                int rs = cav_rbm_threshold(&p, j, 1e-12, &lc, &err);
                if (rs) fail_msg("spike %d: %s", j + 1, err.msg);
                printf("alpha %.1f %s prior, spike %d: lambda_c = %.10f, BBP %.10f\n", p.alpha,
                       prior ? "gaussian" : "rademacher", j + 1, lc, ref);
                worst = fmax(worst, fabs(lc - ref));
                assert_true(fabs(lc - ref) < 1e-6);
            }
        }
    printf("worst |lambda_c - BBP| = %.1e\n", worst);
}

static void test_bo_overlaps(void **st)
{
    (void)st;
    /* Gaussian spikes and latents: m_u = (alpha lambda^2 - 1)/(lambda (1 + alpha lambda)) above
     * BBP (the fixed point of m_c = g/(1+g), g = lambda m_u; m_u = G/(1+G), G = alpha lambda m_c),
     * i.e. the PCA cosine squared. */
    cav_rbm p = cav_rbm_default();
    p.r = 1;
    p.spike_prior = p.latent_prior = CAV_RBM_GAUSSIAN;
    const double lams[] = {0.5, 0.9, 1.4, 3.0};
    for (int i = 0; i < 4; i++) {
        p.lambda = lams[i];
        cav_rbm_bo_result r;
        assert_int_equal(cav_rbm_bo_solve(&p, &r), CAV_OK);
        double ref = cav_rbm_pca_cos2(p.alpha, p.lambda);
        printf("gaussian priors lambda %.2f: m_u = %.10f, PCA cos^2 = %.10f\n", p.lambda, r.Mu[0],
               ref);
        assert_true(fabs(r.Mu[0] - ref) < 1e-7);
    }
    /* Rademacher priors, two spikes: overlaps above threshold, BO >= PCA */
    p = cav_rbm_default();
    p.lambda = 1.4;
    cav_rbm_bo_result r;
    assert_int_equal(cav_rbm_bo_solve(&p, &r), CAV_OK);
    printf("rademacher lambda 1.4 ratio 0.5: cos = %.6f, %.6f (PCA %.6f, %.6f)\n", r.cos[0],
           r.cos[1], sqrt(cav_rbm_pca_cos2(2, 1.4)), sqrt(cav_rbm_pca_cos2(2, 0.7)));
    assert_true(r.cos[0] > sqrt(cav_rbm_pca_cos2(2, 1.4)));
    assert_true(r.cos[1] < 1e-4); /* 0.7 < 1/sqrt(2) */
    p.lambda = 3.0;
    assert_int_equal(cav_rbm_bo_solve(&p, &r), CAV_OK);
    assert_true(r.cos[1] > sqrt(cav_rbm_pca_cos2(2, 1.5)));
}

static void test_pca_sim(void **st)
{
    (void)st;
    cav_rbm p = cav_rbm_default();
    p.r = 2;
    p.lambda = 2.0; /* spikes 2.0 and 1.0, both above 1/sqrt(2) */
    const int seeds = 6;
    const long d = 1000;
    double s1[2] = {0}, s2[2] = {0};
    for (int s = 0; s < seeds; s++) {
        cav_rbm_data data;
        assert_int_equal(cav_rbm_data_draw(&p, d, 10 + s, &data, NULL), CAV_OK);
        double *W = malloc(sizeof(double) * (size_t)(d * 2)), cosm[4];
        assert_int_equal(cav_rbm_pca(&data, W, NULL), CAV_OK);
        cav_rbm k2 = p;
        k2.k = 2;
        assert_int_equal(cav_rbm_observe(&k2, &data, W, NULL, cosm, NULL, NULL, NULL), CAV_OK);
        for (int j = 0; j < 2; j++) {
            double c2 = cosm[j * 2 + j] * cosm[j * 2 + j];
            s1[j] += c2 / seeds;
            s2[j] += c2 * c2 / seeds;
        }
        free(W);
        cav_rbm_data_free(&data);
    }
    double zc = test_zcrit(2);
    for (int j = 0; j < 2; j++) {
        double lam = cav_rbm_lambda(&p, j), ref = cav_rbm_pca_cos2(p.alpha, lam);
        double se = sqrt((s2[j] - s1[j] * s1[j]) / (seeds - 1));
        double z = (s1[j] - ref) / se;
        printf("PCA spike %d (lambda %.2f): cos^2 = %.4f +- %.4f, formula %.4f, z = %.2f\n", j + 1,
               lam, s1[j], se, ref, z);
        assert_true(fabs(z) < zc);
    }
}

static void test_gd(void **st)
{
    (void)st;
    cav_rbm p = cav_rbm_default();
    p.k = p.r = 1;
    const long d = 1000;
    const double lams[] = {2.0, 0.35};
    for (int i = 0; i < 2; i++) {
        p.lambda = lams[i];
        cav_rbm_data data;
        assert_int_equal(cav_rbm_data_draw(&p, d, 3, &data, NULL), CAV_OK);
        cav_rbm_gd_opts o = cav_rbm_gd_opts_default();
        o.steps = 400, o.lr = 0.1;
        long rows = cav_rbm_gd_rows(&o);
        int nc = CAV_RBM_TRAJ_NCOL(1, 1);
        double *traj = malloc(sizeof(double) * (size_t)(rows * nc));
        assert_int_equal(cav_rbm_gd(&p, &data, &o, traj, NULL, NULL), CAV_OK);
        for (long t = 1; t < rows; t++)
            if (traj[t * nc + 1] < traj[(t - 1) * nc + 1] - 1e-12)
                fail_msg("J decreased at step %ld: %.12f -> %.12f", t, traj[(t - 1) * nc + 1],
                         traj[t * nc + 1]);
        double z = traj[(rows - 1) * nc + 2], q = traj[(rows - 1) * nc + 3];
        double c = fabs(z) / sqrt(q * p.lambda);
        printf("GD lambda %.2f: J = %.5f, |cos| = %.4f\n", p.lambda, traj[(rows - 1) * nc + 1], c);
        if (i == 0)
            assert_true(c > 0.6);
        else
            assert_true(c < 0.2);
        free(traj);
        cav_rbm_data_free(&data);
    }
}

static void test_bad_input(void **st)
{
    (void)st;
    cav_err err = {0};
    cav_rbm p = cav_rbm_default();
    p.k = 4;
    assert_int_equal(cav_rbm_check(&p, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "k = 4"));
    p = cav_rbm_default();
    p.r = 0;
    assert_int_equal(cav_rbm_check(&p, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "r = 0"));
    p = cav_rbm_default();
    p.ratio = -0.1;
    assert_int_equal(cav_rbm_check(&p, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "ratio"));
    p = cav_rbm_default();
    p.lambda = -1;
    assert_int_equal(cav_rbm_check(&p, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "lambda"));
    double lc;
    p = cav_rbm_default();
    assert_int_equal(cav_rbm_threshold(&p, 2, 0, &lc, &err), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_eta_psi),     cmocka_unit_test(test_thresholds_bbp),
        cmocka_unit_test(test_bo_overlaps), cmocka_unit_test(test_pca_sim),
        cmocka_unit_test(test_gd),          cmocka_unit_test(test_bad_input)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
