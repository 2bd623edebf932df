/* theory/dmft_amp.c — references for the DMFT solver (cavity/dmft.h):
 *   1. the symmetric-GFOM DMFT of AMP on the spiked Wigner model, with the response propagated
 *      pathwise through the effective process, so that the cancellation of the memory by the
 *      Onsager term is checked to rounding (docs/dmft.md, eq. A);
 *   2. Bayes-AMP state evolution for the Rademacher spike (Deshpande-Montanari 2014 in the
 *      normalisation of cavity/dynamics.h);
 *   3. the Marchenko-Pastur spectral integral of GD on ridge least squares (docs/dmft.md, eq. MP).
 *
 * Symmetric GFOM (Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573; Celentano, Montanari,
 * Wu 2021): v^{t+1} = A f_t(v^t) + beta x <x, f_t>/n - onsager b_t f_{t-1}(v^{t-1}), A GOE with
 * A_ij ~ N(0, 1/n). The cavity argument gives the effective process
 *   v^{t+1} = Z^{t+1} + sum_{1<=s<=t} R(t,s) f^{s-1} + beta M_t x - onsager b_t f^{t-1},
 *   Cov(Z^{t+1}, Z^{s+1}) = C(t,s) = E f^t f^s,  M_t = E x f^t,  R(t,s) = E d f^t / d v^s,
 * with f^0 = tanh(v^0), f^t = tanh(beta v^t) (t >= 1), b_t = E f_t'(v^t). The pathwise
 * response obeys dv^t/de_s = [t=s] + sum_r R(t-1,r) f'^{r-1} dv^{r-1}/de_s
 *   - onsager b_{t-1} f'^{t-2} dv^{t-2}/de_s,
 * and R(t,t) = E f'^t = b_t computed as the same sum, so with onsager = 1 every memory term
 * vanishes identically and v^t | x is Gaussian: state evolution.
 */
#include "cavity/dmft.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/gauss.h"
#include "cavity/prior.h"
#include "cavity/rng.h"
#include "cavity/spectral.h"
#include "theory/dmft/dmft_internal.h"

static int amp_check(double snr, long steps, double init_overlap, cav_err *err)
{
    if (!(snr >= 0) || !(snr <= 1e4))
        return cav_err_set(err, CAV_EINVAL, "amp-wigner: snr = %g outside [0, 1e4]", snr);
    if (steps < 0 || steps > 100000)
        return cav_err_set(err, CAV_EINVAL, "amp-wigner: steps = %ld outside [0, 100000]", steps);
    if (!(init_overlap >= 0) || !(init_overlap < 1))
        return cav_err_set(err, CAV_EINVAL, "amp-wigner: init_overlap = %g outside [0, 1)",
                           init_overlap);
    return CAV_OK;
}

int cav_dmft_amp_se(double snr, long steps, double init_overlap, double *out, cav_err *err)
{
    int st = amp_check(snr, steps, init_overlap, err);
    if (st) return st;
    double m = init_overlap;
    for (long t = 0; t <= steps; t++) {
        out[3 * t] = (double)t, out[3 * t + 1] = m, out[3 * t + 2] = 1 - m;
        m = cav_prior_rademacher_overlap(snr * m); /* gamma_{t+1} = snr m_t */
    }
    return CAV_OK;
}

static int amp_core(double snr, long steps, double init_overlap, int onsager, size_t ntraj,
                    uint64_t seed, uint64_t rep, double *out, cav_dmft_amp_result *res)
{
    cav_err err = {0};
    memset(res, 0, sizeof *res);
    int st = amp_check(snr, steps, init_overlap, &err);
    if (!st && (ntraj < 16 || (double)ntraj * (double)(steps + 1) * (double)(steps + 1) > 5e7))
        st = cav_err_set(&err, CAV_EINVAL,
                         "amp-wigner dmft: ntraj = %zu must be >= 16 with ntraj (steps+1)^2 <= "
                         "5e7 (pathwise responses are stored)",
                         ntraj);
    if (st) {
        res->status = st;
        snprintf(res->msg, sizeof res->msg, "%s", err.msg);
        return st;
    }
    const size_t N = ntraj, T = (size_t)steps, ld = T + 1;
    const double beta = sqrt(snr);
    const double g0 = cav_prior_rademacher_snr(init_overlap);
    /* per-trajectory: x, xi (innovations of Z), f, f', and F(r,s) = f'^r dv^r/de_s (s <= r) */
    double *x = malloc(N * sizeof *x), *xi = malloc(ld * N * sizeof *xi);
    double *f = malloc(ld * N * sizeof *f), *fp = malloc(ld * N * sizeof *fp);
    double *F = calloc(ld * ld * N, sizeof *F), *dv = malloc(ld * sizeof *dv);
    double *C = calloc(ld * ld, sizeof *C), *Lz = calloc(ld * ld, sizeof *Lz);
    double *R = calloc(ld * ld, sizeof *R), *M = calloc(ld, sizeof *M), *b = calloc(ld, sizeof *b);
    if (!x || !xi || !f || !fp || !F || !dv || !C || !Lz || !R || !M || !b) {
        st = CAV_ENOMEM;
        snprintf(res->msg, sizeof res->msg, "amp-wigner dmft: out of memory");
        goto done;
    }
    /* t = 0: side observation v^0 = g0 x + sqrt(g0) z. */
    {
        cav_rng r;
        cav_rng_init(&r, seed, cav_rng_hash("dmft/amp") + rep, 0);
        for (size_t i = 0; i < N; i++) {
            x[i] = cav_rng_sign(&r);
            double v0 = g0 * x[i] + sqrt(g0) * cav_rng_normal(&r);
            f[i] = tanh(v0);
            fp[i] = 0; /* v^0 is not a field of the dynamics: no response to it */
        }
    }
    for (size_t t = 0;; t++) {
        /* kernels of time t: C(t, s), M_t, b_t, R(t, s) */
        double mt = 0, bt = 0;
        for (size_t i = 0; i < N; i++)
            mt += x[i] * f[t * N + i], bt += fp[t * N + i];
        M[t] = mt / (double)N;
        b[t] = t ? bt / (double)N : 0.0;
        for (size_t s = 0; s <= t; s++) {
            double c = 0;
            for (size_t i = 0; i < N; i++)
                c += f[t * N + i] * f[s * N + i];
            C[t * ld + s] = C[s * ld + t] = c / (double)N;
        }
        for (size_t s = 1; s <= t; s++) {
            double r = 0;
            for (size_t i = 0; i < N; i++)
                r += F[(i * ld + t) * ld + s];
            R[t * ld + s] = r / (double)N;
        }
        if (t == T) break;
        /* Cholesky row t of C (Z^{t+1} = sum_j Lz(t,j) xi_j) */
        double acc = 0;
        for (size_t j = 0; j < t; j++) {
            double v = C[t * ld + j];
            for (size_t k = 0; k < j; k++)
                v -= Lz[t * ld + k] * Lz[j * ld + k];
            Lz[t * ld + j] = Lz[j * ld + j] > 0 ? v / Lz[j * ld + j] : 0;
            acc += Lz[t * ld + j] * Lz[t * ld + j];
        }
        double inn = C[t * ld + t] - acc;
        Lz[t * ld + t] = inn > 1e-14 * (1 + C[t * ld + t]) ? sqrt(inn) : 0;
        cav_rng r;
        cav_rng_init(&r, seed, cav_rng_hash("dmft/amp") + rep, t + 1);
        cav_rng_normal_fill(&r, N, 1.0, xi + t * N);
        const size_t u = t + 1; /* new time */
        for (size_t i = 0; i < N; i++) {
            double v = beta * M[t] * x[i];
            for (size_t j = 0; j <= t; j++)
                v += Lz[t * ld + j] * xi[j * N + i];
            for (size_t s = 1; s <= t; s++)
                v += R[t * ld + s] * f[(s - 1) * N + i];
            if (onsager && t >= 1) v -= b[t] * f[(t - 1) * N + i];
            double th = tanh(beta * v);
            f[u * N + i] = th;
            fp[u * N + i] = beta * (1 - th * th);
            /* pathwise responses dv^u/de_s, s = 1..u */
            double *Fi = F + i * ld * ld;
            for (size_t s = 1; s <= u; s++) {
                double d = s == u ? 1.0 : 0.0;
                for (size_t rr = s + 1; rr <= t; rr++) /* f^{rr-1} with rr-1 >= s */
                    d += R[t * ld + rr] * Fi[(rr - 1) * ld + s];
                if (onsager && t >= 1 && t - 1 >= s) d -= b[t] * Fi[(t - 1) * ld + s];
                Fi[u * ld + s] = fp[u * N + i] * d;
            }
        }
    }
    /* memory: R(t,s<t) and R(t,t) - b_t */
    for (size_t t = 1; t <= T; t++) {
        for (size_t s = 1; s < t; s++)
            res->max_offdiag = fmax(res->max_offdiag, fabs(R[t * ld + s]));
        res->max_memory = fmax(res->max_memory, fabs(R[t * ld + t] - b[t]));
    }
    res->max_memory = fmax(res->max_memory, res->max_offdiag);
    for (size_t t = 0; t <= T; t++) {
        double s1 = 0, e1 = 0;
        for (size_t i = 0; i < N; i++) {
            s1 += x[i] * f[t * N + i];
            e1 += (x[i] - f[t * N + i]) * (x[i] - f[t * N + i]);
        }
        out[3 * t] = (double)t, out[3 * t + 1] = s1 / (double)N, out[3 * t + 2] = e1 / (double)N;
    }
    snprintf(res->msg, sizeof res->msg, "memory %.3g (off-diagonal %.3g), %zu trajectories",
             res->max_memory, res->max_offdiag, N);
done:
    free(x), free(xi), free(f), free(fp), free(F), free(dv), free(C), free(Lz), free(R), free(M),
        free(b);
    res->status = st;
    return st;
}

/* The trajectories of one DMFT solve are coupled through the kernels, so the per-trajectory
 * spread underestimates the MC error: the solve is split into AMP_REPS independent replicas of
 * ntraj/AMP_REPS trajectories, and the output is their mean with the standard error of it. */
#define AMP_REPS 8

int cav_dmft_amp_wigner(double snr, long steps, double init_overlap, int onsager, size_t ntraj,
                        uint64_t seed, double *out, double *se, cav_dmft_amp_result *res)
{
    memset(res, 0, sizeof *res);
    if (steps < 0 || steps > 100000 || ntraj < 16 * AMP_REPS) {
        res->status = CAV_EINVAL;
        snprintf(res->msg, sizeof res->msg,
                 "amp-wigner dmft: steps = %ld in [0, 1e5] and ntraj = %zu >= %d required", steps,
                 ntraj, 16 * AMP_REPS);
        return CAV_EINVAL;
    }
    const size_t nr = (size_t)steps + 1;
    double *rep = malloc(AMP_REPS * nr * 3 * sizeof *rep);
    if (!rep) return res->status = CAV_ENOMEM;
    double mem = 0, off = 0;
    for (int r = 0; r < AMP_REPS; r++) {
        cav_dmft_amp_result rr;
        int st = amp_core(snr, steps, init_overlap, onsager, ntraj / AMP_REPS, seed, (uint64_t)r,
                          rep + (size_t)r * nr * 3, &rr);
        if (st) {
            *res = rr;
            free(rep);
            return st;
        }
        mem = fmax(mem, rr.max_memory), off = fmax(off, rr.max_offdiag);
    }
    for (size_t i = 0; i < nr * 3; i++) {
        double m = 0, v = 0;
        for (int r = 0; r < AMP_REPS; r++)
            m += rep[(size_t)r * nr * 3 + i];
        m /= AMP_REPS;
        for (int r = 0; r < AMP_REPS; r++) {
            double d = rep[(size_t)r * nr * 3 + i] - m;
            v += d * d;
        }
        out[i] = m;
        if (se) se[i] = i % 3 == 0 ? NAN : sqrt(v / (AMP_REPS - 1) / AMP_REPS);
    }
    free(rep);
    res->max_memory = mem, res->max_offdiag = off;
    snprintf(res->msg, sizeof res->msg, "memory %.3g (off-diagonal %.3g), %zu trajectories", mem,
             off, ntraj);
    return CAV_OK;
}

/* ---- Marchenko-Pastur integral of GD on ridge least squares (eq. MP) ----
 * w^t = phi_t(S) (S w* + X^T xi sqrt(Delta)/sqrt d), S = X^T X/d, phi_t(s) = (1 - (1 -
 * eta (s + lambda))^t)/(s + lambda), so m = int phi s drho, q = int phi^2 (s^2 + Delta s) drho,
 * test error (1 - 2m + q + Delta)/2; rho = MP law of S (ratio alpha), whose atom (1-alpha)_+ at
 * 0 carries no weight (every integrand has a factor s): both are int s h(s) drho integrals of
 * cav_spectral_mp_integrate_s. */
typedef struct {
    double lambda, eta, Delta;
    long t;
} mp_ctx;

static double phi_t(double s, const mp_ctx *c)
{
    double k = s + c->lambda, x = c->eta * k;
    if (k == 0) return c->eta * (double)c->t;
    /* 1 - (1 - x)^t = -expm1(t log1p(-x)) when x < 1 */
    double num = x < 1 ? -expm1((double)c->t * log1p(-x)) : 1 - pow(1 - x, (double)c->t);
    return num / k;
}

static double mp_h_m(void *p, double s)
{
    return phi_t(s, p);
}

static double mp_h_q(void *p, double s)
{
    const mp_ctx *c = p;
    double ph = phi_t(s, c);
    return ph * ph * (s + c->Delta);
}

int cav_dmft_mp_test_error(double alpha, double lambda, double eta, double Delta, long steps,
                           double *out, cav_err *err)
{
    if (!(alpha > 0) || !(lambda >= 0) || !(eta > 0) || !(Delta >= 0) || steps < 0)
        return cav_err_set(err, CAV_EINVAL,
                           "mp: need alpha > 0, lambda >= 0, eta > 0, Delta >= 0, steps >= 0");
    int st = CAV_OK;
    for (long t = 0; t <= steps; t++) {
        mp_ctx c = {lambda, eta, Delta, t};
        double m, q;
        int g1 = cav_spectral_mp_integrate_s(alpha, mp_h_m, &c, 1e-15, 1e-13, &m, NULL);
        int g2 = cav_spectral_mp_integrate_s(alpha, mp_h_q, &c, 1e-15, 1e-13, &q, NULL);
        if (g1 || g2) st = CAV_ENUMERIC;
        out[t] = 0.5 * (1 - 2 * m + q + Delta);
    }
    if (st) cav_err_set(err, st, "mp: quadrature did not reach 1e-13");
    return st;
}
