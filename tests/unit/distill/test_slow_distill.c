/* tests/unit/distill/test_slow_distill.c — the distillation phase diagram at the paper's protocol
 * (Behrens & Zdeborová, arXiv:2506.14457, binary linear case): d = 200, c = 2, linear softmax
 * teacher and student without bias, teacher full-batch Adam lr 1e-3 for 5000 epochs, student
 * full-batch Adam lr 1e-4 for 10000 epochs on soft labels at tau = 20, 2 seeds.
 *
 *  - for rho in {0.7, 0.75, 0.8, 0.9} and alpha = 0.5, 0.6, ..., 1.8: the seed-averaged held-out
 *    accuracy first reaches 0.99 within 0.2 of the counting threshold alpha_id = 1/rho, and is
 *    below 0.95 at every alpha <= 0.8/rho; the teacher memorises (acc >= 0.99) for alpha <= 1.7
 *    (Cover's capacity is 2, approached at d = 200 with a width ~ sqrt(n)/d); shuffled students
 *    and the chance control pooled over the whole grid within 3 binomial standard errors of 1/2;
 *  - temperature sweep at alpha = 1.6, rho = 0.8: no leakage at tau <= 1 (held-out accuracy below
 *    0.7, the soft labels being nearly one-hot), perfect leakage (> 0.99) for tau in 10..1e4.
 * Size and time: 14 x 2 teachers and 130 students of d = 200, n <= 360; 1 minute of CPU (2 min
 * 17 s wall on the shared 2-core machine). First run: the first alpha with held-out accuracy
 * >= 0.99 is 1.50, 1.40, 1.30, 1.10 for rho = 0.7, 0.75, 0.8, 0.9 (1/rho = 1.43, 1.33, 1.25,
 * 1.11); shuffle z = -0.67 over 5488 points, control z = -0.37 over 6440; held-out accuracy
 * 0.50, 0.50, 0.52, 0.68 at tau = 0.1, 0.3, 1, 3 and 1.000 from tau = 10 to 10^4.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/distill.h"

static void test_phase_diagram(void **state)
{
    (void)state;
    enum { NR = 4, NA = 14, NS = 2 };
    const double rho[NR] = {0.7, 0.75, 0.8, 0.9}, tau = 20.0;
    double acc[NR][NA] = {{0}}, accT[NA] = {0}, shuf = 0, shuf_n = 0, ctl = 0, ctl_n = 0;
    cav_distill_config c;
    cav_distill_config_default(&c);
    c.tau = tau;
    for (int a = 0; a < NA; a++)
        for (uint64_t s = 0; s < NS; s++) {
            c.alpha = 0.5 + 0.1 * a;
            c.seed = s;
            cav_distill_result r[NR];
            assert_int_equal(cav_distill_run_grid(&c, NR, rho, 1, &tau, r, NULL), CAV_OK);
            accT[a] += r[0].acc_teacher / NS;
            for (int i = 0; i < NR; i++) {
                acc[i][a] += r[i].acc_student_heldout / NS;
                shuf += r[i].acc_shuffle * (double)r[i].n_heldout;
                shuf_n += (double)r[i].n_heldout;
            }
            ctl += r[0].acc_control * (double)r[0].n;
            ctl_n += (double)r[0].n;
        }
    print_message("teacher accuracy:");
    for (int a = 0; a < NA; a++) {
        print_message(" %.3f", accT[a]);
        if (0.5 + 0.1 * a <= 1.7 + 1e-9) assert_true(accT[a] >= 0.99);
    }
    print_message("\n");
    for (int i = 0; i < NR; i++) {
        double first = NAN;
        for (int a = 0; a < NA && isnan(first); a++)
            if (acc[i][a] >= 0.99) first = 0.5 + 0.1 * a;
        print_message("rho %.2f (alpha_id %.3f): first alpha with heldout >= 0.99: %.2f; curve",
                      rho[i], 1 / rho[i], first);
        for (int a = 0; a < NA; a++)
            print_message(" %.2f", acc[i][a]);
        print_message("\n");
        assert_true(fabs(first - 1 / rho[i]) <= 0.2);
        for (int a = 0; a < NA; a++)
            if (0.5 + 0.1 * a <= 0.8 / rho[i] + 1e-9) assert_true(acc[i][a] < 0.95);
    }
    double zs = (shuf - 0.5 * shuf_n) / sqrt(0.25 * shuf_n);
    double zc = (ctl - 0.5 * ctl_n) / sqrt(0.25 * ctl_n);
    print_message("shuffle z = %.2f (%.0f points), control z = %.2f (%.0f points)\n", zs, shuf_n,
                  zc, ctl_n);
    assert_true(fabs(zs) < 3.0);
    assert_true(fabs(zc) < 3.0);
}

static void test_temperature(void **state)
{
    (void)state;
    const double taus[] = {0.1, 0.3, 1, 3, 10, 30, 100, 1000, 10000}, rho = 0.8;
    double acc[9] = {0};
    cav_distill_config c;
    cav_distill_config_default(&c);
    c.alpha = 1.6;
    c.shuffle = 0;
    for (uint64_t s = 0; s < 2; s++) {
        cav_distill_result r[9];
        c.seed = s;
        assert_int_equal(cav_distill_run_grid(&c, 1, &rho, 9, taus, r, NULL), CAV_OK);
        for (int j = 0; j < 9; j++)
            acc[j] += r[j].acc_student_heldout / 2;
    }
    for (int j = 0; j < 9; j++) {
        print_message("tau %-6g heldout %.3f\n", taus[j], acc[j]);
        if (taus[j] <= 1) assert_true(acc[j] < 0.7);
        if (taus[j] >= 10) assert_true(acc[j] > 0.99);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase_diagram),
        cmocka_unit_test(test_temperature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
