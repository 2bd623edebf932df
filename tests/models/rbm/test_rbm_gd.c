/* rbm-gd: the k-index DMFT of gradient ascent on the RBM likelihood (cavity/dmft_k.h) against
 * the gradient-ascent simulation step by step, and against a closed form.
 *
 * Comparisons: z = (sim mean over seeds - theory)/sqrt(se_seeds^2 + se_MC^2) (the theory's
 * jackknife Monte-Carlo error in quadrature) for zeta, Q and J at every step, each |z| below the
 * family-wise 3-sigma threshold of tests/models/zcrit.h for the number of comparisons of the
 * test. Fast CI sizes: d = 500 (n = 1000), 6 or 8 seeds, 20 to 40 steps (about 15 s in all on
 * two loaded cores).
 * The paper's size (n = 8000, d = 4000) is test_slow_rbm_gd_paper.c. */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cavity/dmft_k.h"
#include "rbm_gd_cmp.h"

/* k = r = 1, Rademacher hidden units and latents (eta = log cosh, psi = Q/2). */
static void test_k1_rademacher(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(1, 1, CAV_RBM_RADEMACHER, 2, 30, 0.05);
    compare(&p, 500, 8, 10000);
}

/* k = r = 2 (psi by enumeration of the 4 hidden states, 2 x 2 kernels), ratio 0.5. */
static void test_k2_rademacher(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(2, 2, CAV_RBM_RADEMACHER, 2.5, 25, 0.05);
    p.init_overlap = 0.3;
    compare(&p, 500, 8, 8000);
}

/* k = r = 3 (psi by enumeration of the 8 hidden states, 3 x 3 kernels; strengths 3, 1.5, 0.75,
 * all above the threshold 0.707), and k = 2 hidden units on r = 1 spike (the second unit starts
 * with no overlap and learns the noise). */
static void test_k3_and_k_neq_r(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(3, 3, CAV_RBM_RADEMACHER, 3, 20, 0.05);
    p.init_overlap = 0.3;
    compare(&p, 500, 6, 8000);
    p = prob(2, 1, CAV_RBM_RADEMACHER, 2, 30, 0.05);
    p.init_overlap = 0.3;
    compare(&p, 500, 6, 8000);
}

/* Gaussian hidden units and latents: the exact (deterministic) DMFT path against gradient
 * ascent, k = r = 1 and k = r = 2 (lambda 3, ratio 0.5, lr 0.02): no Monte-Carlo error on the
 * theory side, so this isolates the weight-side equations and the k x k block algebra. */
static void test_gaussian_exact_vs_gd(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(1, 1, CAV_RBM_GAUSSIAN, 3, 40, 0.02);
    p.init_overlap = 0.3;
    compare(&p, 500, 8, 1000);
    p = prob(2, 2, CAV_RBM_GAUSSIAN, 3, 40, 0.02);
    p.init_overlap = 0.3;
    compare(&p, 500, 8, 1000);
}

/* Known case: Gaussian hidden units and latents make GD linear with the ridge
 * -2 alpha W grad psi(Q), grad psi = (1 - Q)^{-1}/2 (k = 1). Its fixed point is the top
 * eigenvector of the sample covariance S = X^T X/n with 1/(1 - Q) = s_max, so the long-time DMFT
 * must give Q = 1 - 1/s_max, s_max = (1 + lambda)(1 + 1/(alpha lambda)) (BBP), cos^2 = the PCA
 * formula (1 - 1/(alpha lambda^2))/(1 + 1/(alpha lambda)), and J = Q s_max/2 + log(1 - Q)/2.
 * lambda = 3, alpha = 2: s_max = 14/3. The exact (deterministic) path after 150 steps of lr 0.02
 * (bulk modes decay as exp(-2 lr alpha (s_max - (1 + 1/sqrt alpha)^2) t) ~ 1e-9). */
static void test_gaussian_long_time_closed_form(void **state)
{
    (void)state;
    const double lam = 3, al = 2, smax = (1 + lam) * (1 + 1 / (al * lam));
    const double Q = 1 - 1 / smax, c2 = cav_rbm_pca_cos2(al, lam);
    const double zeta = sqrt(c2 * Q * lam), J = 0.5 * Q * smax + 0.5 * log(1 - Q);
    assert_true(fabs(c2 - (1 - 1 / (al * lam * lam)) / (1 + 1 / (al * lam))) < 1e-12);
    cav_dmft_k_problem p = prob(1, 1, CAV_RBM_GAUSSIAN, lam, 150, 0.02);
    p.init_overlap = 0.3;
    static double th[151 * 4];
    cav_dmft_k *s = cav_dmft_k_alloc();
    assert_int_equal(cav_dmft_k_set(s, &p, NULL), CAV_OK);
    assert_int_equal(cav_dmft_k_solve(s), CAV_OK);
    assert_int_equal(cav_dmft_k_iterations(s), 1); /* the exact path: one causal sweep */
    cav_dmft_k_observables(s, th, NULL);
    cav_dmft_k_free(s);
    const double *row = th + 150 * 4, ref[4] = {150, J, zeta, Q};
    for (int j = 1; j < 4; j++) {
        printf("# gaussian long time col %d: dmft %.8f closed form %.8f\n", j, row[j], ref[j]);
        assert_true(fabs(row[j] - ref[j]) < 1e-6);
    }
}

/* The sampled path (Cholesky draws of omega, memory, kernels from samples) against the exact
 * path on the same Gaussian problem, k = r = 2 (2 x 2 blocks, psi = -log det(I - Q)/2), every
 * step and column, family-wise criterion on z = (sampled - exact)/se_MC. */
static void test_sampled_vs_exact_gaussian_k2(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(2, 2, CAV_RBM_GAUSSIAN, 3, 30, 0.02);
    p.init_overlap = 0.3;
    enum { NC = 2 + 4 + 4 };
    static double a[31 * NC], b[31 * NC], se[31 * NC];
    cav_dmft_k *s = cav_dmft_k_alloc();
    assert_int_equal(cav_dmft_k_set(s, &p, NULL), CAV_OK);
    assert_int_equal(cav_dmft_k_solve(s), CAV_OK);
    cav_dmft_k_observables(s, a, NULL);
    cav_dmft_k_opts o = cav_dmft_k_opts_default();
    o.path = CAV_DMFT_K_SAMPLED, o.ntraj = o.ntraj_init = 8000, o.max_iter = 2;
    assert_int_equal(cav_dmft_k_set(s, &p, &o), CAV_OK);
    int st = cav_dmft_k_solve(s);
    assert_true(st == CAV_OK || st == CAV_EMAXITER);
    cav_dmft_k_observables(s, b, se);
    cav_dmft_k_free(s);
    const double zlim = test_zcrit(30 * (NC - 1));
    double zmax = 0;
    for (int t = 1; t <= 30; t++)
        for (int j = 1; j < NC; j++) {
            double z = fabs(b[t * NC + j] - a[t * NC + j]) / se[t * NC + j];
            zmax = fmax(zmax, z);
            if (!(z <= zlim))
                fail_msg("t %d col %d: sampled %.5f +- %.2g exact %.5f (z %.2f > %.2f)", t, j,
                         b[t * NC + j], se[t * NC + j], a[t * NC + j], z, zlim);
        }
    printf("# sampled vs exact (Gaussian, k = 2): max |z| %.2f (cut %.2f)\n", zmax, zlim);
}

/* Same seed, 1 and 2 threads: identical kernels (bitwise). */
static void test_reproducible_threads(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(2, 1, CAV_RBM_RADEMACHER, 2, 12, 0.05);
    static double a[13 * 8], b[13 * 8], sa[13 * 8], sb[13 * 8];
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    solve(&p, 3000, a, sa);
    omp_set_num_threads(2);
    solve(&p, 3000, b, sb);
    omp_set_num_threads(nt);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_equal(sa, sb, sizeof sa);
}

static void test_bad_input(void **state)
{
    (void)state;
    cav_dmft_k *s = cav_dmft_k_alloc();
    cav_dmft_k_problem p = prob(1, 1, CAV_RBM_RADEMACHER, 2, 10, 0.05);
    cav_dmft_k_problem q = p;
    q.lr = 0;
    assert_int_equal(cav_dmft_k_set(s, &q, NULL), CAV_EINVAL);
    assert_non_null(strstr(cav_dmft_k_error(s)->msg, "lr"));
    q = p, q.rbm.k = 4;
    assert_int_equal(cav_dmft_k_set(s, &q, NULL), CAV_EINVAL);
    q = p, q.steps = 0;
    assert_int_equal(cav_dmft_k_set(s, &q, NULL), CAV_EINVAL);
    assert_non_null(strstr(cav_dmft_k_error(s)->msg, "steps"));
    cav_dmft_k_opts o = cav_dmft_k_opts_default();
    o.damping = 0;
    assert_int_equal(cav_dmft_k_set(s, &p, &o), CAV_EINVAL);
    assert_non_null(strstr(cav_dmft_k_error(s)->msg, "damping"));
    assert_int_equal(cav_dmft_k_iterate(s), CAV_EINVAL); /* not set: no work */
    cav_dmft_k_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_reproducible_threads),
        cmocka_unit_test(test_k1_rademacher),
        cmocka_unit_test(test_k2_rademacher),
        cmocka_unit_test(test_k3_and_k_neq_r),
        cmocka_unit_test(test_gaussian_exact_vs_gd),
        cmocka_unit_test(test_gaussian_long_time_closed_form),
        cmocka_unit_test(test_sampled_vs_exact_gaussian_k2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
