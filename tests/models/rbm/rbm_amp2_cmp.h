/* Shared by the two-unit AMP-RBM tests (test_rbm_amp2.c at d = 1000, test_slow_rbm_amp2.c at the
 * paper's size): AMP-RBM against its state evolution step by step from an informed start, and
 * from a random start its end point (stationary local maximum of J, aligned overlaps against the
 * SE fixed point), every comparison judged with the family-wise threshold of zcrit.h.
 * The including file defines D (dimension), RBM2_SEED0 (offset of every seed) and RBM2_ORTH (1:
 * keep the default orthogonal early phase in the step-by-step comparison, 0: switch it off). */
#ifndef TESTS_MODELS_RBM_AMP2_CMP_H
#define TESTS_MODELS_RBM_AMP2_CMP_H

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
#include "cavity/rng.h"

#define NSEED 4
#define T 8
#define NCOMP (T * 7 + 7)

static cav_rbm k2(double lambda, double ratio)
{
    cav_rbm p = cav_rbm_default();
    p.k = p.r = 2;
    p.lambda = lambda;
    p.ratio = ratio;
    p.alpha = 2;
    return p;
}

static double zmax = 0;
static int ncomp = 0;

static void judge(const char *what, double mean, double se, double th)
{
    ncomp++;
    if (se < 1e-9) { /* fixed by construction (the Gram in the linear and orthogonal phases) */
        fprintf(stderr, "rbm amp k2 %s: sim %.3e, theory %.3e (deterministic)\n", what, mean, th);
        assert_true(fabs(mean - th) < 1e-9);
        return;
    }
    double z = (mean - th) / se;
    fprintf(stderr, "rbm amp k2 %s: sim %.4f +- %.4f, theory %.4f, z = %.2f\n", what, mean, se, th,
            z);
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

#define NC CAV_RBM_TRAJ_NCOL(2, 2)

static void test_iterations(void **st)
{
    (void)st;
    cav_rbm p = k2(3.5, 0.5);
    double dv[NSEED][T + 1][7];
    for (int s = 0; s < NSEED; s++) {
        cav_rbm_data data;
        assert_int_equal(cav_rbm_data_draw(&p, D, RBM2_SEED0 + 500 + (uint64_t)s, &data, NULL),
                         CAV_OK);
        double *W0 = malloc(sizeof(double) * 2 * D), tr[(T + 1) * NC], ts[(T + 1) * NC];
        cav_rng g;
        cav_rng_init(&g, RBM2_SEED0 + 500 + (uint64_t)s, 7, 0);
        for (long i = 0; i < D; i++)
            for (int a = 0; a < 2; a++)
                W0[i * 2 + a] = 0.15 * data.Ustar[i * 2 + a] / sqrt(cav_rbm_lambda(&p, a)) +
                                0.3 * cav_rng_normal(&g);
        cav_rbm_amp_opts o = cav_rbm_amp_opts_default();
        o.steps = T, o.W0 = W0, o.damping = CAV_RBM_AMP_DAMPING_K2;
        if (!RBM2_ORTH) o.orth_steps = 0;
        assert_int_equal(cav_rbm_amp(&p, &data, &o, tr, NULL, NULL), CAV_OK);
        cav_rbm_amp_state s0;
        memset(&s0, 0, sizeof s0);
        memcpy(s0.zeta, tr + 2, sizeof(double) * 4);
        memcpy(s0.Q, tr + 6, sizeof(double) * 4);
        s0.V[0] = s0.V[3] = o.init_v;
        cav_rbm_amp_se_opts so = cav_rbm_amp_se_opts_default();
        so.damping = CAV_RBM_AMP_DAMPING_K2;
        if (!RBM2_ORTH) so.orth_steps = 0;
        assert_int_equal(cav_rbm_amp_se_run(&p, &s0, &so, T, ts, NULL, NULL), CAV_OK);
        for (int t = 1; t <= T; t++)
            for (int j = 0; j < 7; j++)
                dv[s][t][j] = tr[t * NC + 2 + j + (j == 6)] - ts[t * NC + 2 + j + (j == 6)];
        free(W0);
        cav_rbm_data_free(&data);
    }
    static const char *nm[7] = {"zeta_11", "zeta_12", "zeta_21", "zeta_22", "Q_11", "Q_12", "Q_22"};
    for (int t = 1; t <= T; t++)
        for (int j = 0; j < 7; j++) {
            double x[NSEED], m, se;
            char what[64];
            for (int s = 0; s < NSEED; s++)
                x[s] = dv[s][t][j];
            mean_se(x, NSEED, &m, &se);
            snprintf(what, sizeof what, "t = %d %s - SE", t, nm[j]);
            judge(what, m, se, 0.0);
        }
}

/* J along W + e E, E a fixed random direction with |E|^2 = d k */
static double j_at(const cav_rbm *p, const cav_rbm_data *data, const double *W, const double *E,
                   double e)
{
    double *X = malloc(sizeof(double) * 2 * D), z[4], c[4], Q[4], J = NAN;
    for (long i = 0; i < 2 * D; i++)
        X[i] = W[i] + e * E[i];
    assert_int_equal(cav_rbm_observe(p, data, X, z, c, Q, &J, NULL), CAV_OK);
    free(X);
    return J;
}

static void test_fixed_point(void **st)
{
    (void)st;
    cav_rbm p = k2(3.5, 0.5);
    cav_rbm_amp_fp f;
    assert_int_equal(cav_rbm_amp_se_solve(&p, NULL, 0, &f), CAV_OK);
    const int S = 120;
    double v[NSEED][7];
    for (int s = 0; s < NSEED; s++) {
        cav_rbm_data data;
        assert_int_equal(cav_rbm_data_draw(&p, D, RBM2_SEED0 + 600 + (uint64_t)s, &data, NULL),
                         CAV_OK);
        double *W = malloc(sizeof(double) * 2 * D), *tr = malloc(sizeof(double) * (S + 1) * NC);
        cav_rbm_amp_opts o = cav_rbm_amp_opts_default();
        o.steps = S, o.init_seed = RBM2_SEED0 + 700 + (uint64_t)s,
        o.damping = CAV_RBM_AMP_DAMPING_K2;
        assert_int_equal(cav_rbm_amp(&p, &data, &o, tr, W, NULL), CAV_OK);
        double J = tr[S * NC + 1];
        fprintf(stderr, "seed %d: J %.10f (step %d: %.10f)\n", s, J, S - 20, tr[(S - 20) * NC + 1]);
        assert_true(fabs(J - tr[(S - 20) * NC + 1]) < 1e-8);
        /* stationary and a local maximum along 3 random directions */
        cav_rng g;
        cav_rng_init(&g, RBM2_SEED0 + 800 + (uint64_t)s, 9, 0);
        double *E = malloc(sizeof(double) * 2 * D);
        for (int rep = 0; rep < 3; rep++) {
            cav_rng_normal_fill(&g, 2 * D, 1.0, E);
            const double e = 1e-3;
            double jp = j_at(&p, &data, W, E, e), jm = j_at(&p, &data, W, E, -e);
            double d1 = (jp - jm) / (2 * e), d2 = (jp - 2 * J + jm) / (e * e);
            /* control: the same derivative 0.05 away along E, about 0.05 d2 */
            double c1 =
                (j_at(&p, &data, W, E, 0.05 + e) - j_at(&p, &data, W, E, 0.05 - e)) / (2 * e);
            fprintf(stderr, "  direction %d: dJ %.2e (0.05 away: %.2e), d2J %.4f\n", rep, d1, c1,
                    d2);
            assert_true(fabs(d1) < 1e-5 && fabs(c1) > 1e-2 && d2 < 0);
        }
        /* align: unit to spike by the larger |zeta|, sign so that zeta_aa > 0 */
        double *z = tr + S * NC + 2, *Q = tr + S * NC + 6;
        int sw = fabs(z[1]) + fabs(z[2]) > fabs(z[0]) + fabs(z[3]);
        int u0 = sw, u1 = 1 - sw; /* unit on spike 1, on spike 2 */
        double s0 = z[u0 * 2 + 0] < 0 ? -1 : 1, s1 = z[u1 * 2 + 1] < 0 ? -1 : 1;
        v[s][0] = s0 * z[u0 * 2 + 0], v[s][1] = s0 * z[u0 * 2 + 1];
        v[s][2] = s1 * z[u1 * 2 + 0], v[s][3] = s1 * z[u1 * 2 + 1];
        v[s][4] = Q[u0 * 3], v[s][5] = s0 * s1 * Q[1], v[s][6] = Q[u1 * 3];
        free(E), free(W), free(tr);
        cav_rbm_data_free(&data);
    }
    static const char *nm[7] = {"zeta_11", "zeta_12", "zeta_21", "zeta_22", "Q_11", "Q_12", "Q_22"};
    for (int j = 0; j < 7; j++) {
        double x[NSEED], m, se;
        char what[64];
        for (int s = 0; s < NSEED; s++)
            x[s] = v[s][j];
        mean_se(x, NSEED, &m, &se);
        snprintf(what, sizeof what, "fixed point %s", nm[j]);
        judge(what, m, se, j < 4 ? f.s.zeta[j] : f.s.Q[j == 4 ? 0 : j == 5 ? 1 : 3]);
    }
    assert_int_equal(ncomp, NCOMP);
    double zc = test_zcrit(NCOMP);
    fprintf(stderr, "rbm amp k2: max |z| = %.2f over %d comparisons (crit %.2f)\n", zmax, ncomp,
            zc);
    assert_true(zmax < zc);
}

#endif
