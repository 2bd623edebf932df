/* Square-loss ERM engine vs closed forms (docs/raf.md; Hastie, Montanari, Rosset, Tibshirani
 * 2019 for the Marchenko–Pastur ridge risk): the generic route (prox + kink-aware quadrature
 * through the channel's ylaw) must reproduce the closed forms to ~1e-9. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gsl/gsl_integration.h>

#include "cavity/erm.h"

static const double PI = 3.14159265358979323846;

/* Sign-flip channel, square loss: Vhat = a/(1+V), mhat = a(1-eps)c/(1+V),
 * qhat = a(1 + q - 2c(1-eps)m)/(1+V)^2, c = sqrt(2/pi); V from the quadratic
 * V (lambda + a/(1+V)) = 1, then m, then q from its linear equation. */
static void closed_raf(double a, double lam, double eps, double *m, double *q, double *V)
{
    double b = lam + a - 1.0; /* lambda V^2 + (lambda + a - 1) V - 1 = 0 */
    double v = (-b + sqrt(b * b + 4 * lam)) / (2 * lam);
    double c = sqrt(2 / PI), Vh = a / (1 + v), mh = a * (1 - eps) * c / (1 + v);
    double D2 = (lam + Vh) * (lam + Vh), k = a / ((1 + v) * (1 + v));
    *V = v;
    *m = mh / (lam + Vh);
    *q = (mh * mh + k * (1 - 2 * c * (1 - eps) * *m)) / (D2 - k);
}

static void test_raf_closed_form(void **st)
{
    (void)st;
    cav_loss L = {&cav_loss_square, {0, 0}};
    double as[] = {0.3, 1.0, 2.5, 6.0}, lams[] = {1e-2, 0.1, 1.0}, epss[] = {0.0, 0.3, 1.0};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++) {
                cav_channel C = {&cav_channel_sign_flip, {epss[k], 0}};
                cav_erm_problem p = cav_erm_problem_default(&L, &C);
                p.alpha = as[i];
                p.lambda = lams[j];
                cav_erm_solution s;
                /* residual is relative to 1 + max|x| (V ~ 70 at alpha = 0.3): a tight tol so
                 * that the comparison tests the equations, not the stopping rule */
                cav_fixpt_opts o = cav_fixpt_opts_default();
                o.tol = 1e-13;
                assert_int_equal(cav_erm_solve(&p, NULL, &o, &s), CAV_OK);
                double m, q, V;
                closed_raf(as[i], lams[j], epss[k], &m, &q, &V);
                assert_true(fabs(s.m - m) < 1e-9 * (1 + fabs(m)));
                assert_true(fabs(s.q - q) < 1e-9 * (1 + q));
                assert_true(fabs(s.V - V) < 1e-9 * (1 + V));
                assert_true(s.residual <= 1e-13);
            }
}

/* MP law of X^T X/n, ratio g = d/n = 1/alpha: density and atom. */
typedef struct mp {
    double g, l, pw; /* ratio, shift lambda', power of s in the numerator */
} mp;
static double mp_f(double s, void *v)
{
    mp *c = v;
    double a = (1 - sqrt(c->g)) * (1 - sqrt(c->g)), b = (1 + sqrt(c->g)) * (1 + sqrt(c->g));
    double rho = sqrt(fmax(0, (b - s) * (s - a))) / (2 * PI * c->g * s);
    return rho * pow(s, c->pw) / ((s + c->l) * (s + c->l));
}
static double mp_avg(double g, double l, double pw)
{
    mp c = {g, l, pw};
    double a = (1 - sqrt(g)) * (1 - sqrt(g)), b = (1 + sqrt(g)) * (1 + sqrt(g)), r, e;
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function F = {mp_f, &c};
    gsl_integration_qags(&F, a, b, 1e-14, 1e-12, 1000, w, &r, &e);
    gsl_integration_workspace_free(w);
    if (g > 1 && pw == 0) r += (1 - 1 / g) / (l * l); /* atom at s = 0 */
    return r;
}

/* Linear channel y = nu + sqrt(Delta) xi, ridge: with lambda' = lambda/alpha, g = 1/alpha,
 * test error on the field 1 - 2m + q = lambda'^2 <1/(s+lambda')^2> + Delta g <s/(s+lambda')^2>
 * (bias + variance of ridge, Hastie et al. 2019, Thm 2, r^2 = 1, Sigma = I). */
static void test_ridge_mp(void **st)
{
    (void)st;
    cav_loss L = {&cav_loss_square, {0, 0}};
    double as[] = {0.5, 2.0}, lams[] = {0.05, 0.5}, Ds[] = {0.0, 0.25};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++) {
                cav_channel C = {&cav_channel_linear, {Ds[k], 0}};
                cav_erm_problem p = cav_erm_problem_default(&L, &C);
                p.alpha = as[i];
                p.lambda = lams[j];
                cav_erm_solution s;
                assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s), CAV_OK);
                double g = 1 / as[i], l = lams[j] / as[i];
                double ref = l * l * mp_avg(g, l, 0) + Ds[k] * g * mp_avg(g, l, 1);
                double got = cav_erm_mse(s.m_test, s.q_test, 0.0);
                assert_true(fabs(got - ref) < 1e-8);
            }
}

/* lambda -> 0+ (rescaled equations) equals the small-lambda limit; closed form for alpha < 1:
 * V~ = 1 - alpha. Above alpha = 1 the lambda = 0 equations are regular with V = 1/(alpha-1). */
static void test_ridgeless(void **st)
{
    (void)st;
    cav_loss L = {&cav_loss_square, {0, 0}};
    cav_channel C = {&cav_channel_sign_flip, {0.2, 0}};
    cav_erm_problem p = cav_erm_problem_default(&L, &C);
    p.alpha = 0.6;
    p.lambda = 0;
    cav_erm_solution s0, s1;
    assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s0), CAV_OK);
    assert_int_equal(s0.regime, CAV_ERM_INTERPOLATING);
    assert_true(fabs(s0.V - 0.4) < 1e-10);
    p.lambda = 1e-6;
    assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s1), CAV_OK);
    assert_true(fabs(s1.m - s0.m) < 1e-5 && fabs(s1.q - s0.q) < 1e-4);
    assert_true(fabs(p.lambda * s1.V - s0.V) < 1e-5);
    p.lambda = 0;
    p.alpha = 2.0;
    assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s0), CAV_OK);
    assert_int_equal(s0.regime, CAV_ERM_REGULAR);
    assert_true(fabs(s0.V - 1.0) < 1e-10);
}

/* Observables helper: E_mem = P(y h* < 0) for a fact (y independent of omega) equals
 * Phi(-V/sqrt(q)) for the square loss (h* = (omega + V y)/(1+V)), docs/raf.md. */
static void obs_mem(void *ctx, size_t n, const double *y, const double *om, const double *h,
                    const double *dp, double *out)
{
    (void)ctx, (void)om, (void)dp;
    for (size_t i = 0; i < n; i++)
        out[i] = y[i] * h[i] < 0 ? 1.0 : 0.0;
}
static void test_emem(void **st)
{
    (void)st;
    cav_loss L = {&cav_loss_square, {0, 0}};
    cav_channel C = {&cav_channel_sign_flip, {0.3, 0}}, fact = {&cav_channel_sign_flip, {1, 0}};
    cav_erm_problem p = cav_erm_problem_default(&L, &C);
    p.alpha = 1.5;
    p.lambda = 0.1;
    cav_erm_solution s;
    assert_int_equal(cav_erm_solve(&p, NULL, NULL, &s), CAV_OK);
    double e;
    cav_err err = {0, ""};
    assert_int_equal(cav_erm_solution_expect(&p, &s, &fact, obs_mem, NULL, 1, &e, &err), CAV_OK);
    double ref = 0.5 * erfc(s.V_chan / sqrt(s.q_chan) / sqrt(2.0));
    assert_true(fabs(e - ref) < 1e-8);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_raf_closed_form),
                                   cmocka_unit_test(test_ridge_mp),
                                   cmocka_unit_test(test_ridgeless), cmocka_unit_test(test_emem)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
