/* Deep tied low-rank attention (cavity/attention.h) as a sequence multi-index model:
 *  - the plug-in error at alpha = 0 against an independent numpy Monte Carlo
 *    (tests/ref/mi/attention_gen0.py, output in attention_gen0.txt);
 *  - back-propagation against finite differences;
 *  - the first threshold alpha_1 (last layer) from the engine's linear stability, and the growth
 *    rate of the state evolution near Q = 0 measured by Monte Carlo (an independent estimate of
 *    the same operator): it decays at 0.9 alpha_1 and grows at 1.1 alpha_1, and it decays at
 *    the Jensen bound 1/(M(M+1)) — which shows that no value at or below that bound (such as the
 *    published 0.1436 for c = 1) can be the threshold of this state evolution;
 *  - GAMP at D = 1000 follows the state evolution iteration by iteration (family-wise 3 sigma).
 * Run time about a minute on 2 cores. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cavity/attention.h"
#include "cavity/mi_sim.h"
#include "models/zcrit.h"

static void test_gen_error_alpha0(void **st)
{
    (void)st;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/ref/mi/attention_gen0.txt", CAVITY_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int L, M, cnt = 0;
    double c, beta, e0, se0;
    while (fscanf(f, "%d %d %lf %lf %lf %lf", &L, &M, &c, &beta, &e0, &se0) == 6) {
        cav_attention a = {L, M, c, beta};
        double Q[CAV_MI_MAXP * CAV_MI_MAXP] = {0}, e, se;
        assert_int_equal(cav_attention_gen_error(&a, Q, 400000, 3, &e, &se, NULL), CAV_OK);
        double z = (e - e0) / sqrt(se * se + se0 * se0);
        printf(
            "L %d M %d c %g beta %g: gen error(Q=0) = %.5f +- %.5f, numpy %.5f +- %.5f, z = %.2f\n",
            L, M, c, beta, e, se, e0, se0, z);
        assert_true(fabs(z) < test_zcrit(3));
        /* the Bayes-optimal error at Q = 0 is the label variance, below the plug-in error */
        double eb, sb;
        assert_int_equal(cav_attention_bo_error(&a, Q, 20000, 8, 5, &eb, &sb, NULL), CAV_OK);
        assert_true(eb < e);
        cnt++;
    }
    fclose(f);
    assert_int_equal(cnt, 3);
}

static void test_backprop(void **st)
{
    (void)st;
    cav_rng r;
    cav_rng_init(&r, 9, 0, 0);
    for (int L = 1; L <= 3; L++)
        for (int M = 2; M <= 3; M++) {
            cav_attention a = {L, M, 0.8, 1.3};
            double Z[CAV_MI_MAXPM], y[CAV_MI_MAXPM * CAV_MI_MAXPM], dZ[CAV_MI_MAXPM];
            for (int i = 0; i < L * M; i++)
                Z[i] = cav_rng_normal(&r);
            for (int i = 0; i < M * M; i++)
                y[i] = cav_rng_uniform(&r) / M;
            cav_attention_loss_grad(&a, Z, y, dZ);
            for (int i = 0; i < L * M; i++) {
                double Zp[CAV_MI_MAXPM], h = 1e-6;
                memcpy(Zp, Z, sizeof Zp);
                Zp[i] += h;
                double lp = cav_attention_loss_grad(&a, Zp, y, NULL);
                Zp[i] -= 2 * h;
                double lm = cav_attention_loss_grad(&a, Zp, y, NULL);
                double fd = (lp - lm) / (2 * h);
                if (fabs(fd - dZ[i]) > 1e-7 * (1 + fabs(fd)))
                    fail_msg("L %d M %d dZ[%d] = %.10g, finite difference %.10g", L, M, i, dZ[i],
                             fd);
            }
        }
}

static void test_first_threshold(void **st)
{
    (void)st;
    cav_attention a = cav_attention_default();
    cav_attention_th_opts o = cav_attention_th_opts_default();
    o.conditional = 0;
    cav_attention_th th;
    assert_int_equal(cav_attention_thresholds(&a, &o, &th), CAV_OK);
    printf("c = 1: alpha_1 = %.6f (+- %.1e), F = (%.5f, %.5f), first layer %d, Jensen %.6f\n",
           th.alpha1, th.alpha1_err, th.F[0], th.F[1], th.first, th.jensen);
    assert_int_equal(th.first, 1);             /* the last layer is learned first */
    assert_true(th.F[0] < th.F[1]);            /* layer 1 alone is much harder */
    assert_true(th.F[1] <= a.M * (a.M + 1.0)); /* Jensen, per layer */
    assert_true(th.alpha1 > th.jensen * 1.05); /* strictly above the bound */

    /* Monte-Carlo growth rate of the SE at Q = diag(0, eps): G_22/eps -> F_22 */
    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    cav_mi_outer_opts oo = cav_mi_outer_opts_default();
    oo.n = 60000;
    oo.inner.method = CAV_MI_GH;
    oo.inner.gh_n = 16;
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &oo, NULL);
    assert_non_null(cs);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    const double eps = 1e-5;
    double Q[4] = {0, 0, 0, eps}, G[4], Gse[4];
    assert_int_equal(m.output(m.out_ctx, Q, G, Gse, NULL), CAV_OK);
    double F = G[3] / eps, Fse = Gse[3] / eps;
    printf("MC growth rate F_22 = %.4f +- %.4f (cubature %.4f)\n", F, Fse, th.F[1]);
    assert_true(fabs(F - th.F[1]) < 3 * Fse);
    const double alphas[3] = {0.9 * th.alpha1, 1.1 * th.alpha1, th.jensen};
    for (int k = 0; k < 3; k++) {
        double traj[2 * 4];
        double Q0[4] = {0, 0, 0, eps};
        assert_int_equal(cav_mi_se_iterate(&m, alphas[k], Q0, 1, 1.0, traj, NULL), CAV_OK);
        double ratio = traj[4 + 3] / eps, rse = alphas[k] * Fse;
        printf("  alpha = %.5f: q2 ratio after one SE step %.4f +- %.4f\n", alphas[k], ratio, rse);
        if (k == 1)
            assert_true(ratio - 3 * rse > 1.0);
        else
            assert_true(ratio + 3 * rse < 1.0);
    }
    cav_mi_chside_free(cs);
}

static void test_gamp_vs_se(void **st)
{
    (void)st;
    cav_attention a = cav_attention_default();
    cav_mi_channel ch;
    cav_attention_channel(&a, &ch);
    const double alpha = 0.5;
    const long D = 1000, T = 10;
    const int seeds = 6;
    double sm[2][T + 1], s2[2][T + 1];
    memset(sm, 0, sizeof sm);
    memset(s2, 0, sizeof s2);
    for (int s = 0; s < seeds; s++) {
        cav_mi_data d;
        assert_int_equal(cav_mi_data_draw(&ch, D, (long)(alpha * (double)D), 100 + s, &d, NULL),
                         CAV_OK);
        cav_mi_gamp_opts o = cav_mi_gamp_opts_default();
        o.steps = T, o.init = CAV_MI_INIT_INFORMED, o.q0 = 0.1, o.seed = 1 + s;
        o.inner.method = CAV_MI_GH, o.inner.gh_n = 16;
        double traj[(T + 1) * 9];
        assert_int_equal(cav_mi_gamp_run(&ch, &d, &o, traj, NULL, NULL), CAV_OK);
        for (long t = 0; t <= T; t++)
            for (int l = 0; l < 2; l++) {
                double v = traj[t * 9 + 3 * l];
                sm[l][t] += v / seeds;
                s2[l][t] += v * v / seeds;
            }
        cav_mi_data_free(&d);
    }
    /* SE iterate: 4 independent Monte-Carlo sample sets give its own error */
    double se[4][(T + 1) * 4];
    for (int b = 0; b < 4; b++) {
        cav_mi_outer_opts oo = cav_mi_outer_opts_default();
        oo.n = 4000, oo.seed = 10 + b, oo.inner.method = CAV_MI_GH, oo.inner.gh_n = 16;
        cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &oo, NULL);
        cav_mi_model m;
        cav_mi_chside_model(cs, &m);
        double Q0[4] = {0.1, 0, 0, 0.1};
        assert_int_equal(cav_mi_se_iterate(&m, alpha, Q0, T, 1.0, se[b], NULL), CAV_OK);
        cav_mi_chside_free(cs);
    }
    int ncmp = 2 * (int)T;
    double zc = test_zcrit(ncmp), worst = 0;
    for (long t = 1; t <= T; t++)
        for (int l = 0; l < 2; l++) {
            double g = sm[l][t], gse = sqrt(fmax(s2[l][t] - g * g, 0) / (seeds - 1));
            double mu = 0, v = 0;
            for (int b = 0; b < 4; b++)
                mu += se[b][t * 4 + 3 * l] / 4;
            for (int b = 0; b < 4; b++)
                v += pow(se[b][t * 4 + 3 * l] - mu, 2) / 3;
            double z = (g - mu) / sqrt(gse * gse + v / 4 + 1e-12);
            printf("  t %2ld layer %d: GAMP %.4f +- %.4f  SE %.4f +- %.4f  z = %5.2f\n", t, l + 1,
                   g, gse, mu, sqrt(v / 4), z);
            worst = fmax(worst, fabs(z));
        }
    printf("GAMP vs SE, D = %ld, %d seeds: worst |z| = %.2f (criterion %.2f)\n", D, seeds, worst,
           zc);
    assert_true(worst < zc);
}

/* GD on the network: a small step decreases the training loss at every step (the weight
 * gradient is the back-propagated dZ times the inputs), and the rows report consistent norms. */
static void test_gd_descends(void **st)
{
    (void)st;
    cav_attention a = cav_attention_default();
    cav_attention_gd_opts o = cav_attention_gd_opts_default();
    o.D = 200, o.alpha = 1.0, o.steps = 30, o.lr = 0.02, o.every = 1, o.n_test = 200;
    long rows = cav_attention_gd_rows(&o);
    int nc = CAV_ATTENTION_GD_NCOL(2);
    double *out = malloc(sizeof(double) * (size_t)(rows * nc));
    assert_int_equal(cav_attention_gd(&a, &o, out, NULL), CAV_OK);
    for (long r = 1; r < rows; r++) {
        assert_true(out[r * nc + 1] <= out[(r - 1) * nc + 1] + 1e-12);
        for (int l = 0; l < 2; l++) {
            double m = out[r * nc + 3 + 3 * l], q = out[r * nc + 4 + 3 * l];
            assert_true(q > 0 && m * m <= q * 1.2); /* |m| <= |w||w*|/D with |w*|^2/D ~ 1 */
        }
    }
    printf("GD D = 200: train loss %.5f -> %.5f in 30 steps\n", out[1], out[(rows - 1) * nc + 1]);
    o.lr = -1;
    assert_int_equal(cav_attention_gd(&a, &o, out, NULL), CAV_EINVAL);
    free(out);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_gen_error_alpha0), cmocka_unit_test(test_backprop),
        cmocka_unit_test(test_first_threshold), cmocka_unit_test(test_gamp_vs_se),
        cmocka_unit_test(test_gd_descends)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
