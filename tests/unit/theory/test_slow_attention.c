/* Slow: the conditional threshold alpha_2 of 2-layer tied attention (M = 2, c = 1), i.e. the
 * alpha above which layer 1 grows once layer 2 is learned, and its bracketing by the state
 * evolution itself: at 0.9 alpha_2 and 1.1 alpha_2, with layer 2 at its fixed point q2*(alpha)
 * (reached from a small overlap) and layer 1 at q1 = 1e-5, one SE step multiplies q1 by
 * alpha lambda_max (Monte-Carlo estimate from an independent sample set), which must be below 1
 * and above 1 respectively (3 standard errors).
 * Size: 8000 Monte-Carlo samples for alpha_2 (Brent to 5e-3), 16000 for the brackets, 16-node
 * Gauss-Hermite posterior. Run time: about 15 minutes on 2 idle cores. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cavity/attention.h"

static void test_conditional_threshold(void **st)
{
    (void)st;
    cav_attention a = cav_attention_default();
    cav_attention_th_opts o = cav_attention_th_opts_default();
    o.outer.n = 8000;
    o.xtol = 5e-3;
    cav_attention_th th;
    assert_int_equal(cav_attention_thresholds(&a, &o, &th), CAV_OK);
    printf("c = 1: alpha_1 = %.5f, alpha_2 = %.4f +- %.4f (q2 there %.4f) %s\n", th.alpha1,
           th.alpha2, th.alpha2_se, th.q_first_at_alpha2, th.msg);
    assert_true(th.alpha2 > 2 * th.alpha1); /* a staircase, not a collapse */

    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    cav_mi_outer_opts oo = o.outer;
    oo.n = 16000;
    oo.seed = 77; /* independent of the sample set that located alpha_2 */
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &oo, NULL);
    assert_non_null(cs);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    const double fac[2] = {0.9, 1.1};
    for (int k = 0; k < 2; k++) {
        double alpha = fac[k] * th.alpha2;
        int frozen[2] = {1, 0};
        cav_mi_se_opts so = cav_mi_se_opts_default();
        so.frozen = frozen;
        so.fixpt.tol = 1e-7;
        so.want_se = 0;
        cav_mi_se_result r;
        assert_int_equal(cav_mi_se_solve(&m, alpha, &so, &r), CAV_OK);
        double Q[4] = {1e-5, 0, 0, r.Q[3]}, G[4], Gse[4];
        assert_int_equal(m.output(m.out_ctx, Q, G, Gse, NULL), CAV_OK);
        double ratio = alpha * G[0] / 1e-5, rse = alpha * Gse[0] / 1e-5;
        printf("  alpha = %.4f (%.1f alpha_2): q2* = %.4f, q1 growth factor %.3f +- %.3f\n", alpha,
               fac[k], r.Q[3], ratio, rse);
        if (k == 0)
            assert_true(ratio + 3 * rse < 1);
        else
            assert_true(ratio - 3 * rse > 1);
    }
    cav_mi_chside_free(cs);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_conditional_threshold)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
