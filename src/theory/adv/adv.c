/* theory/adv.c — state evolution of adversarially trained linear classifiers (direct and latent
 * models of include/cavity/adversarial.h; Vilucchio, Zdeborová, Loureiro, arXiv:2506.12454,
 * docs/adversarial.md), built on the ERM replica engine's channel side (erm_channel.c).
 *
 * Derivation (ours; the printed theorems have typos, see docs/adversarial.md). The training
 * objective is
 *     L(w) = sum_mu l(y_mu, lam_mu - y_mu eps_t N(w)) + lambda R(w),
 * N(w) = sqrt(q_z(w)) (l_2 attack) or P(w) (l_inf attack), a convex function of w; for a margin
 * loss l(y, h) = phi(y h) with phi convex and decreasing, L is convex. At its minimiser w*, with
 * c = eps_t N(w*) and A = eps_t sum_mu (-y_mu dl/dh) >= 0 at w*, the KKT condition of L is the
 * KKT condition of the surrogate
 *     L~(w) = sum_mu l(y_mu, lam_mu - y_mu c) + lambda R(w) + A N~(w),
 * where N~ = N for l_inf (separable: A P(w)) and N~ = q_z(w)/(2 N(w*)) for l_2 (same gradient
 * at w*). L~ is a plain ERM problem with the margin-shifted loss l~(y, h) = l(y, h - y c) and a
 * separable penalty, so its replica-symmetric equations are those of erm.h with
 *   channel: the sums of l~ at (m, q, V) (cav_erm_chan_sums_shift): f = (h~* - omega)/V,
 *            qhat = a E f^2, Vhat = a E(1 - dh~*)/V, mhat = a E[nu f] + m Vhat, a = n/p;
 *            A/d = eps_t alpha E[y f] (since -dl~/dh = f at the prox; alpha = n/d);
 *   prior:   per coordinate i (population k below), with b = mhat c_k theta + sqrt(qhat w_k) xi,
 *            w = argmin_w lambda r(w) + (Vhat w_k + rho2 k2_k) w^2/2 + (tau k1_k) |w| - b w
 *              = soft(b, T_k)/D_k,  D_k = lambda_2 + Vhat w_k + rho2 k2_k, T_k = lambda_1 +
 *              tau k1_k, lambda_2 = lambda (ridge) or 0, lambda_1 = lambda (lasso) or 0,
 *            rho2 = eps_t alpha E[y f]/sqrt(q_z) (l_2 training attack, else 0),
 *            tau  = eps_t alpha E[y f]            (l_inf training attack, else 0),
 *            and self-consistency c = eps_t N at the fixed point.
 * Populations of feature coordinates (fraction f_k of the p features, teacher coupling c_k =
 * sqrt(p) E[x_i nu]/theta_i, feature variance w_k = E x_i^2, k2_k = d dq_z/d(w_i^2),
 * k1_k = d dP/d|w_i|; for a training attack on z these are also its prior weights t2, t1):
 *   DIRECT:               one population f = c = w = k2 = k1 = 1 (p = d);
 *   LATENT, gamma <= 1:   A: f = gamma, c = 1/gamma, w = 1 + 1/gamma, k2 = k1 = 1
 *                         B: f = 1 - gamma, c = 0, w = 1, k2 = k1 = 0 (pure-noise features);
 *   LATENT, gamma > 1:    A: f = 1, c = 1/sqrt(gamma), w = 2, k2 = gamma, k1 = sqrt(gamma).
 * The Gaussian-covariate prior equations (Loureiro et al., NeurIPS 2021) for diagonal covariances
 * then read, with b ~ N(0, s_k^2), s_k^2 = (mhat c_k)^2 + qhat w_k, and u = T_k/s_k:
 *   E w^2 = 2[(s^2 + T^2) H(u) - T s phi(u)]/D^2,  E|w| = 2[s phi(u) - T H(u)]/D,
 *   E dw/db = 2 H(u)/D,  E[theta w] = mhat c_k E dw/db (Stein),
 *   m = sum f c E[theta w], q = sum f w E w^2, V = sum f w E dw/db,
 *   q_z = sum f (k2/gamma) E w^2, P = sum f (k1/gamma) E|w|  (gamma = 1 for DIRECT).
 * eps_t = 0 gives back the plain ERM equations of erm.h (tests/unit/theory/test_adv_theory.c).
 *
 * Training attack on the features (LATENT, train_space = CAV_ADV_SPACE_FEATURES). The attack
 * delta in R^p acts on x, with budgets ||delta||_2 <= eps_t and ||delta||_inf <= eps_t/sqrt(p)
 * (the p-dimensional analogue of the budgets on z); it moves the field w.x/sqrt(p) by at most
 * eps_t N(w) with N = ||w||_2/sqrt(p) = sqrt(q_w) (l_2) or N = ||w||_1/p = P_w (l_inf), both
 * separable over all p features, latent-carrying or not. The surrogate argument goes through
 * unchanged with N~ = P_w or q_w/(2 N(w*)): A N~ = (A/d) gamma sum_i |w_i| or
 * (A/d) (gamma/sqrt(q_w)) sum_i w_i^2/2, so in the prior every population gets the attack
 * weights t2 = t1 = gamma (in place of k2, k1), with rho2 = A/(d sqrt(q_w)):
 *     D_k = lambda_2 + Vhat w_k + rho2 gamma,   T_k = lambda_1 + tau gamma,
 * and the self-consistent order parameters of the training attack are q_w = sum f E w^2 and
 * P_w = sum f E|w|. The unknowns are then (m, q, V, q_w, P_w); q_z and P_z, which the test attack
 * on z needs, are prior-side outputs at the fixed point. At gamma = 1 (p = d, F = I) the two
 * spaces coincide (q_w = q_z, P_w = P_z, t = k).
 *
 * Square loss. Its inner maximum is not a margin shift: max_{|delta| <= r} (y - h - delta)^2/2
 * = (|y - h| + r)^2/2 =: l_r(y, h), r = eps_t N(w) (the loss "square-robust" of blocks/loss.c,
 * whose prox fits the point exactly, h* = y, on the band |omega - y| <= r V). The objective is
 *     L(w) = sum_mu l_{eps_t N(w)}(y_mu, lam_mu) + lambda R(w),
 * convex (l_r is convex and nondecreasing in r >= 0, N convex). Its subgradient at w* splits as
 * that of sum_mu l_r(y_mu, lam_mu) at the fixed r = c = eps_t N(w*), plus
 *     (d/dr sum_mu l_r) eps_t dN(w*) = A dN(w*),  A = eps_t sum_mu (|y_mu - lam_mu| + c) >= 0,
 * so the surrogate is L~(w) = sum_mu l_c(y_mu, lam_mu) + lambda R(w) + A N~(w), exactly as for the
 * margin losses with l~ = l_c (no shift) and, in the replica equations, E[y f] replaced by
 * E[|y - h*| + c] over the channel (h* the prox of l_c):
 *     A/d = eps_t alpha E[|y - h*| + c],  rho2 = A/(d sqrt(q_z)) (l_2),  tau = A/d (l_inf).
 * The prior side is unchanged. Here E[|y - h*| + c] >= c > 0: the penalty never changes sign.
 * eps_t -> 0 gives the square-loss ERM (tests/unit/theory/test_adv_square.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cavity/adversarial.h"
#include "cavity/erm.h"
#include "cavity/channel.h"
#include "cavity/roots.h"
#include "cavity/special.h"
#include "cavity/saddle.h"
#include "theory/adv/adv_internal.h"
#include "theory/erm/erm_internal.h"

cav_adv_problem cav_adv_problem_default(const cav_loss *loss)
{
    cav_adv_problem p;
    memset(&p, 0, sizeof p);
    if (loss) p.loss = *loss;
    p.alpha = 1.0;
    p.gamma = 1.0;
    p.eps_train = 0.0;
    p.train_norm = CAV_ADV_L2;
    p.lambda = 1e-2;
    p.reg_norm = 2;
    p.eps = 0.5;
    p.attack_norm = CAV_ADV_L2;
    return p;
}

int cav_adv_check(const cav_adv_problem *p, cav_err *err)
{
    if (!p) return cav_err_set(err, CAV_EINVAL, "adversarial: problem is NULL");
    int st = cav_loss_check(&p->loss, err);
    if (st) return st;
    const cav_loss_type *t = p->loss.type;
    if (t != &cav_loss_square && t != &cav_loss_hinge && t != &cav_loss_logistic)
        return cav_err_set(err, CAV_EINVAL,
                           "adversarial: loss = %s must be square, hinge or logistic", t->name);
    if (!(p->alpha > 0) || !isfinite(p->alpha))
        return cav_err_set(err, CAV_EINVAL, "adversarial: alpha = %g must be > 0 and finite",
                           p->alpha);
    if (p->latent && (!(p->gamma > 0) || !isfinite(p->gamma)))
        return cav_err_set(err, CAV_EINVAL, "adversarial: gamma = d/p = %g must be > 0 and finite",
                           p->gamma);
    if (!(p->eps_train >= 0) || !isfinite(p->eps_train))
        return cav_err_set(err, CAV_EINVAL, "adversarial: eps_train = %g must be >= 0 and finite",
                           p->eps_train);
    if (!(p->eps >= 0) || !isfinite(p->eps))
        return cav_err_set(err, CAV_EINVAL, "adversarial: eps = %g must be >= 0 and finite",
                           p->eps);
    if (p->attack_norm != CAV_ADV_L2 && p->attack_norm != CAV_ADV_LINF)
        return cav_err_set(err, CAV_EINVAL, "adversarial: attack_norm = %d must be 2 or 0 (inf)",
                           p->attack_norm);
    if (p->train_norm != CAV_ADV_L2 && p->train_norm != CAV_ADV_LINF)
        return cav_err_set(err, CAV_EINVAL, "adversarial: train_norm = %d must be 2 or 0 (inf)",
                           p->train_norm);
    if (p->train_space != CAV_ADV_SPACE_LATENT && p->train_space != CAV_ADV_SPACE_FEATURES)
        return cav_err_set(err, CAV_EINVAL,
                           "adversarial: train_space = %d must be 0 (latent) or 1 (features)",
                           p->train_space);
    if (p->reg_norm != 1 && p->reg_norm != 2)
        return cav_err_set(err, CAV_EINVAL, "adversarial: reg_norm = %d must be 1 or 2",
                           p->reg_norm);
    if (!(p->lambda > 0) || !isfinite(p->lambda))
        return cav_err_set(err, CAV_EINVAL, "adversarial: lambda = %g must be > 0 and finite",
                           p->lambda);
    return CAV_OK;
}

/* 1 if the training attack acts on the features of the latent model. */
static int on_features(const cav_adv_problem *p)
{
    return p->latent && p->train_space == CAV_ADV_SPACE_FEATURES;
}

int cav_adv_populations(const cav_adv_problem *p, cav_adv_pop pop[2], double *a, double *g)
{
    if (!p->latent) {
        pop[0] = (cav_adv_pop){1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
        *a = p->alpha;
        *g = 1.0;
        return 1;
    }
    double gm = p->gamma;
    int np = 1;
    *a = p->alpha * gm; /* n/p */
    *g = gm;
    if (gm <= 1) {
        pop[0] = (cav_adv_pop){gm, 1.0 / gm, 1.0 + 1.0 / gm, 1.0, 1.0, 1.0, 1.0};
        pop[1] = (cav_adv_pop){1.0 - gm, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0};
        np = gm < 1 ? 2 : 1;
    } else {
        pop[0] = (cav_adv_pop){1.0, 1.0 / sqrt(gm), 2.0, gm, sqrt(gm), gm, sqrt(gm)};
    }
    if (on_features(p)) /* N = ||w||_2/sqrt(p) or ||w||_1/p: every feature, weight d/p = gamma */
        for (int k = 0; k < np; k++)
            pop[k].t2 = pop[k].t1 = gm;
    return np;
}

/* Prior moments of w = soft(b, T)/D, b ~ N(0, s^2): E w^2, E|w|, E dw/db. */
static void soft_moments(double s, double T, double D, double *Ew2, double *Eabs, double *Edw)
{
    if (!(s > 0)) {
        *Ew2 = *Eabs = *Edw = 0;
        return;
    }
    double u = T / s, H = cav_H(u), ph = cav_phi(u);
    *Ew2 = 2.0 * ((s * s + T * T) * H - T * s * ph) / (D * D);
    *Eabs = 2.0 * (s * ph - T * H) / D;
    *Edw = 2.0 * H / D;
}

/* Observable |y - h*| + r = dl_r/dr at the prox point (robust square loss; ctx: &r). */
static void robust_obs(void *ctx, size_t n, const double *y, const double *omega,
                       const double *hstar, const double *dprox, double *out)
{
    (void)omega;
    (void)dprox;
    double r = *(const double *)ctx;
    for (size_t i = 0; i < n; i++)
        out[i] = fabs(y[i] - hstar[i]) + r;
}

int cav_adv_map(cav_adv_ctx *c, const double *x, double *fx, cav_err *err)
{
    const cav_adv_problem *p = c->p;
    /* (qt, Pt): the l_2 and l_1 order parameters of the training attack's space */
    double m = x[0], q = x[1], V = x[2], qt = x[3], Pt = x[4];
    if (!(q > 0) || !(V > 0) || !(qt > 0) || !(Pt > 0) || !isfinite(m))
        return cav_err_set(err, CAV_ENUMERIC,
                           "adversarial: state out of range (m = %g, q = %g, V = %g, q_t = %g, "
                           "P_t = %g)",
                           m, q, V, qt, Pt);
    double N = p->train_norm == CAV_ADV_L2 ? sqrt(qt) : Pt;
    double shift = p->eps_train * N, s[4];
    cav_channel sign = {&cav_channel_sign, {0, 0}};
    int st;
    if (p->loss.type == &cav_loss_square && p->eps_train > 0) {
        /* robust square loss (file comment, "Square loss"): plain sums of l_r, r = shift, and
         * s[3] = E[|y - h*| + r] in place of E[y f] */
        cav_loss lr = {&cav_loss_square_robust, {shift, 0}};
        st = cav_erm_chan_sums_shift(&lr, &sign, m, q, V, 0.0, s, err);
        if (st) return st;
        double e;
        st = cav_erm_expect(&lr, &sign, m, q, V, CAV_ERM_REGULAR, robust_obs, &shift, 1, &e, err);
        if (st) return st;
        s[3] = e;
    } else {
        st = cav_erm_chan_sums_shift(&p->loss, &sign, m, q, V, shift, s, err);
        if (st) return st;
    }
    double a = c->a;
    double Vhat = a * s[1], qhat = a * s[0], mhat = a * s[2] + m * Vhat;
    double A = p->eps_train * p->alpha * s[3]; /* eps_t alpha E[y f] */
    double rho2 = p->train_norm == CAV_ADV_L2 ? A / sqrt(qt) : 0.0;
    double tau = p->train_norm == CAV_ADV_LINF ? A : 0.0;
    double l2 = p->reg_norm == 2 ? p->lambda : 0.0, l1 = p->reg_norm == 1 ? p->lambda : 0.0;
    double nm = 0, nq = 0, nV = 0, nqz = 0, nP = 0, nqw = 0, nPw = 0;
    for (int k = 0; k < c->npop; k++) {
        const cav_adv_pop *o = &c->pop[k];
        double D = l2 + Vhat * o->w + rho2 * o->t2, T = l1 + tau * o->t1;
        if (!(D > 0) || !(T >= 0) || !(qhat >= 0))
            return cav_err_set(err, CAV_ENUMERIC,
                               "adversarial: prior denominator %g or threshold %g out of range "
                               "(E[y f] = %g < 0: the margin-shifted loss is not monotone here)",
                               D, T, s[3]);
        double sk = sqrt(mhat * mhat * o->c * o->c + qhat * o->w), Ew2, Eabs, Edw;
        soft_moments(sk, T, D, &Ew2, &Eabs, &Edw);
        c->D[k] = D;
        c->T[k] = T;
        nm += o->f * o->c * mhat * o->c * Edw;
        nq += o->f * o->w * Ew2;
        nV += o->f * o->w * Edw;
        nqz += o->f * o->k2 / c->g * Ew2;
        nP += o->f * o->k1 / c->g * Eabs;
        nqw += o->f * Ew2;  /* |w|^2/p */
        nPw += o->f * Eabs; /* ||w||_1/p */
    }
    c->q_w = nqw;
    c->P_w = nPw;
    c->q_z = nqz;
    c->P_z = nP;
    int feat = on_features(p);
    fx[0] = nm;
    fx[1] = nq;
    fx[2] = nV;
    fx[3] = feat ? nqw : nqz;
    fx[4] = feat ? nPw : nP;
    c->hat[0] = mhat;
    c->hat[1] = qhat;
    c->hat[2] = Vhat;
    c->hat[3] = A;
    c->shift = shift;
    return CAV_OK;
}

static int map_cb(void *ctx, const double *x, double *fx, cav_err *err)
{
    return cav_adv_map(ctx, x, fx, err);
}

void cav_adv_warm(const cav_adv_solution *s, double *x)
{
    memcpy(x, s->warm, sizeof s->warm);
}

static void nan_solution(cav_adv_solution *o)
{
    double n = NAN;
    o->m = o->q = o->V = o->P = o->P_z = o->q_z = o->q_w = n;
    o->mhat = o->qhat = o->Vhat = o->Phat = o->shift = o->n_rob = o->n_cns = n;
    o->egen = o->erob = o->erob_cns = o->ebnd_cns = o->attackable = n;
    for (int i = 0; i < CAV_ADV_NWARM; i++)
        o->warm[i] = n;
}

static int solve_once(const cav_adv_problem *p, const double *warm, const cav_fixpt_opts *opts,
                      cav_adv_solution *out)
{
    cav_err err;
    cav_err_clear(&err);
    memset(out, 0, sizeof *out);
    nan_solution(out);
    int st = cav_adv_check(p, &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return st;
    }
    cav_adv_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.npop = cav_adv_populations(p, c.pop, &c.a, &c.g);
    double x0[CAV_ADV_NWARM] = {0.3, 1.0, 1.0, 1.0, 0.8};
    int okwarm = warm != NULL;
    for (int i = 0; okwarm && i < CAV_ADV_NWARM; i++)
        if (!isfinite(warm[i]) || (i > 0 && !(warm[i] > 0))) okwarm = 0;
    if (okwarm) memcpy(x0, warm, sizeof x0);
    /* Damped / Anderson iteration (at most 200 steps), then Newton (cavity/saddle.h) in
     * (m, log q, log V, log q_z, log P_z) so that the positive ones stay positive: the hinge
     * loss's piecewise-linear prox makes the plain map barely contracting at larger alpha. */
    cav_saddle_opts so = cav_saddle_opts_default();
    if (opts) so.fixpt = *opts;
    so.fixpt_cap = 200;
    so.positive = 0x1eu;
    double xs[CAV_ADV_NWARM];
    cav_saddle_result sr;
    st = cav_saddle_solve(map_cb, &c, CAV_ADV_NWARM, x0, xs, &so, &sr);
    if (st == CAV_ENOMEM) {
        out->status = CAV_ENOMEM;
        snprintf(out->msg, sizeof out->msg, "adversarial: out of memory");
        return CAV_ENOMEM;
    }
    out->residual = sr.residual;
    out->iterations = sr.iterations;
    char fpmsg[CAV_ERR_MSG_LEN];
    snprintf(fpmsg, sizeof fpmsg, "%s", sr.msg);
    memcpy(out->warm, xs, sizeof xs);
    int feat = on_features(p);
    out->m = xs[0];
    out->q = xs[1];
    out->V = xs[2];
    if (!feat) {
        out->q_z = xs[3];
        out->P_z = xs[4];
    }
    double fx[CAV_ADV_NWARM];
    int st2 = cav_adv_map(&c, xs, fx, &err);
    if (st2 == CAV_OK) {
        out->mhat = c.hat[0];
        out->qhat = c.hat[1];
        out->Vhat = c.hat[2];
        out->Phat = c.hat[3];
        out->shift = c.shift;
        if (feat) { /* solved: the feature norms; the latent ones follow from the prior */
            out->q_w = xs[3];
            out->P = xs[4];
            out->q_z = c.q_z;
            out->P_z = c.P_z;
        } else {
            out->q_w = p->latent ? c.q_w : out->q;
            out->P = p->latent ? c.P_w : out->P_z;
        }
        st2 = cav_adv_norms(&c, out, &out->n_rob, &out->n_cns, &err);
    }
    if (st2 == CAV_OK) {
        double met[5];
        cav_adv_theory_metrics(out->m, out->q, p->eps, out->n_rob, out->n_cns, met);
        out->egen = met[0];
        out->erob = met[1];
        out->erob_cns = met[2];
        out->ebnd_cns = met[3];
        out->attackable = met[4];
    } else if (st == CAV_OK) {
        st = st2;
    }
    out->status = st;
    if (st == CAV_OK)
        snprintf(out->msg, sizeof out->msg, "converged: residual %.3g after %ld iterations",
                 out->residual, out->iterations);
    else
        snprintf(out->msg, sizeof out->msg,
                 "not converged (%s): residual %.3g after %ld "
                 "iterations: %.300s",
                 cav_status_name(st), out->residual, out->iterations, st2 ? err.msg : fpmsg);
    return st;
}

/* Fallback when the direct solve fails: continuation in lambda. The hinge loss at small lambda
 * is the case that needs it: there the solution approaches the (robust) max-margin one, V grows
 * like 1/lambda while (m, q) freeze, and neither the damped/Anderson iteration nor Newton reaches
 * it from the default start or from a warm start at 10x the lambda (found by the lambda_opt test,
 * tests/unit/theory/test_adv_lambda_opt.c: hinge, alpha 1.5, eps_t 0.2, lambda 1e-4 and 3e-3).
 * Start at lambda 10^(j/2) for the smallest j in 1..12 that converges from the default start,
 * then march down to lambda in log steps (initially a factor sqrt(10)), warm-starting each from
 * the last converged point; a failed step is halved (down to a factor 10^(1/64)). */
static int solve_continued(const cav_adv_problem *p, const cav_fixpt_opts *opts,
                           cav_adv_solution *out)
{
    cav_adv_problem q = *p;
    cav_adv_solution s;
    double warm[CAV_ADV_NWARM], L = log(p->lambda), cur = 0;
    int found = 0;
    for (int j = 1; j <= 12 && !found; j++) {
        cur = L + 0.5 * j * log(10.0);
        q.lambda = exp(cur);
        if (solve_once(&q, NULL, opts, &s) == CAV_OK) found = 1;
    }
    if (!found) return CAV_EMAXITER;
    cav_adv_warm(&s, warm);
    double h = 0.5 * log(10.0);
    while (cur > L) {
        double nxt = fmax(L, cur - h);
        q.lambda = nxt == L ? p->lambda : exp(nxt);
        if (solve_once(&q, warm, opts, &s) == CAV_OK) {
            cav_adv_warm(&s, warm);
            cur = nxt;
            if (cur == L) {
                *out = s;
                return CAV_OK;
            }
        } else {
            h *= 0.5;
            if (h < log(10.0) / 64) return CAV_EMAXITER;
        }
    }
    return CAV_EMAXITER;
}

int cav_adv_solve(const cav_adv_problem *p, const double *warm, const cav_fixpt_opts *opts,
                  cav_adv_solution *out)
{
    int st = solve_once(p, warm, opts, out);
    if (st == CAV_OK || st == CAV_EINVAL || st == CAV_EUNSUP || st == CAV_ENOMEM) return st;
    cav_adv_solution c;
    if (solve_continued(p, opts, &c) == CAV_OK) {
        *out = c;
        size_t k = strlen(out->msg);
        snprintf(out->msg + k, sizeof out->msg - k, " (by continuation in lambda)");
        return CAV_OK;
    }
    return st;
}

typedef struct opt_ctx {
    cav_adv_problem p;
    int which;
    const cav_fixpt_opts *opts;
    double warm[CAV_ADV_NWARM];
    int have_warm, fails;
} opt_ctx;

static double opt_obj(void *vctx, double loglam)
{
    opt_ctx *c = vctx;
    c->p.lambda = exp(loglam);
    cav_adv_solution s;
    int st = cav_adv_solve(&c->p, c->have_warm ? c->warm : NULL, c->opts, &s);
    if (st != CAV_OK) {
        c->fails++;
        return 1.0 + loglam * 1e-9; /* worse than any error; keeps Brent well defined */
    }
    cav_adv_warm(&s, c->warm);
    c->have_warm = 1;
    return c->which == 0 ? s.egen : c->which == 1 ? s.erob : s.erob_cns;
}

int cav_adv_solve_optlambda(const cav_adv_problem *p, int which, double lo, double hi,
                            const cav_fixpt_opts *opts, double *lambda_opt, cav_adv_solution *out)
{
    memset(out, 0, sizeof *out);
    nan_solution(out);
    if (!(lo > 0) || !(hi > lo) || which < 0 || which > 2) {
        out->status = CAV_EINVAL;
        snprintf(out->msg, sizeof out->msg,
                 "adversarial: lambda search needs 0 < lo < hi (got %g, %g) and which in "
                 "{0, 1, 2} (got %d)",
                 lo, hi, which);
        return out->status;
    }
    opt_ctx c;
    memset(&c, 0, sizeof c);
    c.p = *p;
    c.p.lambda = sqrt(lo * hi);
    c.which = which;
    c.opts = opts;
    cav_err err;
    cav_err_clear(&err);
    int st = cav_adv_check(&c.p, &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return st;
    }
    double xmin = 0, fmin = 0;
    st = cav_min_brent(opt_obj, &c, log(lo), log(hi), 1e-4, 100, &xmin, &fmin, &err);
    if (st != CAV_OK && st != CAV_EMAXITER) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "adversarial: lambda search: %.400s", err.msg);
        return st;
    }
    *lambda_opt = exp(xmin);
    c.p.lambda = *lambda_opt;
    st = cav_adv_solve(&c.p, c.have_warm ? c.warm : NULL, opts, out);
    if (st == CAV_OK && (xmin - log(lo) < 1e-3 || log(hi) - xmin < 1e-3)) {
        size_t k = strlen(out->msg);
        snprintf(out->msg + k, sizeof out->msg - k, "; optimal lambda %g at the search edge",
                 *lambda_opt);
    }
    return st;
}
