/* Shared by the autoencoder model tests: Adam-trained (or PCA) runs over seeds reduced to means
 * and standard errors, and the z-test against a theory value. */
#ifndef CAVITY_TESTS_AETEST_H
#define CAVITY_TESTS_AETEST_H

#include <math.h>
#include <stdio.h>

#include "cavity/hf.h"

typedef struct ae_stats {
    double tu, tv, train, test, down; /* means */
    double tu_se, tv_se, train_se, test_se;
    double tv_max;
} ae_stats;

static inline ae_stats ae_run(int learner, const char *act, int latent, int seeds, size_t d,
                              double alpha)
{
    double s[5] = {0}, s2[5] = {0};
    ae_stats st = {0};
    for (int k = 0; k < seeds; k++) {
        cav_hf_sim_config c;
        cav_hf_sim_config_default(&c);
        c.data.latent = latent;
        c.learner = learner;
        c.act = cav_activation_find(act);
        c.d = d;
        c.alpha = alpha;
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

static inline void ae_near(const char *what, double sim, double se, double th, double zc)
{
    double z = se > 0 ? (sim - th) / se : (sim == th ? 0 : INFINITY);
    fprintf(stderr, "  %-10s sim %.5f +- %.5f theory %.5f z %.2f (z* %.2f)\n", what, sim, se, th, z,
            zc);
    assert_true(fabs(z) <= zc);
}

#endif
