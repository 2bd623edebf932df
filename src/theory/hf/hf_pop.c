/* theory/hf/hf_pop.c — closed forms and population dynamics of the hidden-factor model
 * (cavity/hf.h): PCA / linear-autoencoder overlaps (spiked covariance), the population risk of the
 * tied autoencoder as a function of (m_u, m_v, q) with its gradient, and the gradient flow.
 *
 * Conde Mendes et al., arXiv:2602.10680 (2026); derivations in docs/autoencoder.md. The PCA
 * formulas are those of Baik, Ben Arous, Péché (2005) and Paul (2007) for the spiked covariance
 * I + beta_u u* u*^T/d at aspect ratio d/n = 1/alpha. */
#include <math.h>
#include <string.h>

#include "cavity/gauss.h"
#include "cavity/hf.h"

void cav_hf_pca_theory(double beta_u, double alpha, double *theta_u, double *train, double *test)
{
    double g = 1.0 / alpha, c2 = 0, lmax;
    if (alpha * beta_u * beta_u > 1.0) {
        c2 = (1.0 - g / (beta_u * beta_u)) / (1.0 + g / beta_u);
        lmax = (1.0 + beta_u) * (1.0 + g / beta_u);
    } else {
        lmax = (1.0 + sqrt(g)) * (1.0 + sqrt(g));
    }
    if (theta_u) *theta_u = sqrt(c2);
    if (train) *train = -lmax / 2.0;
    if (test) *test = -(1.0 + beta_u * c2) / 2.0;
}

/* h = a lam + b nu + s g over (lam, g), nu = +-1 with P(nu = +1 | lam). */
typedef struct pop_ctx {
    const cav_hf_data *g;
    const cav_activation_type *act;
    double a, b, s, q, su, cv, dsdmv; /* su = sqrt(bu), cv = c sqrt(bv), ds/dm_v */
} pop_ctx;

enum { NPOP = 5 }; /* E[-h sigma], E[sigma^2], dR/dm_u, dR/dm_v, d(E[-h sigma] + ...)/dq part */

static void pop_fn(void *vctx, size_t n, const double *z1, const double *z2, double *out)
{
    const pop_ctx *c = vctx;
    enum { B = 64 };
    double h[2 * B], sg[2 * B], ds[2 * B];
    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t nb = n - i0 < B ? n - i0 : B;
        for (size_t i = 0; i < nb; i++) {
            double base = c->a * z1[i0 + i] + c->s * z2[i0 + i];
            h[2 * i] = base + c->b;
            h[2 * i + 1] = base - c->b;
        }
        c->act->eval(2 * nb, h, sg, ds);
        for (size_t i = 0; i < nb; i++) {
            double lam = z1[i0 + i], gg = z2[i0 + i], p = cav_hf_pplus(c->g, lam);
            double *o = out + (i0 + i) * NPOP;
            memset(o, 0, sizeof(double) * NPOP);
            for (int k = 0; k < 2; k++) {
                double w = k == 0 ? p : 1.0 - p, nu = k == 0 ? 1.0 : -1.0;
                if (w == 0) continue;
                double hh = h[2 * i + (size_t)k], s = sg[2 * i + (size_t)k],
                       dd = ds[2 * i + (size_t)k];
                double fp = -s - hh * dd + c->q * s * dd; /* d/dh [-h sigma + (q/2) sigma^2] */
                o[0] += w * (-hh * s);
                o[1] += w * s * s;
                o[2] += w * fp * c->su * lam;
                o[3] += w * fp * (c->cv * nu + gg * c->dsdmv);
                o[4] += w * fp * gg / (2.0 * c->s);
            }
        }
    }
}

int cav_hf_pop_risk(const cav_hf_data *g, const cav_activation_type *act, double m_u, double m_v,
                    double q, double *R, double grad[3], double *err_est, cav_err *err)
{
    int rc = cav_hf_data_check(g, err);
    if (rc) return rc;
    if (!act) return cav_err_set(err, CAV_EINVAL, "activation is NULL");
    const double c = 1.0 / sqrt(1.0 + g->beta_v);
    double s2 = q - m_v * m_v * c * c * g->beta_v;
    if (!(s2 > 0) || !isfinite(m_u) || !isfinite(m_v))
        return cav_err_set(
            err, CAV_EINVAL,
            "overlaps (m_u, m_v, q) = (%g, %g, %g): need q > m_v^2 beta_v/(1+beta_v)", m_u, m_v, q);
    pop_ctx ctx = {.g = g, .act = act, .q = q, .su = sqrt(g->beta_u), .cv = c * sqrt(g->beta_v)};
    ctx.a = m_u * ctx.su;
    ctx.b = m_v * ctx.cv;
    ctx.s = sqrt(s2);
    ctx.dsdmv = -m_v * c * c * g->beta_v / ctx.s;
    double b1[5] = {0, CAV_HF_C2, -CAV_HF_C2, CAV_HF_C3, -CAV_HF_C3};
    cav_gauss_line lines[4];
    int nl = 0;
    for (int k = 0; k < act->nkinks && k < 2; k++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            lines[nl].c = (act->kinks[k] - sgn * ctx.b) / ctx.s;
            lines[nl].s = -ctx.a / ctx.s;
            nl++;
        }
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 1e-11;
    o.reltol = 1e-9;
    o.zmax = 10;
    double res[NPOP], ae[NPOP];
    rc = cav_gauss_expect2_lines(pop_fn, &ctx, NPOP, b1, 5, NULL, 0, lines, nl, &o, res, ae, err);
    if (rc && rc != CAV_EMAXITER) return rc;
    if (R) *R = res[0] + 0.5 * q * res[1];
    if (grad) {
        grad[0] = res[2];
        grad[1] = res[3];
        grad[2] = res[4] + 0.5 * res[1];
    }
    if (err_est) {
        double e = 0;
        for (int k = 0; k < NPOP; k++)
            e = fmax(e, ae[k]);
        *err_est = e;
    }
    return CAV_OK;
}

static int flow_rhs(const cav_hf_data *g, const cav_activation_type *act, const double *x,
                    double *dx, cav_err *err)
{
    double gr[3];
    int rc = cav_hf_pop_risk(g, act, x[0], x[1], x[2], NULL, gr, NULL, err);
    if (rc) return rc;
    dx[0] = -gr[0] - 2.0 * x[0] * gr[2];
    dx[1] = -gr[1] - 2.0 * x[1] * gr[2];
    dx[2] = -2.0 * (x[0] * gr[0] + x[1] * gr[1] + 2.0 * x[2] * gr[2]);
    return CAV_OK;
}

int cav_hf_flow(const cav_hf_data *g, const cav_activation_type *act, const double x0[3], double dt,
                long steps, double *rows, cav_err *err)
{
    int rc = cav_hf_data_check(g, err);
    if (rc) return rc;
    if (!(dt > 0 && isfinite(dt)))
        return cav_err_set(err, CAV_EINVAL, "dt = %g outside (0, inf)", dt);
    if (steps < 0) return cav_err_set(err, CAV_EINVAL, "steps = %ld outside [0, inf)", steps);
    double x[3] = {x0[0], x0[1], x0[2]};
    for (long t = 0; t <= steps; t++) {
        double *r = rows + t * 4;
        r[0] = (double)t * dt;
        r[1] = x[0], r[2] = x[1], r[3] = x[2];
        if (t == steps) break;
        double k1[3], k2[3], k3[3], k4[3], y[3];
        if ((rc = flow_rhs(g, act, x, k1, err))) goto fail;
        for (int i = 0; i < 3; i++)
            y[i] = x[i] + 0.5 * dt * k1[i];
        if ((rc = flow_rhs(g, act, y, k2, err))) goto fail;
        for (int i = 0; i < 3; i++)
            y[i] = x[i] + 0.5 * dt * k2[i];
        if ((rc = flow_rhs(g, act, y, k3, err))) goto fail;
        for (int i = 0; i < 3; i++)
            y[i] = x[i] + dt * k3[i];
        if ((rc = flow_rhs(g, act, y, k4, err))) goto fail;
        for (int i = 0; i < 3; i++)
            x[i] += dt * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6.0;
        if (!isfinite(x[0] + x[1] + x[2])) {
            rc = cav_err_set(err, CAV_EDIVERGE, "flow: non-finite overlaps at t = %g",
                             (double)(t + 1) * dt);
            goto fail;
        }
        continue;
    fail:
        for (long u = t + 1; u <= steps; u++) {
            double *ru = rows + u * 4;
            ru[0] = (double)u * dt;
            ru[1] = ru[2] = ru[3] = NAN;
        }
        return rc == CAV_EINVAL ? CAV_EDIVERGE : rc;
    }
    return CAV_OK;
}
