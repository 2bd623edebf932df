/* ERM engine: separability threshold, hinge/logistic continuation, kernel and random-feature
 * learners, lambda -> 0+ limits, parameter errors; Bayes-optimal reference.
 * References written beside each check. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "cavity/bayes.h"
#include "cavity/erm.h"

/* Cover (1965): alpha_c = 2 for labels independent of the inputs (eps = 1); alpha_c(eps)
 * decreasing in eps (more flipped labels, harder to separate); +inf for the sign teacher. */
static void test_separability(void **st)
{
    (void)st;
    cav_err err = {0, ""};
    double ac, prev = INFINITY, t;
    cav_channel C = {&cav_channel_sign_flip, {1.0, 0}};
    assert_int_equal(cav_erm_separability(&C, &ac, &t, &err), CAV_OK);
    assert_true(fabs(ac - 2.0) < 1e-12);
    double eps[] = {0.05, 0.1, 0.25, 0.5, 0.75, 0.95};
    for (int i = 0; i < 6; i++) {
        C.par[0] = eps[i];
        assert_int_equal(cav_erm_separability(&C, &ac, &t, &err), CAV_OK);
        assert_true(ac < prev && ac > 2.0);
        prev = ac;
    }
    C.par[0] = 0;
    assert_int_equal(cav_erm_separability(&C, &ac, &t, &err), CAV_OK);
    assert_true(isinf(ac));
    cav_channel L = {&cav_channel_linear, {0.1, 0}};
    assert_int_equal(cav_erm_separability(&L, &ac, &t, &err), CAV_EINVAL);
}

/* Hinge and logistic, lambda = 1e-2, sign-flip eps = 0.1: every point of an alpha grid with
 * continuation converges to residual < 1e-10. */
static void test_continuation(void **st)
{
    (void)st;
    const cav_loss_type *lt[] = {&cav_loss_hinge, &cav_loss_logistic};
    for (int l = 0; l < 2; l++) {
        cav_loss L = {lt[l], {0, 0}};
        cav_channel C = {&cav_channel_sign_flip, {0.1, 0}};
        cav_erm_problem p = cav_erm_problem_default(&L, &C);
        double w[CAV_ERM_NWARM];
        double prev = 0.5;
        for (int i = 0; i < 25; i++) {
            p.alpha = 0.2 + 0.2 * i;
            cav_erm_solution s;
            assert_int_equal(cav_erm_solve(&p, i ? w : NULL, NULL, &s), CAV_OK);
            assert_true(s.residual < 1e-10);
            cav_erm_warm(&s, w);
            double eg = cav_erm_egen_sign(s.m_test, s.q_test);
            assert_true(eg < prev + 1e-12); /* learning curve decreasing at this lambda */
            prev = eg;
        }
    }
}

/* Hinge below the separability threshold: the lambda -> 0+ (max-margin) solution equals the
 * small-lambda solutions (hinge: exactly, once lambda is small enough), with lambda V -> V~. */
static void test_hinge_limit(void **st)
{
    (void)st;
    cav_loss L = {&cav_loss_hinge, {0, 0}};
    cav_channel C = {&cav_channel_sign_flip, {0.2, 0}};
    cav_erm_problem p = cav_erm_problem_default(&L, &C);
    p.alpha = 1.5;
    p.lambda = 0;
    cav_erm_solution s0, s1;
    assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s0), CAV_OK);
    assert_int_equal(s0.regime, CAV_ERM_INTERPOLATING);
    p.lambda = 1e-4;
    assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s1), CAV_OK);
    assert_true(fabs(s1.m - s0.m) < 1e-4 * s0.m && fabs(s1.q - s0.q) < 1e-4 * s0.q);
    assert_true(fabs(p.lambda * s1.V - s0.V) < 1e-4 * s0.V);
    /* logistic at lambda = 0 below threshold: the max-margin solution (same as hinge 0+) */
    cav_loss G = {&cav_loss_logistic, {0, 0}};
    p.loss = G;
    p.lambda = 0;
    assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s1), CAV_OK);
    assert_true(fabs(s1.m - s0.m) < 1e-12 && strstr(s1.msg, "max-margin") != NULL);
}

/* Ridgeless kernel regression = linear ridge with lambda_eff = mu*^2/mu1^2 (K^{-1} identity,
 * docs/raf.md), while interpolating (E_mem = 0 on facts). */
static void obs_mem(void *ctx, size_t n, const double *y, const double *om, const double *h,
                    const double *dp, double *out)
{
    (void)ctx, (void)om, (void)dp;
    for (size_t i = 0; i < n; i++)
        out[i] = y[i] * h[i] < 0 ? 1.0 : 0.0;
}
static void test_kernel_ridgeless(void **st)
{
    (void)st;
    cav_loss L = {&cav_loss_square, {0, 0}};
    cav_channel C = {&cav_channel_sign_flip, {0.2, 0}}, fact = {&cav_channel_sign_flip, {1, 0}};
    double as[] = {0.5, 2.0, 3.5};
    for (int i = 0; i < 3; i++) {
        cav_erm_problem k = cav_erm_problem_default(&L, &C), l = k;
        k.learner = CAV_LEARNER_KERNEL;
        k.mu1 = 0.8;
        k.mustar = 0.6;
        k.lambda = 0;
        k.alpha = l.alpha = as[i];
        l.lambda = 0.36 / 0.64;
        cav_erm_solution sk, sl;
        assert_int_equal(cav_erm_solve(&k, NULL, NULL, &sk), CAV_OK);
        assert_int_equal(cav_erm_solve(&l, NULL, NULL, &sl), CAV_OK);
        double ek = cav_erm_egen_sign(sk.m_test, sk.q_test);
        double el = cav_erm_egen_sign(sl.m_test, sl.q_test);
        assert_true(fabs(ek - el) < 1e-8);
        double mem;
        cav_err err = {0, ""};
        assert_int_equal(cav_erm_solution_expect(&k, &sk, &fact, obs_mem, NULL, 1, &mem, &err),
                         CAV_OK);
        assert_true(mem == 0.0);
    }
}

/* Random features with kappa -> infinity approach the kernel learner with the same (mu1, mu*)
 * and lambda (the RF Gram a.k.a. kernel VV^T/p converges to the kernel); error O(1/kappa). */
static void test_rf_to_kernel(void **st)
{
    (void)st;
    cav_loss L = {&cav_loss_square, {0, 0}};
    cav_channel C = {&cav_channel_sign_flip, {0.2, 0}};
    cav_erm_problem k = cav_erm_problem_default(&L, &C);
    k.learner = CAV_LEARNER_KERNEL;
    k.mu1 = 0.8;
    k.mustar = 0.6;
    k.lambda = 0.1;
    k.alpha = 2.0;
    cav_erm_solution sk, sr;
    assert_int_equal(cav_erm_solve(&k, NULL, NULL, &sk), CAV_OK);
    double ek = cav_erm_egen_sign(sk.m_test, sk.q_test), prev = INFINITY;
    for (double kap = 10; kap <= 1e4; kap *= 10) {
        cav_erm_problem r = k;
        r.learner = CAV_LEARNER_RF;
        r.kappa = kap;
        assert_int_equal(cav_erm_solve(&r, NULL, NULL, &sr), CAV_OK);
        double d = fabs(cav_erm_egen_sign(sr.m_test, sr.q_test) - ek);
        assert_true(d < prev);
        prev = d;
        assert_true(fabs(sr.V_chan - sk.V_chan) < 20.0 / kap * sk.V_chan);
        /* decomposition q = mu1^2 q_s + mu*^2 q_w; q_s, q_w are evaluated at F(x), which differs
         * from the state x by the residual (relative to 1 + max|x|, here V ~ 8) */
        double scale = 1 + fmax(sr.V, fmax(sr.q, fabs(sr.m)));
        assert_true(fabs(0.64 * sr.q_s + 0.36 * sr.q_w - sr.q) < 2 * sr.residual * scale);
    }
    assert_true(prev < 1e-4);
}

/* Bayes-optimal, noiseless sign teacher: alpha egen -> 0.442 (Opper & Haussler 1991),
 * approached from below like 1/alpha. */
static void test_bayes_limit(void **st)
{
    (void)st;
    cav_channel C = {&cav_channel_sign, {0, 0}};
    double q = 0.5, prev = 1.0;
    double as[] = {50, 100, 200};
    for (int i = 0; i < 3; i++) {
        cav_bayes_solution b;
        assert_int_equal(cav_bayes_solve(&C, as[i], &q, NULL, &b), CAV_OK);
        q = b.q;
        double d = fabs(as[i] * cav_bayes_egen_sign(b.q) - 0.442);
        assert_true(d < prev);
        prev = d;
    }
    assert_true(prev < 1e-3);
    /* eps = 1: labels carry no information, q = 0 */
    cav_channel F = {&cav_channel_sign_flip, {1.0, 0}};
    cav_bayes_solution b;
    double q0 = 0.3;
    assert_int_equal(cav_bayes_solve(&F, 2.0, &q0, NULL, &b), CAV_OK);
    assert_true(b.q < 1e-9);
}

static void test_errors(void **st)
{
    (void)st;
    cav_loss L = {&cav_loss_hinge, {0, 0}};
    cav_channel C = {&cav_channel_sign_flip, {0.1, 0}};
    cav_erm_problem p = cav_erm_problem_default(&L, &C);
    cav_err err = {0, ""};
    cav_erm_solution s;
    p.alpha = 0;
    assert_int_equal(cav_erm_check(&p, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "alpha"));
    assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s), CAV_EINVAL);
    assert_non_null(strstr(s.msg, "alpha"));
    p.alpha = 1;
    p.lambda = -1;
    assert_int_equal(cav_erm_check(&p, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "lambda"));
    p.lambda = 0.1;
    p.learner = CAV_LEARNER_RF;
    p.kappa = -2;
    assert_int_equal(cav_erm_check(&p, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "kappa"));
    p.kappa = 1;
    p.mustar = -1;
    assert_int_equal(cav_erm_check(&p, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "mustar"));
    p.mustar = 0.5;
    p.lambda = 0;
    assert_int_equal(cav_erm_check(&p, &err), CAV_EUNSUP);
    C.par[0] = 2;
    p.channel = C;
    assert_int_equal(cav_erm_check(&p, &err), CAV_EINVAL);
    assert_int_equal(cav_bayes_check(&C, 1.0, &err), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_separability), cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_hinge_limit),  cmocka_unit_test(test_kernel_ridgeless),
        cmocka_unit_test(test_rf_to_kernel), cmocka_unit_test(test_bayes_limit),
        cmocka_unit_test(test_errors)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
