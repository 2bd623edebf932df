/* theory/erm.c — ERM replica engine: parameter checks, prior (learner-side) equations, regime
 * detection at lambda = 0 and the fixed-point driver. Equations in include/cavity/erm.h; the
 * channel side is in erm_channel.c, the Marchenko–Pastur averages in erm_spectral.c.
 *
 * Papers: Aubin, Krzakala, Lu, Zdeborová, NeurIPS 2020 (generic convex loss, ridge, linear
 * learner); Gerace, Loureiro, Krzakala, Mézard, Zdeborová, ICML 2020 and Loureiro et al.,
 * NeurIPS 2021 (random features / Gaussian covariate model); docs/raf.md (kernel learner via
 * its Gaussian-equivalent Gram matrix, lambda -> 0+ rescaling).
 *
 * Unknowns of the fixed point (3): LINEAR/KERNEL (m_s, q_s, V_s) of the linear component
 * (LINEAR: mu1 = 1, mu* = 0); RF the per-feature channel overlaps (m, q, V).
 * Interpolating regime (lambda -> 0+): V_s stands for lambda V_s, the hats for mhat/lambda,
 * qhat/lambda^2, Vhat/lambda; the channel V~ = mu1^2 V~_s + mu*^2; prior denominators 1 + Vhat~.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cavity/erm.h"
#include "cavity/roots.h"
#include "cavity/saddle.h"
#include "cavity/spectral.h"
#include "theory/erm/erm_internal.h"

cav_erm_problem cav_erm_problem_default(const cav_loss *loss, const cav_channel *channel)
{
    cav_erm_problem p;
    memset(&p, 0, sizeof p);
    if (loss) p.loss = *loss;
    if (channel) p.channel = *channel;
    p.alpha = 1.0;
    p.lambda = 1e-2;
    p.learner = CAV_LEARNER_LINEAR;
    p.mu1 = 1.0;
    p.mustar = 0.0;
    p.kappa = 1.0;
    p.start = CAV_ERM_START_UNINFORMED;
    return p;
}

int cav_erm_check(const cav_erm_problem *p, cav_err *err)
{
    if (!p) return cav_err_set(err, CAV_EINVAL, "erm: problem is NULL");
    int st = cav_loss_check(&p->loss, err);
    if (st) return st;
    st = cav_channel_check(&p->channel, err);
    if (st) return st;
    if (!(p->alpha > 0) || !isfinite(p->alpha))
        return cav_err_set(err, CAV_EINVAL, "erm: alpha = %g must be > 0 and finite", p->alpha);
    if (!(p->lambda >= 0) || !isfinite(p->lambda))
        return cav_err_set(err, CAV_EINVAL,
                           "erm: lambda = %g must be >= 0 and finite (0 means lambda -> 0+)",
                           p->lambda);
    if (p->learner != CAV_LEARNER_LINEAR && p->learner != CAV_LEARNER_KERNEL &&
        p->learner != CAV_LEARNER_RF)
        return cav_err_set(err, CAV_EINVAL,
                           "erm: learner = %d must be LINEAR (0), KERNEL (1) "
                           "or RF (2)",
                           p->learner);
    if (p->learner != CAV_LEARNER_LINEAR) {
        if (!(p->mu1 > 0) || !isfinite(p->mu1))
            return cav_err_set(err, CAV_EINVAL,
                               "erm: mu1 = %g must be > 0 and finite for the "
                               "kernel / random-feature learner",
                               p->mu1);
        if (!(p->mustar >= 0) || !isfinite(p->mustar))
            return cav_err_set(err, CAV_EINVAL, "erm: mustar = %g must be >= 0 and finite",
                               p->mustar);
    }
    if (p->learner == CAV_LEARNER_RF) {
        if (!(p->kappa > 0) || !isfinite(p->kappa))
            return cav_err_set(err, CAV_EINVAL, "erm: kappa = p/d = %g must be > 0 and finite",
                               p->kappa);
        if (p->lambda == 0)
            return cav_err_set(err, CAV_EUNSUP,
                               "erm: lambda = 0 (lambda -> 0+) is not "
                               "supported for random features; use lambda > 0");
    }
    if (p->lambda == 0 && !cav_erm_has_limit(&p->loss))
        return cav_err_set(err, CAV_EUNSUP,
                           "erm: lambda = 0 needs a loss with a known "
                           "lambda -> 0+ limit (square, hinge, logistic), not %s",
                           p->loss.type->name);
    if (p->lambda == 0 && p->loss.type != &cav_loss_square && !p->channel.type->binary)
        return cav_err_set(err, CAV_EUNSUP,
                           "erm: lambda = 0 with the %s loss needs a binary "
                           "channel, not %s",
                           p->loss.type->name, p->channel.type->name);
    if (p->start != CAV_ERM_START_UNINFORMED && p->start != CAV_ERM_START_INFORMED)
        return cav_err_set(err, CAV_EINVAL,
                           "erm: start = %d must be 0 (uninformed) or 1 "
                           "(informed)",
                           p->start);
    return CAV_OK;
}

typedef struct erm_ctx {
    const cav_erm_problem *p;
    int regime;
    double mu1, mus; /* 1, 0 for LINEAR */
    double a;        /* samples per learner dimension */
    /* outputs of the last evaluation */
    double hat[3];  /* mhat, qhat, Vhat in learner coordinates */
    double chan[3]; /* channel m, q, V */
    double rf[4];   /* q_s, q_w, V_s, V_w */
    int vslave;     /* lambda = 0, regular regime, linear learner: V solved for (m, q) */
} erm_ctx;

/* Channel overlaps from the state. */
static void state_to_chan(const erm_ctx *c, const double *x, double *ch)
{
    if (c->p->learner == CAV_LEARNER_RF) {
        ch[0] = x[0];
        ch[1] = x[1];
        ch[2] = x[2];
        return;
    }
    double self = 0; /* the per-sample feature's contribution mu*^2/lambda (rescaled: mu*^2) */
    if (c->mus > 0)
        self =
            c->regime == CAV_ERM_INTERPOLATING ? c->mus * c->mus : c->mus * c->mus / c->p->lambda;
    ch[0] = c->mu1 * x[0];
    ch[1] = c->mu1 * c->mu1 * x[1];
    ch[2] = c->mu1 * c->mu1 * x[2] + self;
}

/* Random-feature prior (erm.h, CAV_LEARNER_RF) from the hats. */
static int rf_prior(erm_ctx *c, const double *h, double *fx, cav_err *err)
{
    double lam = c->p->lambda, k = c->p->kappa, mu1 = c->mu1, mus = c->mus;
    double mhat = h[0], qhat = h[1], Vhat = h[2];
    double A = Vhat * mu1 * mu1;
    if (!(A > 0) || !(lam + Vhat * mus * mus > 0))
        return cav_err_set(err, CAV_ENUMERIC, "erm rf: Vhat = %g must be > 0", Vhat);
    double t = (lam + Vhat * mus * mus) / A, G1, G2;
    cav_spectral_mp_resolvent(k, t, &G1, &G2);
    /* <s/(s+t)> = 1 - t G1, written without cancellation for t >= 1 using the MP equation. */
    double S1 = t < 1 ? 1.0 - t * G1 : G1 * (k * t * G1 + 1.0 - k);
    double S2 = G1 - t * G2; /* <s/(s+t)^2> */
    double S3 = S1 - t * S2; /* <s^2/(s+t)^2> */
    double iD = G1 / A, iD2 = G2 / (A * A), sD = S1 / A, sD2 = S2 / (A * A), s2D2 = S3 / (A * A);
    double Vs = sD, Vw = iD;
    double b = k * mu1 * mu1;
    double qw = b * mhat * mhat * sD2 + qhat * (mu1 * mu1 * sD2 + mus * mus * iD2);
    double qs = b * mhat * mhat * s2D2 + qhat * (mu1 * mu1 * s2D2 + mus * mus * sD2);
    fx[0] = b * mhat * sD;
    fx[1] = mu1 * mu1 * qs + mus * mus * qw;
    fx[2] = mu1 * mu1 * Vs + mus * mus * Vw;
    c->rf[0] = qs;
    c->rf[1] = qw;
    c->rf[2] = Vs;
    c->rf[3] = Vw;
    return CAV_OK;
}

/* lambda = 0 above the threshold (regular regime, linear learner): the prior's V equation
 * V = 1/Vhat with Vhat = a E[(1 - dprox)/V] reads a E[1 - dprox(V)] = 1, in which V cancels to
 * first order: the plain iteration V <- 1/Vhat is neutral (for the hinge, V <- V/(a P(band))) and
 * stalls in a window above alpha_c. So V is slaved to (m, q): solved exactly for the current
 * (m, q) by a bracketed Brent root of G(V) = a E[1 - dprox(V)] - 1, which is increasing in V
 * (the prox flattens as V grows), and only (m, q) are iterated. */
typedef struct {
    erm_ctx *c;
    double m, q;
    cav_err *err;
    int st;
} vslave_ctx;

static double vslave_fn(void *vctx, double logV)
{
    vslave_ctx *v = vctx;
    double s[3], V = exp(logV);
    int st = cav_erm_chan_sums(&v->c->p->loss, &v->c->p->channel, v->m, v->q, V, v->c->regime, s,
                               v->err);
    if (st) {
        v->st = st;
        return NAN;
    }
    return v->c->a * s[1] * V - 1.0;
}

static int vslave_solve(erm_ctx *c, double m, double q, double *V, cav_err *err)
{
    vslave_ctx v = {c, m, q, err, CAV_OK};
    double a = log(*V) - 0.5, b = log(*V) + 0.5, logV;
    int st = cav_root_bracket(vslave_fn, &v, &a, &b, 60, err);
    if (st == CAV_OK) st = cav_root_brent(vslave_fn, &v, a, b, 1e-14, 200, &logV, err);
    if (v.st) return v.st;
    if (st)
        return cav_err_set(err, st,
                           "erm: lambda = 0, no finite V solves alpha E[1 - dprox] = 1 at m = %g, "
                           "q = %g (data separable / interpolable?)",
                           m, q);
    *V = exp(logV);
    return CAV_OK;
}

static int erm_map(void *vctx, const double *x, double *fx, cav_err *err)
{
    erm_ctx *c = vctx;
    const cav_erm_problem *p = c->p;
    double ch[3], s[3];
    state_to_chan(c, x, ch);
    if (!(x[1] > 0) || !(x[2] > 0) || !isfinite(x[0]))
        return cav_err_set(err, CAV_ENUMERIC, "erm: state out of range (m = %g, q = %g, V = %g)",
                           x[0], x[1], x[2]);
    if (c->vslave) {
        int sv = vslave_solve(c, ch[0], ch[1], &ch[2], err);
        if (sv) return sv;
    }
    int st = cav_erm_chan_sums(&p->loss, &p->channel, ch[0], ch[1], ch[2], c->regime, s, err);
    if (st) return st;
    double Vhat = c->a * s[1], qhat = c->a * s[0], mhat = c->a * s[2] + ch[0] * Vhat;
    memcpy(c->chan, ch, sizeof ch);
    if (p->learner == CAV_LEARNER_RF) {
        c->hat[0] = mhat;
        c->hat[1] = qhat;
        c->hat[2] = Vhat;
        return rf_prior(c, c->hat, fx, err);
    }
    double mh = c->mu1 * mhat, qh = c->mu1 * c->mu1 * qhat, Vh = c->mu1 * c->mu1 * Vhat;
    c->hat[0] = mh;
    c->hat[1] = qh;
    c->hat[2] = Vh;
    double L = c->regime == CAV_ERM_INTERPOLATING ? 1.0 : p->lambda;
    double D = L + Vh;
    if (!(D > 0)) return cav_err_set(err, CAV_ENUMERIC, "erm: lambda + Vhat = %g must be > 0", D);
    fx[0] = mh / D;
    fx[1] = (mh * mh + qh) / (D * D);
    fx[2] = 1.0 / D;
    return CAV_OK;
}

/* Regime at lambda = 0 and the threshold used (erm.h). */
static int lambda0_regime(const cav_erm_problem *p, int *regime, double *alpha_c, cav_err *err)
{
    *alpha_c = NAN;
    if (p->learner == CAV_LEARNER_KERNEL && p->mustar > 0) { /* full-rank Gram: interpolates */
        *regime = CAV_ERM_INTERPOLATING;
        return CAV_OK;
    }
    if (p->loss.type == &cav_loss_square) {
        *alpha_c = 1.0;
    } else {
        int st = cav_erm_separability(&p->channel, alpha_c, NULL, err);
        if (st) return st;
    }
    if (p->alpha == *alpha_c)
        return cav_err_set(err, CAV_EDIVERGE,
                           "erm: alpha = %g is the threshold at lambda = 0 "
                           "(V diverges)",
                           p->alpha);
    *regime = p->alpha < *alpha_c ? CAV_ERM_INTERPOLATING : CAV_ERM_REGULAR;
    return CAV_OK;
}

void cav_erm_warm(const cav_erm_solution *s, double *x)
{
    x[0] = s->m;
    x[1] = s->q;
    x[2] = s->V;
    x[3] = (double)s->regime;
}

static void nan_solution(cav_erm_solution *o)
{
    double n = NAN;
    o->m = o->q = o->V = o->mhat = o->qhat = o->Vhat = n;
    o->q_s = o->q_w = o->V_s = o->V_w = n;
    o->m_chan = o->q_chan = o->V_chan = o->m_test = o->q_test = o->alpha_c = n;
}

int cav_erm_solve(const cav_erm_problem *p, const double *warm, const cav_fixpt_opts *opts,
                  cav_erm_solution *out)
{
    cav_err err;
    cav_err_clear(&err);
    memset(out, 0, sizeof *out);
    nan_solution(out);
    int st = cav_erm_check(p, &err);
    erm_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.regime = CAV_ERM_REGULAR;
    if (!st && p->lambda == 0) st = lambda0_regime(p, &c.regime, &out->alpha_c, &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%.500s", err.msg);
        return st;
    }
    out->regime = c.regime;
    c.mu1 = p->learner == CAV_LEARNER_LINEAR ? 1.0 : p->mu1;
    c.mus = p->learner == CAV_LEARNER_LINEAR ? 0.0 : p->mustar;
    c.a = p->learner == CAV_LEARNER_RF ? p->alpha / p->kappa : p->alpha;
    c.vslave = p->lambda == 0 && c.regime == CAV_ERM_REGULAR && p->learner == CAV_LEARNER_LINEAR;

    double x0[3];
    int use_warm = warm && (int)warm[3] == c.regime && isfinite(warm[0]) && warm[1] > 0 &&
                   warm[2] > 0 && isfinite(warm[1]) && isfinite(warm[2]);
    if (use_warm) {
        memcpy(x0, warm, sizeof x0);
    } else {
        double m0 = p->start == CAV_ERM_START_INFORMED ? 0.5 : 0.0;
        double q0 = p->start == CAV_ERM_START_INFORMED ? 1.0 : 0.01;
        if (p->learner == CAV_LEARNER_RF) {
            x0[0] = m0, x0[1] = q0, x0[2] = 1.0;
        } else {
            x0[0] = m0 / c.mu1, x0[1] = q0 / (c.mu1 * c.mu1), x0[2] = 1.0;
        }
    }
    /* Damped Picard + Anderson first (cheap per step), then Newton (cavity/saddle.h) in
     * (m, log q, log V) so that q and V stay positive. */
    cav_saddle_opts so = cav_saddle_opts_default();
    if (opts) so.fixpt = *opts;
    so.positive = 0x6u;
    double xs[3];
    cav_saddle_result sr;
    st = cav_saddle_solve(erm_map, &c, 3, x0, xs, &so, &sr);
    if (st == CAV_ENOMEM) {
        out->status = CAV_ENOMEM;
        snprintf(out->msg, sizeof out->msg, "erm: out of memory");
        return CAV_ENOMEM;
    }
    out->m = xs[0], out->q = xs[1], out->V = xs[2];
    out->residual = sr.residual;
    out->iterations = sr.iterations;
    out->evaluations = sr.evaluations;
    char fpmsg[CAV_ERR_MSG_LEN];
    snprintf(fpmsg, sizeof fpmsg, "%s", sr.msg);
    /* Hats and channel overlaps at the returned state (one more evaluation). */
    double fx[3];
    int st2 = erm_map(&c, (double[3]){out->m, out->q, out->V}, fx, &err);
    if (st2 == CAV_OK) {
        out->mhat = c.hat[0];
        out->qhat = c.hat[1];
        out->Vhat = c.hat[2];
        out->m_chan = c.chan[0];
        out->q_chan = c.chan[1];
        out->V_chan = c.chan[2];
        if (p->learner == CAV_LEARNER_KERNEL) {
            out->m_test = c.mu1 * out->m;
            out->q_test = c.mu1 * c.mu1 * out->q;
        } else {
            out->m_test = out->m_chan;
            out->q_test = out->q_chan;
        }
        if (p->learner == CAV_LEARNER_RF) {
            out->q_s = c.rf[0];
            out->q_w = c.rf[1];
            out->V_s = c.rf[2];
            out->V_w = c.rf[3];
        }
    } else if (st == CAV_OK) {
        st = st2;
    }
    out->status = st;
    if (st == CAV_OK) {
        snprintf(out->msg, sizeof out->msg, "converged: residual %.3g after %ld iterations%s%s",
                 out->residual, out->iterations,
                 c.regime == CAV_ERM_INTERPOLATING ? " (lambda -> 0+, interpolating regime: "
                                                     "V and hats rescaled)"
                                                   : "",
                 c.regime == CAV_ERM_INTERPOLATING && p->loss.type == &cav_loss_logistic
                     ? "; logistic below the separability threshold: max-margin solution"
                     : "");
    } else {
        snprintf(out->msg, sizeof out->msg,
                 "not converged (%s): residual %.3g after %ld "
                 "iterations: %.300s",
                 cav_status_name(st), out->residual, out->iterations, st2 ? err.msg : fpmsg);
    }
    return st;
}

int cav_erm_solution_expect(const cav_erm_problem *p, const cav_erm_solution *s,
                            const cav_channel *channel, cav_erm_obs_fn g, void *ctx, int nout,
                            double *res, cav_err *err)
{
    if (!p || !s) return cav_err_set(err, CAV_EINVAL, "cav_erm_solution_expect: NULL argument");
    return cav_erm_expect(&p->loss, channel ? channel : &p->channel, s->m_chan, s->q_chan,
                          s->V_chan, s->regime, g, ctx, nout, res, err);
}
