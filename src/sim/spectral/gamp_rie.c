/* sim/spectral/gamp_rie.c — GAMP with the rotationally invariant denoiser for Bayes-optimal matrix
 * sensing, symmetric (GOE sensing; quadratic optional) and rectangular (Gaussian sensing); the
 * iteration is written out in cavity/spectral_sim.h, its state evolution is cavity/msense.h.
 * Symmetric normalisation: y = Tr(Z S*) + noise, Tr(Z A) ~ N(0, (2/d)||A||_F^2); in the
 * isometric coordinates of symmetric matrices the sensing vectors have variance 2/d per coordinate,
 * so V = (2/d) sum of posterior variances = 2 mmse, the precision of R is A = n (2/d)/(delta + V),
 * the GOE noise of R has xi = d/(2A) = (delta + V)/(4 alpha). Rectangular: sensing X/sqrt(L D),
 * variance 1/(L D) per entry: V = mmse, precision alpha/(delta + V) per entry, noise R_n = (delta +
 * V)/alpha. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "cavity/rng.h"
#include "cavity/spectral.h"
#include "cavity/spectral_sim.h"
#include "sim/spectral/spectral_sim_internal.h"

/* Symmetric RIE of R at noise xi into out (d x d); V, ev, tmp scratch */
/* Divergence of the spectral map x -> f(x) on symmetric matrices (Frobenius coordinates):
 * sum_i f'(x_i) + sum_{i<j} (f_i - f_j)/(x_i - x_j) (a divided difference; f' for close pairs). */
static double spectral_div_sym(int d, const double *x, const double *f, const double *fp)
{
    double div = 0;
    for (int i = 0; i < d; i++) {
        div += fp[i];
        for (int j = i + 1; j < d; j++) {
            double dx = x[i] - x[j];
            div += fabs(dx) > 1e-9 * (1 + fabs(x[i])) ? (f[i] - f[j]) / dx : 0.5 * (fp[i] + fp[j]);
        }
    }
    return div;
}

static int rie_sym(int d, double kappa, double xi, const double *R, double *out, double *V,
                   double *ev, double *tmp, double *div, cav_err *err)
{
    cav_spectral_mpsc D;
    int st = cav_spectral_mpsc_init(&D, kappa, xi, err);
    if (st) return st;
    memcpy(V, R, sizeof(double) * (size_t)d * (size_t)d);
    if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', d, V, d, ev) != 0)
        return cav_err_set(err, CAV_ENUMERIC, "gamp: eigendecomposition failed");
    double *f = tmp + (size_t)d * (size_t)d - 2 * (size_t)d, *fp = f + d; /* see caller */
    for (int j = 0; j < d; j++) {
        double h = 1e-6 * (1 + fabs(ev[j]));
        f[j] = cav_spectral_mpsc_rie(&D, ev[j]);
        fp[j] =
            (cav_spectral_mpsc_rie(&D, ev[j] + h) - cav_spectral_mpsc_rie(&D, ev[j] - h)) / (2 * h);
    }
    *div = spectral_div_sym(d, ev, f, fp);
    for (int j = 0; j < d; j++) {
        double fj = f[j];
        for (int i = 0; i < d; i++)
            out[i * d + j] = V[i * d + j] * fj;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, d, 1.0, out, d, V, d, 0.0, tmp, d);
    memcpy(out, tmp, sizeof(double) * (size_t)d * (size_t)d);
    return CAV_OK;
}

/* Rectangular RIE of R (L x D, per-entry noise Rn) into out */
static int rie_rect(int L, int D, double rho, double Rn, const double *R, double *out, double *A,
                    double *U, double *Vt, double *sv, double *div, cav_err *err)
{
    cav_spectral_rect Rs;
    int st = cav_spectral_rect_init(&Rs, (double)L / D, rho, Rn, err);
    if (st) return st;
    int mn = L < D ? L : D;
    double sc = pow((double)L * D, 0.25);
    for (size_t i = 0; i < (size_t)L * (size_t)D; i++)
        A[i] = R[i] / sc;
    for (size_t i = 0; i < (size_t)L * (size_t)D; i++)
        if (!isfinite(A[i])) return cav_err_set(err, CAV_ENUMERIC, "gamp: non-finite iterate");
    if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', L, D, A, D, sv, U, mn, Vt, D) != 0) {
        /* divide and conquer occasionally fails to converge where QR iteration does not */
        double *sup = malloc(sizeof(double) * (size_t)mn);
        for (size_t i = 0; i < (size_t)L * (size_t)D; i++)
            A[i] = R[i] / sc;
        lapack_int info =
            sup ? LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', L, D, A, D, sv, U, mn, Vt, D, sup)
                : -1;
        free(sup);
        if (info != 0)
            return cav_err_set(err, CAV_ENUMERIC, "gamp: SVD failed (LAPACK info %d)", (int)info);
    }
    /* divergence of the spectral map on L x D matrices (Candès, Sing-Long, Trzasko 2013):
     * sum f'(s_i) + |L - D| sum f(s_i)/s_i + sum_{i != j} 2 s_i f(s_i)/(s_i^2 - s_j^2) */
    double *f = A, *fp = A + mn; /* A is free after the SVD */
    for (int j = 0; j < mn; j++) {
        double h = 1e-6 * (1 + sv[j]);
        f[j] = sv[j] > 0 ? cav_spectral_rect_rie(&Rs, sv[j]) : 0;
        fp[j] =
            sv[j] > h
                ? (cav_spectral_rect_rie(&Rs, sv[j] + h) - cav_spectral_rect_rie(&Rs, sv[j] - h)) /
                      (2 * h)
                : 0;
    }
    double dv = 0;
    for (int i = 0; i < mn; i++) {
        dv += fp[i] + (sv[i] > 0 ? fabs((double)(L - D)) * f[i] / sv[i] : 0);
        for (int j = i + 1; j < mn; j++) {
            double q = sv[i] * sv[i] - sv[j] * sv[j];
            dv += fabs(q) > 1e-12 * (1 + sv[i] * sv[i]) ? 2 * (sv[i] * f[i] - sv[j] * f[j]) / q
                                                        : fp[i];
        }
    }
    *div = dv;
    for (int j = 0; j < mn; j++) {
        double fj = f[j];
        for (int i = 0; i < L; i++)
            U[i * mn + j] *= fj;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, D, mn, sc, U, mn, Vt, D, 0.0, out, D);
    return CAV_OK;
}

int cav_msense_gamp(const cav_msense_gamp_params *p, cav_msense_gamp_result *res, cav_err *err)
{
    memset(res, 0, sizeof *res);
    if (!p || (p->shape != 0 && p->shape != 1))
        return res->status = cav_err_set(err, CAV_EINVAL, "gamp: unknown shape");
    if (p->d < 4 || p->d > 1000)
        return res->status = cav_err_set(err, CAV_EINVAL, "gamp: d = %d outside [4, 1000]", p->d);
    if (!(p->alpha > 0) || !(p->delta >= 0))
        return res->status =
                   cav_err_set(err, CAV_EINVAL, "gamp: need alpha > 0 (%g), delta >= 0 (%g)",
                               p->alpha, p->delta);
    if (p->shape == 0 && !(p->kappa_star > 0))
        return res->status = cav_err_set(err, CAV_EINVAL, "gamp: kappa_star must be > 0");
    if (p->shape == 1 && (!(p->beta > 0) || !(p->rho > 0 && p->rho <= 1)))
        return res->status = cav_err_set(err, CAV_EINVAL, "gamp: need beta > 0, rho in (0, 1]");
    double damp = p->damping >= 0 ? p->damping : 0, tol = p->tol > 0 ? p->tol : 1e-6;
    int maxit = p->max_iter > 0 ? p->max_iter : 300;
    int sym = p->shape == 0;
    int D = p->d, L = sym ? D : (int)lround(p->beta * D);
    size_t N = (size_t)L * (size_t)D;
    int n = (int)lround(p->alpha * (double)N);
    if (n < 1) n = 1;
    if (sym && p->sensing != 1 && (double)n * (double)N > 4e7)
        return res->status = cav_err_set(err, CAV_EINVAL,
                                         "gamp: GOE sensing stores n d^2 = %.3g doubles (limit "
                                         "4e7): lower d",
                                         (double)n * (double)N);
    if (!sym && (double)n * (double)N > 4e7)
        return res->status = cav_err_set(err, CAV_EINVAL,
                                         "gamp: rectangular sensing stores n L D = %.3g doubles "
                                         "(limit 4e7): lower d",
                                         (double)n * (double)N);
    int st = CAV_OK;
    qs_op o;
    memset(&o, 0, sizeof o);
    double *Ss = malloc(N * sizeof(double)), *Sh = malloc(N * sizeof(double));
    double *Snew = malloc(N * sizeof(double)), *R = malloc(N * sizeof(double));
    double *w1 = malloc(N * sizeof(double)), *w2 = malloc(N * sizeof(double));
    double *w3 = malloc(N * sizeof(double)), *sv = malloc(sizeof(double) * (size_t)(L + D));
    double *y = malloc((size_t)n * sizeof(double)), *om = malloc((size_t)n * sizeof(double));
    double *g = malloc((size_t)n * sizeof(double)), *h = malloc((size_t)n * sizeof(double));
    double *Xr = NULL;
    if (!Ss || !Sh || !Snew || !R || !w1 || !w2 || !w3 || !sv || !y || !om || !g || !h) {
        st = cav_err_set(err, CAV_ENOMEM, "gamp: out of memory");
        goto done;
    }
    double mmse0;
    if (sym) {
        if ((st = qs_alloc(&o, D, n, p->sensing == 1 ? CAV_SENSING_QUADRATIC : CAV_SENSING_GOE,
                           p->seed)))
            goto done;
        qs_teacher(D, p->kappa_star, p->delta, p->seed, &o, Ss, y);
        mmse0 = 1 / p->kappa_star;
        /* start at the prior mean I (the spectrum's mean is known) */
        memset(Sh, 0, N * sizeof(double));
        for (int i = 0; i < D; i++)
            Sh[i * D + i] = 1;
    } else {
        int r = (int)lround(p->rho * (L < D ? L : D));
        if (r < 1) r = 1;
        Xr = malloc((size_t)n * N * sizeof(double));
        if (!Xr) {
            st = cav_err_set(err, CAV_ENOMEM, "gamp: out of memory");
            goto done;
        }
        cav_rng_normal_matrix(p->seed, 31, (size_t)n, N, 1 / sqrt((double)N), Xr);
        cav_rng_normal_matrix(p->seed, 32, (size_t)L, (size_t)r, 1, w1);
        cav_rng_normal_matrix(p->seed, 33, (size_t)r, (size_t)D, 1, w2);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, D, r, 1 / sqrt((double)r), w1, r,
                    w2, D, 0.0, Ss, D);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, (int)N, 1.0, Xr, (int)N, Ss, 1, 0.0, y, 1);
        cav_rng rg;
        cav_rng_init(&rg, p->seed, 34, 0);
        for (int i = 0; i < n; i++)
            y[i] += sqrt(p->delta) * cav_rng_normal(&rg);
        mmse0 = 1;
        memset(Sh, 0, N * sizeof(double));
    }
    double V = sym ? 2 * mmse0 : mmse0, mm = mmse0, res_it = HUGE_VAL;
    memset(g, 0, (size_t)n * sizeof(double));
    int it, floor_hit = 0, diverged = 0;
    for (it = 1; it <= maxit; it++) {
        /* damped GAMP in the form of Rangan, Schniter, Fletcher, Sarkar (2019): omega and V
         * from the current (damped) S_hat and variance, g mixed with its previous value, then
         * S_hat and its variance mixed with theirs after the denoiser */
        if (sym)
            qs_apply(&o, Sh, h);
        else
            cblas_dgemv(CblasRowMajor, CblasNoTrans, n, (int)N, 1.0, Xr, (int)N, Sh, 1, 0.0, h, 1);
        V = sym ? 2 * mm : mm;
        for (int i = 0; i < n; i++) {
            double gn = (y[i] - (h[i] - V * g[i])) / (p->delta + V);
            g[i] = it == 1 ? gn : damp * g[i] + (1 - damp) * gn;
        }
        /* precision of R from -dg/domega = 1/(delta + V) (the empirical <g^2> has the same
         * expectation but fluctuates from one iteration to the next at these sizes) */
        double g2 = 1 / (p->delta + V), mmold = mm;
        if (sym) {
            /* near perfect recovery the effective noise leaves the toolkit's range: stop there
             * (reported as not converged unless the last step met the tolerance) */
            double xi = 1 / (4 * p->alpha * g2), c = 1 / (2 * p->alpha * D * g2);
            if (xi < 1e-12) {
                floor_hit = 1;
                break;
            }
            qs_adjoint(&o, g, R);
            for (size_t i = 0; i < N; i++)
                R[i] = Sh[i] + c * R[i];
            double div = 0;
            if ((st = rie_sym(D, p->kappa_star, xi, R, Snew, w1, sv, w2, &div, err))) goto done;
            /* V = (2/d) sum of posterior variances = (2/d)(2 xi/d) div: the denoiser's own
             * divergence (its large-d limit is 2 mmse(xi)) keeps the Onsager term consistent
             * with the finite matrix */
            if (p->v_divergence) {
                mm = 2 * xi * div / ((double)D * D);
                if (!(mm > 0 && mm <= mmse0)) mm = -1;
            }
            if (!p->v_divergence || mm < 0)
                if ((st = cav_spectral_rie_mmse(p->kappa_star, xi, &mm, err))) goto done;
        } else {
            double Rn = 1 / (p->alpha * g2);
            if (Rn < 1e-8) {
                floor_hit = 1;
                break;
            }
            cblas_dgemv(CblasRowMajor, CblasTrans, n, (int)N, 1.0, Xr, (int)N, g, 1, 0.0, R, 1);
            for (size_t i = 0; i < N; i++)
                R[i] = Sh[i] + Rn * R[i];
            double div = 0;
            if ((st = rie_rect(L, D, p->rho, Rn, R, Snew, w1, w2, w3, sv, &div, err))) goto done;
            if (p->v_divergence) { /* per-entry posterior variance, as for the symmetric V */
                mm = Rn * div / (double)N;
                if (!(mm > 0 && mm <= mmse0)) mm = -1;
            }
            if (!p->v_divergence || mm < 0)
                if ((st = cav_spectral_rect_mmse(p->beta, p->rho, Rn, &mm, err))) goto done;
        }
        mm = it == 1 ? mm : damp * mmold + (1 - damp) * mm;
        double diff = 0;
        for (size_t i = 0; i < N; i++) {
            double v = it == 1 ? Snew[i] : damp * Sh[i] + (1 - damp) * Snew[i];
            diff += (v - Sh[i]) * (v - Sh[i]);
            Sh[i] = v;
        }
        res_it = sym ? diff / D : diff / (double)N;
        if (res_it <= tol) break;
        if (!(res_it < 100 * mmse0)) { /* the iterate left the prior's scale: diverged */
            diverged = 1;
            break;
        }
    }
    double e = 0;
    for (size_t i = 0; i < N; i++)
        e += (Sh[i] - Ss[i]) * (Sh[i] - Ss[i]);
    res->mmse = sym ? e / D : e / (double)N;
    res->mmse_norm = sym ? p->kappa_star * res->mmse : res->mmse;
    res->q = 1 - res->mmse_norm;
    res->n = n, res->iterations = it > maxit ? maxit : it, res->residual = res_it;
    st = diverged                                    ? CAV_EDIVERGE
         : it > maxit || (floor_hit && res_it > tol) ? CAV_EMAXITER
                                                     : CAV_OK;
    snprintf(res->msg, sizeof res->msg, "%d iterations, step %.2g%s", res->iterations, res_it,
             floor_hit ? " (effective noise below the spectral toolkit's range)" : "");
    if (st)
        cav_err_set(err, st, "gamp: %s (%s)", diverged ? "diverged" : "not converged", res->msg);
done:
    if (st && st != CAV_EMAXITER && err && !res->msg[0])
        snprintf(res->msg, sizeof res->msg, "%.150s", err->msg);
    qs_free(&o);
    free(Ss), free(Sh), free(Snew), free(R), free(w1), free(w2), free(w3), free(sv), free(y);
    free(om), free(g), free(h), free(Xr);
    return res->status = st;
}
