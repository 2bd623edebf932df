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
#include "models/zcrit.h"

enum { D = 300 };
static const double ALPHA = 8;

typedef struct stats {
    double tu, tv, train, test, down; /* means */
    double tu_se, tv_se, train_se, test_se;
    double tv_max;
} stats;

static stats run(int learner, const char *act, int latent, int seeds)
{
    double s[5] = {0}, s2[5] = {0};
    stats st = {0};
    for (int k = 0; k < seeds; k++) {
        cav_hf_sim_config c;
        cav_hf_sim_config_default(&c);
        c.data.latent = latent;
        c.learner = learner;
        c.act = cav_activation_find(act);
        c.d = D;
        c.alpha = ALPHA;
        c.ntest = 100000;
        c.draws = 2000;
        c.seed = (uint64_t)(k + 1);
        cav_hf_sim_result r;
        cav_err e = {0};
        assert_int_equal(cav_hf_sim_run(&c, &r, &e), CAV_OK);
        double x[5] = {r.theta_u, r.theta_v, r.train_loss, r.test_loss, r.downstream_error};
        for (int j = 0; j < 5; j++)
            s[j] += x[j], s2[j] += x[j] * x[j];
        if (r.theta_v > st.tv_max) st.tv_max = r.theta_v;
    }
    double m[5], se[5];
    for (int j = 0; j < 5; j++) {
        m[j] = s[j] / seeds;
        double var = (s2[j] - seeds * m[j] * m[j]) / (seeds - 1);
        se[j] = sqrt(var > 0 ? var / seeds : 0);
    }
    st.tu = m[0], st.tv = m[1], st.train = m[2], st.test = m[3], st.down = m[4];
    st.tu_se = se[0], st.tv_se = se[1], st.train_se = se[2], st.test_se = se[3];
    fprintf(stderr,
            "%s %s k%d: theta_u %.4f+-%.4f theta_v %.4f+-%.4f (max %.4f) train %.4f test "
            "%.4f down %.3f\n",
            learner == CAV_HF_PCA ? "pca" : "ae", act, latent + 1, st.tu, st.tu_se, st.tv, st.tv_se,
            st.tv_max, st.train, st.test, st.down);
    return st;
}

static void near(const char *what, double sim, double se, double th, double zc)
{
    double z = se > 0 ? (sim - th) / se : (sim == th ? 0 : INFINITY);
    fprintf(stderr, "  %-10s sim %.5f +- %.5f theory %.5f z %.2f (z* %.2f)\n", what, sim, se, th, z,
            zc);
    assert_true(fabs(z) <= zc);
}

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
    stats s = run(CAV_HF_AE, "relu", CAV_HF_K2, 4);
    near("theta_u", s.tu, s.tu_se, th.theta_u, zc);
    near("theta_v", s.tv, s.tv_se, th.theta_v, zc);
    fprintf(stderr, "  train      sim %.5f +- %.5f theory %.5f (not compared: finite size)\n",
            s.train, s.train_se, th.train_loss);
    near("test", s.test, s.test_se, th.test_loss, zc);
    /* PCA against its closed form */
    double tu, tr, te;
    cav_hf_pca_theory(1, ALPHA, &tu, &tr, &te);
    stats pca = run(CAV_HF_PCA, "linear", CAV_HF_K2, 4);
    near("pca theta_u", pca.tu, pca.tu_se, tu, zc);
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
