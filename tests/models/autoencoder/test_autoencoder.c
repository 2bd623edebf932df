/* The `autoencoder` model: the replica-symmetric state evolution against the Adam-trained
 * autoencoder (slow variant with the paper's claims: test_slow_autoencoder_claims.c).
 *
 * ReLU, k* = 2, beta_u = 1, beta_v = 2, alpha = 8, d = 300, 4 seeds (1200 full-batch Adam epochs,
 * lr 0.1, from w ~ N(0, I_d)): theta_u, theta_v and the test loss each within the family-wise
 * 3-sigma threshold of zcrit.h (5 comparisons with the PCA case). Measured when written:
 * theta_u 0.7954 +- 0.0079 vs 0.7823 (z 1.66), theta_v 0.1304 +- 0.0119 vs 0.1407 (z -0.86).
 * The training loss is NOT compared: at d = 300 the Adam minimum is lower than the RS value,
 * -0.6452 +- 0.0018 against -0.6315 (z -7.6), a finite-size effect under study
 * (docs/autoencoder.md); it is printed.
 * PCA over 4 seeds at d = 300, alpha = 8 against the closed form (theta_u, and the top eigenvalue
 * within 2/sqrt(d)).
 * Run time: ~25 s of CPU. */
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

enum { D = 300 };
static const double ALPHA = 8;

static void test_theory_vs_adam(void **state)
{
    (void)state;
    const double zc = test_zcrit(5);
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
    ae_stats s = ae_run(CAV_HF_AE, "relu", CAV_HF_K2, 4, D, ALPHA);
    ae_near("theta_u", s.tu, s.tu_se, th.theta_u, zc);
    ae_near("theta_v", s.tv, s.tv_se, th.theta_v, zc);
    fprintf(stderr, "  train      sim %.5f +- %.5f theory %.5f (not compared: finite size)\n",
            s.train, s.train_se, th.train_loss);
    ae_near("test", s.test, s.test_se, th.test_loss, zc);
    /* PCA against its closed form */
    double tu, tr, te;
    cav_hf_pca_theory(1, ALPHA, &tu, &tr, &te);
    ae_stats pca = ae_run(CAV_HF_PCA, "linear", CAV_HF_K2, 4, D, ALPHA);
    ae_near("pca theta_u", pca.tu, pca.tu_se, tu, zc);
    /* the finite-size top eigenvalue has no spread: its se is tiny, so also an absolute
     * check at the O(d^{-1/2}) scale */
    assert_true(fabs(pca.train - tr) < 2.0 / sqrt((double)D));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_theory_vs_adam),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
