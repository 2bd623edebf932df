/* AMP-RBM and its state evolution with two hidden units (k = r = 2, Rademacher hidden units,
 * spikes and latents, alpha = 2, Lambda = diag(lambda, lambda/2)), about 30 s on 2 loaded cores:
 *   - the SE fixed point from the uninformed start is the decoupled point (unit a on spike a, no
 *     cross overlaps) and equals the two one-unit fixed points at lambda and lambda/2 (a
 *     consequence of the separable eta and the even psi, docs/rbm.md) to 1e-7, at
 *     Lambda = diag(3.5, 1.75) and at Lambda = 1.4 I (the paper's Fig. 1 left); with the variance
 *     damping 0.5 of one unit the SE leaves that point for a period-2 cycle of the cross
 *     overlaps (the reason for CAV_RBM_AMP_DAMPING_K2); at Lambda = diag(2, 1) the second unit
 *     needs a variance above the cap (as one unit at lambda 1) and the solve reports maxiter;
 *   - AMP-RBM at d = 1000 (n = 2000), 4 seeds, from an informed start against its SE step by
 *     step (zeta 2 x 2 and Q 2 x 2 at iterations 1..8);
 *   - AMP-RBM from a random start (80 iterations): converged (J still to 1e-9), the end point a
 *     stationary point and a local maximum of J along random directions (finite differences),
 *     and its aligned overlaps against the SE fixed point;
 * the theory-vs-simulation comparisons judged together with the family-wise threshold of
 * zcrit.h. */
#define D 1000
#define RBM2_SEED0 0
#define RBM2_ORTH 0
#include "rbm_amp2_cmp.h"

static void test_se_decoupled(void **st)
{
    (void)st;
    const double lam[2] = {3.5, 1.4}, ratio[2] = {0.5, 1.0};
    for (int i = 0; i < 2; i++) {
        cav_rbm p = k2(lam[i], ratio[i]);
        cav_rbm_amp_fp f;
        assert_int_equal(cav_rbm_amp_se_solve(&p, NULL, 0, &f), CAV_OK);
        fprintf(stderr,
                "k = 2, lambda %g ratio %g: %ld steps, zeta %.6f %.2e %.2e %.6f Q %.6f %.2e %.6f\n",
                lam[i], ratio[i], f.iterations, f.s.zeta[0], f.s.zeta[1], f.s.zeta[2], f.s.zeta[3],
                f.s.Q[0], f.s.Q[1], f.s.Q[3]);
        for (int a = 0; a < 2; a++) {
            cav_rbm q = p;
            q.k = q.r = 1;
            q.lambda = cav_rbm_lambda(&p, a);
            cav_rbm_amp_fp g;
            assert_int_equal(cav_rbm_amp_se_solve(&q, NULL, 0, &g), CAV_OK);
            fprintf(stderr, "  one unit at lambda %g: zeta %.8f Q %.8f V %.8f\n", q.lambda,
                    g.s.zeta[0], g.s.Q[0], g.s.V[0]);
            /* both solves stop on a step residual of 1e-10 with slow contraction: 1e-6 */
            assert_true(fabs(fabs(f.s.zeta[3 * a]) - fabs(g.s.zeta[0])) < 1e-6);
            assert_true(fabs(f.s.Q[3 * a] - g.s.Q[0]) < 1e-6);
            assert_true(fabs(f.s.V[3 * a] - g.s.V[0]) < 1e-6);
        }
        assert_true(fabs(f.s.zeta[1]) < 1e-8 && fabs(f.s.zeta[2]) < 1e-8);
        assert_true(fabs(f.s.Q[1]) < 1e-8 && fabs(f.s.V[1]) < 1e-8);
        if (i) continue;
        /* damping 0.5 from the decoupled point, cross overlaps 1e-4: a period-2 cycle */
        cav_rbm_amp_state s = f.s, o1, o2;
        s.zeta[1] = s.zeta[2] = s.Q[1] = s.Q[2] = 1e-4;
        cav_rbm_amp_se_opts so = cav_rbm_amp_se_opts_default();
        so.orth_steps = 0;
        assert_int_equal(cav_rbm_amp_se_run(&p, &s, &so, 200, NULL, &o1, NULL), CAV_OK);
        assert_int_equal(cav_rbm_amp_se_run(&p, &o1, &so, 1, NULL, &o2, NULL), CAV_OK);
        fprintf(stderr, "damping 0.5: Q_12 %.4f then %.4f\n", o1.Q[1], o2.Q[1]);
        assert_true(fabs(o1.Q[1]) > 0.1 && fabs(o1.Q[1] + o2.Q[1]) < 1e-3 * fabs(o1.Q[1]));
        so.damping = CAV_RBM_AMP_DAMPING_K2;
        assert_int_equal(cav_rbm_amp_se_run(&p, &s, &so, 400, NULL, &o1, NULL), CAV_OK);
        fprintf(stderr, "damping %g: Q_12 %.2e\n", so.damping, o1.Q[1]);
        assert_true(fabs(o1.Q[1]) < 1e-6);
    }
    cav_rbm p = k2(2.0, 0.5);
    cav_rbm_amp_fp f;
    assert_int_equal(cav_rbm_amp_se_solve(&p, NULL, 0, &f), CAV_EMAXITER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_se_decoupled),
        cmocka_unit_test(test_iterations),
        cmocka_unit_test(test_fixed_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
