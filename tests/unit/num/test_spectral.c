/* Spectral toolkit (cavity/spectral.h) and the plain adaptive quadrature (cavity/quad.h).
 * References: closed forms (moments of free convolutions, Marchenko–Pastur moments), identities
 * of the Hilbert transform, an independent principal-value quadrature (GSL QAWC), the known limits
 * of the RIE risk (Bayes-optimal perfect recovery kappa* - kappa*^2/2 of Maillard et al.,
 * arXiv:2408.03733; rectangular rho (1 + beta - rho)/beta of Erba et al., arXiv:2410.18858). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "cavity/quad.h"
#include "cavity/spectral.h"

static void f_poly(void *ctx, size_t n, const double *x, double *out)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = x[i] * x[i];
        out[2 * i + 1] = sqrt(x[i]); /* endpoint singularity in the derivative */
    }
}

static void test_quad(void **s)
{
    (void)s;
    double r[2], e[2];
    cav_err err = {0};
    assert_int_equal(cav_quad_integrate(f_poly, NULL, 2, 0, 1, NULL, 0, NULL, r, e, &err), CAV_OK);
    assert_true(fabs(r[0] - 1.0 / 3) < 1e-14);
    assert_true(fabs(r[1] - 2.0 / 3) < 1e-10);
    /* a budget of one panel cannot reach 1e-15 for sqrt: a status, not an abort */
    cav_quad_opts o = cav_quad_opts_default();
    o.abstol = 1e-15, o.reltol = 0, o.max_panels = 1;
    assert_int_equal(cav_quad_integrate(f_poly, NULL, 2, 0, 1, NULL, 0, &o, r, e, &err),
                     CAV_EMAXITER);
    assert_int_equal(cav_quad_integrate(f_poly, NULL, 2, 1, 0, NULL, 0, NULL, r, e, &err),
                     CAV_EINVAL);
}

/* Marchenko-Pastur: resolvent against quadrature of the density, moments of X^T X/d. */
static double h_one(void *c, double s)
{
    (void)c, (void)s;
    return 1;
}
static double h_id(void *c, double s)
{
    (void)c;
    return s;
}

static void test_mp(void **s)
{
    (void)s;
    const double as[] = {0.3, 1.0, 2.5};
    for (int i = 0; i < 3; i++) {
        double a = as[i], m1, m2;
        assert_int_equal(cav_spectral_mp_integrate_s(a, h_one, NULL, 1e-15, 1e-13, &m1, NULL),
                         CAV_OK);
        assert_int_equal(cav_spectral_mp_integrate_s(a, h_id, NULL, 1e-15, 1e-13, &m2, NULL),
                         CAV_OK);
        /* law of X^T X/d, n = a d: <s> = a, <s^2> = a (1 + a) */
        assert_true(fabs(m1 - a) < 1e-13);
        assert_true(fabs(m2 - a * (1 + a)) < 1e-12);
        /* law of F F^T/d with c = a (moments 1, 1 + c, 1 + 3c + c^2): <1/(s+t)> and
         * <1/(s+t)^2> by their large-t expansions, truncated after the third moment (remainder
         * <s^4>/t^5 < 7e-14 at t = 1000) */
        double G1, G2, t = 1e3, s3 = 1 + 3 * a + a * a;
        cav_spectral_mp_resolvent(a, t, &G1, &G2);
        double e1 = 1 / t - 1 / (t * t) + (1 + a) / (t * t * t) - s3 / (t * t * t * t);
        double e2 = 1 / (t * t) - 2 / (t * t * t) + 3 * (1 + a) / (t * t * t * t);
        assert_true(fabs(G1 - e1) < 1e-13);
        assert_true(fabs(G2 - e2) < 1e-13);
    }
    assert_int_equal(cav_spectral_mp_integrate_s(-1, h_one, NULL, 1e-15, 1e-13, NULL, NULL),
                     CAV_EINVAL);
}

/* Mass 1, mean 1, second moment 1 + 1/kappa* + xi (free cumulants add), int rho H = 0 and
 * int rho H x = 1/2 (symmetrise the double integral), over small and large xi. */
static void test_mpsc_moments(void **s)
{
    (void)s;
    const double ks[] = {0.2, 0.5, 1.0, 2.0}, xs[] = {1e-8, 1e-4, 1e-2, 1.0, 100.0};
    double worst = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++) {
            cav_spectral_mpsc d;
            cav_err err = {0};
            assert_int_equal(cav_spectral_mpsc_init(&d, ks[i], xs[j], &err), CAV_OK);
            cav_spectral_mom m;
            assert_int_equal(cav_spectral_mpsc_moments(&d, -HUGE_VAL, &m, &err), CAV_OK);
            double q = 1 + 1 / ks[i] + xs[j];
            double dev[5] = {m.m0 - 1, m.m1 - 1, (m.m2 - q) / q, m.h0 * sqrt(xs[j]), m.h1 - 0.5};
            for (int k = 0; k < 5; k++) {
                worst = fmax(worst, fabs(dev[k]));
                if (!(fabs(dev[k]) < 1e-10))
                    fail_msg("kappa* %g xi %g: identity %d off by %.3g", ks[i], xs[j], k, dev[k]);
            }
            /* support: two intervals for kappa* < 1 at small xi (broadened atom), one otherwise */
            int expect = ks[i] < 1 && xs[j] <= 1e-2 ? 2 : 1;
            if (!(ks[i] < 1 && xs[j] == 1.0)) assert_int_equal(d.nint, expect);
        }
    printf("MP boxplus SC: worst identity error %.2e over 20 (kappa*, xi)\n", worst);
}

/* H against the principal value p.v. int rho(y)/(x - y) dy by GSL's QAWC (Cauchy weight). */
typedef struct {
    const cav_spectral_mpsc *d;
} rho_ctx;
static double rho_fn(double y, void *p)
{
    const rho_ctx *c = p;
    double r;
    cav_spectral_mpsc_eval(c->d, y, &r, NULL);
    return r;
}

static void test_hilbert_pv(void **s)
{
    (void)s;
    gsl_set_error_handler_off(); /* this test process only: the library never touches it */
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(2000);
    const double cases[][2] = {{0.5, 0.01}, {0.5, 1.0}, {2.0, 0.3}, {0.2, 1e-3}};
    double worst = 0;
    for (int c = 0; c < 4; c++) {
        cav_spectral_mpsc d;
        assert_int_equal(cav_spectral_mpsc_init(&d, cases[c][0], cases[c][1], NULL), CAV_OK);
        rho_ctx rc = {&d};
        gsl_function F = {rho_fn, &rc};
        for (int i = 0; i < d.nint; i++)
            for (int k = 1; k <= 5; k++) {
                double x = d.lo[i] + (d.hi[i] - d.lo[i]) * k / 6.0, pv = 0, e;
                for (int j = 0; j < d.nint; j++) {
                    double v;
                    if (j == i) /* QAWC: p.v. int f(y)/(y - x) dy */
                        gsl_integration_qawc(&F, d.lo[j], d.hi[j], x, 1e-13, 1e-12, 2000, ws, &v,
                                             &e),
                            v = -v;
                    else {
                        /* ordinary integral of rho/(x - y) */
                        double lo = d.lo[j], hi = d.hi[j], acc = 0;
                        const int N = 4000; /* midpoint in the cos variable: smooth */
                        for (int q = 0; q < N; q++) {
                            double t = M_PI * (q + 0.5) / N;
                            double y = lo + (hi - lo) * (1 - cos(t)) / 2;
                            acc += rho_fn(y, &rc) / (x - y) * (hi - lo) / 2 * sin(t) * M_PI / N;
                        }
                        v = acc;
                    }
                    pv += v;
                }
                double H;
                cav_spectral_mpsc_eval(&d, x, NULL, &H);
                double dev = fabs(H - pv) / (1 + fabs(pv));
                worst = fmax(worst, dev);
                if (!(dev < 1e-8))
                    fail_msg("kappa* %g xi %g x %g: H %.12g pv %.12g", cases[c][0], cases[c][1], x,
                             H, pv);
            }
    }
    gsl_integration_workspace_free(ws);
    printf("Hilbert transform vs principal value: worst relative error %.2e\n", worst);
}

/* RIE risk limits: mmse/xi -> 2 alpha_PR = 2 kappa* - kappa*^2 (kappa* < 1), 1 (kappa* >= 1) as
 * xi -> 0 (Bayes-optimal perfect recovery alpha_PR = kappa* - kappa*^2/2); mmse -> 1/kappa* (the
 * MP variance) as xi -> infinity. */
static void test_rie_mmse_limits(void **s)
{
    (void)s;
    const double ks[] = {0.2, 0.5, 0.9, 1.5};
    for (int i = 0; i < 4; i++) {
        double k = ks[i], m0, m1;
        assert_int_equal(cav_spectral_rie_mmse(k, 1e-8, &m0, NULL), CAV_OK);
        assert_int_equal(cav_spectral_rie_mmse(k, 1e6, &m1, NULL), CAV_OK);
        double pr = k < 1 ? 2 * k - k * k : 1;
        if (!(fabs(m0 / 1e-8 - pr) < 1e-4))
            fail_msg("kappa* %g: mmse/xi %.10g vs %.10g", k, m0 / 1e-8, pr);
        if (!(fabs(m1 - 1 / k) < 1e-5 / k)) fail_msg("kappa* %g: mmse(inf) %.10g", k, m1);
    }
    double m;
    assert_int_equal(cav_spectral_rie_mmse(0, 1, &m, NULL), CAV_EINVAL);
    assert_int_equal(cav_spectral_rie_mmse(1, -1, &m, NULL), CAV_EINVAL);
}

static void test_quantile(void **s)
{
    (void)s;
    cav_spectral_mpsc d;
    assert_int_equal(cav_spectral_mpsc_init(&d, 0.5, 0.05, NULL), CAV_OK);
    const double mass[] = {0.1, 0.4, 0.7};
    for (int i = 0; i < 3; i++) {
        double w;
        assert_int_equal(cav_spectral_mpsc_quantile(&d, mass[i], &w, NULL), CAV_OK);
        cav_spectral_mom m;
        cav_spectral_mpsc_moments(&d, w, &m, NULL);
        assert_true(fabs(m.m0 - mass[i]) < 1e-11);
    }
}

/* Rectangular: mass 1, second moment sqrt(R1)(1 + noise) (E||Y||_F^2 / min(L, D)), the noiseless
 * limit mmse/noise -> alpha_PR = rho (1 + R1 - rho)/R1 and mmse -> 1 at infinite noise. */
typedef struct {
    const cav_spectral_rect *r;
} rect_ctx;
static void rect_m2(void *p, size_t n, const double *x, double *out)
{
    const rect_ctx *c = p;
    for (size_t i = 0; i < n; i++) {
        double mu;
        cav_spectral_rect_eval(c->r, x[i], &mu, NULL);
        out[i] = 2 * mu * x[i] * x[i];
    }
}

static void test_rect(void **s)
{
    (void)s;
    const double cases[][3] = {{1, 0.5, 0.1}, {2, 0.5, 0.1},    {2, 0.2, 0.01},   {1, 1, 0.5},
                               {3, 0.3, 1.0}, {1.5, 0.8, 1e-3}, {0.5, 0.2, 0.01}, {4, 0.1, 100}};
    for (int c = 0; c < 8; c++) {
        cav_spectral_rect r;
        cav_err err = {0};
        if (cav_spectral_rect_init(&r, cases[c][0], cases[c][1], cases[c][2], &err) != CAV_OK)
            fail_msg("case %d: %s", c, err.msg);
        double mass, m2 = 0;
        assert_int_equal(cav_spectral_rect_integrals(&r, &mass, NULL, NULL, &err), CAV_OK);
        assert_true(fabs(mass - 1) < 1e-9);
        rect_ctx rc = {&r};
        for (int i = 0; i < r.nint; i++) {
            double v;
            cav_quad_integrate(rect_m2, &rc, 1, r.lo[i], r.hi[i], NULL, 0, NULL, &v, NULL, NULL);
            m2 += v;
        }
        double want = sqrt(r.R1) * (1 + cases[c][2]);
        if (!(fabs(m2 - want) < 1e-6 * want))
            fail_msg("case %d: second moment %.10g vs %.10g", c, m2, want);
    }
    const double pr[][2] = {{1, 0.5}, {2, 0.2}, {2, 0.5}, {1, 0.2}, {3, 0.6}, {0.5, 0.2}};
    for (int c = 0; c < 6; c++) {
        double b = pr[c][0], rho = pr[c][1], R1 = b >= 1 ? b : 1 / b, m, mi;
        assert_int_equal(cav_spectral_rect_mmse(b, rho, 1e-6, &m, NULL), CAV_OK);
        assert_int_equal(cav_spectral_rect_mmse(b, rho, 1e6, &mi, NULL), CAV_OK);
        double want = fmin(1, rho * (1 + R1 - rho) / R1);
        if (!(fabs(m / 1e-6 - want) < 1e-4))
            fail_msg("beta %g rho %g: mmse/noise %.8g vs %.8g", b, rho, m / 1e-6, want);
        assert_true(fabs(mi - 1) < 1e-5);
    }
    cav_spectral_rect r;
    assert_int_equal(cav_spectral_rect_init(&r, 1, 1.5, 0.1, NULL), CAV_EINVAL);
    assert_int_equal(cav_spectral_rect_init(&r, -1, 0.5, 0.1, NULL), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quad),
        cmocka_unit_test(test_mp),
        cmocka_unit_test(test_mpsc_moments),
        cmocka_unit_test(test_hilbert_pv),
        cmocka_unit_test(test_rie_mmse_limits),
        cmocka_unit_test(test_quantile),
        cmocka_unit_test(test_rect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
