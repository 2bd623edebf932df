/* Multi-index engine (cavity/multi_index.h) on single-index cases with known answers:
 *  - phase retrieval y = z^2 (P = M = 1): weak-recovery threshold alpha_c = 1/2 exactly
 *    (Mondelli & Montanari 2018; E(z^2 - 1)^2 = 2), tower identity E_y Cov(z|y) = 1, and the SE
 *    from an uninformed start decays below 1/2 and grows above it;
 *  - sign (P = M = 1): E[z|y] = y sqrt(2/pi), so no threshold (trivial direction 2/pi), and the
 *    fixed point equals the Bayes-optimal perceptron of cavity/bayes.h (a different code path:
 *    the channel's analytic output function), with the generalisation error arccos(sqrt q)/pi;
 *  - linear channel: the closed form q = qhat/(1 + qhat), qhat = alpha/(1 + Delta - q), and the
 *    closed-form free entropy;
 *  - posterior: Z_out of the sign channel by cubature = H(-y omega/sqrt V); dg_out = the
 *    finite-difference derivative of g_out; methods agree within their error estimates;
 *  - bad input is rejected before any work. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cavity/bayes.h"
#include "cavity/multi_index.h"
#include "cavity/special.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static cav_mi_channel mk(const cav_mi_channel_type *t, int P, int M, double p0, double p1)
{
    cav_mi_channel c;
    memset(&c, 0, sizeof c);
    c.type = t, c.P = P, c.M = M, c.par[0] = p0, c.par[1] = p1;
    return c;
}

static void test_phase_retrieval_threshold(void **st)
{
    (void)st;
    cav_mi_channel ch = mk(&cav_mi_channel_square, 1, 1, 0, 0);
    cav_mi_stab s;
    double tower[1], eest = 0;
    cav_err err = {0};
    assert_int_equal(cav_mi_channel_stability(&ch, NULL, 1e-10, 0, 1, &s, tower, &eest, &err),
                     CAV_OK);
    printf("phase retrieval: lambda_max = %.12f alpha_c = %.12f tower = %.12f trivial %.1e\n",
           s.lambda_max, s.alpha_c, tower[0], s.trivial_max);
    assert_true(fabs(s.alpha_c - 0.5) < 1e-8);
    assert_true(fabs(tower[0] - 1.0) < 1e-8);
    assert_true(s.trivial_max < 1e-12);

    /* SE from an uninformed start: one step ratio q'/q ~ alpha/alpha_c near q = 0 */
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, NULL, &err);
    assert_non_null(cs);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    double q0 = 1e-4, traj[2 * 1];
    for (int k = 0; k < 2; k++) {
        double alpha = k ? 0.52 : 0.48;
        assert_int_equal(cav_mi_se_iterate(&m, alpha, &q0, 1, 1.0, traj, &err), CAV_OK);
        double ratio = traj[1] / q0;
        printf("  alpha %.2f: q1/q0 = %.6f (alpha/alpha_c = %.6f)\n", alpha, ratio, alpha / 0.5);
        assert_true(fabs(ratio - alpha / 0.5) < 2e-3);
        assert_true(k ? ratio > 1 : ratio < 1);
    }
    /* the trivial-point stability through the model (finite differences are not used: lin) */
    double Q0 = 0;
    assert_int_equal(cav_mi_stability(&m, 1.0, &Q0, NULL, 0, 0, &s, &err), CAV_OK);
    assert_true(fabs(s.alpha_c - 0.5) < 1e-7);
    cav_mi_chside_free(cs);
}

static void test_sign_vs_bayes(void **st)
{
    (void)st;
    cav_mi_channel ch = mk(&cav_mi_channel_sign, 1, 1, 0, 0);
    cav_mi_stab s;
    cav_err err = {0};
    assert_int_equal(cav_mi_channel_stability(&ch, NULL, 1e-10, 0, 1, &s, NULL, NULL, &err),
                     CAV_OK);
    printf("sign: trivial = %.12f (2/pi = %.12f), alpha_c = %g\n", s.trivial_max, 2 / M_PI,
           s.alpha_c);
    assert_true(fabs(s.trivial_max - 2 / M_PI) < 1e-9);
    assert_true(s.alpha_c == 0.0);

    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, NULL, &err);
    assert_non_null(cs);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    cav_channel glm = {&cav_channel_sign, {0, 0}};
    const double alphas[] = {0.5, 2.0, 5.0};
    for (int i = 0; i < 3; i++) {
        cav_mi_se_result r;
        cav_mi_se_opts o = cav_mi_se_opts_default();
        o.start = CAV_MI_START_GIVEN;
        double q0 = 0.5;
        o.Q0 = &q0;
        assert_int_equal(cav_mi_se_solve(&m, alphas[i], &o, &r), CAV_OK);
        cav_bayes_solution b;
        assert_int_equal(cav_bayes_solve(&glm, alphas[i], NULL, NULL, &b), CAV_OK);
        double e1 = cav_bayes_egen_sign(r.Q[0]), e2 = cav_bayes_egen_sign(b.q);
        printf("  alpha %.1f: q engine %.12f bayes %.12f  egen %.10f %.10f  (%ld its)\n", alphas[i],
               r.Q[0], b.q, e1, e2, r.iterations);
        assert_true(fabs(r.Q[0] - b.q) < 1e-7);
        assert_true(fabs(e1 - e2) < 1e-7);
    }
    cav_mi_chside_free(cs);
}

static void test_linear_closed_form(void **st)
{
    (void)st;
    const double Delta = 0.3, alpha = 1.7;
    cav_mi_channel ch = mk(&cav_mi_channel_linear, 1, 1, Delta, 0);
    cav_err err = {0};
    /* outer MC (noisy channel): compare with the closed form within 4 standard errors */
    cav_mi_outer_opts oo = cav_mi_outer_opts_default();
    oo.n = 40000;
    oo.inner.method = CAV_MI_GH; /* smooth Gaussian integrand */
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, &oo, &err);
    assert_non_null(cs);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    /* closed form: q = qhat/(1+qhat), qhat = alpha/(1 + Delta - q) */
    double q = 0.5;
    for (int i = 0; i < 200; i++) {
        double qh = alpha / (1 + Delta - q);
        q = qh / (1 + qh);
    }
    cav_mi_se_result r;
    assert_int_equal(cav_mi_se_solve(&m, alpha, NULL, &r), CAV_OK);
    double z = (r.Q[0] - q) / r.Q_se[0];
    printf("linear: q = %.6f +- %.6f, closed form %.6f (z = %.2f)\n", r.Q[0], r.Q_se[0], q, z);
    assert_true(r.Q_se[0] > 0 && r.Q_se[0] < 5e-3);
    assert_true(fabs(z) < 4);
    /* G(q) at a given q: alpha-free check of the output side, E g^2 = 1/(1 + Delta - q) */
    double G, Gse, qq = 0.4;
    assert_int_equal(m.output(m.out_ctx, &qq, &G, &Gse, &err), CAV_OK);
    printf("  G(0.4) = %.6f +- %.6f (exact %.6f)\n", G, Gse, 1 / (1 + Delta - qq));
    assert_true(fabs(G - 1 / (1 + Delta - qq)) < 4 * Gse);
    /* free entropy: Phi = -q qhat/2 + (qhat - log(1+qhat))/2 - alpha/2 (log(2 pi (1-q+Delta)) + 1)
     */
    double phi, pse;
    assert_int_equal(cav_mi_free_entropy(&m, alpha, &q, &phi, &pse, &err), CAV_OK);
    double qh = alpha / (1 + Delta - q);
    double ref = -0.5 * q * qh + 0.5 * (qh - log1p(qh)) -
                 0.5 * alpha * (log(2 * M_PI * (1 - q + Delta)) + 1);
    printf("  Phi = %.6f +- %.6f (closed form %.6f)\n", phi, pse, ref);
    assert_true(fabs(phi - ref) < 4 * pse + 4 * alpha * Gse * 0.5 * q + 1e-3);
    cav_mi_chside_free(cs);
}

static void test_posterior_methods(void **st)
{
    (void)st;
    cav_err err = {0};
    /* sign, k = 1: Z_out = H(-y omega/sqrt V) by adaptive cubature (kink announced) */
    cav_mi_channel ch = mk(&cav_mi_channel_sign, 1, 1, 0, 0);
    cav_mi_inner *w = cav_mi_inner_alloc(&ch, NULL, &err);
    assert_non_null(w);
    assert_int_equal(cav_mi_inner_method(w), CAV_MI_ADAPTIVE);
    const double oms[] = {-2.0, 0.3, 1.5}, Vs[] = {0.05, 0.5, 1.0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int lab = 0; lab < 2; lab++) {
                double s = lab, y = lab ? 1 : -1;
                cav_mi_post p;
                assert_int_equal(cav_mi_posterior(w, &s, &oms[i], &Vs[j], &p, &err), CAV_OK);
                double x = -y * oms[i] / sqrt(Vs[j]);
                double ref = cav_logH(x);
                /* E[z|y] = omega + y sqrt(V) phi(x)/H(x) */
                double mref = oms[i] + y * sqrt(Vs[j]) * cav_mills(x);
                assert_true(fabs(p.logZ - ref) < 1e-7);
                assert_true(fabs(p.mean[0] - mref) < 1e-7);
            }
    cav_mi_inner_free(w);

    /* attention L = 2, M = 2: adaptive vs GH vs MC, dg_out vs finite differences */
    ch = mk(&cav_mi_channel_attention, 2, 2, 1.0, 1.0);
    cav_mi_inner_opts io = cav_mi_inner_opts_default();
    cav_mi_inner *wa = cav_mi_inner_alloc(&ch, &io, &err);
    io.method = CAV_MI_GH;
    io.gh_n = 24;
    io.gh_check = 1;
    cav_mi_inner *wg = cav_mi_inner_alloc(&ch, &io, &err);
    io.method = CAV_MI_MC;
    io.mc_n = 200000;
    cav_mi_inner *wm = cav_mi_inner_alloc(&ch, &io, &err);
    assert_non_null(wa);
    assert_non_null(wg);
    assert_non_null(wm);
    cav_rng r;
    cav_rng_init(&r, 7, 0, 0);
    double worst_gh = 0, worst_mc = 0;
    for (int t = 0; t < 6; t++) {
        double q1 = 0.3 * (t % 3), q2 = 0.45 * (t % 3) + 0.05;
        double V[4] = {1 - q1, 0, 0, 1 - q2}, om[4], Z[4], y[4], s[2];
        for (int i = 0; i < 2; i++) {
            om[i] = sqrt(q1) * cav_rng_normal(&r);
            om[2 + i] = sqrt(q2) * cav_rng_normal(&r);
            Z[i] = om[i] + sqrt(1 - q1) * cav_rng_normal(&r);
            Z[2 + i] = om[2 + i] + sqrt(1 - q2) * cav_rng_normal(&r);
        }
        ch.type->sample(&ch, Z, NULL, y);
        assert_int_equal(ch.type->observe(&ch, y, s), CAV_OK);
        cav_mi_post pa, pg, pm;
        assert_int_equal(cav_mi_posterior(wa, s, om, V, &pa, &err), CAV_OK);
        assert_int_equal(cav_mi_posterior(wg, s, om, V, &pg, &err), CAV_OK);
        assert_int_equal(cav_mi_posterior(wm, s, om, V, &pm, &err), CAV_OK);
        double dg = fabs(pg.logZ - pa.logZ), dm = fabs(pm.logZ - pa.logZ) / fmax(pm.err, 1e-12);
        for (int i = 0; i < 4; i++) {
            dg = fmax(dg, fabs(pg.mean[i] - pa.mean[i]));
            dm = fmax(dm, fabs(pm.mean[i] - pa.mean[i]) / fmax(pm.err, 1e-12));
            for (int j = 0; j < 4; j++)
                dg = fmax(dg, fabs(pg.cov[i * 4 + j] - pa.cov[i * 4 + j]));
        }
        printf("  attention t=%d: adaptive err %.1e (%ld nodes), GH diff %.1e (est %.1e), "
               "MC |z| %.2f (ess %.0f)\n",
               t, pa.err, pa.nodes, dg, pg.err, dm, pm.ess);
        assert_true(pa.err < 1e-6);
        assert_true(dg < 10 * pg.err + 1e-6);
        worst_gh = fmax(worst_gh, dg);
        worst_mc = fmax(worst_mc, dm);
        /* dg_out by central differences of g_out (adaptive, tight) */
        double g0[4], dgo[16];
        assert_int_equal(cav_mi_gout(2, 2, &pa, om, V, g0, dgo), CAV_OK);
        for (int j = 0; j < 4; j++) {
            double op[4], omn[4], gp[4], gm[4], h = 1e-4;
            memcpy(op, om, sizeof op);
            memcpy(omn, om, sizeof omn);
            op[j] += h, omn[j] -= h;
            cav_mi_post pp, pn;
            assert_int_equal(cav_mi_posterior(wa, s, op, V, &pp, &err), CAV_OK);
            assert_int_equal(cav_mi_posterior(wa, s, omn, V, &pn, &err), CAV_OK);
            cav_mi_gout(2, 2, &pp, op, V, gp, NULL);
            cav_mi_gout(2, 2, &pn, omn, V, gm, NULL);
            for (int i = 0; i < 4; i++) {
                double fd = (gp[i] - gm[i]) / (2 * h);
                if (fabs(fd - dgo[i * 4 + j]) > 1e-5 * (1 + fabs(fd)))
                    fail_msg("dg_out[%d][%d] = %g, finite difference %g", i, j, dgo[i * 4 + j], fd);
            }
        }
    }
    printf("attention posterior: worst GH diff %.1e, worst MC |z| %.2f\n", worst_gh, worst_mc);
    assert_true(worst_mc < 5);
    cav_mi_inner_free(wa);
    cav_mi_inner_free(wg);
    cav_mi_inner_free(wm);
}

static void test_attention_inversion(void **st)
{
    (void)st;
    /* observe() recovers h up to its sign, for M = 2, 3, 4 and L = 1, 2, 3 */
    cav_rng r;
    cav_rng_init(&r, 3, 0, 0);
    for (int M = 2; M <= 4; M++)
        for (int L = 1; L <= 3; L++) {
            cav_mi_channel ch = mk(&cav_mi_channel_attention, L, M, 0.7, 1.3);
            cav_mi_layout lay;
            assert_int_equal(cav_mi_channel_layout(&ch, &lay, NULL), CAV_OK);
            for (int t = 0; t < 20; t++) {
                double Z[CAV_MI_MAXPM], y[CAV_MI_MAXY], s[CAV_MI_MAXPM], zd[CAV_MI_MAXPM], lw[1];
                for (int i = 0; i < L * M; i++)
                    Z[i] = cav_rng_normal(&r);
                ch.type->sample(&ch, Z, NULL, y);
                assert_int_equal(ch.type->observe(&ch, y, s), CAV_OK);
                /* the fibre through the true free coordinates returns the true last row on one
                 * branch */
                double best = INFINITY;
                for (int b = 0; b < 2; b++) {
                    ch.type->fibre(&ch, s, b, 1, Z, zd, lw);
                    double d = 0;
                    for (int i = 0; i < M; i++)
                        d = fmax(d, fabs(zd[i] - Z[(L - 1) * M + i]));
                    best = fmin(best, d);
                }
                if (best > 1e-8) fail_msg("M %d L %d: fibre misses the truth by %g", M, L, best);
            }
        }
}

static void test_bad_input(void **st)
{
    (void)st;
    cav_err err = {0};
    cav_mi_channel ch = mk(&cav_mi_channel_attention, 2, 1, 1, 1);
    assert_int_equal(cav_mi_channel_check(&ch, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "M = 1"));
    ch = mk(&cav_mi_channel_attention, 2, 2, -1, 1);
    assert_int_equal(cav_mi_channel_check(&ch, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "skip c"));
    ch = mk(&cav_mi_channel_linear, 1, 1, 0, 0);
    assert_int_equal(cav_mi_channel_check(&ch, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "Delta"));
    ch = mk(&cav_mi_channel_sign, 3, 2, 0, 0);
    assert_int_equal(cav_mi_channel_check(&ch, &err), CAV_EINVAL);
    ch = mk(&cav_mi_channel_square, 1, 1, 0, 0);
    cav_mi_inner_opts io = cav_mi_inner_opts_default();
    io.method = CAV_MI_ADAPTIVE;
    cav_mi_channel at = mk(&cav_mi_channel_attention, 3, 2, 1, 1);
    assert_null(cav_mi_inner_alloc(&at, &io, &err));
    assert_int_equal(err.code, CAV_EUNSUP);
    cav_mi_chside *cs = cav_mi_chside_alloc(&ch, NULL, &err);
    cav_mi_model m;
    cav_mi_chside_model(cs, &m);
    cav_mi_se_result r;
    assert_int_equal(cav_mi_se_solve(&m, -1.0, NULL, &r), CAV_EINVAL);
    assert_non_null(strstr(r.msg, "alpha"));
    double Qbad = 1.5;
    cav_mi_se_opts o = cav_mi_se_opts_default();
    o.start = CAV_MI_START_GIVEN;
    o.Q0 = &Qbad;
    assert_int_equal(cav_mi_se_solve(&m, 1.0, &o, &r), CAV_EINVAL);
    assert_non_null(strstr(r.msg, "Q0"));
    cav_mi_chside_free(cs);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_phase_retrieval_threshold), cmocka_unit_test(test_sign_vs_bayes),
        cmocka_unit_test(test_linear_closed_form),        cmocka_unit_test(test_posterior_methods),
        cmocka_unit_test(test_attention_inversion),       cmocka_unit_test(test_bad_input)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
