/* theory/dmft.c — discrete-time DMFT of gradient descent / mini-batch SGD on a GLM (cavity/dmft.h):
 * the public solver object (problem defaults and checks, options, alloc/set, the causal first
 * sweep and the damped Picard iteration with adaptive damping, convergence test, solve loop,
 * observables and kernel accessors, checkpoint save/resume). The kernel equations themselves are
 * in dmft_exact.c (eqs. W, X: deterministic propagation) and dmft_sample.c (eq. S: the sampled
 * effective process and its jackknife errors); the DMFT references of dmft_amp.c check them.
 *
 * Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573; Celentano, Montanari, Wu (2021);
 * Gerbelot, Troiani, Mignacco, Krzakala, Zdeborová, arXiv:2210.06591. The derivation in our
 * conventions is docs/dmft.md; equation labels below refer to it.
 *
 * Weight side (eq. W), linear with deterministic coefficients:
 *   w^{t+1} = (1 - eta lambda) w^t - eta [zeta^t + alpha sum_{s<=t} R_l(t,s) w^s
 *             + alpha mu_l(t) w*] + eta P^t,   Cov(zeta^t, zeta^s) = alpha C_l(t,s),
 * so w^t = a(t) w* + b(t) w^0 - sum_{s<t} R_w(t,s) zeta^s with
 *   a(t+1) = (1-eta lambda) a(t) - eta alpha [sum_s R_l(t,s) a(s) + mu_l(t)],   a(0) = 0,
 *   b(t+1) = (1-eta lambda) b(t) - eta alpha  sum_s R_l(t,s) b(s),             b(0) = 1,
 *   R_w(t+1,s) = (1-eta lambda) R_w(t,s) - eta alpha sum_r R_l(t,r) R_w(r,s) + eta [t = s],
 *   m(t) = a(t) + b(t) m0,
 *   C_w(t,t') = a a' + (a b' + b a') m0 + b b' q0 + alpha sum_{s,s'} R_w(t,s) R_w(t',s') C_l(s,s').
 * Sample side (eq. S): (h*, omega^0..omega^T) Gaussian, Var h* = 1, Cov(h*, omega^t) = m(t),
 * Cov(omega^t, omega^s) = C_w(t,s); y = channel(h*);
 *   h^t = omega^t - sum_{s<t} R_w(t,s) l'^s,   l'^t = s^t l'(y, h^t),  s^t ~ Bernoulli(b).
 *   C_l(t,s) = E l'^t l'^s, R_l(t,s) = E d l'^t / d omega^s, mu_l(t) = E d l'^t / d h* (omega
 *   fixed). (h*, omega) = L z with L the Cholesky factor and z iid N(0,1). R_l is propagated
 *   pathwise, dh^t/de_s = [s=t] - sum_r R_w(t,r) s^r l''^r dh^r/de_s (O(T^3) per trajectory,
 *   on a sub-sample); mu_l(t) = E[h* l'^t] - sum_s m(s) R_l(t,s) (Stein on h* alone). Stein on
 *   all the whitened fields was tried first and is ill-conditioned once GD converges.
 * Exact path (square loss, b = 1, eq. X): e^t = l'^t = h^t - y is linear,
 *   e = K (omega - y 1) with K = (I + R_w)^{-1}, R_l = K, mu_l(t) = -kappa sum_s K(t,s),
 *   kappa = E[h* y], C_l = K M K^T with M(t,s) = C_w(t,s) - kappa (m(t) + m(s)) + E y^2,
 * all propagated row by row (BLAS-2), O(T^3) in total.
 */
#include "cavity/dmft.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rng.h"
#include "theory/dmft/dmft_internal.h"

#define MAXNOISE 0.05 /* largest relative MC error accepted as a noise floor */

cav_dmft_opts cav_dmft_opts_default(void)
{
    cav_dmft_opts o;
    memset(&o, 0, sizeof o);
    o.path = CAV_DMFT_AUTO;
    o.ntraj = 100000;
    o.ntraj_init = 10000;
    o.ntraj_resp = 8192;
    o.tol = 1e-10;
    o.noise_factor = 3.0;
    o.max_iter = 30;
    o.damping = 1.0;
    o.damping_min = 0.05;
    o.patience = 3;
    o.seed = 1;
    return o;
}

void cav_dmft_gd_problem_default(cav_dmft_gd_problem *p)
{
    memset(p, 0, sizeof *p);
    p->loss.type = &cav_loss_square;
    p->channel.type = &cav_channel_linear;
    p->alpha = 2;
    p->eta = 0.1;
    p->batch = 1;
    p->steps = 100;
}

double cav_dmft_gd_eta_max(const cav_dmft_gd_problem *p)
{
    double c = 1.0;
    const char *nm = p->loss.type ? p->loss.type->name : "";
    if (!strcmp(nm, "logistic")) c = 0.25;
    if (!strcmp(nm, "smooth-hinge") && p->loss.par[0] > 0) c = 1.0 / p->loss.par[0];
    double e = 1 + sqrt(p->alpha);
    return 2.0 / (c * e * e + p->lambda);
}

int cav_dmft_gd_check(const cav_dmft_gd_problem *p, cav_err *err)
{
    if (!p) return cav_err_set(err, CAV_EINVAL, "dmft: problem is NULL");
    int st = cav_loss_check(&p->loss, err);
    if (st) return st;
    st = cav_channel_check(&p->channel, err);
    if (st) return st;
    if (!p->channel.type->binary && strcmp(p->channel.type->name, "linear"))
        return cav_err_set(err, CAV_EUNSUP, "dmft: channel %s: allowed sign, sign-flip, linear",
                           p->channel.type->name);
    if (!(p->alpha > 0) || !(p->alpha <= 1e4))
        return cav_err_set(err, CAV_EINVAL, "dmft: alpha = %g outside (0, 1e4]", p->alpha);
    if (!(p->lambda >= 0) || !(p->lambda <= 1e4))
        return cav_err_set(err, CAV_EINVAL, "dmft: lambda = %g outside [0, 1e4]", p->lambda);
    if (!(p->eta > 0) || !(p->eta <= 1e3))
        return cav_err_set(err, CAV_EINVAL, "dmft: eta = %g outside (0, 1e3]", p->eta);
    if (!(p->batch > 0) || !(p->batch <= 1))
        return cav_err_set(err, CAV_EINVAL, "dmft: batch = %g outside (0, 1]", p->batch);
    if (p->steps < 1 || p->steps > 100000)
        return cav_err_set(err, CAV_EINVAL, "dmft: steps = %ld outside [1, 100000]", p->steps);
    if (!(p->q0 >= 0) || !isfinite(p->q0) || !isfinite(p->m0))
        return cav_err_set(err, CAV_EINVAL, "dmft: q0 = %g must be finite and >= 0", p->q0);
    if (p->q0 == 0 && p->m0 != 0)
        return cav_err_set(err, CAV_EINVAL, "dmft: m0 = %g needs q0 > m0^2 (q0 = 0)", p->m0);
    if (p->q0 > 0 && !(p->q0 > p->m0 * p->m0 * (1 + 1e-9)))
        return cav_err_set(err, CAV_EUNSUP,
                           "dmft: start needs q0 > m0^2 (got m0 = %g, q0 = %g): a start "
                           "collinear with the teacher is not supported",
                           p->m0, p->q0);
    return CAV_OK;
}

static void free_all(cav_dmft_gd *s)
{
    double **ptr[] = {&s->W.a,   &s->W.b,    &s->W.m,     &s->W.Cw,  &s->W.Rw,   &s->Wn.a,
                      &s->Wn.b,  &s->Wn.m,   &s->Wn.Cw,   &s->Wn.Rw, &s->S.Cl,   &s->S.Rl,
                      &s->S.mul, &s->S.loss, &s->Sn.Cl,   &s->Sn.Rl, &s->Sn.mul, &s->Sn.loss,
                      &s->L,     &s->K,      &s->tmp,     &s->tmp2,  &s->clrw,   &s->bs_cl,
                      &s->bs_rl, &s->bs_hs,  &s->bs_loss, &s->se};
    for (size_t i = 0; i < sizeof ptr / sizeof *ptr; i++) {
        free(*ptr[i]);
        *ptr[i] = NULL;
    }
}

void cav_dmft_gd_free(cav_dmft_gd *s)
{
    if (!s) return;
    free_all(s);
    free(s);
}

cav_dmft_gd *cav_dmft_gd_alloc(long steps)
{
    if (steps < 1 || steps > 100000) return NULL;
    cav_dmft_gd *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->T = steps;
    s->ld = (size_t)steps + 1;
    s->G = (size_t)steps + 2;
    size_t v = s->ld, m2 = s->ld * s->ld;
    int ok = 1;
#define AL(p, n) ok &= ((p) = calloc((n), sizeof(double))) != NULL
    AL(s->W.a, v), AL(s->W.b, v), AL(s->W.m, v), AL(s->W.Cw, m2), AL(s->W.Rw, m2);
    AL(s->Wn.a, v), AL(s->Wn.b, v), AL(s->Wn.m, v), AL(s->Wn.Cw, m2), AL(s->Wn.Rw, m2);
    AL(s->S.Cl, m2), AL(s->S.Rl, m2), AL(s->S.mul, v), AL(s->S.loss, v);
    AL(s->Sn.Cl, m2), AL(s->Sn.Rl, m2), AL(s->Sn.mul, v), AL(s->Sn.loss, v);
    AL(s->L, s->G * s->G), AL(s->K, m2), AL(s->tmp, s->G), AL(s->tmp2, s->G);
    AL(s->clrw, s->G);
    AL(s->se, v * 4);
#undef AL
    if (!ok) {
        cav_dmft_gd_free(s);
        return NULL;
    }
    return s;
}

/* Observables of row t from a weight/sample side: train_loss, test_error, m, q. */
void dmft_obs_row(const cav_dmft_gd *s, long t, const wside *W, const sside *S, double *o)
{
    double m = W->m[t], q = W->Cw[(size_t)t * s->ld + (size_t)t];
    o[0] = S->loss[t];
    if (s->binary)
        o[1] = q > 0 ? acos(fmax(-1.0, fmin(1.0, m / sqrt(q)))) / M_PI : 0.5;
    else
        o[1] = 0.5 * (1 - 2 * m + q + s->Delta);
    o[2] = m;
    o[3] = q;
}

/* ---------------------------------------------------------------------------------------- */

int cav_dmft_gd_set(cav_dmft_gd *s, const cav_dmft_gd_problem *p, const cav_dmft_opts *opts)
{
    cav_err_clear(&s->err);
    s->set = 0;
    int st = cav_dmft_gd_check(p, &s->err);
    if (st) return s->status = st;
    if (p->steps != s->T)
        return s->status =
                   cav_err_set(&s->err, CAV_EINVAL,
                               "dmft: steps = %ld differs from the allocated %ld", p->steps, s->T);
    s->p = *p;
    s->o = opts ? *opts : cav_dmft_opts_default();
    s->ckpt[0] = '\0';
    if (s->o.checkpoint) snprintf(s->ckpt, sizeof s->ckpt, "%s", s->o.checkpoint);
    s->o.checkpoint = NULL;
    int square = !strcmp(p->loss.type->name, "square");
    if (s->o.path == CAV_DMFT_EXACT && (!square || p->batch < 1))
        return s->status = cav_err_set(&s->err, CAV_EUNSUP,
                                       "dmft: the exact path needs the square loss and batch = 1 "
                                       "(got loss %s, batch %g)",
                                       p->loss.type->name, p->batch);
    s->path = s->o.path == CAV_DMFT_AUTO
                  ? (square && p->batch >= 1 ? CAV_DMFT_EXACT : CAV_DMFT_SAMPLED)
                  : s->o.path;
    if (s->path == CAV_DMFT_SAMPLED &&
        (s->o.ntraj < 2 * CHUNK || s->o.ntraj_init < 2 * CHUNK || s->o.ntraj > 100000000))
        return s->status = cav_err_set(&s->err, CAV_EINVAL,
                                       "dmft: ntraj = %zu, ntraj_init = %zu must be in [%d, 1e8]",
                                       s->o.ntraj, s->o.ntraj_init, 2 * CHUNK);
    if (!(s->o.damping > 0 && s->o.damping <= 1) || !(s->o.damping_min > 0) || s->o.max_iter < 1 ||
        !(s->o.tol >= 0))
        return s->status = cav_err_set(&s->err, CAV_EINVAL,
                                       "dmft: options: damping = %g in (0,1], damping_min = %g > "
                                       "0, max_iter = %d >= 1, tol = %g >= 0 required",
                                       s->o.damping, s->o.damping_min, s->o.max_iter, s->o.tol);
    /* Channel moments kappa = E[h* y], E y^2 from the label law at nu ~ N(0, 1). */
    double y[CAV_CHANNEL_MAXY], w[CAV_CHANNEL_MAXY], wnu[CAV_CHANNEL_MAXY];
    int ny = p->channel.type->ylaw(&p->channel, 0.0, 1.0, y, w, wnu);
    s->kappa = s->ey2 = 0;
    for (int i = 0; i < ny; i++)
        s->kappa += wnu[i] * y[i], s->ey2 += w[i] * y[i] * y[i];
    s->binary = p->channel.type->binary;
    s->Delta = s->binary ? 0 : p->channel.par[0];
    s->iter = 0, s->good = 0, s->diverged_at = -1;
    s->residual = INFINITY, s->prev_res = INFINITY, s->noise = 0;
    s->damping = s->o.damping;
    s->status = CAV_CONTINUE;
    s->set = 1;
    if (s->ckpt[0]) dmft_gd_load(s, s->ckpt);
    return CAV_OK;
}

static void copy_side(const cav_dmft_gd *s, const sside *a, sside *b)
{
    size_t m2 = s->ld * s->ld;
    memcpy(b->Cl, a->Cl, m2 * sizeof(double));
    memcpy(b->Rl, a->Rl, m2 * sizeof(double));
    memcpy(b->mul, a->mul, s->ld * sizeof(double));
    memcpy(b->loss, a->loss, s->ld * sizeof(double));
}

static double side_change(const cav_dmft_gd *s, const wside *A, const wside *B)
{
    size_t m2 = s->ld * s->ld;
    double d = 0, sc = 0;
    for (size_t i = 0; i < m2; i++) {
        d = fmax(d, fabs(A->Cw[i] - B->Cw[i]));
        d = fmax(d, fabs(A->Rw[i] - B->Rw[i]));
        sc = fmax(sc, fabs(A->Cw[i]));
    }
    for (size_t i = 0; i < s->ld; i++)
        d = fmax(d, fabs(A->m[i] - B->m[i]));
    return d / (1 + sc);
}

static int diverged(cav_dmft_gd *s)
{
    s->status = CAV_EDIVERGE;
    return cav_err_set(&s->err, CAV_EDIVERGE,
                       "dmft: the dynamics diverged at step %ld (eta = %g; stability bound "
                       "2/(c (1+sqrt alpha)^2 + lambda) = %g)",
                       s->diverged_at, s->p.eta, cav_dmft_gd_eta_max(&s->p));
}

int cav_dmft_gd_iterate(cav_dmft_gd *s)
{
    if (!s->set) return s->status;
    if (s->status == CAV_EDIVERGE) return s->status;
    const uint64_t stream = cav_rng_hash("dmft/gd") + (uint64_t)s->iter;
    long bad = -1;
    int st;
    if (s->iter == 0) {
        /* causal sweep: self-consistent in one pass */
        if (s->path == CAV_DMFT_EXACT) {
            /* O(T^2): Toeplitz responses and Hankel-plus-rank-two correlations
             * (dmft_hankel.c), the closed form of the row-by-row sweep of eqs. W and X. */
            st = dmft_exact_hankel(s);
            if (st == CAV_EDIVERGE) {
                s->iter++;
                return diverged(s);
            }
            if (st) return s->status = cav_err_set(&s->err, st, "dmft: out of memory");
            /* Discrete time is causal: weight row t uses sample rows < t, sample row t uses
             * weight rows <= t (eqs. W, X), so one forward sweep solves every equation exactly
             * (no fixed point is left to iterate), and the closed form is that sweep. A second
             * application of the row-by-row map reproduces the kernels to rounding (asserted in
             * tests/unit/theory/test_dmft.c), so the residual is 0 by construction and the
             * solve stops here. */
            s->residual = 0;
        } else {
            st = dmft_sweep_causal(s, stream);
            s->iter++;
            if (st == CAV_EDIVERGE) return diverged(s);
            if (st) return s->status = cav_err_set(&s->err, st, "dmft: out of memory");
            copy_side(s, &s->Sn, &s->S);
            if (dmft_jackknife(s))
                return s->status = cav_err_set(&s->err, CAV_ENOMEM, "dmft: nomem");
            return CAV_OK;
        }
        s->iter++;
        return CAV_OK;
    }
    /* Picard map: sample side from the current weight side, then the weight side again. */
    if (s->path == CAV_DMFT_EXACT) {
        for (long t = 0; t <= s->T; t++) {
            const double *rw = s->W.Rw + (size_t)t * s->ld;
            dmft_sym_lower_v((size_t)t, s->Sn.Cl, s->ld, rw, s->clrw);
            dmft_exact_row(s, t, &s->W, &s->Sn, s->clrw);
        }
    } else {
        st = dmft_sweep_picard(s, stream);
        if (st == CAV_EDIVERGE) {
            s->iter++;
            return diverged(s);
        }
        if (st) return s->status = cav_err_set(&s->err, st, "dmft: out of memory");
        if (dmft_jackknife(s)) return s->status = cav_err_set(&s->err, CAV_ENOMEM, "dmft: nomem");
    }
    s->iter++;
    if (dmft_weight_all(s, &s->Sn, &s->Wn, s->tmp, &bad)) {
        s->diverged_at = bad;
        return diverged(s);
    }
    s->residual = side_change(s, &s->Wn, &s->W);
    /* adaptive damping: a residual that does not decrease (noise floor or overshoot) halves it */
    if (s->residual > s->prev_res) {
        s->damping = fmax(s->damping * 0.5, s->o.damping_min);
        s->good = 0;
    } else if (++s->good >= s->o.patience) {
        s->damping = fmin(1.0, s->damping * 1.5);
        s->good = 0;
    }
    s->prev_res = s->residual;
    const double a = s->damping;
    size_t m2 = s->ld * s->ld;
    for (size_t i = 0; i < m2; i++) {
        s->S.Cl[i] = (1 - a) * s->S.Cl[i] + a * s->Sn.Cl[i];
        s->S.Rl[i] = (1 - a) * s->S.Rl[i] + a * s->Sn.Rl[i];
    }
    for (size_t i = 0; i < s->ld; i++) {
        s->S.mul[i] = (1 - a) * s->S.mul[i] + a * s->Sn.mul[i];
        s->S.loss[i] = (1 - a) * s->S.loss[i] + a * s->Sn.loss[i];
    }
    if (dmft_weight_all(s, &s->S, &s->W, s->tmp, &bad)) {
        s->diverged_at = bad;
        return diverged(s);
    }
    return CAV_OK;
}

int cav_dmft_gd_test(const cav_dmft_gd *s)
{
    if (s->iter < 1) return CAV_CONTINUE;
    /* exact path: the causal sweep of iteration 1 is the solution (see cav_dmft_gd_iterate) */
    if (s->path == CAV_DMFT_EXACT) return CAV_OK;
    if (s->iter < 2) return CAV_CONTINUE;
    if (s->residual <= s->o.tol) return CAV_OK;
    /* noise floor: accepted only while the MC error is small against the kernels' scale */
    if (s->path == CAV_DMFT_SAMPLED && s->residual <= s->o.noise_factor * s->noise &&
        s->noise <= MAXNOISE * (1 + s->W.Cw[(size_t)s->T * s->ld + (size_t)s->T]))
        return CAV_OK;
    return CAV_CONTINUE;
}

int cav_dmft_gd_solve(cav_dmft_gd *s, cav_dmft_observer obs, void *ctx)
{
    if (!s->set) return s->status;
    for (;;) {
        if (s->iter >= s->o.max_iter && cav_dmft_gd_test(s) != CAV_OK) {
            s->status = CAV_EMAXITER;
            return cav_err_set(&s->err, CAV_EMAXITER,
                               "dmft: not converged after %ld iterations: residual %.3g (tol "
                               "%.3g, Monte-Carlo noise %.3g)",
                               s->iter, s->residual, s->o.tol, s->noise);
        }
        int st = cav_dmft_gd_iterate(s);
        if (st) return st;
        if (s->ckpt[0]) cav_dmft_gd_save(s, s->ckpt, NULL);
        if (obs && obs(ctx, s->iter, s->residual, s->damping)) {
            s->status = CAV_CONTINUE;
            return cav_err_set(&s->err, CAV_CONTINUE, "dmft: stopped by the observer");
        }
        if (cav_dmft_gd_test(s) == CAV_OK) break;
    }
    s->status = CAV_OK;
    if (s->path == CAV_DMFT_EXACT && s->p.eta > cav_dmft_gd_eta_max(&s->p) * (1 + 1e-12)) {
        s->status = CAV_EDIVERGE;
        return cav_err_set(&s->err, CAV_EDIVERGE,
                           "dmft: GD is unstable: eta = %g > 2/((1+sqrt alpha)^2 + lambda) = %g; "
                           "the rows show the asymptotic blow-up",
                           s->p.eta, cav_dmft_gd_eta_max(&s->p));
    }
    if (s->path == CAV_DMFT_EXACT && s->iter == 1)
        snprintf(s->err.msg, sizeof s->err.msg,
                 "exact path: solved by one causal sweep (no fixed point to iterate)");
    else if (s->residual <= s->o.tol)
        snprintf(s->err.msg, sizeof s->err.msg, "converged: kernel residual %.3g <= tol %.3g",
                 s->residual, s->o.tol);
    else
        snprintf(s->err.msg, sizeof s->err.msg,
                 "converged to the Monte-Carlo noise floor: kernel residual %.3g <= %g x MC "
                 "error %.3g (%zu trajectories)",
                 s->residual, s->o.noise_factor, s->noise, s->o.ntraj);
    s->err.code = CAV_OK;
    return CAV_OK;
}

void cav_dmft_gd_observables(const cav_dmft_gd *s, double *out, double *se)
{
    for (long t = 0; t <= s->T; t++) {
        double *o = out + (size_t)t * CAV_DMFT_GD_NOBS;
        o[0] = (double)t, o[1] = (double)t * s->p.eta;
        int ok = s->iter > 0 && (s->diverged_at < 0 || t < s->diverged_at);
        if (ok)
            dmft_obs_row(s, t, &s->W, &s->S, o + 2);
        else
            o[2] = o[3] = o[4] = o[5] = NAN;
        if (se) {
            double *e = se + (size_t)t * CAV_DMFT_GD_NOBS;
            e[0] = e[1] = NAN;
            for (int j = 0; j < 4; j++)
                e[2 + j] = !ok                         ? NAN
                           : s->path == CAV_DMFT_EXACT ? 0
                                                       : s->se[(size_t)t * 4 + (size_t)j];
        }
    }
}

const double *cav_dmft_gd_kernel(const cav_dmft_gd *s, int which)
{
    switch (which) {
    case CAV_DMFT_K_M:
        return s->W.m;
    case CAV_DMFT_K_CW:
        return s->W.Cw;
    case CAV_DMFT_K_RW:
        return s->W.Rw;
    case CAV_DMFT_K_CL:
        return s->S.Cl;
    case CAV_DMFT_K_RL:
        return s->S.Rl;
    case CAV_DMFT_K_MUL:
        return s->S.mul;
    default:
        return NULL;
    }
}

int cav_dmft_gd_status(const cav_dmft_gd *s)
{
    return s->status;
}
int cav_dmft_gd_path(const cav_dmft_gd *s)
{
    return s->path;
}
double cav_dmft_gd_residual(const cav_dmft_gd *s)
{
    return s->residual;
}
double cav_dmft_gd_noise(const cav_dmft_gd *s)
{
    return s->noise;
}
long cav_dmft_gd_iterations(const cav_dmft_gd *s)
{
    return s->iter;
}
double cav_dmft_gd_damping(const cav_dmft_gd *s)
{
    return s->damping;
}
const cav_err *cav_dmft_gd_error(const cav_dmft_gd *s)
{
    return &s->err;
}

/* ---------------------------------------------------------------------------------------- */
/* Checkpoint: header (magic, problem, path, counts), then state and sample-side kernels.     */

#define MAGIC "CAVDMFT1"

typedef struct {
    char magic[8], loss[32], channel[32];
    double par[8];
    long T, iter, diverged_at;
    int path;
    size_t ntraj, ntraj_init;
    uint64_t seed;
    double residual, noise, damping, prev_res;
} ckhdr;

static void make_hdr(const cav_dmft_gd *s, ckhdr *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, MAGIC, 8);
    snprintf(h->loss, sizeof h->loss, "%s", s->p.loss.type->name);
    snprintf(h->channel, sizeof h->channel, "%s", s->p.channel.type->name);
    double par[8] = {s->p.alpha, s->p.lambda, s->p.eta,         s->p.batch,
                     s->p.m0,    s->p.q0,     s->p.loss.par[0], s->p.channel.par[0]};
    memcpy(h->par, par, sizeof par);
    h->T = s->T, h->iter = s->iter, h->diverged_at = s->diverged_at, h->path = s->path;
    h->ntraj = s->o.ntraj, h->ntraj_init = s->o.ntraj_init, h->seed = s->o.seed;
    h->residual = s->residual, h->noise = s->noise, h->damping = s->damping;
    h->prev_res = s->prev_res;
}

int cav_dmft_gd_save(const cav_dmft_gd *s, const char *path, cav_err *err)
{
    char tmpname[1100];
    snprintf(tmpname, sizeof tmpname, "%s.tmp", path);
    FILE *f = fopen(tmpname, "wb");
    if (!f) return cav_err_set(err, CAV_EIO, "dmft: cannot write checkpoint %s", tmpname);
    ckhdr h;
    make_hdr(s, &h);
    size_t m2 = s->ld * s->ld, ok = 1;
    ok &= fwrite(&h, sizeof h, 1, f) == 1;
    ok &= fwrite(s->S.Cl, sizeof(double), m2, f) == m2;
    ok &= fwrite(s->S.Rl, sizeof(double), m2, f) == m2;
    ok &= fwrite(s->S.mul, sizeof(double), s->ld, f) == s->ld;
    ok &= fwrite(s->S.loss, sizeof(double), s->ld, f) == s->ld;
    ok &= fwrite(s->se, sizeof(double), 4 * s->ld, f) == 4 * s->ld;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmpname, path))
        return cav_err_set(err, CAV_EIO, "dmft: cannot write checkpoint %s", path);
    return CAV_OK;
}

/* Resume from `path` if it matches this problem; returns 1 when restored. */
int dmft_gd_load(cav_dmft_gd *s, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    ckhdr h, me;
    make_hdr(s, &me);
    size_t m2 = s->ld * s->ld, ok = fread(&h, sizeof h, 1, f) == 1;
    ok = ok && !memcmp(h.magic, me.magic, 8) && !strcmp(h.loss, me.loss) &&
         !strcmp(h.channel, me.channel) && !memcmp(h.par, me.par, sizeof h.par) && h.T == me.T &&
         h.path == me.path && h.ntraj == me.ntraj && h.ntraj_init == me.ntraj_init &&
         h.seed == me.seed && h.iter > 0;
    ok = ok && fread(s->S.Cl, sizeof(double), m2, f) == m2;
    ok = ok && fread(s->S.Rl, sizeof(double), m2, f) == m2;
    ok = ok && fread(s->S.mul, sizeof(double), s->ld, f) == s->ld;
    ok = ok && fread(s->S.loss, sizeof(double), s->ld, f) == s->ld;
    ok = ok && fread(s->se, sizeof(double), 4 * s->ld, f) == 4 * s->ld;
    fclose(f);
    if (!ok) {
        memset(s->S.Cl, 0, m2 * sizeof(double));
        memset(s->S.Rl, 0, m2 * sizeof(double));
        return 0;
    }
    long bad;
    if (dmft_weight_all(s, &s->S, &s->W, s->tmp, &bad)) return 0;
    s->iter = h.iter, s->residual = h.residual, s->noise = h.noise, s->damping = h.damping;
    s->prev_res = h.prev_res, s->diverged_at = h.diverged_at;
    return 1;
}
