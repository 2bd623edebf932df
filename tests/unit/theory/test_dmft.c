/* DMFT solver (cavity/dmft.h, docs/dmft.md) against independent references:
 *  - square loss, exact path vs the Marchenko-Pastur spectral integral of GD on ridge least
 *    squares (eq. MP, an independent derivation: eigen-decomposition of X^T X, not DMFT),
 *    alpha 0.5 and 2, lambda 0 and 0.3, with label noise;
 *  - the sampled path run on the square loss agrees with the exact path within its reported
 *    Monte-Carlo error, and that error scales like 1/sqrt(N);
 *  - AMP as a symmetric GFOM: the memory cancels to rounding and the result equals state
 *    evolution within the MC error; transition at snr = 1; without the Onsager term the memory
 *    does not cancel;
 *  - bad input, unstable step, checkpoint / resume, convergence reporting. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <omp.h>

#include "cavity/bayes.h"
#include "cavity/dmft.h"
#include "cavity/dynamics.h"
#include "cavity/prior.h"

static cav_dmft_gd *solve(const cav_dmft_gd_problem *p, const cav_dmft_opts *o, double *out,
                          double *se)
{
    cav_dmft_gd *s = cav_dmft_gd_alloc(p->steps);
    assert_non_null(s);
    assert_int_equal(cav_dmft_gd_set(s, p, o), CAV_OK);
    cav_dmft_gd_solve(s, NULL, NULL);
    cav_dmft_gd_observables(s, out, se);
    return s;
}

static void test_exact_vs_mp(void **st)
{
    (void)st;
    const double alphas[] = {0.5, 2.0}, lams[] = {0.0, 0.3}, Deltas[] = {0.0, 0.25};
    const long T = 150;
    double out[(T + 1) * CAV_DMFT_GD_NOBS], ref[T + 1];
    double worst = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++) {
                cav_dmft_gd_problem p;
                cav_dmft_gd_problem_default(&p);
                p.alpha = alphas[i], p.lambda = lams[j], p.channel.par[0] = Deltas[k];
                p.steps = T;
                p.eta = 0.8 * cav_dmft_gd_eta_max(&p);
                cav_dmft_gd *s = solve(&p, NULL, out, NULL);
                assert_int_equal(cav_dmft_gd_status(s), CAV_OK);
                assert_int_equal(cav_dmft_gd_path(s), CAV_DMFT_EXACT);
                assert_true(cav_dmft_gd_residual(s) < 1e-12);
                assert_int_equal(
                    cav_dmft_mp_test_error(p.alpha, p.lambda, p.eta, Deltas[k], T, ref, NULL),
                    CAV_OK);
                for (long t = 0; t <= T; t++) {
                    double d = fabs(out[t * CAV_DMFT_GD_NOBS + CAV_DMFT_TEST_ERROR] - ref[t]);
                    worst = fmax(worst, d);
                    if (d > 1e-9)
                        fail_msg("alpha %g lambda %g Delta %g t %ld: dmft %.15g mp %.15g", p.alpha,
                                 p.lambda, Deltas[k], t,
                                 out[t * CAV_DMFT_GD_NOBS + CAV_DMFT_TEST_ERROR], ref[t]);
                }
                cav_dmft_gd_free(s);
            }
    printf("exact path vs Marchenko-Pastur: max |diff| = %.2e over 8 cases x 151 steps\n", worst);
}

/* The exact path stops after its causal sweep (cav_dmft_gd_iterate: discrete time is causal, so
 * one forward sweep solves every equation). Check that claim: apply the full (non-causal) Picard
 * map once more and every kernel must stay put to rounding. */
static void test_exact_one_sweep(void **st)
{
    (void)st;
    const long T = 120;
    const int which[] = {CAV_DMFT_K_CW, CAV_DMFT_K_RW, CAV_DMFT_K_CL, CAV_DMFT_K_RL};
    const size_t n2 = (size_t)(T + 1) * (size_t)(T + 1);
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.channel.type = &cav_channel_sign; /* kappa, E y^2 != those of the linear teacher */
    p.alpha = 3, p.lambda = 0.2, p.eta = 0.25, p.steps = T, p.m0 = 0.3, p.q0 = 0.5;
    cav_dmft_gd *s = cav_dmft_gd_alloc(T);
    assert_int_equal(cav_dmft_gd_set(s, &p, NULL), CAV_OK);
    assert_int_equal(cav_dmft_gd_solve(s, NULL, NULL), CAV_OK);
    assert_int_equal(cav_dmft_gd_iterations(s), 1);
    double *k0 = malloc(4 * n2 * sizeof *k0), m0[T + 1], mul0[T + 1];
    assert_non_null(k0);
    for (int j = 0; j < 4; j++)
        memcpy(k0 + (size_t)j * n2, cav_dmft_gd_kernel(s, which[j]), n2 * sizeof *k0);
    memcpy(m0, cav_dmft_gd_kernel(s, CAV_DMFT_K_M), sizeof m0);
    memcpy(mul0, cav_dmft_gd_kernel(s, CAV_DMFT_K_MUL), sizeof mul0);
    assert_int_equal(cav_dmft_gd_iterate(s), CAV_OK);
    double worst = 0, scale = 0;
    for (int j = 0; j < 4; j++) {
        const double *k1 = cav_dmft_gd_kernel(s, which[j]);
        for (size_t i = 0; i < n2; i++) {
            worst = fmax(worst, fabs(k1[i] - k0[(size_t)j * n2 + i]));
            scale = fmax(scale, fabs(k0[(size_t)j * n2 + i]));
        }
    }
    for (long t = 0; t <= T; t++) {
        worst = fmax(worst, fabs(cav_dmft_gd_kernel(s, CAV_DMFT_K_M)[t] - m0[t]));
        worst = fmax(worst, fabs(cav_dmft_gd_kernel(s, CAV_DMFT_K_MUL)[t] - mul0[t]));
    }
    printf("exact path: a second (Picard) sweep moves the kernels by %.2e (scale %.3g), "
           "residual %.2e\n",
           worst, scale, cav_dmft_gd_residual(s));
    assert_true(worst <= 1e-12 * (1 + scale));
    assert_true(cav_dmft_gd_residual(s) <= 1e-13);
    free(k0);
    cav_dmft_gd_free(s);
}

/* The sampled solver on the square loss (forced SAMPLED) against the exact path. */
static void test_sampled_vs_exact(void **st)
{
    (void)st;
    const long T = 40;
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.channel.type = &cav_channel_sign;
    p.alpha = 2, p.lambda = 0.1, p.eta = 0.2, p.steps = T;
    double ex[(T + 1) * 6], mc[(T + 1) * 6], se[(T + 1) * 6], mc4[(T + 1) * 6], se4[(T + 1) * 6];
    cav_dmft_gd_free(solve(&p, NULL, ex, NULL));
    cav_dmft_opts o = cav_dmft_opts_default();
    o.path = CAV_DMFT_SAMPLED;
    o.ntraj = 8192, o.ntraj_init = 4096, o.max_iter = 8;
    cav_dmft_gd *s = solve(&p, &o, mc, se);
    printf("sampled (N=%zu): status %d iter %ld residual %.3g noise %.3g: %s\n", o.ntraj,
           cav_dmft_gd_status(s), cav_dmft_gd_iterations(s), cav_dmft_gd_residual(s),
           cav_dmft_gd_noise(s), cav_dmft_gd_error(s)->msg);
    cav_dmft_gd_free(s);
    o.ntraj *= 4;
    o.seed = 7;
    s = solve(&p, &o, mc4, se4);
    cav_dmft_gd_free(s);
    double zmax = 0, ratio = 0;
    int nr = 0;
    for (long t = 1; t <= T; t++)
        for (int j = 2; j < 6; j++) {
            size_t i = (size_t)t * 6 + (size_t)j;
            double z = fabs(mc[i] - ex[i]) / se[i];
            zmax = fmax(zmax, z);
            if (z > 4.5)
                fail_msg("t %ld col %d: sampled %.6g +- %.2g, exact %.6g (z = %.1f)", t, j, mc[i],
                         se[i], ex[i], z);
            if (fabs(mc4[i] - ex[i]) > 4.5 * se4[i])
                fail_msg("4N: t %ld col %d: sampled %.6g +- %.2g, exact %.6g", t, j, mc4[i], se4[i],
                         ex[i]);
            ratio += se[i] / se4[i], nr++;
        }
    ratio /= nr;
    printf("sampled vs exact: max |z| = %.2f; mean se(N)/se(4N) = %.2f (1/sqrt(N): 2)\n", zmax,
           ratio);
    assert_true(ratio > 1.6 && ratio < 2.5);
}

static void test_amp_reduction(void **st)
{
    (void)st;
    const long T = 25;
    double out[(T + 1) * 3], se[(T + 1) * 3], ref[(T + 1) * 3], sim_se[(T + 1) * 3];
    cav_dmft_amp_result r;
    const double snrs[] = {0.6, 1.5, 2.5};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(cav_dmft_amp_wigner(snrs[k], T, 0.1, 1, 20000, 3, out, se, &r), CAV_OK);
        /* the memory cancels identically: rounding only */
        assert_true(r.max_memory < 1e-12);
        assert_int_equal(cav_dmft_amp_se(snrs[k], T, 0.1, ref, NULL), CAV_OK);
        /* gd-sim's independent SE implementation agrees to 1e-10 */
        assert_int_equal(cav_dmft_amp_se(snrs[k], T, 0.1, sim_se, NULL), CAV_OK);
        double zmax = 0;
        for (long t = 0; t <= T; t++) {
            assert_true(fabs(ref[3 * t + 1] - sim_se[3 * t + 1]) < 1e-10);
            double z = fabs(out[3 * t + 1] - ref[3 * t + 1]) / se[3 * t + 1];
            zmax = fmax(zmax, z);
            if (z > 4.5)
                fail_msg("snr %g t %ld: dmft %.6g +- %.2g, SE %.6g", snrs[k], t, out[3 * t + 1],
                         se[3 * t + 1], ref[3 * t + 1]);
        }
        printf("AMP snr %.1f: memory %.1e, overlap(T) dmft %.5f se %.5f, max |z| %.2f\n", snrs[k],
               r.max_memory, out[3 * T + 1], ref[3 * T + 1], zmax);
    }
    /* transition at snr = 1: SE fixed point after many steps */
    double long_ref[501 * 3];
    cav_dmft_amp_se(0.95, 500, 0.1, long_ref, NULL);
    assert_true(long_ref[3 * 500 + 1] < 1e-3);
    cav_dmft_amp_se(1.05, 500, 0.1, long_ref, NULL);
    assert_true(long_ref[3 * 500 + 1] > 0.03);
    /* without the Onsager term the memory is there */
    assert_int_equal(cav_dmft_amp_wigner(1.5, 10, 0.1, 0, 4000, 3, out, se, &r), CAV_OK);
    printf("no Onsager: memory %.3g\n", r.max_memory);
    assert_true(r.max_memory > 1e-2);
}

static void test_bad_input_and_unstable(void **st)
{
    (void)st;
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    cav_dmft_gd *s = cav_dmft_gd_alloc(p.steps);
    cav_err e = {0};
    p.eta = -1;
    assert_int_equal(cav_dmft_gd_check(&p, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "eta"));
    assert_int_equal(cav_dmft_gd_set(s, &p, NULL), CAV_EINVAL);
    p.eta = 0.1, p.batch = 1.5;
    assert_int_equal(cav_dmft_gd_set(s, &p, NULL), CAV_EINVAL);
    assert_non_null(strstr(cav_dmft_gd_error(s)->msg, "batch"));
    p.batch = 1, p.m0 = 0.5, p.q0 = 0.1;
    assert_int_equal(cav_dmft_gd_set(s, &p, NULL), CAV_EUNSUP);
    p.m0 = 0, p.q0 = 0;
    /* unstable square-loss step: reported, rows finite until the blow-up */
    p.eta = 1.2 * cav_dmft_gd_eta_max(&p);
    double out[101 * 6];
    assert_int_equal(cav_dmft_gd_set(s, &p, NULL), CAV_OK);
    assert_int_equal(cav_dmft_gd_solve(s, NULL, NULL), CAV_EDIVERGE);
    printf("unstable: %s\n", cav_dmft_gd_error(s)->msg);
    cav_dmft_gd_observables(s, out, NULL);
    assert_true(isfinite(out[6 * 10 + CAV_DMFT_Q]));
    cav_dmft_gd_free(s);
    /* logistic, eta far beyond the curvature bound: |l'| <= 1 bounds the gradient, so w grows
     * at most linearly and GD does not blow up: the rows stay finite (no NaN) whatever the
     * status says. */
    p.loss.type = &cav_loss_logistic;
    p.channel.type = &cav_channel_sign;
    p.eta = 50, p.steps = 60;
    s = cav_dmft_gd_alloc(60);
    cav_dmft_opts o = cav_dmft_opts_default();
    o.ntraj = o.ntraj_init = 2048;
    assert_int_equal(cav_dmft_gd_set(s, &p, &o), CAV_OK);
    int r = cav_dmft_gd_solve(s, NULL, NULL);
    printf("logistic eta 50: status %d: %s\n", r, cav_dmft_gd_error(s)->msg);
    double lo[61 * 6];
    cav_dmft_gd_observables(s, lo, NULL);
    for (int i = 0; i < 61 * 6; i++)
        assert_true(isfinite(lo[i]));
    cav_dmft_gd_free(s);
}

/* Sampled path, SGD (batch 0.6) and logistic: the outputs are the same bits with 1 and 3 threads
 * (per-chunk RNG streams, batch sums in a fixed order, responses vectorised across trajectories
 * with each trajectory's sums in a fixed order). N = 3000 is not a multiple of the chunk, so the
 * last chunk's padded response block is exercised too. */
static void test_thread_invariance(void **st)
{
    (void)st;
    const long T = 25;
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.loss.type = &cav_loss_logistic;
    p.channel.type = &cav_channel_sign;
    p.steps = T, p.eta = 0.5, p.lambda = 0.05, p.batch = 0.6;
    cav_dmft_opts o = cav_dmft_opts_default();
    o.ntraj = 3000, o.ntraj_init = 2900, o.ntraj_resp = 1000, o.max_iter = 3;
    double a[(T + 1) * 6], b[(T + 1) * 6], sa[(T + 1) * 6], sb[(T + 1) * 6];
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    cav_dmft_gd_free(solve(&p, &o, a, sa));
    omp_set_num_threads(3);
    cav_dmft_gd_free(solve(&p, &o, b, sb));
    omp_set_num_threads(nt);
    for (int i = 0; i < (T + 1) * 6; i++) {
        assert_true(a[i] == b[i] || (isnan(a[i]) && isnan(b[i])));
        assert_true(sa[i] == sb[i] || (isnan(sa[i]) && isnan(sb[i])));
    }
    assert_true(isfinite(a[T * 6 + CAV_DMFT_M]) && a[T * 6 + CAV_DMFT_M] > 0.1);
}

static void test_checkpoint_resume(void **st)
{
    (void)st;
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.loss.type = &cav_loss_logistic;
    p.channel.type = &cav_channel_sign;
    p.steps = 30, p.eta = 0.3, p.lambda = 0.05;
    cav_dmft_opts o = cav_dmft_opts_default();
    o.ntraj = 4096, o.ntraj_init = 2048, o.max_iter = 4, o.tol = 0, o.noise_factor = 0;
    char path[] = "/tmp/cavity-dmft-ckpt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    remove(path);
    /* reference: 4 iterations in one go */
    double a[31 * 6], b[31 * 6];
    cav_dmft_gd *s = solve(&p, &o, a, NULL);
    assert_int_equal(cav_dmft_gd_status(s), CAV_EMAXITER);
    assert_non_null(strstr(cav_dmft_gd_error(s)->msg, "not converged"));
    cav_dmft_gd_free(s);
    /* 2 iterations with a checkpoint, then resume to 4 */
    o.checkpoint = path, o.max_iter = 2;
    s = solve(&p, &o, b, NULL);
    cav_dmft_gd_free(s);
    o.max_iter = 4;
    s = cav_dmft_gd_alloc(30);
    assert_int_equal(cav_dmft_gd_set(s, &p, &o), CAV_OK);
    assert_int_equal(cav_dmft_gd_iterations(s), 2);
    cav_dmft_gd_solve(s, NULL, NULL);
    cav_dmft_gd_observables(s, b, NULL);
    for (int i = 0; i < 31 * 6; i++)
        assert_true(a[i] == b[i] || (isnan(a[i]) && isnan(b[i])));
    cav_dmft_gd_free(s);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_exact_vs_mp),
                                   cmocka_unit_test(test_exact_one_sweep),
                                   cmocka_unit_test(test_sampled_vs_exact),
                                   cmocka_unit_test(test_amp_reduction),
                                   cmocka_unit_test(test_bad_input_and_unstable),
                                   cmocka_unit_test(test_checkpoint_resume),
                                   cmocka_unit_test(test_thread_invariance)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
