/* theory/mi/rbm_amp.c — AMP-RBM pieces and its state evolution (cavity/rbm.h; docs/rbm.md,
 * "AMP-RBM"): GAMP for the maximisation of n J(W) = sum_mu eta(W^T x_mu/sqrt d) - n psi(W^T W/d)
 * on spiked-covariance data, tracked through zeta = W^T U* / d (k x r), Q = W^T W/d and the k x k
 * variance S (the derivative of the linear row denoiser W_i = S B_i).
 *
 * Output side: h solves h - S grad eta(h) = omega (the stationary point of eta(h) -
 * (h - omega)^T S^{-1} (h - omega)/2; unique and a maximum while S < I, since Hess eta <= I),
 * g = grad eta(h), dg/domega = D (I - S D)^{-1}, D = Hess eta(h).
 * Input side: R = A + 2 alpha grad psi(Q), A = -alpha E[dg/domega]; the variance moves towards
 * R^{-1}, S <- (1 - beta) S + beta R^{-1} (eigenvalues capped at smax < 1), and is held while R
 * is not positive definite (near W = 0, where J has no local maximum). Any deterministic S
 * sequence keeps the state evolution exact; at a fixed point with S = R^{-1} the weights are a
 * stationary point of J.
 * State evolution: omega = zeta c + Q^{1/2} xi, Zh = alpha E[g c^T], Qh = alpha E[g g^T],
 * zeta' = S' Zh Lambda, Q' = S' (Zh Lambda Zh^T + Qh) S'. Expectations over omega by the change
 * of variables omega = h - S grad eta(h) (Jacobian det(I - S D)): the integrand in h is smooth
 * (dg/domega has a peak of height 1/(1 - S) and width (1 - S) around h = 0 in omega that a
 * Gauss-Hermite rule in omega does not resolve), and a tensor trapezoid rule on a box in h
 * converges geometrically. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rbm.h"
#include "theory/mi/mi_internal.h"

#define K CAV_RBM_MAXK
#define HSTEP 0.5 /* largest trapezoid step in h (the tanh features have unit width) */
#define NSIG 8.0  /* half-width of the box in standard deviations of omega */
#define MAXNODE 400
#define QHOLD 4.0 /* largest Gram diagonal grown in the linear phase */

/* det and inverse of a k x k matrix (k <= 3) by cofactors; returns det. */
static double small_inv(int k, const double *M, double *Mi)
{
    if (k == 1) {
        Mi[0] = 1.0 / M[0];
        return M[0];
    }
    if (k == 2) {
        double det = M[0] * M[3] - M[1] * M[2];
        Mi[0] = M[3] / det, Mi[1] = -M[1] / det, Mi[2] = -M[2] / det, Mi[3] = M[0] / det;
        return det;
    }
    double c00 = M[4] * M[8] - M[5] * M[7], c01 = M[5] * M[6] - M[3] * M[8],
           c02 = M[3] * M[7] - M[4] * M[6];
    double det = M[0] * c00 + M[1] * c01 + M[2] * c02;
    Mi[0] = c00 / det, Mi[3] = c01 / det, Mi[6] = c02 / det;
    Mi[1] = (M[2] * M[7] - M[1] * M[8]) / det, Mi[4] = (M[0] * M[8] - M[2] * M[6]) / det;
    Mi[7] = (M[1] * M[6] - M[0] * M[7]) / det;
    Mi[2] = (M[1] * M[5] - M[2] * M[4]) / det, Mi[5] = (M[2] * M[3] - M[0] * M[5]) / det;
    Mi[8] = (M[0] * M[4] - M[1] * M[3]) / det;
    return det;
}

/* Largest eigenvalue of a symmetric k x k matrix (NaN if the decomposition fails). */
static double eig_max(int k, const double *A)
{
    double w[K], V[K * K];
    return mi_eig_sym(k, A, w, V) ? NAN : w[k - 1];
}

int mi_rbm_prox(int k, int hidden, const double *om, const double *S, double *g, double *dg)
{
    double h[K], grad[K], D[K * K], M[K * K], Mi[K * K];
    memcpy(h, om, sizeof(double) * (size_t)k);
    /* Newton on F(h) = h - S grad eta(h) - om (Jacobian I - S D, invertible for S < I) with step
     * halving on |F|: the map is the gradient of a strictly convex function in the S^{-1}
     * metric, so a descent step exists. */
    double scale = 1;
    for (int a = 0; a < k; a++)
        scale += om[a] * om[a];
    for (int it = 0; it < 100; it++) {
        cav_rbm_eta(k, hidden, h, grad, D);
        double F[K], f2 = 0;
        for (int a = 0; a < k; a++) {
            double s = h[a] - om[a];
            for (int b = 0; b < k; b++) {
                s -= S[a * k + b] * grad[b];
                M[a * k + b] = (a == b) - S[a * k + b] * D[b * k + b];
            }
            F[a] = s, f2 += s * s;
        }
        if (f2 < 1e-28 * scale) break;
        if (!(fabs(small_inv(k, M, Mi)) > 1e-300)) return -1;
        double step[K];
        for (int a = 0; a < k; a++) {
            double s = 0;
            for (int b = 0; b < k; b++)
                s += Mi[a * k + b] * F[b];
            step[a] = s;
        }
        for (double t = 1.0;; t *= 0.5) {
            double hn[K], gn[K], n2 = 0;
            for (int a = 0; a < k; a++)
                hn[a] = h[a] - t * step[a];
            cav_rbm_eta(k, hidden, hn, gn, NULL);
            for (int a = 0; a < k; a++) {
                double s = hn[a] - om[a];
                for (int b = 0; b < k; b++)
                    s -= S[a * k + b] * gn[b];
                n2 += s * s;
            }
            if (n2 < f2 || t < 1e-6) {
                memcpy(h, hn, sizeof h);
                break;
            }
        }
    }
    cav_rbm_eta(k, hidden, h, grad, D);
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            M[a * k + b] = (a == b) - S[a * k + b] * D[b * k + b];
    if (!(small_inv(k, M, Mi) > 0)) return -1;
    memcpy(g, grad, sizeof(double) * (size_t)k);
    /* dg = D (I - S D)^{-1} (symmetric: (D^{-1} - S)^{-1}) */
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            dg[a * k + b] = D[a * k + a] * Mi[a * k + b];
    mi_symmetrise(k, dg);
    return 0;
}

/* The symmetric M closest in form to S that makes the next Gram M Tb M diagonal with the
 * diagonal of S Tb S: M = Tb^{-1/2} (Tb^{1/2} D Tb^{1/2})^{1/2} Tb^{-1/2}, D = diag(S Tb S)
 * (eigenvalues of M capped at smax; the columns of the next W orthogonal, their norms those S
 * gives). Returns nonzero if Tb is not positive definite (S then unchanged). */
static int orth_s(int k, const double *Tb, double smax, double *S)
{
    double w[K], V[K * K], Th[K * K], Tih[K * K], C[K * K], tmp[K * K], Dg[K] = {0};
    if (mi_eig_sym(k, Tb, w, V) || !(w[0] > 0)) return 1;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s1 = 0, s2 = 0;
            for (int c = 0; c < k; c++) {
                s1 += V[a * k + c] * sqrt(w[c]) * V[b * k + c];
                s2 += V[a * k + c] / sqrt(w[c]) * V[b * k + c];
            }
            Th[a * k + b] = s1, Tih[a * k + b] = s2;
        }
    mi_matmul(k, S, Tb, tmp);
    mi_matmul(k, tmp, S, C);
    for (int a = 0; a < k; a++)
        Dg[a] = C[a * k + a];
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            C[a * k + b] = Th[a * k + b] * Dg[b];
    mi_matmul(k, C, Th, tmp); /* Tb^{1/2} D Tb^{1/2} */
    mi_symmetrise(k, tmp);
    if (mi_eig_sym(k, tmp, w, V)) return 1;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = 0;
            for (int c = 0; c < k; c++)
                s += V[a * k + c] * sqrt(fmax(w[c], 0)) * V[b * k + c];
            C[a * k + b] = s;
        }
    mi_matmul(k, Tih, C, tmp);
    mi_matmul(k, tmp, Tih, C);
    mi_symmetrise(k, C);
    if (mi_eig_sym(k, C, w, V)) return 1;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = 0;
            for (int c = 0; c < k; c++)
                s += V[a * k + c] * fmin(w[c], smax) * V[b * k + c];
            S[a * k + b] = s;
        }
    mi_symmetrise(k, S);
    return 0;
}

int mi_rbm_s_update(int k, int hidden, double alpha, const double *A, const double *Q,
                    const double *Tb, const double *S, double damping, double smax, int orth,
                    double *Sn, int *held, cav_err *err)
{
    double gp[K * K], R[K * K], w[K], V[K * K], T[K * K];
    int st = cav_rbm_psi(k, hidden, Q, NULL, gp, err);
    if (st) return st;
    for (int i = 0; i < k * k; i++)
        R[i] = A[i] + 2 * alpha * gp[i];
    mi_symmetrise(k, R);
    if (mi_eig_sym(k, R, w, V)) return cav_err_set(err, CAV_ENUMERIC, "rbm amp: eig(R) failed");
    int hold = !(w[0] > 0);
    if (hold && Tb) {
        /* linear phase: M = sqrt(q) Tb^{-1/2}, so that Q' = M Tb M = q I (the columns of W kept
         * orthogonal, their norm doubling per step up to QHOLD) */
        double q = 0, wt[K], Vt[K * K];
        for (int a = 0; a < k; a++)
            q += Q[a * k + a] / k;
        q = fmin(2 * q, QHOLD);
        if (mi_eig_sym(k, Tb, wt, Vt) || !(wt[0] > 0))
            return cav_err_set(err, CAV_ENUMERIC, "rbm amp: B^T B/d not positive definite");
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double s = 0;
                for (int c = 0; c < k; c++)
                    s += Vt[a * k + c] * fmin(sqrt(q / wt[c]), smax) * Vt[b * k + c];
                Sn[a * k + b] = s;
            }
        mi_symmetrise(k, Sn);
        if (held) *held = hold;
        return CAV_OK;
    }
    if (hold) {
        memcpy(T, S, sizeof(double) * (size_t)(k * k));
    } else {
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double s = 0;
                for (int c = 0; c < k; c++)
                    s += V[a * k + c] * fmin(1.0 / w[c], smax) * V[b * k + c];
                T[a * k + b] = s;
            }
        if (1.0 / w[0] > smax) hold = 2;
    }
    for (int i = 0; i < k * k; i++)
        Sn[i] = (1 - damping) * S[i] + damping * T[i];
    mi_symmetrise(k, Sn);
    if (orth && k > 1 && Tb && orth_s(k, Tb, smax, Sn))
        return cav_err_set(err, CAV_ENUMERIC, "rbm amp: B^T B/d not positive definite");
    if (held) *held = hold;
    return CAV_OK;
}

cav_rbm_amp_se_opts cav_rbm_amp_se_opts_default(void)
{
    cav_rbm_amp_se_opts o = {24, 0.5, 0.95, CAV_RBM_AMP_ORTH_STEPS};
    return o;
}

/* ---------------------------------------------------------------- expectations ---------- */

typedef struct ex_acc {
    double gc[K * K], gg[K * K], dg[K * K];
} ex_acc;

/* E over omega ~ N(m, Sig) of g c-weighted sums, by the trapezoid rule in h. cw: the c vector
 * (NULL for Gaussian c: only gg, dg). Adds weight * E[...] into acc. */
static int expect_h(int k, int r, const double *m, const double *Sig, const double *S,
                    double smax_eig, int res, const double *c, double weight, ex_acc *acc)
{
    double L[K * K], Si[K * K];
    memcpy(L, Sig, sizeof L);
    if (mi_chol(k, L)) return -1;
    if (mi_spd_inv(k, Sig, Si)) return -1;
    double logn = -0.5 * k * MI_LOG_2PI - 0.5 * mi_chol_logdet(k, L);
    /* box: |h - omega|_a <= sum_b |S_ab| min(1, hb), hb a bound on |h|_2 */
    double mn = 0, tr = 0;
    for (int a = 0; a < k; a++)
        mn += m[a] * m[a], tr += Sig[a * k + a];
    double hb = (sqrt(mn) + NSIG * sqrt(tr)) / (1 - smax_eig);
    double lo[K], dh[K];
    int nn[K];
    long N = 1;
    double fac = 24.0 / res;
    for (int a = 0; a < k; a++) {
        double pad = 0, sg = sqrt(Sig[a * k + a]);
        for (int b = 0; b < k; b++)
            pad += fabs(S[a * k + b]) * fmin(1.0, hb);
        double width = 2 * (NSIG * sg + pad);
        double step = fmin(HSTEP, sg / 1.5) * fac;
        int n = (int)ceil(width / step) + 1;
        if (n > MAXNODE) n = MAXNODE;
        nn[a] = n;
        lo[a] = m[a] - NSIG * sg - pad;
        dh[a] = width / (n - 1);
        N *= n;
    }
    double vol = 1;
    for (int a = 0; a < k; a++)
        vol *= dh[a];
    for (long node = 0; node < N; node++) {
        double h[K], t[K], Dd[K], x[K], M[K * K], Mi[K * K];
        long rr = node;
        for (int a = 0; a < k; a++) {
            h[a] = lo[a] + dh[a] * (double)(rr % nn[a]);
            rr /= nn[a];
            t[a] = tanh(h[a]);
            Dd[a] = 1 - t[a] * t[a];
        }
        for (int a = 0; a < k; a++) {
            double s = h[a];
            for (int b = 0; b < k; b++) {
                s -= S[a * k + b] * t[b];
                M[a * k + b] = (a == b) - S[a * k + b] * Dd[b];
            }
            x[a] = s - m[a]; /* omega(h) - m */
        }
        double q = 0;
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                q += x[a] * Si[a * k + b] * x[b];
        double lw = logn - 0.5 * q;
        if (lw < -745) continue;
        double det = small_inv(k, M, Mi);
        double w = weight * vol * exp(lw) * det;
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                acc->gg[a * k + b] += w * t[a] * t[b];
                acc->dg[a * k + b] += w * Dd[a] * Mi[a * k + b];
            }
            if (c)
                for (int j = 0; j < r; j++)
                    acc->gc[a * r + j] += w * t[a] * c[j];
        }
    }
    return 0;
}

/* One state-evolution step with explicit options; *held as in mi_rbm_s_update. */
static int se_step(const cav_rbm *p, const cav_rbm_amp_state *in, const cav_rbm_amp_se_opts *o,
                   int orth, cav_rbm_amp_state *out, int *held, cav_err *err)
{
    int k = p->k, r = p->r;
    double S[K * K];
    memcpy(S, in->V, sizeof S);
    mi_symmetrise(k, S);
    double L[K * K];
    memcpy(L, S, sizeof L);
    double smax_eig = eig_max(k, S);
    if (mi_chol(k, L) || !(smax_eig < 1))
        return cav_err_set(err, CAV_EINVAL,
                           "rbm amp se: V must be positive definite with eigenvalues < 1 "
                           "(largest %g)",
                           smax_eig);
    int gauss_c = p->latent_prior == CAV_RBM_GAUSSIAN;
    double Sig[K * K];
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = in->Q[a * k + b];
            if (gauss_c)
                for (int j = 0; j < r; j++)
                    s += in->zeta[a * r + j] * in->zeta[b * r + j];
            Sig[a * k + b] = s;
        }
    mi_symmetrise(k, Sig);
    memcpy(L, Sig, sizeof L);
    if (mi_chol(k, L))
        return cav_err_set(err, CAV_EINVAL, "rbm amp se: Q must be positive definite");
    ex_acc acc;
    memset(&acc, 0, sizeof acc);
    if (p->hidden == CAV_RBM_GAUSSIAN) {
        /* eta = |h|^2/2: g = (I - S)^{-1} omega, dg = (I - S)^{-1} */
        double M[K * K], Mi[K * K], C[K * K] = {0}, T[K * K];
        for (int i = 0; i < k * k; i++)
            M[i] = (i / k == i % k) - S[i];
        small_inv(k, M, Mi);
        memcpy(acc.dg, Mi, sizeof acc.dg);
        for (int a = 0; a < k; a++)
            for (int j = 0; j < r; j++) {
                double s = 0;
                for (int b = 0; b < k; b++)
                    s += Mi[a * k + b] * in->zeta[b * r + j];
                acc.gc[a * r + j] = s;
            }
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double s = in->Q[a * k + b];
                for (int j = 0; j < r; j++)
                    s += in->zeta[a * r + j] * in->zeta[b * r + j];
                C[a * k + b] = s;
            }
        mi_matmul(k, Mi, C, T);
        mi_matmul(k, T, Mi, acc.gg);
    } else if (gauss_c) {
        double m[K] = {0};
        if (expect_h(k, r, m, Sig, S, smax_eig, o->nodes, NULL, 1.0, &acc))
            return cav_err_set(err, CAV_ENUMERIC, "rbm amp se: singular covariance");
        for (int a = 0; a < k; a++) /* Stein: E[g c^T] = E[dg] zeta */
            for (int j = 0; j < r; j++) {
                double s = 0;
                for (int b = 0; b < k; b++)
                    s += acc.dg[a * k + b] * in->zeta[b * r + j];
                acc.gc[a * r + j] = s;
            }
    } else {
        /* c and -c give the same contributions (eta is even): enumerate c_0 = +1 only */
        int nc = 1 << (r - 1);
        for (int cs = 0; cs < nc; cs++) {
            double c[K], m[K];
            c[0] = 1.0;
            for (int j = 1; j < r; j++)
                c[j] = (cs >> (j - 1) & 1) ? 1.0 : -1.0;
            for (int a = 0; a < k; a++) {
                double s = 0;
                for (int j = 0; j < r; j++)
                    s += in->zeta[a * r + j] * c[j];
                m[a] = s;
            }
            if (expect_h(k, r, m, Sig, S, smax_eig, o->nodes, c, 1.0 / nc, &acc))
                return cav_err_set(err, CAV_ENUMERIC, "rbm amp se: singular covariance");
        }
    }
    mi_symmetrise(k, acc.dg);
    mi_symmetrise(k, acc.gg);
    double al = p->alpha, A[K * K], Zh[K * K], lam[K];
    for (int j = 0; j < r; j++)
        lam[j] = cav_rbm_lambda(p, j);
    for (int i = 0; i < k * k; i++)
        A[i] = -al * acc.dg[i];
    for (int i = 0; i < k * r; i++)
        Zh[i] = al * acc.gc[i];
    double T[K * K], tmp[K * K];
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = al * acc.gg[a * k + b];
            for (int j = 0; j < r; j++)
                s += Zh[a * r + j] * lam[j] * Zh[b * r + j];
            T[a * k + b] = s;
        }
    double Sn[K * K];
    int st =
        mi_rbm_s_update(k, p->hidden, al, A, in->Q, T, S, o->damping, o->smax, orth, Sn, held, err);
    if (st) return st;
    memset(out, 0, sizeof *out);
    mi_matmul(k, Sn, T, tmp);
    mi_matmul(k, tmp, Sn, out->Q);
    mi_symmetrise(k, out->Q);
    memcpy(out->V, Sn, sizeof(double) * (size_t)(k * k));
    for (int a = 0; a < k; a++)
        for (int j = 0; j < r; j++) {
            double s = 0;
            for (int b = 0; b < k; b++)
                s += Sn[a * k + b] * Zh[b * r + j];
            out->zeta[a * r + j] = s * lam[j];
        }
    return CAV_OK;
}

static int check_opts(const cav_rbm_amp_se_opts *o, cav_err *err)
{
    if (o->nodes < 4 || o->nodes > 200)
        return cav_err_set(err, CAV_EINVAL, "rbm amp se: nodes = %d must be in [4, 200]", o->nodes);
    if (!(o->damping > 0 && o->damping <= 1))
        return cav_err_set(err, CAV_EINVAL, "rbm amp se: damping = %g must be in (0, 1]",
                           o->damping);
    if (o->orth_steps < 0)
        return cav_err_set(err, CAV_EINVAL, "rbm amp se: orth_steps = %ld must be >= 0",
                           o->orth_steps);
    if (!(o->smax > 0 && o->smax < 1))
        return cav_err_set(err, CAV_EINVAL, "rbm amp se: smax = %g must be in (0, 1)", o->smax);
    return CAV_OK;
}

int cav_rbm_amp_se_step(const cav_rbm *p, const cav_rbm_amp_state *in, int gh_n,
                        cav_rbm_amp_state *out, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (!in || !out) return cav_err_set(err, CAV_EINVAL, "rbm amp se: NULL state");
    cav_rbm_amp_se_opts o = cav_rbm_amp_se_opts_default();
    if (gh_n > 0) o.nodes = gh_n;
    st = check_opts(&o, err);
    if (st) return st;
    return se_step(p, in, &o, 0, out, NULL, err);
}

static void traj_row(int k, int r, long t, const cav_rbm_amp_state *s, double *row)
{
    row[0] = (double)t;
    row[1] = NAN;
    memcpy(row + 2, s->zeta, sizeof(double) * (size_t)(k * r));
    memcpy(row + 2 + k * r, s->Q, sizeof(double) * (size_t)(k * k));
}

int cav_rbm_amp_se_run(const cav_rbm *p, const cav_rbm_amp_state *in,
                       const cav_rbm_amp_se_opts *opts, long steps, double *traj,
                       cav_rbm_amp_state *out, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (!in) return cav_err_set(err, CAV_EINVAL, "rbm amp se: NULL start");
    if (steps < 0) return cav_err_set(err, CAV_EINVAL, "rbm amp se: steps = %ld < 0", steps);
    cav_rbm_amp_se_opts o = opts ? *opts : cav_rbm_amp_se_opts_default();
    st = check_opts(&o, err);
    if (st) return st;
    int k = p->k, r = p->r, nc = CAV_RBM_TRAJ_NCOL(k, r);
    cav_rbm_amp_state s = *in, s2;
    if (traj) traj_row(k, r, 0, &s, traj);
    for (long t = 1; t <= steps; t++) {
        st = se_step(p, &s, &o, t - 1 < o.orth_steps, &s2, NULL, err);
        if (st) return st;
        s = s2;
        if (traj) traj_row(k, r, t, &s, traj + t * nc);
    }
    if (out) *out = s;
    return CAV_OK;
}

/* ---------------------------------------------------------------- fixed point ----------- */

void cav_rbm_amp_start(const cav_rbm *p, double overlap, double q0, double v0, cav_rbm_amp_state *s)
{
    memset(s, 0, sizeof *s);
    int k = p->k, r = p->r;
    /* a weak, generic correlation: unit a leans to spike a (the others at a tenth) */
    for (int a = 0; a < k; a++) {
        for (int j = 0; j < r; j++)
            s->zeta[a * r + j] =
                overlap * sqrt(q0 * cav_rbm_lambda(p, j)) * (a == j ? 1.0 : 0.1 / (1 + a + j));
        s->Q[a * k + a] = q0;
        s->V[a * k + a] = v0;
    }
}

int cav_rbm_amp_se_solve(const cav_rbm *p, const cav_rbm_amp_state *in, int gh_n,
                         cav_rbm_amp_fp *out)
{
    cav_err err = {0};
    if (!out) return CAV_EINVAL;
    memset(out, 0, sizeof *out);
    int st = cav_rbm_check(p, &err);
    cav_rbm_amp_se_opts o = cav_rbm_amp_se_opts_default();
    if (gh_n > 0) o.nodes = gh_n;
    if (p->k > 1) o.damping = CAV_RBM_AMP_DAMPING_K2;
    if (!st) st = check_opts(&o, &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return st;
    }
    int k = p->k, r = p->r;
    cav_rbm_amp_state s, s2;
    long it = 0, total = 0;
    double res = INFINITY;
    int held = 0;
    const long maxit = 5000;
    /* uninformed start; if it stalls where R is not positive definite (weak spikes: with V held the
     * Gram cannot grow to where J has a maximum), a second start with Q = 2 I, V = 0.7 I. */
    for (int pass = 0; pass < (in ? 1 : 2); pass++) {
        if (in)
            s = *in;
        else if (pass == 0)
            cav_rbm_amp_start(p, 0.01, 0.1, 0.5, &s);
        else
            cav_rbm_amp_start(p, 0.3, 2.0, 0.7, &s);
        long lim = in || pass == 1 ? maxit : 1000;
        st = CAV_OK;
        for (it = 0; it < lim; it++) {
            st = se_step(p, &s, &o, it < o.orth_steps, &s2, &held, &err);
            if (st) break;
            res = 0;
            for (int i = 0; i < k * r; i++)
                res = fmax(res, fabs(s2.zeta[i] - s.zeta[i]));
            for (int i = 0; i < k * k; i++)
                res = fmax(res, fmax(fabs(s2.Q[i] - s.Q[i]), fabs(s2.V[i] - s.V[i])));
            s = s2;
            if (res < 1e-10 && !held) break;
        }
        total += it + (it < lim);
        if (!st && it == lim)
            st = cav_err_set(&err, CAV_EMAXITER,
                             held ? "rbm amp se: no stationary point reached in %ld steps (R not "
                                    "positive definite or R^{-1} above smax)"
                                  : "rbm amp se: not converged in %ld steps",
                             lim);
        if (!st) break;
    }
    out->s = s;
    out->residual = res;
    out->iterations = total;
    for (int a = 0; a < k; a++)
        for (int j = 0; j < r; j++) {
            double den = out->s.Q[a * k + a] * cav_rbm_lambda(p, j);
            out->cos[a * r + j] = den > 0 ? out->s.zeta[a * r + j] / sqrt(den) : 0.0;
        }
    out->status = st;
    snprintf(out->msg, sizeof out->msg, "%s", st ? err.msg : "");
    return st;
}
