/* Robust square-loss ERM (src/sim/adv/adv_square.c): minimise
 *     J(w) = sum_mu (|y_mu - x_mu.w/sqrt(p)| + eps N(w))^2/2 + lambda |w|^2/2
 * (the inner max of cavity/adv_sim.h) for the l_2 and l_inf attacks. References, each
 * independent of the solver:
 *  - J is convex (adv_sim.h), so w is its minimiser iff no direction decreases it: J(w) <=
 *    J(w + t e) for 40 random unit directions and t in {1e-2, 1e-4}, and +-1e-4 along every
 *    coordinate, J computed here by plain loops (tolerance 1e-12 relative, rounding of the sums);
 *  - the relative duality gap recomputed here from w alone is <= 1e-8: with
 *    (|e| + r)^2/2 = max_{beta >= 0, |gamma| <= beta} gamma e + beta r - beta^2/2 (adv_square.c),
 *    beta_mu = |e_mu| + r, gamma_mu = sign(e_mu) beta_mu off the interpolated set I
 *    (|e_mu| <= 1e-9), beta = r and gamma_I the least-squares solution of the stationarity
 *    lambda w + eps B g = A^T gamma (B = sum beta, g in dN(w), rows where g is determined),
 *    clipped to [-r, r]; D = sum (gamma y - beta^2/2) - lambda |w(gamma, beta)|^2/2 with the
 *    proximal w(gamma, beta); weak duality makes J(w) - D an upper bound on J(w) - J(w*);
 *    a perturbed w is not certified (the check discriminates);
 *  - eps -> 0 (1e-10) gives the ridge solution of cav_sim_ridge (closed form) to 1e-6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "adv_test_util.h"

#include "cavity/adv_sim.h"
#include "simtest.h"

static double Jplain(size_t n, size_t p, const double *X, const double *y, double lambda,
                     const cav_adv_attack *a, const double *w)
{
    double r = a->eps * Nw(a, w), J = 0.0;
    for (size_t i = 0; i < n; i++) {
        double h = 0.0;
        for (size_t j = 0; j < p; j++)
            h += X[i * p + j] * w[j];
        double e = fabs(y[i] - h / sqrt((double)p)) + r;
        J += 0.5 * e * e;
    }
    for (size_t j = 0; j < p; j++)
        J += 0.5 * lambda * w[j] * w[j];
    return J;
}

static double gap_of(size_t n, size_t p, const double *X, const double *y, double lambda,
                     const cav_adv_attack *a, const double *w, size_t *nI_out)
{
    const double sc = 1.0 / sqrt((double)p), eps = a->eps;
    double *e = calloc(n, sizeof *e), *ga = calloc(n, sizeof *ga), *g = calloc(p, sizeof *g);
    double *rhs = calloc(p, sizeof *rhs), *wa = calloc(p, sizeof *wa);
    size_t *M = calloc(n, sizeof *M), nM = 0;
    double nk = 0.0;
    for (size_t j = 0; j < a->k; j++)
        nk += w[j] * w[j];
    nk = sqrt(nk);
    const double r = eps * Nw(a, w);
    for (size_t j = 0; j < a->k; j++)
        g[j] = a->norm == CAV_ADV_L2 ? (nk > 0 ? a->scale * w[j] / nk : 0)
                                     : (w[j] > 0   ? a->scale
                                        : w[j] < 0 ? -a->scale
                                                   : 0);
    double B = 0.0, D = 0.0;
    for (size_t i = 0; i < n; i++) {
        double h = 0.0;
        for (size_t j = 0; j < p; j++)
            h += X[i * p + j] * w[j];
        e[i] = y[i] - h * sc;
        if (fabs(e[i]) <= 1e-9) {
            M[nM++] = i;
            B += r;
            D -= 0.5 * r * r;
        } else {
            double be = fabs(e[i]) + r;
            ga[i] = e[i] > 0 ? be : -be;
            B += be;
            D += ga[i] * y[i] - 0.5 * be * be;
        }
    }
    for (size_t j = 0; j < p; j++) {
        rhs[j] = lambda * w[j] + eps * B * g[j];
        for (size_t i = 0; i < n; i++)
            rhs[j] -= ga[i] * sc * X[i * p + j];
    }
    if (nM > 0) {
        double *G = calloc(nM * nM, sizeof *G), *b = calloc(nM, sizeof *b);
        for (size_t j = 0; j < p; j++) {
            int row = j >= a->k || (a->norm == CAV_ADV_L2 ? nk > 0 : w[j] != 0);
            if (!row) continue;
            for (size_t u = 0; u < nM; u++) {
                b[u] += sc * X[M[u] * p + j] * rhs[j];
                for (size_t v = 0; v < nM; v++)
                    G[u * nM + v] += sc * X[M[u] * p + j] * sc * X[M[v] * p + j];
            }
        }
        for (size_t u = 0; u < nM; u++)
            G[u * nM + u] *= 1 + 1e-14;
        solve_dense(nM, G, b);
        for (size_t u = 0; u < nM; u++) {
            ga[M[u]] = fmin(r, fmax(-r, b[u]));
            D += ga[M[u]] * y[M[u]];
        }
        free(G), free(b);
    }
    for (size_t j = 0; j < p; j++) {
        double c = 0.0;
        for (size_t i = 0; i < n; i++)
            c += ga[i] * sc * X[i * p + j];
        wa[j] = c / lambda;
    }
    double tau = eps * B * a->scale / lambda, nv = 0.0;
    for (size_t j = 0; j < a->k; j++)
        nv += wa[j] * wa[j];
    nv = sqrt(nv);
    for (size_t j = 0; j < a->k; j++)
        wa[j] = a->norm == CAV_ADV_L2 ? (nv > tau ? wa[j] * (1 - tau / nv) : 0)
                : wa[j] > tau         ? wa[j] - tau
                : wa[j] < -tau        ? wa[j] + tau
                                      : 0;
    for (size_t j = 0; j < p; j++)
        D -= 0.5 * lambda * wa[j] * wa[j];
    double J = Jplain(n, p, X, y, lambda, a, w);
    if (nI_out) *nI_out = nM;
    free(e), free(ga), free(g), free(rhs), free(wa), free(M);
    return (J - D) / J;
}

static void test_optimal(void **s)
{
    (void)s;
    const size_t d = 60;
    const double alphas[] = {0.7, 2.0}, epss[] = {0.2, 0.6}, lams[] = {1e-3, 0.1};
    cav_loss loss = {&cav_loss_square, {0, 0}};
    cav_rng r;
    cav_rng_init(&r, 99, 0, 0);
    double *e = malloc(d * sizeof *e), *wt = malloc(d * sizeof *wt), *w = malloc(d * sizeof *w);
    double worst_gap = 0.0;
    size_t maxI = 0;
    int cases = 0;
    for (int ia = 0; ia < 2; ia++)
        for (int norm = 0; norm <= 2; norm += 2)
            for (int ie = 0; ie < 2; ie++)
                for (int il = 0; il < 2; il++) {
                    size_t n = (size_t)(alphas[ia] * (double)d), nI;
                    double *X, *y;
                    data(n, d, &X, &y);
                    cav_adv_attack a;
                    assert_int_equal(cav_adv_attack_make(0, 0, norm, epss[ie], d, d, &a, NULL),
                                     CAV_OK);
                    cav_sim_fit fit;
                    cav_err err = {0};
                    int st = cav_adv_erm(&loss, n, d, X, y, lams[il], 2, &a, NULL, w, &fit, &err);
                    if (st) print_message("%s\n", err.msg);
                    assert_int_equal(st, CAV_OK);
                    assert_true(fit.residual <= 1e-8);
                    double gap = gap_of(n, d, X, y, lams[il], &a, w, &nI);
                    if (!(gap <= 1e-8 && gap >= -1e-12)) print_message("gap %.3g\n", gap);
                    assert_true(gap >= -1e-12);
                    assert_true(gap <= 1e-8);
                    worst_gap = fmax(worst_gap, gap);
                    maxI = nI > maxI ? nI : maxI;
                    memcpy(wt, w, d * sizeof *w);
                    wt[0] += 1e-2;
                    assert_true(gap_of(n, d, X, y, lams[il], &a, wt, NULL) > 1e-6);
                    double J = Jplain(n, d, X, y, lams[il], &a, w);
                    assert_true(fabs(J - fit.objective) <= 1e-12 * J);
                    for (int q = 0; q < 40; q++) {
                        double nn = 0.0;
                        for (size_t j = 0; j < d; j++) {
                            e[j] = cav_rng_normal(&r);
                            nn += e[j] * e[j];
                        }
                        for (int ts = 0; ts < 2; ts++) {
                            double t = ts ? 1e-4 : 1e-2;
                            for (size_t j = 0; j < d; j++)
                                wt[j] = w[j] + t * e[j] / sqrt(nn);
                            assert_true(J <= Jplain(n, d, X, y, lams[il], &a, wt) * (1 + 1e-12));
                        }
                    }
                    for (size_t j = 0; j < d; j++)
                        for (int sg = -1; sg <= 1; sg += 2) {
                            memcpy(wt, w, d * sizeof *w);
                            wt[j] += sg * 1e-4;
                            assert_true(J <= Jplain(n, d, X, y, lams[il], &a, wt) * (1 + 1e-12));
                        }
                    cases++;
                    free(X), free(y);
                }
    /* the interpolated set must be exercised (the kinks are the point of the exact solver) */
    assert_true(maxI > 0);
    print_message("%d cases: worst recomputed relative duality gap %.2e, largest |I| %zu\n", cases,
                  worst_gap, maxI);
    free(e), free(wt), free(w);
}

static void test_small_eps_is_ridge(void **s)
{
    (void)s;
    const size_t d = 80, n = 120;
    double *X, *y, *w0 = malloc(d * sizeof *w0), *w1 = malloc(d * sizeof *w1);
    data(n, d, &X, &y);
    cav_loss loss = {&cav_loss_square, {0, 0}};
    assert_int_equal(cav_sim_ridge(n, d, X, y, 0.05, w0, NULL, NULL), CAV_OK);
    for (int norm = 0; norm <= 2; norm += 2) {
        cav_adv_attack a;
        assert_int_equal(cav_adv_attack_make(0, 0, norm, 1e-10, d, d, &a, NULL), CAV_OK);
        assert_int_equal(cav_adv_erm(&loss, n, d, X, y, 0.05, 2, &a, NULL, w1, NULL, NULL), CAV_OK);
        double dn = 0, nn = 0;
        for (size_t j = 0; j < d; j++) {
            dn += (w1[j] - w0[j]) * (w1[j] - w0[j]);
            nn += w0[j] * w0[j];
        }
        print_message("norm %d: |w - w_ridge|/|w_ridge| = %.2e\n", norm, sqrt(dn / nn));
        assert_true(sqrt(dn / nn) < 1e-6);
    }
    free(X), free(y), free(w0), free(w1);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_optimal),
                                   cmocka_unit_test(test_small_eps_is_ridge)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
