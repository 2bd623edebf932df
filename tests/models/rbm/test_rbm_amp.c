/* AMP-RBM and its state evolution, one hidden unit (k = r = 1, Rademacher hidden unit, spike and
 * latent; alpha = 2), about 15 s on 2 loaded cores:
 *   - the SE fixed point at lambda 2 and 1.4 and one undamped SE step against an independent
 *     script (tests/ref/rbm_amp_se_k1.py: adaptive quadrature in omega; the library integrates in
 *     h), to 3e-6 (relative; the worst seen is 1.1e-6);
 *   - AMP-RBM at d = 1000 (n = 2000), 4 seeds, against its SE step by step from an informed start
 *     (the SE started from each seed's measured zeta_0, Q_0): zeta and Q at iterations 1..10;
 *   - AMP-RBM from a random start, 60 iterations, and gradient ascent (lr 0.5, 300 steps) on the
 *     same data: both end at the same weights (relative distance < 1e-6: the AMP fixed point is a
 *     stationary point of J, the one GD reaches), and their |zeta|, Q against the SE fixed point;
 * all theory-vs-simulation comparisons (24) judged together with the family-wise threshold of
 * zcrit.h. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../zcrit.h"
#include "cavity/rbm.h"

#define NCOMP 24
#define NSEED 4
#define D 1000

static cav_rbm k1(double lambda)
{
    cav_rbm p = cav_rbm_default();
    p.k = p.r = 1;
    p.lambda = lambda;
    p.alpha = 2;
    return p;
}

static void test_se_reference(void **st)
{
    (void)st;
    /* tests/ref/rbm_amp_se_k1.py */
    const double lam[2] = {2.0, 1.4};
    const double ref[2][3] = {{1.96487443, 2.67945535, 0.65834696},
                              {1.30256235, 2.22422538, 0.78098523}};
    for (int i = 0; i < 2; i++) {
        cav_rbm p = k1(lam[i]);
        cav_rbm_amp_fp f;
        assert_int_equal(cav_rbm_amp_se_solve(&p, NULL, 0, &f), CAV_OK);
        double got[3] = {fabs(f.s.zeta[0]), f.s.Q[0], f.s.V[0]};
        for (int j = 0; j < 3; j++) {
            fprintf(stderr, "rbm amp se fp lambda %g [%d]: %.8f vs ref %.8f\n", lam[i], j, got[j],
                    ref[i][j]);
            assert_true(fabs(got[j] - ref[i][j]) < 3e-6 * (1 + ref[i][j]));
        }
    }
    /* one step with damping 1 (V' = R^{-1}) */
    cav_rbm p = k1(2.0);
    cav_rbm_amp_state s = {{1.93400599}, {2.5995632}, {0.65042502}}, o;
    cav_rbm_amp_se_opts so = cav_rbm_amp_se_opts_default();
    so.damping = 1;
    assert_int_equal(cav_rbm_amp_se_run(&p, &s, &so, 1, NULL, &o, NULL), CAV_OK);
    const double r1[3] = {1.97170776, 2.69773401, 0.66182124};
    double g1[3] = {o.zeta[0], o.Q[0], o.V[0]};
    for (int j = 0; j < 3; j++) {
        fprintf(stderr, "rbm amp se step [%d]: %.8f vs ref %.8f\n", j, g1[j], r1[j]);
        assert_true(fabs(g1[j] - r1[j]) < 3e-6 * (1 + r1[j]));
    }
    /* bad input */
    cav_err e = {0};
    s.V[0] = 1.2;
    assert_int_equal(cav_rbm_amp_se_step(&p, &s, 0, &o, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "V"));
    so.damping = 0;
    s.V[0] = 0.5;
    assert_int_equal(cav_rbm_amp_se_run(&p, &s, &so, 1, NULL, &o, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "damping"));
}

static double zmax = 0;
static int ncomp = 0;

static void judge(const char *what, double mean, double se, double th)
{
    ncomp++;
    if (se < 1e-9) { /* fixed by construction (the Gram in the linear phase): must agree exactly */
        fprintf(stderr, "rbm amp %s: sim %.6f, theory %.6f (deterministic)\n", what, mean, th);
        assert_true(fabs(mean - th) < 1e-9);
        return;
    }
    double z = (mean - th) / se;
    fprintf(stderr, "rbm amp %s: sim %.4f +- %.4f, theory %.4f, z = %.2f\n", what, mean, se, th, z);
    zmax = fmax(zmax, fabs(z));
}

static void mean_se(const double *x, int n, double *m, double *se)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++)
        s += x[i], s2 += x[i] * x[i];
    *m = s / n;
    *se = sqrt(fmax(s2 / n - *m * *m, 0) / (n - 1));
}

static void test_iterations(void **st)
{
    (void)st;
    cav_rbm p = k1(2.0);
    const int T = 10, nc = CAV_RBM_TRAJ_NCOL(1, 1);
    double dz[NSEED][11], dq[NSEED][11];
    for (int s = 0; s < NSEED; s++) {
        cav_rbm_data data;
        assert_int_equal(cav_rbm_data_draw(&p, D, 100 + (uint64_t)s, &data, NULL), CAV_OK);
        double *W0 = malloc(sizeof(double) * D), tr[11 * 4], ts[11 * 4];
        cav_rng g;
        cav_rng_init(&g, 100 + (uint64_t)s, 7, 0);
        for (long i = 0; i < D; i++)
            W0[i] = 0.15 * data.Ustar[i] / sqrt(p.lambda) + 0.3 * cav_rng_normal(&g);
        cav_rbm_amp_opts o = cav_rbm_amp_opts_default();
        o.steps = T, o.W0 = W0;
        assert_int_equal(cav_rbm_amp(&p, &data, &o, tr, NULL, NULL), CAV_OK);
        cav_rbm_amp_state s0;
        memset(&s0, 0, sizeof s0);
        s0.zeta[0] = tr[2], s0.Q[0] = tr[3], s0.V[0] = o.init_v;
        assert_int_equal(cav_rbm_amp_se_run(&p, &s0, NULL, T, ts, NULL, NULL), CAV_OK);
        for (int t = 1; t <= T; t++) {
            dz[s][t] = tr[t * nc + 2] - ts[t * nc + 2];
            dq[s][t] = tr[t * nc + 3] - ts[t * nc + 3];
        }
        free(W0);
        cav_rbm_data_free(&data);
    }
    for (int t = 1; t <= T; t++) {
        double xz[NSEED], xq[NSEED], m, se;
        char what[64];
        for (int s = 0; s < NSEED; s++)
            xz[s] = dz[s][t], xq[s] = dq[s][t];
        mean_se(xz, NSEED, &m, &se);
        snprintf(what, sizeof what, "t = %d zeta - SE", t);
        judge(what, m, se, 0.0);
        mean_se(xq, NSEED, &m, &se);
        snprintf(what, sizeof what, "t = %d Q - SE", t);
        judge(what, m, se, 0.0);
    }
}

static void test_fixed_point(void **st)
{
    (void)st;
    cav_rbm p = k1(2.0);
    cav_rbm_amp_fp f;
    assert_int_equal(cav_rbm_amp_se_solve(&p, NULL, 0, &f), CAV_OK);
    double za[NSEED], qa[NSEED], zg[NSEED], qg[NSEED];
    for (int s = 0; s < NSEED; s++) {
        cav_rbm_data data;
        assert_int_equal(cav_rbm_data_draw(&p, D, 200 + (uint64_t)s, &data, NULL), CAV_OK);
        double *Wa = malloc(sizeof(double) * D), *Wg = malloc(sizeof(double) * D);
        cav_rbm_amp_opts o = cav_rbm_amp_opts_default();
        o.steps = 60, o.init_seed = 300 + (uint64_t)s;
        double *tr = malloc(sizeof(double) * 61 * 4);
        assert_int_equal(cav_rbm_amp(&p, &data, &o, tr, Wa, NULL), CAV_OK);
        cav_rbm_gd_opts g = cav_rbm_gd_opts_default();
        g.steps = 300, g.lr = 0.5, g.every = 300, g.init_seed = 400 + (uint64_t)s;
        double tg[2 * 4];
        assert_int_equal(cav_rbm_gd(&p, &data, &g, tg, Wg, NULL), CAV_OK);
        double sg = tg[4 + 2] * tr[60 * 4 + 2] < 0 ? -1 : 1, dd = 0, nn = 0;
        for (long i = 0; i < D; i++)
            dd += (Wg[i] - sg * Wa[i]) * (Wg[i] - sg * Wa[i]), nn += Wg[i] * Wg[i];
        fprintf(stderr, "seed %d: |W_gd - W_amp|/|W| = %.2e, J %.6f vs %.6f\n", s, sqrt(dd / nn),
                tg[4 + 1], tr[60 * 4 + 1]);
        assert_true(sqrt(dd / nn) < 1e-6);
        za[s] = fabs(tr[60 * 4 + 2]), qa[s] = tr[60 * 4 + 3];
        zg[s] = fabs(tg[4 + 2]), qg[s] = tg[4 + 3];
        free(tr), free(Wa), free(Wg);
        cav_rbm_data_free(&data);
    }
    double m, se;
    mean_se(za, NSEED, &m, &se);
    judge("fixed point |zeta|", m, se, fabs(f.s.zeta[0]));
    mean_se(qa, NSEED, &m, &se);
    judge("fixed point Q", m, se, f.s.Q[0]);
    mean_se(zg, NSEED, &m, &se);
    judge("GD end |zeta|", m, se, fabs(f.s.zeta[0]));
    mean_se(qg, NSEED, &m, &se);
    judge("GD end Q", m, se, f.s.Q[0]);
    assert_int_equal(ncomp, NCOMP);
    double zc = test_zcrit(NCOMP);
    fprintf(stderr, "rbm amp: max |z| = %.2f over %d comparisons (crit %.2f)\n", zmax, ncomp, zc);
    assert_true(zmax < zc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_se_reference),
        cmocka_unit_test(test_iterations),
        cmocka_unit_test(test_fixed_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
