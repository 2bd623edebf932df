/* distillation: theory (counting and chance levels) against the model's simulation, through the
 * model contract (cav_model_distillation), d = 100, 6 seeds per case, Adam student at tau = 20
 * with lr 1e-3 and 2000 epochs (shorter than the paper's 1e4 at 1e-4; the identification is the
 * same, the test is faster). Every comparison either checks an exact prediction (match_teacher,
 * acc_student_heldout and acc_teacher = 1 where the theory says so, within 0.01 for the finite
 * training) or a chance level 1/c against the accuracy pooled over the seeds, whose standard
 * error under the null is binomial, sqrt(p (1 - p)/N) with N the pooled number of points (the
 * seed-to-seed standard error of 6 seeds is itself too noisy for a 3-sigma test), at the
 * family-wise threshold of zcrit.h over all chance comparisons.
 * Cases: c = 2 linear at alpha = 1.6, rho = 0.8 (alpha_id = 1.25 < alpha < 2: perfect leakage);
 * c = 3 linear at alpha = 1.7 (identified: match_teacher = 1 for any c); c = 2 linear at
 * alpha = 2.4 > 2 (Cover: the teacher cannot memorise, acc_teacher < 1 in every seed; at n = 240,
 * d = 100 the probability that the labels are separable is P(Bin(239, 1/2) <= 99) = 0.005);
 * c = 2 linear at alpha = 0.6 below alpha_id (no theory value, only the controls). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/models/distillation.h"
#include "../zcrit.h"

enum { S = 6 };

typedef struct tcase {
    long c;
    double alpha, rho;
} tcase;

static const tcase cases[] = {{2, 1.6, 0.8}, {3, 1.7, 0.8}, {2, 2.4, 0.8}, {2, 0.6, 0.8}};
enum { NC = sizeof cases / sizeof cases[0] };

static void test_theory_vs_sim(void **state)
{
    (void)state;
    const double zc = test_zcrit(2 * NC);
    double zmax = 0.0;
    for (int k = 0; k < NC; k++) {
        cav_distillation_params p;
        assert_int_equal(cav_model_defaults(&cav_model_distillation, &p), CAV_OK);
        p.d = 100;
        p.c = cases[k].c;
        p.alpha = cases[k].alpha;
        p.rho = cases[k].rho;
        p.lr_student = 1e-3;
        p.epochs_student = 2000;
        cav_err err = {0};
        assert_int_equal(cav_model_distillation.check(&p, CAV_KIND_SIM, &err), CAV_OK);
        cav_result rt;
        cav_result_init(&rt, (size_t)cav_model_distillation.nobs);
        assert_int_equal(cav_model_distillation.theory(&p, NULL, NULL, &rt), CAV_OK);
        const cav_distillation_obs *t = cav_result_row(&rt, 0);
        double sum[4] = {0}, minv[3] = {1, 1, 1}, maxT = 0;
        for (uint64_t s = 1; s <= S; s++) {
            cav_result r;
            cav_result_init(&r, (size_t)cav_model_distillation.nobs);
            assert_int_equal(cav_model_distillation.simulate(&p, s, &r), CAV_OK);
            const cav_distillation_obs *o = cav_result_row(&r, 0);
            assert_true(o->alpha_id == t->alpha_id && o->alpha_cap == t->alpha_cap);
            double v[4] = {o->acc_control, o->acc_shuffle, o->acc_student_heldout,
                           o->match_teacher};
            for (int j = 0; j < 4; j++)
                sum[j] += v[j];
            minv[0] = fmin(minv[0], o->match_teacher);
            minv[1] = fmin(minv[1], o->acc_student_heldout);
            minv[2] = fmin(minv[2], o->acc_teacher);
            maxT = fmax(maxT, o->acc_teacher);
            cav_result_release(&r);
        }
        /* pooled points: control n = c round(alpha d/c); held-out c (n_c - floor(rho n_c)) */
        double nc = floor(p.alpha * (double)p.d / (double)p.c + 0.5);
        double npts[2] = {(double)p.c * nc, (double)p.c * (nc - floor(p.rho * nc + 1e-9))};
        for (int j = 0; j < 2; j++) { /* chance controls */
            double mean = sum[j] / S, q = 1.0 / (double)p.c;
            double se = sqrt(q * (1 - q) / (npts[j] * S)), z = (mean - q) / se;
            zmax = fmax(zmax, fabs(z));
            print_message("c %ld alpha %.2f: %s %.3f +- %.3f vs 1/c (z = %.2f)\n", p.c, p.alpha,
                          j ? "acc_shuffle" : "acc_control", mean, se, z);
            assert_true(fabs(z) < zc);
            assert_true(t->acc_control == 1.0 / (double)p.c && t->acc_shuffle == t->acc_control);
        }
        print_message("c %ld alpha %.2f (alpha_id %.3f, alpha_cap %.3f): min match %.3f, min "
                      "heldout %.3f, teacher in [%.3f, %.3f]\n",
                      p.c, p.alpha, t->alpha_id, t->alpha_cap, minv[0], minv[1], minv[2], maxT);
        if (t->match_teacher == 1.0) assert_true(minv[0] >= 0.99);
        if (t->acc_student_heldout == 1.0) assert_true(minv[1] >= 0.99);
        if (t->acc_teacher == 1.0) assert_true(minv[2] >= 0.99);
        if (p.c == 2 && p.alpha > t->alpha_cap) {
            assert_true(isnan(t->acc_teacher));
            assert_true(maxT < 1.0);
        }
        if (p.alpha < t->alpha_id) assert_true(isnan(t->match_teacher));
        cav_result_release(&rt);
    }
    print_message("largest chance |z| = %.2f (family-wise threshold %.2f)\n", zmax, zc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_theory_vs_sim)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
