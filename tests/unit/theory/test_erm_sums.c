/* The square-loss closed-form channel sums (erm_channel.c) agree with the generic quadrature
 * route (prox + kink-aware Gauss–Kronrod + the channel's ylaw) for the RAF, sign and linear
 * channels, in both regimes. Reference: the quadrature route, an independent computation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "theory/erm/erm_internal.h"

static void check_channel(const cav_channel_type *t, double par)
{
    cav_loss loss = {&cav_loss_square, {0, 0}};
    cav_channel ch = {t, {par, 0}};
    const double ms[] = {0.0, 0.3, 0.9}, qs[] = {0.5, 1.0, 4.0}, Vs[] = {0.01, 1.0, 30.0};
    for (int regime = 0; regime < 2; regime++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++) {
                    double m = ms[i] * sqrt(qs[j]), a[3], b[3];
                    cav_err e = {0};
                    assert_int_equal(cav_erm_chan_sums(&loss, &ch, m, qs[j], Vs[k], regime, a, &e),
                                     CAV_OK);
                    assert_int_equal(
                        cav_erm_chan_sums_quad(&loss, &ch, m, qs[j], Vs[k], regime, b, &e), CAV_OK);
                    for (int c = 0; c < 3; c++)
                        assert_true(fabs(a[c] - b[c]) <= 1e-9 * (1 + fabs(b[c])));
                }
}

static void test_sign_flip(void **s)
{
    (void)s;
    check_channel(&cav_channel_sign_flip, 0.0);
    check_channel(&cav_channel_sign_flip, 0.3);
    check_channel(&cav_channel_sign_flip, 1.0);
}

static void test_sign(void **s)
{
    (void)s;
    check_channel(&cav_channel_sign, 0.0);
}

static void test_linear(void **s)
{
    (void)s;
    check_channel(&cav_channel_linear, 0.0);
    check_channel(&cav_channel_linear, 0.5);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_sign_flip), cmocka_unit_test(test_sign),
                                   cmocka_unit_test(test_linear)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
