/* bench_num — cost of one cav_gauss_expect call on the integrands a replica engine integrates.
 *
 * 1. logistic-prox-like (smooth): omega = sqrt(q) z + m, p = prox of V * log(1 + e^{-p}) at omega
 *    (p = omega + V sigma(-p), Newton to 1e-13), outputs (p - omega)^2, 1/(1 + V sigma'(p)),
 *    log(1 + e^{-p}), sigma(p): 4 components, no kinks.
 * 2. hinge-like (kinked): the prox of V max(0, 1 - p) is piecewise linear in omega with kinks at
 *    omega = 1 - V and omega = 1 (announced as breakpoints in z), 4 components.
 * Prints nodes per call, microseconds per call and calls per second for each. Not run by ctest.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "cavity/gauss.h"

typedef struct par {
    double q, m, V;
    size_t nodes;
} par;

static double sigm(double t)
{
    return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
}

static void f_logistic(void *ctx, size_t n, const double *z, double *out)
{
    par *P = ctx;
    P->nodes += n;
    for (size_t i = 0; i < n; i++) {
        double w = sqrt(P->q) * z[i] + P->m, p = w;
        for (int it = 0; it < 50; it++) { /* Newton on p - w - V sigma(-p) = 0 */
            double s = sigm(-p), g = p - w - P->V * s, dg = 1.0 + P->V * s * (1.0 - s);
            double dp = g / dg;
            p -= dp;
            if (fabs(dp) < 1e-13 * (1.0 + fabs(p))) break;
        }
        double s = sigm(p);
        out[4 * i + 0] = (p - w) * (p - w);
        out[4 * i + 1] = 1.0 / (1.0 + P->V * s * (1.0 - s));
        out[4 * i + 2] = p > 0 ? log1p(exp(-p)) : -p + log1p(exp(p));
        out[4 * i + 3] = s;
    }
}

static void f_hinge(void *ctx, size_t n, const double *z, double *out)
{
    par *P = ctx;
    P->nodes += n;
    for (size_t i = 0; i < n; i++) {
        double w = sqrt(P->q) * z[i] + P->m, p, d;
        if (w < 1.0 - P->V) {
            p = w + P->V;
            d = 1.0;
        } else if (w <= 1.0) {
            p = 1.0;
            d = 0.0;
        } else {
            p = w;
            d = 1.0;
        }
        out[4 * i + 0] = (p - w) * (p - w);
        out[4 * i + 1] = d;
        out[4 * i + 2] = p < 1.0 ? 1.0 - p : 0.0;
        out[4 * i + 3] = (p - w) * z[i];
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void bench(const char *name, cav_gauss_fn f, int kinked)
{
    par P = {0.7, 0.4, 1.3, 0};
    double res[4], err[4], sink = 0.0;
    int calls = 0, fails = 0;
    double t0 = now();
    while (now() - t0 < 1.0) {
        for (int r = 0; r < 100; r++, calls++) {
            /* vary the parameters as a saddle-point iteration would */
            P.q = 0.5 + 0.001 * (calls % 500);
            P.m = 0.2 + 0.0005 * (calls % 700);
            double br[2] = {(1.0 - P.V - P.m) / sqrt(P.q), (1.0 - P.m) / sqrt(P.q)};
            if (cav_gauss_expect(f, &P, 4, br, kinked ? 2 : 0, NULL, res, err, NULL) != CAV_OK)
                fails++;
            sink += res[0];
        }
    }
    double dt = now() - t0;
    printf("%-22s nodes/call %7.1f   %8.2f us/call   %9.0f calls/s   failures %d   (%.3g)\n", name,
           (double)P.nodes / calls, 1e6 * dt / calls, calls / dt, fails, sink / calls);
}

int main(void)
{
    bench("logistic-prox smooth", f_logistic, 0);
    bench("hinge-prox kinked", f_hinge, 1);
    return 0;
}
