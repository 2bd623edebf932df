/* Adversarial-training ERM for linear classifiers (docs/adversarial.md "Learner"; Vilucchio,
 * Zdeborová, Loureiro, arXiv:2506.12454, the robust ERM problem of Sec. 2):
 *     J(w) = sum_mu phi(y_mu a_mu.w - eps N(w)) + lambda R(w),   a_mu = x_mu/sqrt(p),
 * phi(u) = log(1 + e^{-u}) the logistic margin loss (or the hinge, via its Huber smoothing and
 * the exact margin-set step of adv_hinge.c: see hinge_continuation), N(w) = scale ||w[0:k]||_{s*}
 * the closed-form inner maximisation of the attack (cavity/adv_sim.h), R = ||w||^2/2 or ||w||_1.
 *
 * Derivatives, with u_mu = y_mu a_mu.w - eps N(w), beta = -sum phi'(u_mu) >= 0:
 *   grad J = A^T (y o phi') + eps beta grad N + lambda grad R,
 *   Hess J = sum phi''(u) g_mu g_mu^T + eps beta Hess N + lambda Hess R,  g_mu = y a_mu - eps grad
 * N (PSD: phi' <= 0 and N convex). l_2: grad N = scale w_k/|w_k|, Hess N = scale (I -
 * ww^T/|w|^2)/|w| on the k block. The l_1 pieces (l_inf attack: N = scale ||w_k||_1; reg_norm 1: R
 * = ||w||_1) are handled by the split w_i = a_i - b_i, a_i, b_i >= 0, |w_i| -> a_i + b_i on the
 * coordinates i < ks that need it (ks = p for reg_norm 1, k for an l_inf attack, 0 otherwise), the
 * rest of w free: the variables are z = (a[0:ks], b[0:ks], w[ks:p]). The split objective f(z) is
 * smooth where |w_k| > 0 (always for l_inf) and its minimisers have min(a_i, b_i) = 0 (lowering
 * both lowers N or R and phi is decreasing), so they are the minimisers of J.
 *
 * Solver: projected Newton-CG (Bertsekas, SIAM J. Control Optim. 20 (1982) 221): at z with
 * gradient g, the active set A = {bounded i : z_i <= e and g_i > 0}, e = min(1e-3, ||pg||)
 * (pg the projected gradient); on the free set the Newton direction from Jacobi-preconditioned CG
 * (forcing tolerance min(0.5, sqrt(res)) as in logistic.c), on A the steepest-descent step -g_i;
 * Armijo search along the projected arc z(s) = P(z + s p) with Bertsekas' sufficient decrease
 * f(z) - f(z(s)) >= 1e-4 (s sum_F (-g_i p_i) + sum_A g_i (z_i - z_i(s))). No bounds (ks = 0) makes
 * it plain Newton-CG with Armijo. Criterion: ||pg|| <= tol ||grad J_0(0)|| where
 * ||grad J_0(0)|| = ||A^T y||/2 is the plain logistic gradient at 0 (the reference of
 * cav_sim_logistic), pg_i = z_i - max(0, z_i - g_i) (bounded) or g_i (free): the KKT residual. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/adv_sim.h"
#include "core/la.h"
#include "sim/adv/adv_internal.h"
#include "sim/internal.h"

int cav_adv_attack_make(int latent, int latent_on_features, int norm, double eps, size_t d,
                        size_t p, cav_adv_attack *a, cav_err *err)
{
    if (!a) return cav_err_set(err, CAV_EINVAL, "cav_adv_attack_make: a = NULL");
    if (norm != CAV_ADV_L2 && norm != CAV_ADV_LINF)
        return cav_err_set(err, CAV_EINVAL, "attack norm = %d unknown (2 for l_2, 0 for l_inf)",
                           norm);
    if (!(eps >= 0.0) || !isfinite(eps))
        return cav_err_set(err, CAV_EINVAL, "attack eps = %g must be >= 0", eps);
    if (d == 0 || (latent && p == 0))
        return cav_err_set(err, CAV_EINVAL, "cav_adv_attack_make: d = %zu, p = %zu", d, p);
    a->norm = norm;
    a->eps = eps;
    if (!latent) {
        a->k = d;
        a->scale = norm == CAV_ADV_L2 ? 1.0 / sqrt((double)d) : 1.0 / (double)d;
    } else if (latent_on_features) {
        a->k = p;
        a->scale = norm == CAV_ADV_L2 ? 1.0 / sqrt((double)p) : 1.0 / (double)p;
    } else {
        /* v = F^T w / sqrt(p) = (c/sqrt p) w[0:k]; l_inf budget eps/sqrt(d). */
        const double c = cav_adv_latent_scale(d, p);
        a->k = p < d ? p : d;
        a->scale = norm == CAV_ADV_L2 ? c / sqrt((double)p) : c / sqrt((double)p * (double)d);
    }
    return CAV_OK;
}

double cav_adv_dual_norm(const cav_adv_attack *a, const double *w)
{
    if (a->norm == CAV_ADV_L2) return a->scale * cav_la_nrm2(a->k, w);
    double s = 0.0;
    for (size_t i = 0; i < a->k; i++)
        s += fabs(w[i]);
    return a->scale * s;
}

double cav_adv_objective(const cav_loss *loss, size_t n, size_t p, const double *X, const double *y,
                         double lambda, int reg_norm, const cav_adv_attack *atk, const double *w)
{
    const int kind = sim_loss_kind(loss);
    const double r = atk && atk->eps > 0 ? atk->eps * cav_adv_dual_norm(atk, w) : 0.0;
    const double sc = 1.0 / sqrt((double)p);
    double J = 0.0;
    for (size_t i = 0; i < n; i++) {
        double h = sc * cav_la_dot(p, X + i * p, w);
        double u = y[i] * h - r, e = fabs(y[i] - h) + r;
        switch (kind) {
        case SIM_LOSS_LOGISTIC:
            J += sim_log1pexp_neg(u);
            break;
        case SIM_LOSS_HINGE:
            J += u < 1.0 ? 1.0 - u : 0.0;
            break;
        case SIM_LOSS_SQUARE:
            J += 0.5 * e * e;
            break;
        default: {
            double hh = y[i] * u, l; /* a margin loss evaluated at the robust margin */
            loss->type->value(loss, 1, y + i, &hh, &l, NULL, NULL);
            J += l;
        }
        }
    }
    double R = 0.0;
    if (reg_norm == 1)
        for (size_t j = 0; j < p; j++)
            R += fabs(w[j]);
    else
        R = 0.5 * cav_la_dot(p, w, w);
    return J + lambda * R;
}

/* ------------------------------------------------------------------------------------------ */

typedef struct prob {
    size_t n, p, ks, k, nz;
    const double *X, *y;
    double sc, lambda, eps, scale;
    int reg, linf; /* reg_norm, attack is l_inf (and eps > 0) */
    int l2;        /* attack is l_2 and eps > 0 */
    int hinge;     /* margin loss: 0 logistic, 1 Huberised hinge of width hs (adv_hinge below) */
    double hs;
    /* state at the current point */
    double beta, nk, fval;
    double mu; /* Levenberg shift on the split block (see solve_split) */
    double *w, *h, *d1, *d2, *gw, *t, *pw, *Hw;
} prob;

/* The margin loss phi(u) and phi'(u), phi''(u): logistic, or the hinge max(0, 1 - u) smoothed
 * on [1 - hs, 1] (Huber): phi = (1 - u)^2/(2 hs) there, 1 - u - hs/2 below, 0 above; its
 * minimiser tends to the hinge one as hs -> 0 (0 <= hinge - phi <= hs/2 per point). */
static double phi_eval(const prob *P, double u, double *d1, double *d2)
{
    if (!P->hinge) {
        double sn = sim_sigmoid_neg(u);
        *d1 = -sn;
        *d2 = sn * (1.0 - sn);
        return sim_log1pexp_neg(u);
    }
    double e = 1.0 - u;
    if (e <= 0.0) {
        *d1 = *d2 = 0.0;
        return 0.0;
    }
    if (e < P->hs) {
        *d1 = -e / P->hs;
        *d2 = 1.0 / P->hs;
        return 0.5 * e * e / P->hs;
    }
    *d1 = -1.0;
    *d2 = 0.0;
    return e - 0.5 * P->hs;
}

static void w_of_z(const prob *P, const double *z, double *w)
{
    for (size_t i = 0; i < P->ks; i++)
        w[i] = z[i] - z[P->ks + i];
    for (size_t i = P->ks; i < P->p; i++)
        w[i] = z[P->ks + i];
}

/* f(z); with grad != NULL also phi', phi'', beta, |w_k| and the gradient in z. */
static double eval(prob *P, const double *z, double *grad)
{
    const size_t n = P->n, p = P->p, ks = P->ks;
    w_of_z(P, z, P->w);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)p, P->sc, P->X, (blasint)p, P->w,
                1, 0.0, P->h, 1);
    double N = 0.0;
    P->nk = cav_la_nrm2(P->k, P->w);
    if (P->linf) {
        for (size_t i = 0; i < P->k; i++)
            N += z[i] + z[ks + i];
        N *= P->scale;
    } else if (P->l2) {
        N = P->scale * P->nk;
    }
    double L = 0.0, beta = 0.0;
    for (size_t i = 0; i < n; i++) {
        double u = P->y[i] * P->h[i] - P->eps * N, a1, a2;
        L += phi_eval(P, u, &a1, &a2);
        if (grad) {
            P->d1[i] = a1;
            P->d2[i] = a2;
            beta -= a1;
        }
    }
    double R = 0.0;
    if (P->reg == 1)
        for (size_t i = 0; i < ks; i++)
            R += z[i] + z[ks + i];
    else
        R = 0.5 * cav_la_dot(p, P->w, P->w);
    double f = L + P->lambda * R;
    if (!grad) return f;
    P->beta = beta;
    for (size_t i = 0; i < n; i++)
        P->t[i] = P->y[i] * P->d1[i];
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, P->sc, P->X, (blasint)p, P->t, 1,
                0.0, P->gw, 1);
    if (P->l2 && P->nk > 0)
        cblas_daxpy((blasint)P->k, P->eps * beta * P->scale / P->nk, P->w, 1, P->gw, 1);
    if (P->reg == 2) cblas_daxpy((blasint)p, P->lambda, P->w, 1, P->gw, 1);
    for (size_t i = 0; i < ks; i++) {
        double lin = (P->reg == 1 ? P->lambda : 0.0) +
                     (P->linf && i < P->k ? P->eps * beta * P->scale : 0.0);
        grad[i] = P->gw[i] + lin;
        grad[ks + i] = -P->gw[i] + lin;
    }
    for (size_t i = ks; i < p; i++)
        grad[ks + i] = P->gw[i];
    return f;
}

/* out = Hess f(z) pz at the point of the last eval with grad. */
static void hessvec(prob *P, const double *pz, double *out)
{
    const size_t n = P->n, p = P->p, ks = P->ks, k = P->k;
    w_of_z(P, pz, P->pw);
    double dN = 0.0, pwk = 0.0;
    if (P->linf) {
        for (size_t i = 0; i < k; i++)
            dN += pz[i] + pz[ks + i];
        dN *= P->scale;
    } else if (P->l2 && P->nk > 0) {
        pwk = cav_la_dot(k, P->w, P->pw) / P->nk; /* w_hat . pw */
        dN = P->scale * pwk;
    }
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)p, P->sc, P->X, (blasint)p, P->pw,
                1, 0.0, P->t, 1);
    double T = 0.0;
    for (size_t i = 0; i < n; i++) {
        double c = P->y[i] * P->t[i] - P->eps * dN;
        double tt = P->d2[i] * c;
        T += tt;
        P->t[i] = P->y[i] * tt;
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, P->sc, P->X, (blasint)p, P->t, 1,
                0.0, P->Hw, 1);
    if (P->l2 && P->nk > 0) {
        /* -eps T grad N + eps beta Hess N pw on the k block */
        double a = P->eps * P->beta * P->scale / P->nk;
        double gcoef = -P->eps * T * P->scale / P->nk - a * pwk / P->nk;
        cblas_daxpy((blasint)k, a, P->pw, 1, P->Hw, 1);
        cblas_daxpy((blasint)k, gcoef, P->w, 1, P->Hw, 1);
    }
    if (P->reg == 2) cblas_daxpy((blasint)p, P->lambda, P->pw, 1, P->Hw, 1);
    for (size_t i = 0; i < ks; i++) {
        double lin = P->linf && i < k ? -P->eps * T * P->scale : 0.0;
        out[i] = P->Hw[i] + lin + P->mu * pz[i];
        out[ks + i] = -P->Hw[i] + lin + P->mu * pz[ks + i];
    }
    for (size_t i = ks; i < p; i++)
        out[ks + i] = P->Hw[i];
}

/* Jacobi preconditioner: approximate diagonal of the Hessian in z. */
static void diag_precond(prob *P, double *Minv)
{
    const size_t n = P->n, p = P->p, ks = P->ks;
    double *dg = P->Hw;
    memset(dg, 0, p * sizeof *dg);
    double S2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *x = P->X + i * p;
        for (size_t j = 0; j < p; j++)
            dg[j] += P->d2[i] * x[j] * x[j];
        S2 += P->d2[i];
    }
    for (size_t j = 0; j < p; j++) {
        dg[j] *= P->sc * P->sc;
        if (P->reg == 2) dg[j] += P->lambda;
        if (P->l2 && P->nk > 0 && j < P->k) dg[j] += P->eps * P->beta * P->scale / P->nk;
    }
    for (size_t i = 0; i < ks; i++) {
        double extra = P->linf && i < P->k ? P->eps * P->eps * P->scale * P->scale * S2 : 0.0;
        Minv[i] = Minv[ks + i] = 1.0 / (dg[i] + extra + P->mu + 1e-300);
    }
    for (size_t i = ks; i < p; i++)
        Minv[ks + i] = 1.0 / (dg[i] + 1e-300);
}

static int solve_split(prob *P, const cav_sim_opts *o, double g0, double *z, cav_sim_fit *fit,
                       cav_err *err)
{
    const size_t nz = P->nz, nb = 2 * P->ks; /* z[0:nb] bounded below by 0 */
    double *buf = malloc(10 * nz * sizeof *buf);
    unsigned char *act = malloc(nz);
    if (!buf || !act) {
        free(buf), free(act);
        return cav_err_set(err, CAV_ENOMEM, "adv erm: %zu variables", nz);
    }
    double *g = buf, *dir = g + nz, *r = dir + nz, *zz = r + nz, *q = zz + nz, *Hq = q + nz;
    double *Minv = Hq + nz, *znew = Minv + nz, *gnew = znew + nz, *cgp = gnew + nz;
    double f = eval(P, z, g);
    int st = CAV_EMAXITER;
    long it = 0, inner = 0;
    double res = INFINITY;
    for (;; it++) {
        double pg2 = 0.0;
        for (size_t i = 0; i < nz; i++) {
            double pgi = i < nb ? z[i] - fmax(0.0, z[i] - g[i]) : g[i];
            pg2 += pgi * pgi;
        }
        res = sqrt(pg2) / g0;
        if (!isfinite(f) || !isfinite(res)) {
            st = cav_err_set(err, CAV_ENUMERIC, "adv erm: non-finite objective at step %ld", it);
            break;
        }
        if (res <= o->tol) {
            st = CAV_OK;
            break;
        }
        if (it >= o->max_iter) break;
        double e = fmin(1e-3, sqrt(pg2));
        for (size_t i = 0; i < nz; i++)
            act[i] = (unsigned char)(i < nb && z[i] <= e && g[i] > 0.0);
        /* PCG on the free set: (H_FF + mu I) dir_F = -g_F. In the split variables H is singular
         * along (e_a_i + e_b_i) (w = a - b does not move), while the gradient there is 2 lambda
         * or 2 eps scale beta: without a shift CG stalls on that null direction and the search
         * finds no decrease (seen with the lasso at alpha = 1, d = 200: KKT residual stuck at
         * 0.03-0.09). A small shift mu = 1e-6 (mean data curvature) sends the pair towards its
         * bound (where the projection lands it on min(a, b) = 0); the stopping test is on the
         * exact KKT residual, so the minimiser is unchanged. */
        P->mu = 0.0;
        diag_precond(P, Minv);
        if (nb > 0) {
            double mdg = 0.0;
            for (size_t i = 0; i < nb; i++)
                mdg += 1.0 / Minv[i];
            P->mu = 1e-6 * mdg / (double)nb;
            diag_precond(P, Minv);
        }
        double gF2 = 0.0;
        for (size_t i = 0; i < nz; i++) {
            cgp[i] = 0.0;
            r[i] = act[i] ? 0.0 : -g[i];
            gF2 += r[i] * r[i];
        }
        double rtol = fmin(0.5, sqrt(res)) * sqrt(gF2), rz = 0.0;
        for (size_t i = 0; i < nz; i++) {
            zz[i] = r[i] * Minv[i];
            q[i] = zz[i];
            rz += r[i] * zz[i];
        }
        long cgmax = (long)(nz < 500 ? nz + 10 : 500);
        for (long c = 0; c < cgmax && sqrt(cav_la_dot(nz, r, r)) > rtol; c++, inner++) {
            hessvec(P, q, Hq);
            for (size_t i = 0; i < nz; i++)
                if (act[i]) Hq[i] = 0.0;
            double qHq = cav_la_dot(nz, q, Hq);
            if (!(qHq > 0.0)) break;
            double a = rz / qHq;
            cblas_daxpy((blasint)nz, a, q, 1, cgp, 1);
            cblas_daxpy((blasint)nz, -a, Hq, 1, r, 1);
            double rznew = 0.0;
            for (size_t i = 0; i < nz; i++) {
                zz[i] = r[i] * Minv[i];
                rznew += r[i] * zz[i];
            }
            for (size_t i = 0; i < nz; i++)
                q[i] = zz[i] + (rznew / rz) * q[i];
            rz = rznew;
        }
        double gp = 0.0;
        for (size_t i = 0; i < nz; i++) {
            dir[i] = act[i] ? -g[i] : cgp[i];
            if (!act[i]) gp += g[i] * dir[i];
        }
        if (!(gp < 0.0)) { /* CG gave nothing usable: scaled steepest descent */
            gp = 0.0;
            for (size_t i = 0; i < nz; i++) {
                dir[i] = -g[i] * Minv[i];
                if (!act[i]) gp += g[i] * dir[i];
            }
        }
        double s = 1.0, fnew = f;
        int ok = 0;
        for (int ls = 0; ls < 60; ls++, s *= 0.5) {
            double dec = 0.0;
            for (size_t i = 0; i < nz; i++) {
                double v = z[i] + s * dir[i];
                znew[i] = i < nb && v < 0.0 ? 0.0 : v;
                dec += act[i] ? g[i] * (z[i] - znew[i]) : -s * g[i] * dir[i];
            }
            fnew = eval(P, znew, NULL);
            if (f - fnew >= 1e-4 * dec) {
                ok = 1;
                break;
            }
        }
        if (!ok) {
            /* Near the minimiser f is flat at its rounding level (|f| eps ~ 1e-13 |f|), so the
             * Armijo test can fail although the full Newton step still reduces the KKT residual
             * (seen at 1.5e-8 against tol 1e-8, d = 500). Accept that step when the objective
             * did not rise beyond rounding and the projected gradient shrank; else stop and
             * report the residual reached. */
            for (size_t i = 0; i < nz; i++) {
                double v = z[i] + dir[i];
                znew[i] = i < nb && v < 0.0 ? 0.0 : v;
            }
            fnew = eval(P, znew, gnew);
            double pgn = 0.0;
            for (size_t i = 0; i < nz; i++) {
                double pgi = i < nb ? znew[i] - fmax(0.0, znew[i] - gnew[i]) : gnew[i];
                pgn += pgi * pgi;
            }
            if (!(fnew <= f + 1e-12 * fabs(f)) || !(pgn < pg2)) break;
        }
        memcpy(z, znew, nz * sizeof *z);
        f = eval(P, z, g);
    }
    fit->iterations = it;
    fit->inner = inner;
    fit->residual = res;
    fit->objective = f;
    if (st == CAV_EMAXITER)
        cav_err_set(err, CAV_EMAXITER, "adv erm: KKT residual %.3g > tol %.3g after %ld steps", res,
                    o->tol, it);
    free(buf), free(act);
    return st;
}

/* Hinge: continuation in the Huber width hs = 1, 1e-1, ... (each stage the projected Newton of
 * solve_split, warm-started from the last). After each stage from hs <= 1e-1 the multipliers
 * alpha_mu = -phi_hs'(u_mu) of the smoothed minimiser (in [0, 1]; interior exactly on the band
 * points) start the exact margin-set Newton of adv_hinge.c, certified by the relative duality gap
 * (J(w(alpha)) - D(alpha)) / J <= tol; the smoothed minimiser alone stays O(hs) above the optimum
 * (J - D = sum over the band of e (1 - e/hs) <= (band size) hs/4), which is why the exact step is
 * needed. Fails (CAV_EMAXITER, the best certified w) if no stage down to hs = 1e-12 certifies. */
static int hinge_continuation(prob *P, const cav_sim_opts *o, double g0, double *z, double *w,
                              cav_sim_fit *fit, cav_err *err)
{
    const size_t p = P->p, n = P->n;
    double *alpha = malloc(n * sizeof *alpha), *wx = malloc(p * sizeof *wx);
    double *gz = malloc(P->nz * sizeof *gz), best = INFINITY;
    if (!alpha || !wx || !gz) {
        free(alpha), free(wx), free(gz);
        return cav_err_set(err, CAV_ENOMEM, "adv hinge: n = %zu, p = %zu", n, p);
    }
    adv_hinge H = {n, p, P->k, P->X, P->y, P->sc, P->lambda, P->eps, P->scale, P->linf};
    long iters = 0, inner = 0;
    int st = CAV_EMAXITER;
    for (P->hs = 1.0; P->hs >= 1e-12; P->hs *= 0.1) {
        cav_err e2;
        cav_err_clear(&e2);
        cav_sim_opts o2 = *o;
        o2.tol = fmin(o->tol, 1e-10);
        int s2 = solve_split(P, &o2, g0, z, fit, &e2);
        iters += fit->iterations;
        inner += fit->inner;
        if (s2 != CAV_OK && s2 != CAV_EMAXITER) {
            free(alpha), free(wx), free(gz);
            return cav_err_set(err, s2, "adv hinge (width %.1e): %s", P->hs, e2.msg);
        }
        if (P->hs > 0.5) continue;
        (void)eval(P, z, gz); /* phi' of the stage's minimiser in d1 */
        for (size_t i = 0; i < n; i++)
            alpha[i] = -P->d1[i];
        double gap;
        long steps;
        int rc = adv_hinge_exact(&H, alpha, o->tol, wx, &gap, &steps);
        iters += steps;
        if (rc < 0) {
            free(alpha), free(wx), free(gz);
            return cav_err_set(err, CAV_ENOMEM, "adv hinge: n = %zu, p = %zu", n, p);
        }
        if (gap < best) {
            best = gap;
            memcpy(w, wx, p * sizeof *w);
        }
        if (rc == 0) {
            st = CAV_OK;
            break;
        }
    }
    fit->iterations = iters;
    fit->inner = inner;
    fit->residual = best;
    free(alpha), free(wx), free(gz);
    if (st != CAV_OK)
        return cav_err_set(err, CAV_EMAXITER,
                           "adv hinge: relative duality gap %.3g > tol %.3g down to width 1e-12",
                           best, o->tol);
    return CAV_OK;
}

int cav_adv_erm(const cav_loss *loss, size_t n, size_t p, const double *X, const double *y,
                double lambda, int reg_norm, const cav_adv_attack *atk, const cav_sim_opts *opts,
                double *w, cav_sim_fit *fit, cav_err *err)
{
    cav_sim_fit dummy;
    if (!fit) fit = &dummy;
    memset(fit, 0, sizeof *fit);
    fit->separable = -1;
    fit->nsv = -1;
    if (n == 0 || p == 0 || !X || !y || !w)
        return fit->status = cav_err_set(err, CAV_EINVAL,
                                         "cav_adv_erm: n = %zu, p = %zu, X, y, w non-NULL", n, p);
    if (!loss || !loss->type)
        return fit->status = cav_err_set(err, CAV_EINVAL, "cav_adv_erm: loss not set");
    if (reg_norm != 1 && reg_norm != 2)
        return fit->status =
                   cav_err_set(err, CAV_EINVAL, "cav_adv_erm: reg_norm = %d (1 or 2)", reg_norm);
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return fit->status = cav_err_set(err, CAV_EINVAL, "cav_adv_erm: lambda = %g < 0", lambda);
    if (atk) {
        if (atk->norm != CAV_ADV_L2 && atk->norm != CAV_ADV_LINF)
            return fit->status =
                       cav_err_set(err, CAV_EINVAL, "cav_adv_erm: attack norm = %d", atk->norm);
        if (!(atk->eps >= 0.0) || !isfinite(atk->eps) || atk->k > p || !(atk->scale > 0.0))
            return fit->status = cav_err_set(
                       err, CAV_EINVAL, "cav_adv_erm: attack eps = %g, k = %zu", atk->eps, atk->k);
    }
    const double eps = atk ? atk->eps : 0.0;
    const int kind = sim_loss_kind(loss);
    if (eps == 0.0 && reg_norm == 2) {
        int st = cav_sim_erm(loss, n, p, X, y, lambda, opts, w, fit, err);
        return fit->status = st;
    }
    if (kind == SIM_LOSS_SQUARE && reg_norm == 2 && lambda > 0.0) {
        /* exact dense solver (adv_square.c), warm-started at the plain ridge solution */
        cav_adv_attack a0 = *atk;
        cav_sim_opts o = sim_opts(opts);
        int st = cav_sim_ridge(n, p, X, y, lambda, w, NULL, err);
        if (st) return fit->status = st;
        adv_hinge H = {n,        p,
                       a0.k,     X,
                       y,        1.0 / sqrt((double)p),
                       lambda,   eps,
                       a0.scale, a0.norm == CAV_ADV_LINF};
        double gap;
        long steps;
        int rc = adv_square_exact(&H, o.tol, w, &gap, &steps);
        fit->iterations = steps;
        fit->residual = gap;
        fit->objective = cav_adv_objective(loss, n, p, X, y, lambda, reg_norm, atk, w);
        if (rc < 0) return fit->status = cav_err_set(err, CAV_ENOMEM, "adv square: n = %zu", n);
        if (rc > 0)
            return fit->status =
                       cav_err_set(err, CAV_EMAXITER,
                                   "adv square: relative duality gap %.3g > tol %.3g", gap, o.tol);
        cav_err_clear(err);
        return fit->status = CAV_OK;
    }
    if (kind != SIM_LOSS_LOGISTIC && !(kind == SIM_LOSS_HINGE && reg_norm == 2))
        return fit->status = cav_err_set(
                   err, CAV_EUNSUP,
                   "cav_adv_erm: loss %s with eps_t = %g and reg_norm %d: supported are logistic "
                   "(reg_norm 1 or 2) and hinge (reg_norm 2)",
                   loss->type->name, eps, reg_norm);
    if (!(lambda > 0.0))
        return fit->status =
                   cav_err_set(err, CAV_EINVAL, "cav_adv_erm: lambda = %g must be > 0", lambda);
    cav_sim_opts o = sim_opts(opts);
    prob P;
    memset(&P, 0, sizeof P);
    P.n = n, P.p = p, P.X = X, P.y = y, P.lambda = lambda, P.reg = reg_norm;
    P.sc = 1.0 / sqrt((double)p);
    P.eps = eps;
    P.k = atk ? atk->k : 0;
    P.scale = atk ? atk->scale : 0.0;
    P.linf = eps > 0 && atk->norm == CAV_ADV_LINF;
    P.l2 = eps > 0 && atk->norm == CAV_ADV_L2;
    P.hinge = kind == SIM_LOSS_HINGE;
    P.hs = 1.0;
    P.ks = reg_norm == 1 ? p : (P.linf ? P.k : 0);
    P.nz = P.ks + p;
    double *mem = malloc((5 * n + 4 * p + P.nz) * sizeof *mem);
    if (!mem) return fit->status = cav_err_set(err, CAV_ENOMEM, "cav_adv_erm: n = %zu", n);
    P.h = mem, P.d1 = P.h + n, P.d2 = P.d1 + n, P.t = P.d2 + n;
    double *aty = P.t + n; /* n: scratch for A^T y */
    P.w = aty + n, P.gw = P.w + p, P.pw = P.gw + p, P.Hw = P.pw + p;
    double *z = P.Hw + p;
    /* reference ||grad J_0(0)|| = ||A^T y|| / 2 */
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, P.sc, X, (blasint)p, y, 1, 0.0,
                P.gw, 1);
    double g0 = 0.5 * cav_la_nrm2(p, P.gw);
    if (!(g0 > 0)) g0 = 1.0;
    int st;
    /* l_2 attack, smooth formulation: w = 0 is optimal iff ||A^T y phi'(0)|| <= n |phi'(0)| eps
     * scale (subdifferential of N at 0 is the ball of radius scale), when N covers all of w. */
    if (P.l2 && P.ks == 0 && P.k == p && 2.0 * g0 <= (double)n * eps * P.scale) {
        memset(w, 0, p * sizeof *w);
        fit->objective = cav_adv_objective(loss, n, p, X, y, lambda, reg_norm, atk, w);
        fit->residual = 0.0;
        cav_err_clear(err);
        free(mem);
        return fit->status = CAV_OK;
    }
    /* warm start: the plain ridge solution of the same loss */
    cav_sim_fit f0;
    st = P.hinge ? cav_sim_erm(loss, n, p, X, y, lambda, opts, w, &f0, err)
                 : cav_sim_logistic(n, p, X, y, lambda, opts, w, &f0, err);
    if (st > 0 && st != CAV_EMAXITER) {
        free(mem);
        return fit->status = st;
    }
    for (size_t i = 0; i < P.ks; i++) {
        z[i] = w[i] > 0 ? w[i] : 0.0;
        z[P.ks + i] = w[i] < 0 ? -w[i] : 0.0;
    }
    for (size_t i = P.ks; i < p; i++)
        z[P.ks + i] = w[i];
    cav_err_clear(err);
    st = P.hinge ? hinge_continuation(&P, &o, g0, z, w, fit, err)
                 : solve_split(&P, &o, g0, z, fit, err);
    if (!P.hinge) w_of_z(&P, z, w); /* the hinge path leaves its certified w(alpha) in w */
    fit->objective = cav_adv_objective(loss, n, p, X, y, lambda, reg_norm, atk, w);
    free(mem);
    return fit->status = st;
}
