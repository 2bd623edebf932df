/* tests/unit/theory/test_adv_square.c — state evolution of square-loss adversarial training
 * (src/theory/adv/adv.c, "Square loss": the exact inner max (|y - h| + r)^2/2, r = eps_t N(w)).
 *
 *  - eps_t -> 0 (1e-12, through the robust-loss quadrature route) equals plain square-loss ERM
 *    (cav_erm_solve, sign channel, ridge; closed-form square sums) to 1e-8 in m, q, V;
 *  - the prox of "square-robust" against its closed form and a brute-force minimisation;
 *  - at fixed points with eps_t = 0.2 (direct, l_2 and l_inf training, ridge and lasso): the
 *    channel conjugates Vhat and Phat recomputed here by independent 1-D rules (ref_sums: a
 *    trapezoid in z on [-12, 12], 240001 nodes, and Simpson on the band) from the closed forms
 *        E[(1 - dprox)/V] = [P(band) + (1 - P(band)) V/(1 + V)]/V,
 *        E[|y - h*| + r]  = r + E[(|u - 1| - r V)_+]/(1 + V),    u = y omega,
 *    (band: |u - 1| <= r V), with y = sign(nu), P(y = +-1 | omega = sqrt(q) z) =
 *    Phi(+-m z/sqrt(q - m^2)); Vhat = alpha E[(1 - dprox)/V], Phat = alpha eps_t E[|y-h*| + r];
 *    shift = eps_t sqrt(q_z) (l_2) or eps_t P_z (l_inf); Phat >= alpha eps_t shift;
 *  - the test metrics' identities (erob_cns = egen + ebnd_cns <= erob).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/adversarial.h"
#include "cavity/erm.h"

static void test_eps_zero(void **s)
{
    (void)s;
    const double alphas[] = {0.5, 2.0}, lams[] = {1e-2, 0.3};
    double worst = 0;
    for (int j = 0; j < 2; j++)
        for (int k = 0; k < 2; k++) {
            cav_loss loss = {&cav_loss_square, {0, 0}};
            cav_channel ch = {&cav_channel_sign, {0, 0}};
            cav_erm_problem ep = cav_erm_problem_default(&loss, &ch);
            ep.alpha = alphas[j];
            ep.lambda = lams[k];
            ep.start = CAV_ERM_START_INFORMED;
            cav_erm_solution es;
            assert_int_equal(cav_erm_solve(&ep, NULL, NULL, &es), CAV_OK);
            for (int norm = 0; norm <= 2; norm += 2) {
                cav_adv_problem ap = cav_adv_problem_default(&loss);
                ap.alpha = alphas[j];
                ap.lambda = lams[k];
                ap.eps_train = 1e-12;
                ap.train_norm = norm;
                cav_adv_solution as;
                int st = cav_adv_solve(&ap, NULL, NULL, &as);
                if (st) print_message("%s\n", as.msg);
                assert_int_equal(st, CAV_OK);
                double d[3] = {fabs(as.m - es.m) / (1 + fabs(es.m)), fabs(as.q - es.q) / (1 + es.q),
                               fabs(as.V - es.V) / (1 + es.V)};
                for (int c = 0; c < 3; c++) {
                    worst = fmax(worst, d[c]);
                    assert_true(d[c] < 1e-8);
                }
            }
        }
    print_message("eps_t = 1e-12 vs cav_erm_solve (square): worst relative difference %.2e\n",
                  worst);
}

/* Prox of (|y - h| + r)^2/2: closed form (brief) and brute force on a fine grid. */
static void test_prox(void **s)
{
    (void)s;
    const double rs[] = {0.0, 0.25, 1.0}, Vs[] = {0.3, 2.0}, ys[] = {-1.0, 1.0, 0.4};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
                for (int i = 0; i <= 80; i++) {
                    double r = rs[a], V = Vs[b], y = ys[c], om = -4.0 + 0.1 * i + 1e-4;
                    cav_loss L = {&cav_loss_square_robust, {r, 0}};
                    double h, dp;
                    cav_loss_prox(&L, 1, &y, &om, &V, &h, &dp);
                    double g = om - y, ref, dref;
                    if (fabs(g) <= r * V) {
                        ref = y;
                        dref = 0;
                    } else {
                        ref = y + (g > 0 ? 1 : -1) * (fabs(g) - r * V) / (1 + V);
                        dref = 1 / (1 + V);
                    }
                    assert_true(fabs(h - ref) < 1e-14 && fabs(dp - dref) < 1e-15);
                    if (r == 0) { /* the square loss */
                        cav_loss S = {&cav_loss_square, {0, 0}};
                        double hs;
                        cav_loss_prox(&S, 1, &y, &om, &V, &hs, NULL);
                        assert_true(fabs(h - hs) < 1e-14);
                    }
                    /* brute force: the objective at h* is below every grid point */
                    double best = INFINITY, l;
                    for (int k = -4000; k <= 4000; k++) {
                        double t = h + 1e-3 * k, e = fabs(y - t) + r;
                        best = fmin(best, 0.5 * e * e + (t - om) * (t - om) / (2 * V));
                    }
                    double e0 = fabs(y - h) + r;
                    l = 0.5 * e0 * e0 + (h - om) * (h - om) / (2 * V);
                    assert_true(l <= best + 1e-14);
                }
    cav_loss L = {&cav_loss_square_robust, {0.3, 0}};
    double u[4];
    assert_int_equal(cav_loss_square_robust.kinks(&L, 2.0, u), 2);
    assert_true(fabs(u[0] - 0.4) < 1e-15 && fabs(u[1] - 1.6) < 1e-15);
    L.par[0] = -0.1;
    assert_int_equal(cav_loss_check(&L, NULL), CAV_EINVAL);
}

/* P(y = +1 | omega = sqrt(q) z) phi(z) (sgn = +1) or P(y = -1 | ...) phi(z) (sgn = -1). */
static double lab_dens(double z, double m, double sd, int sgn)
{
    return 0.5 * erfc(-sgn * (m * z / sd) / sqrt(2.0)) * exp(-0.5 * z * z) /
           sqrt(2 * 3.14159265358979323846);
}

/* Independent channel sums at (m, q, V, r): out[0] = E(1 - dprox)/V, out[1] = E|y - h*| + r.
 * E|y - h*| has a continuous integrand in z (trapezoid, error O(dz^2)); dprox jumps at the band
 * edges, so P(band) is integrated by Simpson's rule on the band itself (y = +1: omega in
 * [1 - rV, 1 + rV]; y = -1: the mirror interval). */
static void ref_sums(double m, double q, double V, double r, double out[2])
{
    const int n = 240000;
    const double L = 12.0, dz = 2 * L / n, sd = sqrt(q - m * m), sq = sqrt(q);
    double s1 = 0;
    for (int i = 0; i <= n; i++) {
        double z = -L + dz * i, wt = i == 0 || i == n ? 0.5 * dz : dz;
        for (int k = 0; k < 2; k++) {
            double y = k ? -1.0 : 1.0, g = fabs(y * sq * z - 1.0);
            if (g > r * V) s1 += wt * lab_dens(z, m, sd, k ? -1 : 1) * (g - r * V) / (1 + V);
        }
    }
    double pb = 0;
    const int ns = 20000; /* even */
    for (int k = 0; k < 2; k++) {
        int sgn = k ? -1 : 1;
        double a = sgn * (1.0 - r * V) / sq, b = sgn * (1.0 + r * V) / sq;
        if (a > b) {
            double t = a;
            a = b;
            b = t;
        }
        double h = (b - a) / ns, acc = 0;
        for (int i = 0; i <= ns; i++) {
            double wgt = i == 0 || i == ns ? 1 : (i % 2 ? 4 : 2);
            acc += wgt * lab_dens(a + h * i, m, sd, sgn);
        }
        pb += acc * h / 3;
    }
    out[0] = (pb + (1 - pb) * V / (1 + V)) / V;
    out[1] = s1 + r;
}

static void test_fixed_points(void **s)
{
    (void)s;
    double worst = 0;
    for (int norm = 0; norm <= 2; norm += 2)
        for (int reg = 1; reg <= 2; reg++) {
            cav_loss loss = {&cav_loss_square, {0, 0}};
            cav_adv_problem p = cav_adv_problem_default(&loss);
            p.alpha = 1.5;
            p.eps_train = 0.2;
            p.train_norm = norm;
            p.attack_norm = norm;
            p.reg_norm = reg;
            p.lambda = reg == 1 ? 0.02 : 0.05;
            cav_adv_solution x;
            int st = cav_adv_solve(&p, NULL, NULL, &x);
            if (st) print_message("%s\n", x.msg);
            assert_int_equal(st, CAV_OK);
            double N = norm == 2 ? sqrt(x.q_z) : x.P_z;
            assert_true(fabs(x.shift - p.eps_train * N) < 1e-12);
            double ref[2];
            ref_sums(x.m, x.q, x.V, x.shift, ref);
            double dV = fabs(x.Vhat - p.alpha * ref[0]) / x.Vhat;
            double dP = fabs(x.Phat - p.alpha * p.eps_train * ref[1]) / x.Phat;
            worst = fmax(worst, fmax(dV, dP));
            if (!(dV < 1e-7 && dP < 1e-7)) print_message("dV %.3e dP %.3e\n", dV, dP);
            assert_true(dV < 1e-7 && dP < 1e-7);
            assert_true(x.Phat >= p.alpha * p.eps_train * x.shift);
            assert_true(fabs(x.erob_cns - (x.egen + x.ebnd_cns)) < 1e-12);
            assert_true(x.erob_cns <= x.erob + 1e-12);
            print_message("l_%s reg %d: m %.6f q %.6f V %.6f r %.6f egen %.4f erob %.4f\n",
                          norm == 2 ? "2" : "inf", reg, x.m, x.q, x.V, x.shift, x.egen, x.erob);
        }
    print_message("Vhat, Phat vs independent trapezoid: worst relative difference %.2e\n", worst);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_eps_zero), cmocka_unit_test(test_prox),
                                   cmocka_unit_test(test_fixed_points)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
