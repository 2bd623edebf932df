/* tests/unit/distill/test_distill.c — the distillation experiment (cavity/distill.h) at d = 200,
 * c = 2, linear softmax teacher and student (Behrens & Zdeborová, arXiv:2506.14457).
 *
 *  - identification: for rho in {0.7, 0.8, 0.9}, acc_student_heldout is above 0.99 at
 *    alpha = 1.15/rho (just above the counting threshold alpha_id = 1/rho) and below 0.9 at
 *    alpha = 0.6/rho, for the Adam student on soft labels (tau = 20; teacher 5000 epochs at
 *    lr 1e-3, student 2000 epochs at lr 1e-3) and for the pinv (logit-matching) student; the
 *    teacher memorises (acc_teacher = 1) at every point (alpha < 2 = Cover's capacity);
 *  - controls: the pooled held-out accuracy of all shuffled students and the pooled chance-control
 *    accuracy are within 3 binomial standard errors of 1/2;
 *  - the pinv student reproduces the teacher on the held-out points exactly above threshold
 *    (match_teacher = 1) and the grid call equals single runs bit for bit;
 *  - theory functions: alpha_id = 1/rho, alpha_cap = 2 (c = 2, linear, no bias);
 *  - bad input: rho, tau, c, alpha, pinv with an MLP, rho leaving no held-out point.
 * Run time about 5 s.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/distill.h"

static void test_identification(void **state)
{
    (void)state;
    const double rhos[3] = {0.7, 0.8, 0.9}, tau = 20.0;
    double shuf_ok = 0, shuf_n = 0, ctl_ok = 0, ctl_n = 0;
    for (int student = CAV_DISTILL_ADAM; student <= CAV_DISTILL_PINV; student++)
        for (int i = 0; i < 3; i++)
            for (int side = 0; side < 2; side++) {
                cav_distill_config c;
                cav_distill_config_default(&c);
                c.d = 200;
                c.c = 2;
                c.rho = rhos[i];
                c.tau = tau;
                c.alpha = (side ? 1.15 : 0.6) / rhos[i];
                c.student = student;
                c.lr_student = 1e-3;
                c.epochs_student = 2000;
                c.seed = 11 + (uint64_t)i;
                cav_distill_result r;
                cav_err err = {0};
                assert_int_equal(cav_distill_run(&c, &r, &err), CAV_OK);
                print_message("%s rho %.2f alpha %.3f (alpha_id %.3f): teacher %.3f, heldout %.3f, "
                              "match %.3f, shuffle %.3f, control %.3f (n_S %zu, n_h %zu)\n",
                              student ? "pinv" : "adam", c.rho, r.alpha, cav_distill_alpha_id(&c),
                              r.acc_teacher, r.acc_student_heldout, r.match_teacher, r.acc_shuffle,
                              r.acc_control, r.n_train, r.n_heldout);
                assert_true(r.acc_teacher == 1.0);
                if (side) {
                    assert_true(r.acc_student_heldout > 0.99);
                    assert_true(r.acc_student_train == 1.0);
                    if (student == CAV_DISTILL_PINV) assert_true(r.match_teacher == 1.0);
                } else {
                    assert_true(r.acc_student_heldout < 0.9);
                }
                shuf_ok += r.acc_shuffle * (double)r.n_heldout;
                shuf_n += (double)r.n_heldout;
                ctl_ok += r.acc_control * (double)r.n;
                ctl_n += (double)r.n;
            }
    double zs = (shuf_ok - 0.5 * shuf_n) / sqrt(0.25 * shuf_n);
    double zc = (ctl_ok - 0.5 * ctl_n) / sqrt(0.25 * ctl_n);
    print_message("shuffle: %.0f/%.0f correct, z = %.2f; control: %.0f/%.0f, z = %.2f\n", shuf_ok,
                  shuf_n, zs, ctl_ok, ctl_n, zc);
    assert_true(fabs(zs) < 3.0);
    assert_true(fabs(zc) < 3.0);
}

static void test_grid_equals_runs(void **state)
{
    (void)state;
    cav_distill_config c;
    cav_distill_config_default(&c);
    c.d = 60;
    c.alpha = 1.5;
    c.epochs_teacher = 300;
    c.epochs_student = 300;
    c.lr_student = 1e-3;
    const double rho[2] = {0.5, 0.8}, tau[2] = {2.0, 30.0};
    cav_distill_result g[4], r;
    assert_int_equal(cav_distill_run_grid(&c, 2, rho, 2, tau, g, NULL), CAV_OK);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            c.rho = rho[i];
            c.tau = tau[j];
            assert_int_equal(cav_distill_run(&c, &r, NULL), CAV_OK);
            const cav_distill_result *q = &g[i * 2 + j];
            assert_memory_equal(&r.acc_student_heldout, &q->acc_student_heldout, sizeof(double));
            assert_memory_equal(&r.loss_student, &q->loss_student, sizeof(double));
            assert_memory_equal(&r.acc_shuffle, &q->acc_shuffle, sizeof(double));
            assert_int_equal(r.n_train, q->n_train);
        }
    /* n_c = round(1.5 * 60/2) = 45; rho 0.8 -> 36 per class */
    assert_int_equal(g[2].n, 90);
    assert_int_equal(g[2].n_train, 72);
    assert_int_equal(g[2].n_heldout, 18);
}

static void test_theory_and_bad_input(void **state)
{
    (void)state;
    cav_distill_config c;
    cav_distill_config_default(&c);
    c.rho = 0.8;
    assert_true(fabs(cav_distill_alpha_id(&c) - 1.25) < 1e-15);
    assert_true(fabs(cav_distill_alpha_cap(&c) - 2.0) < 1e-15);
    c.bias = 1;
    assert_true(fabs(cav_distill_alpha_cap(&c) - 2.0 * 201.0 / 200.0) < 1e-14);
    c.bias = -1;
    cav_distill_result r;
    cav_err err = {0};
    c.rho = 1.0;
    assert_int_equal(cav_distill_run(&c, &r, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "rho"));
    assert_int_equal(r.status, CAV_EINVAL);
    c.rho = 0.8;
    c.tau = 0.0;
    assert_int_equal(cav_distill_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "tau"));
    c.tau = 1.0;
    c.c = 1;
    assert_int_equal(cav_distill_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "c = 1"));
    c.c = 2;
    c.alpha = -1;
    assert_int_equal(cav_distill_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "alpha"));
    c.alpha = 1;
    c.arch = CAV_DISTILL_MLP;
    c.student = CAV_DISTILL_PINV;
    assert_int_equal(cav_distill_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "pinv"));
    c.arch = CAV_DISTILL_LINEAR;
    c.student = CAV_DISTILL_ADAM;
    c.d = 10;
    c.alpha = 0.4; /* n_c = 2, rho 0.8 -> 1 per class: fine; rho 0.4 -> 0: no student data */
    assert_int_equal(cav_distill_check(&c, &err), CAV_OK);
    c.rho = 0.4;
    assert_int_equal(cav_distill_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "per class"));
    c.rho = 0.8;
    c.lr_student = 0.0;
    assert_int_equal(cav_distill_check(&c, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "lr_student"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identification),
        cmocka_unit_test(test_grid_equals_runs),
        cmocka_unit_test(test_theory_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
