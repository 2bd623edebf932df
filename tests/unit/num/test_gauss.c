/* Tests of num/gauss.c: Gaussian expectations against closed forms and independent references.
 *
 * Closed forms (z ~ N(0,1), phi = density, H = upper tail):
 *   E z^2 = 1, E z^4 = 3, E|z| = E sign(z) z = sqrt(2/pi), E max(0,z)^2 = 1/2,
 *   E max(0, 1 - z) = E[(1 - z) 1{z < 1}] = Phi(1) + phi(1)  (E[z 1{z<1}] = -phi(1)),
 *   E 1{z > a} = H(a),
 *   E max(0, z1 + z2) = E max(0, sqrt2 g) = sqrt2 / sqrt(2 pi) = 1/sqrt(pi),
 *   E max(0, z1) max(0, z2) = (1/sqrt(2 pi))^2 = 1/(2 pi),
 *   E 1{z1 > a} 1{z2 > b} z2^2 = H(a) (H(b) + b phi(b))   (E z^2 1{z>b} = H(b) + b phi(b)).
 * mpmath references (tests/ref/num/special_ref.py, 40 digits):
 *   E log(1 + e^{3z}) = 1.3940780431585996378, E tanh(2z)^2 = 0.63526123425693992486,
 *   E 1/(1 + e^{1-4z}) = 0.40960844227329252873.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cavity/gauss.h"
#include "cavity/special.h"

static const double PI = 3.14159265358979323846;

static size_t nevals; /* integrand nodes seen, to check the cost */

static void f_moments(void *ctx, size_t n, const double *z, double *out)
{
    (void)ctx;
    nevals += n;
    for (size_t i = 0; i < n; i++) {
        double x = z[i];
        out[6 * i + 0] = 1.0;
        out[6 * i + 1] = x * x;
        out[6 * i + 2] = x * x * x * x;
        out[6 * i + 3] = fabs(x);
        out[6 * i + 4] = x > 0 ? x * x : 0.0;
        out[6 * i + 5] = x < 1 ? 1.0 - x : 0.0;
    }
}

static void assert_rel(double got, double want, double rtol)
{
    double d = fabs(got - want), s = fabs(want);
    if (!(d <= rtol * s)) {
        print_error("got %.17g want %.17g rel err %.3g > %.3g\n", got, want, d / s, rtol);
        fail();
    }
}

static void test_moments_kinked(void **state)
{
    (void)state;
    double br[2] = {1.0, 0.0}, res[6], err[6];
    cav_err e = {0};
    nevals = 0;
    int st = cav_gauss_expect(f_moments, NULL, 6, br, 2, NULL, res, err, &e);
    assert_int_equal(st, CAV_OK);
    assert_rel(res[0], 1.0, 1e-13);
    assert_rel(res[1], 1.0, 1e-12);
    assert_rel(res[2], 3.0, 1e-12);
    assert_rel(res[3], sqrt(2.0 / PI), 1e-12);
    assert_rel(res[4], 0.5, 1e-12);
    assert_rel(res[5], cav_Phi(1.0) + cav_phi(1.0), 1e-12);
    for (int k = 0; k < 6; k++) {
        assert_true(err[k] <= 1e-10 * fabs(res[k]) + 1e-12);
        assert_true(err[k] >= 0.0);
    }
    /* kinks announced: no refinement needed, a few hundred nodes */
    assert_true(nevals <= 400);
}

/* The same kinked integrands without announcing the kinks: bisection finds them here because
 * they are visible to the rule (0 is a fixed cut; 1 lies at 59% of the initial panel [0, 1.7]).
 * (A kink within 0.85% of a panel end would be invisible: see gauss.h.) */
static void test_moments_unannounced_kinks(void **state)
{
    (void)state;
    double res[6], err[6];
    cav_err e = {0};
    nevals = 0;
    int st = cav_gauss_expect(f_moments, NULL, 6, NULL, 0, NULL, res, err, &e);
    assert_int_equal(st, CAV_OK);
    /* kink at 1 (max(0, 1-z)) is not a fixed cut: resolved by bisection */
    assert_rel(res[5], cav_Phi(1.0) + cav_phi(1.0), 1e-9);
    assert_rel(res[3], sqrt(2.0 / PI), 1e-9);
    assert_true(nevals > 150); /* it did refine */
}

static void f_sign_z(void *ctx, size_t n, const double *z, double *out)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        out[i] = (z[i] > 0 ? 1.0 : (z[i] < 0 ? -1.0 : 0.0)) * z[i];
}

static void test_sign(void **state)
{
    (void)state;
    double br = 0.0, res;
    int st = cav_gauss_expect(f_sign_z, NULL, 1, &br, 1, NULL, &res, NULL, NULL);
    assert_int_equal(st, CAV_OK);
    assert_rel(res, sqrt(2.0 / PI), 1e-12);
}

static void f_step(void *ctx, size_t n, const double *z, double *out)
{
    double a = *(double *)ctx;
    for (size_t i = 0; i < n; i++)
        out[i] = z[i] > a ? 1.0 : 0.0;
}

/* Tail probabilities to relative accuracy when abstol = 0. */
static void test_step_tails(void **state)
{
    (void)state;
    double as[] = {-3.0, 0.3, 2.5, 5.0, 8.0, 10.5};
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 0.0;
    o.reltol = 1e-10;
    o.zmax = 20.0; /* H(20)/H(10.5) ~ 1e-63: truncation negligible */
    for (size_t i = 0; i < sizeof as / sizeof as[0]; i++) {
        double res, err;
        cav_err e = {0};
        int st = cav_gauss_expect(f_step, &as[i], 1, &as[i], 1, &o, &res, &err, &e);
        assert_int_equal(st, CAV_OK);
        assert_rel(res, cav_H(as[i]), 1e-11);
        assert_true(err <= 1e-10 * res);
    }
}

static void f_smooth(void *ctx, size_t n, const double *z, double *out)
{
    (void)ctx;
    nevals += n;
    for (size_t i = 0; i < n; i++) {
        double x = z[i], t = 3.0 * x;
        out[3 * i + 0] = t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
        out[3 * i + 1] = tanh(2.0 * x) * tanh(2.0 * x);
        out[3 * i + 2] = 1.0 / (1.0 + exp(1.0 - 4.0 * x));
    }
}

static void test_smooth_reference(void **state)
{
    (void)state;
    double res[3], err[3];
    nevals = 0;
    int st = cav_gauss_expect(f_smooth, NULL, 3, NULL, 0, NULL, res, err, NULL);
    assert_int_equal(st, CAV_OK);
    assert_rel(res[0], 1.3940780431585996378, 1e-12);
    assert_rel(res[1], 0.63526123425693992486, 1e-12);
    assert_rel(res[2], 0.40960844227329252873, 1e-12);
    /* the error estimate is honest: true error below the estimate (estimate is conservative) */
    assert_true(fabs(res[0] - 1.3940780431585996378) <= err[0] + 1e-15);
    assert_true(nevals <= 1200);
}

/* Budget exhaustion: a jump the quadrature is not told about, with a tiny budget. */
static void test_budget(void **state)
{
    (void)state;
    double a = 0.123, res, err;
    cav_gauss_opts o = cav_gauss_opts_default();
    o.max_panels = 14;
    cav_err e = {0};
    int st = cav_gauss_expect(f_step, &a, 1, NULL, 0, &o, &res, &err, &e);
    assert_int_equal(st, CAV_EMAXITER);
    assert_true(e.msg[0] != '\0');
    /* best estimate still returned, with an error estimate that covers the true error */
    assert_true(fabs(res - cav_H(a)) <= err);
    assert_true(err > 1e-10);
}

static void f_nan(void *ctx, size_t n, const double *z, double *out)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        out[i] = z[i] > 2.0 ? NAN : 1.0;
}

static void test_nan_and_args(void **state)
{
    (void)state;
    double res;
    cav_err e = {0};
    assert_int_equal(cav_gauss_expect(f_nan, NULL, 1, NULL, 0, NULL, &res, NULL, &e), CAV_ENUMERIC);
    assert_int_equal(e.code, CAV_ENUMERIC);
    assert_int_equal(cav_gauss_expect(f_nan, NULL, 0, NULL, 0, NULL, &res, NULL, &e), CAV_EINVAL);
    assert_int_equal(
        cav_gauss_expect(f_nan, NULL, CAV_GAUSS_MAXOUT + 1, NULL, 0, NULL, &res, NULL, &e),
        CAV_EINVAL);
    cav_gauss_opts o = cav_gauss_opts_default();
    o.zmax = -1;
    assert_int_equal(cav_gauss_expect(f_nan, NULL, 1, NULL, 0, &o, &res, NULL, &e), CAV_EINVAL);
}

/* Large budget: refinement beyond the stack workspace (heap path) still gives the right answer. */
static void f_many(void *ctx, size_t n, const double *z, double *out)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < CAV_GAUSS_MAXOUT; k++)
            out[i * CAV_GAUSS_MAXOUT + (size_t)k] = fabs(z[i] - 0.1 * k - 0.05);
}

static void test_many_outputs(void **state)
{
    (void)state;
    double res[CAV_GAUSS_MAXOUT];
    cav_gauss_opts o = cav_gauss_opts_default();
    o.max_panels = 2000;
    cav_err e = {0};
    int st = cav_gauss_expect(f_many, NULL, CAV_GAUSS_MAXOUT, NULL, 0, &o, res, NULL, &e);
    assert_int_equal(st, CAV_OK);
    for (int k = 0; k < CAV_GAUSS_MAXOUT; k++) {
        /* E|z - c| = 2 phi(c) + c (1 - 2 H(c)) */
        double c = 0.1 * k + 0.05;
        assert_rel(res[k], 2.0 * cav_phi(c) + c * (1.0 - 2.0 * cav_H(c)), 1e-10);
    }
}

static void f2(void *ctx, size_t n, const double *z1, const double *z2, double *out)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        double s = z1[i] + z2[i];
        out[3 * i + 0] = s > 0 ? s : 0.0;
        out[3 * i + 1] = (z1[i] > 0 ? z1[i] : 0.0) * (z2[i] > 0 ? z2[i] : 0.0);
        out[3 * i + 2] = (z1[i] > 0.5 && z2[i] > -1.0) ? z2[i] * z2[i] : 0.0;
    }
}

static void test_2d(void **state)
{
    (void)state;
    double b1[2] = {0.0, 0.5}, b2[2] = {0.0, -1.0}, res[3], err[3];
    cav_gauss_line diag = {0.0, -1.0}; /* z1 + z2 = 0 */
    cav_err e = {0};
    int st = cav_gauss_expect2_lines(f2, NULL, 3, b1, 2, b2, 2, &diag, 1, NULL, res, err, &e);
    assert_int_equal(st, CAV_OK);
    assert_rel(res[0], 1.0 / sqrt(PI), 1e-10);
    assert_rel(res[1], 1.0 / (2.0 * PI), 1e-10);
    assert_rel(res[2], cav_H(0.5) * (cav_H(-1.0) + -1.0 * cav_phi(-1.0)), 1e-10);
    for (int k = 0; k < 3; k++)
        assert_true(err[k] <= 1e-10 * fabs(res[k]) + 1e-12);
}

static void f2c(void *ctx, size_t n, const double *z1, const double *z2, double *out)
{
    (void)ctx;
    nevals += n;
    for (size_t i = 0; i < n; i++) {
        out[2 * i + 0] = (z1[i] > 0 ? z1[i] : 0.0) * (z2[i] > 0 ? z2[i] : 0.0);
        out[2 * i + 1] = z1[i] * z1[i] * cos(z2[i]); /* E = 1 * e^{-1/2} */
    }
}

/* Coordinate kinks only, through the plain 2-D entry point. */
static void test_2d_coordinate(void **state)
{
    (void)state;
    double b = 0.0, res[2], err[2];
    nevals = 0;
    int st = cav_gauss_expect2(f2c, NULL, 2, &b, 1, &b, 1, NULL, res, err, NULL);
    assert_int_equal(st, CAV_OK);
    assert_rel(res[0], 1.0 / (2.0 * PI), 1e-10);
    assert_rel(res[1], exp(-0.5), 1e-10);
    assert_true(nevals < 200000);
}

static void test_hermite_rule(void **state)
{
    (void)state;
    int ns[] = {1, 2, 5, 20, 64, 200};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        int n = ns[t];
        double z[200], w[200];
        assert_int_equal(cav_gauss_hermite(n, z, w), CAV_OK);
        /* E z^{2j} = (2j-1)!! exactly for 2j < 2n */
        double dfact = 1.0;
        for (int j = 0; 2 * j < 2 * n && j <= 10; j++) {
            if (j > 0) dfact *= 2 * j - 1;
            double s = 0.0, so = 0.0;
            for (int i = 0; i < n; i++) {
                s += w[i] * pow(z[i], 2 * j);
                so += w[i] * pow(z[i], 2 * j + 1);
            }
            if (2 * j < 2 * n) {
                assert_rel(s, dfact, 1e-12);
                assert_true(fabs(so) < 1e-12 * dfact * 10);
            }
        }
        for (int i = 1; i < n; i++)
            assert_true(z[i] > z[i - 1]);
    }
    /* Known node: the largest 2-point node is 1, weights 1/2. */
    double z[2], w[2];
    cav_gauss_hermite(2, z, w);
    assert_rel(z[1], 1.0, 1e-15);
    assert_rel(w[0], 0.5, 1e-15);
    assert_int_equal(cav_gauss_hermite(0, z, w), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments_kinked),
        cmocka_unit_test(test_moments_unannounced_kinks),
        cmocka_unit_test(test_sign),
        cmocka_unit_test(test_step_tails),
        cmocka_unit_test(test_smooth_reference),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_nan_and_args),
        cmocka_unit_test(test_many_outputs),
        cmocka_unit_test(test_2d),
        cmocka_unit_test(test_2d_coordinate),
        cmocka_unit_test(test_hermite_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
