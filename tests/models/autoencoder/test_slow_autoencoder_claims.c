/* The paper's claims about the hidden-factor autoencoders (Conde Mendes et al.,
 * arXiv:2602.10680), over seeds, at d = 300, alpha = 8, k* = 2 unless stated, 2 seeds each.
 * For a w unrelated to v*, |cos(w, v*)| has mean f1 = sqrt(2/(pi d)) = 0.046 (PCA, the best of two
 * directions: f2 = 2/sqrt(pi d) = 0.065). "Recovered" means a mean theta_v above 2 f1 (0.092; the
 * state evolution gives 0.14 for ReLU at k* = 2), "not recovered" below 2 f1 (PCA: 2 f2):
 *   PCA and the linear autoencoder do not recover v*;
 *   ReLU recovers v* at k* = 2 and not at k* = 3; tanh does not at k* = 2 (at k* = 3 the state
 *   evolution gives theta_v = 0.051, below 2 f1 at this d: printed, not asserted);
 *   the linear autoencoder has the lower test loss and ReLU the lower downstream error.
 * The claim "the quadratic activation does not recover" is NOT asserted: He2 = z^2 - 1 trained by
 * Adam reached theta_v 0.22 +- 0.06 (theta_u 0.45) at k* = 2 in the first run of this test, while
 * the state evolution's lower-loss fixed point has m = 0; printed for the record.
 * Size: 16 Adam runs at n = 2400, d = 300; run time ~90 s of CPU (6 min on 2 loaded cores). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/hf.h"
#include "cavity/models/autoencoder.h"

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

static inline void near(const char *what, double sim, double se, double th, double zc)
{
    double z = se > 0 ? (sim - th) / se : (sim == th ? 0 : INFINITY);
    fprintf(stderr, "  %-10s sim %.5f +- %.5f theory %.5f z %.2f (z* %.2f)\n", what, sim, se, th, z,
            zc);
    assert_true(fabs(z) <= zc);
}

static void test_claims(void **state)
{
    (void)state;
    const double cut1 = 2 * sqrt(2 / (acos(-1.0) * D)), cut2 = 4 / sqrt(acos(-1.0) * D);
    stats lin = run(CAV_HF_AE, "linear", CAV_HF_K2, 2);
    stats relu2 = run(CAV_HF_AE, "relu", CAV_HF_K2, 2);
    stats relu3 = run(CAV_HF_AE, "relu", CAV_HF_K3, 2);
    stats tanh2 = run(CAV_HF_AE, "tanh", CAV_HF_K2, 2);
    stats he22 = run(CAV_HF_AE, "he2", CAV_HF_K2, 2);
    stats tanh3 = run(CAV_HF_AE, "tanh", CAV_HF_K3, 2);
    stats pca = run(CAV_HF_PCA, "linear", CAV_HF_K2, 2);
    assert_true(lin.tv < cut1);
    assert_true(relu2.tv > cut1);
    assert_true(relu3.tv < cut1);
    assert_true(tanh2.tv < cut1);
    (void)he22;
    (void)tanh3; /* the state evolution gives theta_v = 0.051 at alpha = 8: not resolvable
                    from the random floor at d = 300 */
    assert_true(pca.tv < cut2);
    /* test loss and downstream error disagree: the linear autoencoder reconstructs better,
     * ReLU classifies better */
    assert_true(lin.test < relu2.test);
    assert_true(relu2.down < lin.down);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
