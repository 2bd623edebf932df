/* The replica-symmetric state evolution against the Adam-trained ReLU autoencoder at the paper's
 * dimension: k* = 2, beta_u = 1, beta_v = 2, alpha = 4, 6, 8, d = 2000, 4 seeds each (1200
 * full-batch Adam epochs, lr 0.1, from w ~ N(0, I_d)); theta_u, theta_v and the test loss within
 * the family-wise threshold of zcrit.h (9 comparisons); the training loss is printed (at d = 300
 * and 600 Adam's minimum lies ~0.013 below the RS value: docs/autoencoder.md).
 * Size: 12 trainings at n = 8000-16000, d = 2000; about 10 minutes of CPU each on this machine's
 * cores, so about 2 hours on 2 cores. Not run when written (the shared machine was loaded). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/hf.h"
#include "cavity/models/autoencoder.h"
#include "models/autoencoder/aetest.h"
#include "models/zcrit.h"

enum { D = 2000 };
static double ALPHA = 8;

static void test_theory_vs_adam_d2000(void **state)
{
    (void)state;
    const double alphas[3] = {4, 6, 8};
    const double zc = test_zcrit(9);
    for (int a = 0; a < 3; a++) {
        ALPHA = alphas[a];
        cav_autoencoder_params p;
        cav_model_defaults(&cav_model_autoencoder, &p);
        p.alpha = ALPHA;
        p.activation = &cav_act_relu;
        cav_result r;
        cav_result_init(&r, (size_t)cav_model_autoencoder.nobs);
        cav_model_autoencoder.theory(&p, NULL, NULL, &r);
        assert_int_equal(r.status, CAV_OK);
        cav_autoencoder_obs th = *(const cav_autoencoder_obs *)cav_result_row(&r, 0);
        cav_result_release(&r);
        fprintf(stderr, "alpha %g\n", ALPHA);
        ae_stats s = ae_run(CAV_HF_AE, "relu", CAV_HF_K2, 4, D, ALPHA);
        ae_near("theta_u", s.tu, s.tu_se, th.theta_u, zc);
        ae_near("theta_v", s.tv, s.tv_se, th.theta_v, zc);
        ae_near("test", s.test, s.test_se, th.test_loss, zc);
        fprintf(stderr, "  train      sim %.5f +- %.5f theory %.5f (printed)\n", s.train,
                s.train_se, th.train_loss);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_theory_vs_adam_d2000),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
