/* Gradient flow as the small-eta limit of the discrete-time DMFT (cavity/dmft.h, docs/dmft.md,
 * "Continuous time").
 *
 * 1. Square loss, linear teacher y = x.w* / sqrt d + sqrt(Delta) xi, from w = 0. Gradient flow
 *    w' = -grad L(w), L = sum_mu (y_mu - h_mu)^2 / 2 + lambda/2 |w|^2, h = x.w/sqrt d, has
 *      grad L = (S + lambda) w - b,   S = X^T X / d,   b = S w* + sqrt(Delta/d) X^T xi,
 *    so w(tau) = phi_tau(S) b with, writing a = s + lambda,
 *      flow:  phi_tau(s) = (1 - exp(-tau a)) / a              (phi = tau at a = 0),
 *      GD:    phi_t(s)   = (1 - (1 - eta a)^t) / a            (t steps of size eta).
 *    Averaging over w* ~ N(0, I) and xi ~ N(0, I) (E b b^T = S^2 + Delta S):
 *      m(tau) = w.w* / d  = int s phi(s) drho(s),
 *      q(tau) = |w|^2 / d = int phi(s)^2 (s^2 + Delta s) drho(s),
 *      test error         = (1 - 2m + q + Delta) / 2,
 *    rho = spectral law of S (d x d). With n = alpha d rows, the eigenvalues of X^T X / d are
 *    O(alpha): rho = (1 - alpha)_+ delta_0 + sqrt((s+ - s)(s - s-)) / (2 pi s) ds on
 *    [s-, s+], s+- = (sqrt(alpha) +- 1)^2 (alpha times the MP law of ratio 1/alpha). The
 *    training residual is r = (I - G phi(G)) y with G = X X^T / d (n x n), E y y^T = G + Delta I;
 *    G has the nonzero spectrum of S and n - d more zeros than S, hence
 *      train loss = |r|^2 / (2n)
 *                 = (1/(2 alpha)) [int (1 - s phi)^2 (s + Delta) drho + (alpha - 1) Delta]
 *    (rho with its atom; at tau = 0 this is (1 + Delta)/2).
 *    First order in eta at fixed tau = t eta: t log(1 - eta a) = -tau a - eta tau a^2/2 + ...,
 *    so phi_GD = phi_flow + eta psi + O(eta^2) with psi(s) = tau a exp(-tau a) / 2, and
 *      dm = int s psi,   dq = int 2 phi psi (s^2 + Delta s),   dtest = dq/2 - dm,
 *      dtrain = -(1/alpha) int s psi (1 - s phi)(s + Delta)
 *    (GD minus flow = eta x these + O(eta^2)).
 *    Every integral is done here with GSL's adaptive quadrature (qags) over [s-, s+], the atom
 *    at 0 added by hand: independent of the solver (kernels propagated in time) and of
 *    cav_dmft_mp_test_error (not used here).
 *    Checks, 8 cases alpha {0.5, 2} x lambda {0, 0.3} x Delta {0, 0.25}, eta {0.1, 0.05, 0.025},
 *    tau {1, 5, 20}, observables train loss, test error, m, q:
 *    (o) the moments of rho: mass 1, mean alpha, second moment alpha (1 + alpha) (they fix the
 *        scaling of the spectrum);
 *    (i) the discrete-time integrals equal the exact DMFT path to 1e-9 (so the spectral
 *        formulas and the quadrature are right; observed 3e-15);
 *    (ii) DMFT(eta) - flow -> 0 linearly: err(eta)/err(eta/2) in [1.6, 2.4] for both halvings
 *        (observed 1.88 to 2.05), |err(0.025)| < 1e-2 (observed <= 7.9e-3), and
 *        err(0.025)/0.025 equals the first-order coefficient within 5% (observed <= 3%).
 *    Step counts tau/eta up to 800 (the exact path costs O(T^3)).
 *
 * 2. Logistic loss, sign teacher, sampled path: GD at the same time tau with eta, eta/2, eta/4;
 *    the differences between consecutive step sizes shrink ~2x (O(eta)), with the Monte-Carlo
 *    errors accounted for (see test_logistic_flow_limit). No closed form exists there: the
 *    check is the rate; the printed 2 v(eta/4) - v(eta/2) is the Richardson estimate of the
 *    flow. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "cavity/dmft.h"

/* ---- spectral integrals over rho (the law of X^T X / d) ---------------------------------- */

enum { OBS_MASS, OBS_MEAN, OBS_M2, OBS_M, OBS_Q, OBS_TRAIN, OBS_DM, OBS_DQ, OBS_DTRAIN };

typedef struct {
    double alpha, lambda, Delta, tau;
    double eta; /* 0: gradient flow at time tau; > 0: GD with steps = tau/eta */
    long steps;
    int obs;
} spec;

/* phi(s): the filter applied to b (see the header comment). */
static double phi(const spec *c, double s)
{
    double a = s + c->lambda;
    if (c->eta > 0) {
        if (a == 0) return c->eta * (double)c->steps;
        return -expm1((double)c->steps * log1p(-c->eta * a)) / a;
    }
    if (a == 0) return c->tau;
    return -expm1(-c->tau * a) / a;
}

/* psi(s) = d phi / d eta at eta = 0, fixed tau. */
static double psi(const spec *c, double s)
{
    double a = s + c->lambda;
    return 0.5 * c->tau * a * exp(-c->tau * a);
}

/* Integrand g(s) of observable c->obs (the density is applied separately). */
static double g(const spec *c, double s)
{
    double D = c->Delta, f, r;
    switch (c->obs) {
    case OBS_MASS:
        return 1;
    case OBS_MEAN:
        return s;
    case OBS_M2:
        return s * s;
    case OBS_M:
        return s * phi(c, s);
    case OBS_Q:
        f = phi(c, s);
        return f * f * (s * s + D * s);
    case OBS_TRAIN:
        r = 1 - s * phi(c, s);
        return r * r * (s + D);
    case OBS_DM:
        return s * psi(c, s);
    case OBS_DQ:
        return 2 * phi(c, s) * psi(c, s) * (s * s + D * s);
    default:
        return -2 * s * psi(c, s) * (1 - s * phi(c, s)) * (s + D);
    }
}

static double integrand(double s, void *ctx)
{
    const spec *c = ctx;
    double sa = sqrt(c->alpha), lo = (sa - 1) * (sa - 1), hi = (sa + 1) * (sa + 1);
    double w = (hi - s) * (s - lo);
    if (w <= 0) return 0;
    return g(c, s) * sqrt(w) / (2 * M_PI * s);
}

/* int g drho: continuous part by qags on [s-, s+] (square-root edges: qags' extrapolation
 * handles them), plus the atom (1 - alpha)_+ g(0) by hand. */
static double integrate(const spec *c)
{
    double sa = sqrt(c->alpha), lo = (sa - 1) * (sa - 1), hi = (sa + 1) * (sa + 1);
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
    assert_non_null(ws);
    gsl_function F = {integrand, (void *)c};
    double val = 0, abserr = 0;
    int st = gsl_integration_qags(&F, lo, hi, 1e-14, 1e-12, 1000, ws, &val, &abserr);
    gsl_integration_workspace_free(ws);
    if (st != GSL_SUCCESS || abserr > 1e-10)
        fail_msg("qags obs %d alpha %g: status %d abserr %.3g", c->obs, c->alpha, st, abserr);
    if (c->alpha < 1) val += (1 - c->alpha) * g(c, 0.0);
    return val;
}

/* Observables (train, test, m, q) at time tau: flow (eta = 0) or GD (eta > 0). */
static void spectral_obs(double alpha, double lambda, double Delta, double tt, double eta,
                         long steps, double out[4])
{
    spec c = {alpha, lambda, Delta, tt, eta, steps, OBS_M};
    double m = integrate(&c);
    c.obs = OBS_Q;
    double q = integrate(&c);
    c.obs = OBS_TRAIN;
    double tr = (integrate(&c) + (alpha - 1) * Delta) / (2 * alpha);
    out[0] = tr, out[1] = 0.5 * (1 - 2 * m + q + Delta), out[2] = m, out[3] = q;
}

/* First-order coefficients: GD(eta) - flow = eta * out + O(eta^2). */
static void spectral_d1(double alpha, double lambda, double Delta, double tt, double out[4])
{
    spec c = {alpha, lambda, Delta, tt, 0, 0, OBS_DM};
    double dm = integrate(&c);
    c.obs = OBS_DQ;
    double dq = integrate(&c);
    c.obs = OBS_DTRAIN;
    double dtr = integrate(&c) / (2 * alpha);
    out[0] = dtr, out[1] = 0.5 * dq - dm, out[2] = dm, out[3] = dq;
}

/* The quadrature and the scaling of rho: mass 1, mean alpha, second moment alpha (1 + alpha)
 * (E tr S / d = n d / d^2, E tr S^2 / d = alpha (alpha + 1) for Wishart). */
static void test_mp_moments(void **st)
{
    (void)st;
    gsl_set_error_handler_off();
    const double alphas[] = {0.5, 2.0};
    for (int i = 0; i < 2; i++) {
        spec c = {alphas[i], 0, 0, 0, 0, 0, OBS_MASS};
        double mass = integrate(&c);
        c.obs = OBS_MEAN;
        double mean = integrate(&c);
        c.obs = OBS_M2;
        double m2 = integrate(&c);
        printf("alpha %g: mass %.15f mean %.15f m2 %.15f\n", alphas[i], mass, mean, m2);
        assert_true(fabs(mass - 1) < 1e-10);
        assert_true(fabs(mean - alphas[i]) < 1e-10);
        assert_true(fabs(m2 - alphas[i] * (1 + alphas[i])) < 1e-10);
    }
}

/* ---- 1. square loss: exact DMFT path -> gradient flow ------------------------------------ */

static const char *const obs_name[4] = {"train", "test", "m", "q"};

static void run_exact(double alpha, double lambda, double Delta, double eta, long steps,
                      double *out)
{
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.alpha = alpha, p.lambda = lambda, p.channel.par[0] = Delta;
    p.eta = eta, p.steps = steps;
    cav_dmft_opts o = cav_dmft_opts_default();
    o.path = CAV_DMFT_EXACT;
    cav_dmft_gd *s = cav_dmft_gd_alloc(steps);
    assert_non_null(s);
    assert_int_equal(cav_dmft_gd_set(s, &p, &o), CAV_OK);
    assert_int_equal(cav_dmft_gd_solve(s, NULL, NULL), CAV_OK);
    cav_dmft_gd_observables(s, out, NULL);
    cav_dmft_gd_free(s);
}

static void test_square_flow_limit(void **st)
{
    (void)st;
    gsl_set_error_handler_off();
    const double alphas[] = {0.5, 2.0}, lams[] = {0.0, 0.3}, Deltas[] = {0.0, 0.25};
    const double etas[] = {0.1, 0.05, 0.025}, taus[] = {1.0, 5.0, 20.0};
    const long Tmax = (long)lround(taus[2] / etas[2]);
    double *out = malloc((size_t)(Tmax + 1) * CAV_DMFT_GD_NOBS * sizeof *out);
    assert_non_null(out);
    double worst_disc = 0, rmin = 1e9, rmax = 0, worst_err = 0, worst_rich = 0, worst_c1 = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++) {
                double al = alphas[i], la = lams[j], De = Deltas[k];
                double err[3][3][4]; /* [eta][tau][obs]: DMFT(eta) - flow */
                double flow[3][4], d1[3][4];
                for (int u = 0; u < 3; u++) {
                    spectral_obs(al, la, De, taus[u], 0, 0, flow[u]);
                    spectral_d1(al, la, De, taus[u], d1[u]);
                }
                for (int e = 0; e < 3; e++) {
                    long T = (long)lround(taus[2] / etas[e]);
                    run_exact(al, la, De, etas[e], T, out);
                    for (int u = 0; u < 3; u++) {
                        long t = (long)lround(taus[u] / etas[e]);
                        const double *row = out + t * CAV_DMFT_GD_NOBS;
                        assert_true(fabs(row[CAV_DMFT_TIME] - taus[u]) < 1e-12);
                        double disc[4];
                        spectral_obs(al, la, De, taus[u], etas[e], t, disc);
                        for (int o = 0; o < 4; o++) {
                            double v = row[CAV_DMFT_TRAIN_LOSS + o];
                            double dd = fabs(v - disc[o]);
                            worst_disc = fmax(worst_disc, dd);
                            if (dd > 1e-9)
                                fail_msg("alpha %g lambda %g Delta %g eta %g tau %g %s: dmft "
                                         "%.15g, discrete MP %.15g",
                                         al, la, De, etas[e], taus[u], obs_name[o], v, disc[o]);
                            err[e][u][o] = v - flow[u][o];
                        }
                    }
                }
                for (int u = 0; u < 3; u++)
                    for (int o = 0; o < 4; o++) {
                        double r1 = err[0][u][o] / err[1][u][o];
                        double r2 = err[1][u][o] / err[2][u][o];
                        /* Richardson: 2 err(eta/2) - err(eta) = O(eta^2) */
                        double rich = 2 * err[2][u][o] - err[1][u][o];
                        printf("a %.1f l %.1f D %.2f tau %4.1f %-5s flow %.10f err %+.3e %+.3e "
                               "%+.3e ratios %.4f %.4f  err/eta %+.5f %+.5f %+.5f c1 %+.5f "
                               "rich %.2e\n",
                               al, la, De, taus[u], obs_name[o], flow[u][o], err[0][u][o],
                               err[1][u][o], err[2][u][o], r1, r2, err[0][u][o] / etas[0],
                               err[1][u][o] / etas[1], err[2][u][o] / etas[2], d1[u][o], rich);
                        rmin = fmin(rmin, fmin(r1, r2));
                        rmax = fmax(rmax, fmax(r1, r2));
                        worst_err = fmax(worst_err, fabs(err[2][u][o]));
                        worst_rich = fmax(worst_rich, fabs(rich));
                        double rel = fabs(err[2][u][o] / etas[2] - d1[u][o]) / fabs(d1[u][o]);
                        worst_c1 = fmax(worst_c1, rel);
                        if (!(r1 >= 1.6 && r1 <= 2.4 && r2 >= 1.6 && r2 <= 2.4))
                            fail_msg("alpha %g lambda %g Delta %g tau %g %s: error ratios %.4f "
                                     "%.4f, want [1.6, 2.4]",
                                     al, la, De, taus[u], obs_name[o], r1, r2);
                        if (!(fabs(err[2][u][o]) < 1e-2 && rel < 0.05))
                            fail_msg("alpha %g lambda %g Delta %g tau %g %s: err(%g) = %.3e, "
                                     "err/eta %.5g vs first-order coefficient %.5g",
                                     al, la, De, taus[u], obs_name[o], etas[2], err[2][u][o],
                                     err[2][u][o] / etas[2], d1[u][o]);
                    }
            }
    printf("discrete MP vs DMFT: max |diff| %.2e; ratios in [%.4f, %.4f]; max |err(%g)| %.3e; "
           "max |Richardson| %.3e; max |err/eta - c1|/|c1| %.3e\n",
           worst_disc, rmin, rmax, etas[2], worst_err, worst_rich, worst_c1);
    free(out);
}

/* ---- 2. logistic loss: sampled path, O(eta) at fixed time ------------------------------- */

/* Logistic GD on the sign teacher, alpha 2, lambda 0.05, w^0 = 0: observables at the last step
 * (time tau), with their jackknife standard errors. */
static void run_logistic(double eta, long steps, size_t N, uint64_t seed, double v[4], double e[4])
{
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.loss.type = &cav_loss_logistic;
    p.channel.type = &cav_channel_sign;
    p.alpha = 2, p.lambda = 0.05, p.eta = eta, p.steps = steps;
    cav_dmft_opts o = cav_dmft_opts_default();
    o.ntraj = N, o.ntraj_init = N, o.ntraj_resp = 8192, o.max_iter = 10, o.seed = seed;
    cav_dmft_gd *s = cav_dmft_gd_alloc(steps);
    assert_non_null(s);
    assert_int_equal(cav_dmft_gd_set(s, &p, &o), CAV_OK);
    int r = cav_dmft_gd_solve(s, NULL, NULL);
    if (r != CAV_OK) fail_msg("logistic eta %g: status %d: %s", eta, r, cav_dmft_gd_error(s)->msg);
    assert_int_equal(cav_dmft_gd_path(s), CAV_DMFT_SAMPLED);
    double *out = malloc((size_t)(steps + 1) * 2 * CAV_DMFT_GD_NOBS * sizeof *out);
    assert_non_null(out);
    double *se = out + (steps + 1) * CAV_DMFT_GD_NOBS;
    cav_dmft_gd_observables(s, out, se);
    for (int k = 0; k < 4; k++) {
        v[k] = out[steps * CAV_DMFT_GD_NOBS + CAV_DMFT_TRAIN_LOSS + k];
        e[k] = se[steps * CAV_DMFT_GD_NOBS + CAV_DMFT_TRAIN_LOSS + k];
    }
    assert_true(fabs(out[steps * CAV_DMFT_GD_NOBS + CAV_DMFT_TIME] - (double)steps * eta) < 1e-12);
    free(out);
    cav_dmft_gd_free(s);
}

/* GD at time tau = 4 with eta = 0.4, 0.2, 0.1 (10, 20, 40 steps; stability bound 1.33). If GD
 * approaches the flow at rate O(eta), v(eta) = v_flow + c eta + O(eta^2), so
 * d1 = v(0.4) - v(0.2) and d2 = v(0.2) - v(0.1) have d1/d2 = 2 + O(eta).
 * Monte-Carlo errors: each run reports jackknife errors for its own values. The three runs of
 * one seed share their random streams, so their noise is positively correlated and
 * hypot(se_a, se_b) over-estimates the error of a difference (it is the independent-runs bound);
 * the true MC scatter of the ratio is measured here from two seeds.
 * Asserted, for m, q (the eta-dependence is largest there) and the train loss:
 *   - v(0.4) - v(0.1) exceeds 4 x its independent-runs error (for m and q): the eta-dependence
 *     is resolved, not noise;
 *   - the two seeds' ratios differ by < 0.2 (the ratio is measured well enough for the window);
 *   - their mean lies in [1.6, 2.4] (O(eta); O(1) would give 1, O(eta^2) would give 4);
 *   - d1 - 2 d2 (Richardson, O(eta^2) if linear) is within 3 independent-runs errors
 *     sqrt(se0^2 + 9 se1^2 + 4 se2^2) of 0, for all four observables.
 * The test error arccos(m/sqrt q)/pi barely moves (m and sqrt q shift in proportion): its
 * differences are below the MC resolution and only the Richardson check applies to it. */
static void test_logistic_flow_limit(void **st)
{
    (void)st;
    const double etas[] = {0.4, 0.2, 0.1}, tau = 4;
    const size_t N = 20000;
    const uint64_t seeds[] = {1, 2};
    double v[2][3][4], e[2][3][4], ratio[2][4];
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 3; k++)
            run_logistic(etas[k], (long)lround(tau / etas[k]), N, seeds[r], v[r][k], e[r][k]);
    for (int o = 0; o < 4; o++) {
        for (int r = 0; r < 2; r++) {
            double d1 = v[r][0][o] - v[r][1][o], d2 = v[r][1][o] - v[r][2][o];
            double s1 = hypot(e[r][0][o], e[r][1][o]), s2 = hypot(e[r][1][o], e[r][2][o]);
            double span = v[r][0][o] - v[r][2][o], sspan = hypot(e[r][0][o], e[r][2][o]);
            double rich = d1 - 2 * d2;
            double srich = sqrt(e[r][0][o] * e[r][0][o] + 9 * e[r][1][o] * e[r][1][o] +
                                4 * e[r][2][o] * e[r][2][o]);
            ratio[r][o] = d1 / d2;
            printf("logistic tau %g seed %d %-5s v %.6f(%.1e) %.6f(%.1e) %.6f(%.1e) d1 %+.3e(%.1e) "
                   "d2 %+.3e(%.1e) ratio %.4f richardson %+.2e(%.1e) flow~%.6f\n",
                   tau, (int)seeds[r], obs_name[o], v[r][0][o], e[r][0][o], v[r][1][o], e[r][1][o],
                   v[r][2][o], e[r][2][o], d1, s1, d2, s2, ratio[r][o], rich, srich,
                   2 * v[r][2][o] - v[r][1][o]);
            if (fabs(rich) > 3 * srich)
                fail_msg("%s seed %d: d1 - 2 d2 = %.3e beyond 3 x %.3e", obs_name[o], (int)seeds[r],
                         rich, srich);
            if (o >= 2 && fabs(span) < 4 * sspan)
                fail_msg("%s seed %d: v(0.4) - v(0.1) = %.3e not resolved (se %.3e)", obs_name[o],
                         (int)seeds[r], span, sspan);
        }
        if (o == 1) continue; /* test error: below the MC resolution, see above */
        double rm = 0.5 * (ratio[0][o] + ratio[1][o]), dr = fabs(ratio[0][o] - ratio[1][o]);
        printf("logistic %-5s ratio d1/d2 = %.4f (seeds differ by %.4f)\n", obs_name[o], rm, dr);
        if (dr > 0.2 || rm < 1.6 || rm > 2.4)
            fail_msg("%s: ratios %.4f %.4f (want mean in [1.6, 2.4], spread < 0.2)", obs_name[o],
                     ratio[0][o], ratio[1][o]);
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_mp_moments),
                                   cmocka_unit_test(test_square_flow_limit),
                                   cmocka_unit_test(test_logistic_flow_limit)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
