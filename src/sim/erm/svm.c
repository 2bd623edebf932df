/* Hinge-loss ERM (support vector machines): dual coordinate descent with shrinking, polished by
 * exact Newton steps on the free support vectors.
 *
 * Hsieh, Chang, Lin, Keerthi, Sundararajan, "A dual coordinate descent method for large-scale
 * linear SVM", ICML 2008 (Algorithm 1, and the shrinking of its Algorithm 3). Dividing
 * J(w) = sum_mu max(0, 1 - y_mu a_mu.w) + (lambda/2)||w||^2 by lambda gives the standard form with
 * C = 1/lambda:
 *   P(w) = ||w||^2/2 + C sum_mu max(0, 1 - y_mu a_mu.w),
 *   D(alpha) = sum_mu alpha_mu - ||w(alpha)||^2/2,  w(alpha) = sum_mu alpha_mu y_mu a_mu,
 *   0 <= alpha <= C.
 * With G_i = y_i a_i.w - 1 = (Q alpha - 1)_i, Q_ij = y_i y_j a_i.a_j (the gradient of -D), the
 * gap at (w(alpha), alpha) is the sum of non-negative terms
 *   P - D = sum_i [C max(0, -G_i) + alpha_i G_i],                                        (1)
 * and the stopping rule is (P - D)/P <= tol (weak duality P >= D).
 *
 * 1. Coordinate step (Hsieh et al., eq. 5): alpha_i <- clip(alpha_i - G_i/Q_ii, 0, C); w (or the
 *    kernel fields) follows. Coordinates are visited in a fresh random permutation each epoch,
 *    drawn from opts->seed.
 * 2. Shrinking (Hsieh et al., Sec. 3.2): the projected gradient PG_i is G_i clipped to the feasible
 *    directions (PG = min(G, 0) at alpha = 0, max(G, 0) at alpha = C, G otherwise). A variable at
 *    alpha = 0 with G_i > M (M = max PG of the previous epoch), or at alpha = C with G_i < m (m =
 *    min PG of the previous epoch) is very likely to stay at its bound and is removed from the
 *    epoch. When the spread max PG - min PG over the active variables falls below a threshold
 *    eps_pg, all variables are restored and the test repeated on the full set, so nothing is
 *    decided on the shrunk problem alone.
 * 3. Polish. Near the optimum dual CD converges linearly at a rate that degrades with C (at C =
 * 100, d = 1000, n = 3000 it needed > 20000 epochs for a 1e-8 gap). But once the sets L = {alpha =
 * 0}, U = {alpha = C}, F = {0 < alpha < C} are right, the optimum solves the KKT linear system G_F
 * = 0, i.e. Q_FF alpha_F = 1 - C Q_FU 1_U. From the current point that is the Newton step Q_FF
 * delta = -G_F. When CD has (nearly) stopped moving variables onto or off the bounds, or the
 * full-set spread is below eps_pg, we check (1); if it is above tol we form Q_FF (linear: one dsyrk
 * on the gathered rows; any other operator: column by column through the update/field callbacks)
 * and run a small active-set method on F (function polish): Newton steps on the working set with a
 * projected arc search, fixing the variables that reach a bound and releasing those whose gradient
 * points back into the box; a Levenberg-Marquardt shift handles a singular Q_FF (linear kernel with
 * more than d free variables, where D is linear along the null space and the optimum moves
 * variables to the bounds). The result is kept only if the exact D increased, so the dual objective
 * never decreases. CD then resumes: it corrects variables left at a wrong bound, and the next
 * polish is exact on the corrected set; once the sets are right one Newton step gives the optimum
 * to rounding (gap ~1e-14).
 *
 * Hard margin (lambda = 0): min ||w||^2/2 s.t. y_mu a_mu.w >= 1. If the data are separable its
 * dual optimum alpha* is finite and, for every C >= max alpha*, the box problem has the same
 * solution (the box is inactive; all slacks vanish). So we solve box problems with C = 1, 100,
 * ... up to C_max (warm-started) until no alpha sits at C, then drop the box. If alpha still
 * reaches C_max the data are declared non-separable (for separable data this would need
 * max alpha* = O(||w_opt||^2) >= C_max, i.e. a margin below 1/sqrt(C_max)). The hard-margin
 * gap uses the feasible point w/m, m = min_mu y_mu a_mu.w > 0: P_h = ||w||^2/(2 m^2) >=
 * ||w_opt||^2/2 >= D(alpha). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rng.h"
#include "core/la.h"
#include "sim/internal.h"

/* Q_FF for the index set idx[0..m): Q[a*m + b] = y_ia y_ib a_ia.a_ib (row-major, at least the lower
 * triangle). May disturb the operator's state (the caller refreshes). 0 or CAV_ENOMEM. */
typedef int (*gram_fn)(const sim_dcd_ops *ops, const double *y, const size_t *idx, size_t m,
                       double *Q);

/* Generic Q_FF through the callbacks: adding column j moves the field of sample i by
 * y_j-free K_ij, so Q_ij = y_i y_j (h_i(after) - h_i(before)). Cost m updates + m^2 field reads. */
static int gram_generic(const sim_dcd_ops *ops, const double *y, const size_t *idx, size_t m,
                        double *Q)
{
    double *h0 = malloc(m * sizeof *h0);
    if (!h0) return CAV_ENOMEM;
    for (size_t a = 0; a < m; a++)
        h0[a] = ops->field(ops->ctx, idx[a]);
    for (size_t b = 0; b < m; b++) {
        size_t j = idx[b];
        ops->update(ops->ctx, j, 1.0);
        for (size_t a = b; a < m; a++) {
            size_t i = idx[a];
            Q[a * m + b] = y[i] * y[j] * (ops->field(ops->ctx, i) - h0[a]);
        }
        ops->update(ops->ctx, j, -1.0);
    }
    free(h0);
    return CAV_OK;
}

/* Solver state shared by the stages. */
typedef struct dcd {
    const sim_dcd_ops *ops;
    gram_fn gram;
    const double *y;
    size_t n, rank_max; /* rank_max: bound on rank Q (n; linear: d) */
    double *alpha, *qd, *beta, *h, *save;
    size_t *idx;
    cav_rng rng;
    cav_sim_fit *fit;
    double gap, D, ff; /* at the last exact refresh */
    size_t polish_m;   /* size of the last polish's set */
} dcd;

/* Exact refresh of the state from alpha; sets s->gap (relative, (1)), s->D, s->ff, and s->h. */
static void refresh_gap(dcd *s, double C)
{
    size_t n = s->n;
    const double *y = s->y;
    for (size_t i = 0; i < n; i++)
        s->beta[i] = s->alpha[i] * y[i];
    double ff = s->ops->refresh(s->ops->ctx, s->beta, s->h);
    double sa = 0.0;
    for (size_t i = 0; i < n; i++)
        sa += s->alpha[i];
    double D = sa - 0.5 * ff, P;
    s->ff = ff;
    s->D = D;
    if (isinf(C)) {
        double m = INFINITY;
        for (size_t i = 0; i < n; i++)
            if (y[i] * s->h[i] < m) m = y[i] * s->h[i];
        P = m > 0 ? ff / (2.0 * m * m) : INFINITY;
    } else {
        double hs = 0.0;
        for (size_t i = 0; i < n; i++) {
            double v = 1.0 - y[i] * s->h[i];
            if (v > 0) hs += v;
        }
        P = 0.5 * ff + C * hs;
    }
    if (isinf(P))
        s->gap = INFINITY;
    else if (!(P > 0))
        s->gap = P == 0 && D == 0 ? 0.0 : INFINITY;
    else
        s->gap = (P - D) / P;
}

static double clip(double a, double C)
{
    return a < 0.0 ? 0.0 : (a > C ? C : a);
}

/* D(x) - D(x0) = -(g0.dx + dx.Q dx/2), dx = x - x0, for the quadratic dual on the set F
 * (Q = Q_FF, lower triangle stored). */
static double quad_gain(size_t m, const double *Q, const double *g0, const double *x0,
                        const double *x, double *dx, double *Qdx)
{
    for (size_t a = 0; a < m; a++)
        dx[a] = x[a] - x0[a];
    cblas_dsymv(CblasRowMajor, CblasLower, (blasint)m, 1.0, Q, (blasint)m, dx, 1, 0.0, Qdx, 1);
    double s = 0.0;
    for (size_t a = 0; a < m; a++)
        s -= dx[a] * (g0[a] + 0.5 * Qdx[a]);
    return s;
}

/* Largest free set (number of variables) the polish factors; beyond it dual CD works alone. */
#define SVM_POLISH_MAX 8000
/* Newton solves per polish. */
#define SVM_POLISH_IT 80

/* Active-set polish (section 3). Works on the set F of free variables and of variables at a bound
 * whose gradient points into the box, with Q = Q_FF formed once; the variables outside F keep
 * their values. Starting from x = alpha_F with the bound variables of F fixed, and
 * g = G_F(x) = G_F(x0) + Q (x - x0):
 *   solve Q_WW delta = -g_W on the working set W (F minus the fixed variables);
 *   x_W <- clip(x_W + delta); the variables that were clipped join the fixed ones, and the
 *   solve is repeated until the Newton step is feasible (x is then the optimum on its face);
 *   then the fixed variables whose gradient points back into the box are released and the
 *   loop goes on (at most SVM_POLISH_IT solves; it stops early if Q_WW is not positive
 *   definite, e.g. a linear kernel with |W| > d).
 * Along the way the dual gain D(x) - D(x0) = -(g0 + g).(x - x0)/2 (D is quadratic) picks the
 * best iterate; it is kept only if the exact dual objective increased. Requires s->h and s->D
 * current (refresh_gap); leaves the state refreshed. CAV_OK or CAV_ENOMEM. */
static int polish(dcd *s, double C)
{
    size_t n = s->n, m = 0;
    const double *y = s->y;
    size_t *F = s->idx; /* reused: the caller rebuilds the active list afterwards */
    for (size_t i = 0; i < n; i++) {
        double a = s->alpha[i], G = y[i] * s->h[i] - 1.0;
        if ((a > 0.0 && a < C) || (a <= 0.0 && G < 0.0) || (a >= C && G > 0.0)) F[m++] = i;
    }
    s->polish_m = m;
    if (m == 0 || m > SVM_POLISH_MAX) return CAV_OK;
    double *Q = malloc(2 * m * m * sizeof *Q), *v = malloc(9 * m * sizeof *v);
    size_t *wl = malloc(m * sizeof *wl);
    unsigned char *fixed = malloc(m);
    if (!Q || !v || !wl || !fixed || s->gram(s->ops, y, F, m, Q)) {
        free(Q), free(v), free(wl), free(fixed);
        return CAV_ENOMEM;
    }
    double *W = Q + m * m, *x0 = v, *x = v + m, *g0 = v + 2 * m, *g = v + 3 * m, *r = v + 4 * m;
    double *xb = v + 5 * m, *xt = v + 6 * m, *tmp = v + 7 * m, *tmp2 = v + 8 * m, best = 0.0;
    for (size_t a = 0; a < m; a++) {
        x0[a] = x[a] = xb[a] = s->alpha[F[a]];
        g0[a] = y[F[a]] * s->h[F[a]] - 1.0;
        fixed[a] = !(x[a] > 0.0 && x[a] < C);
    }
    int face_done = 0;
    double lm = 0.0; /* shift of Q_WW (Levenberg-Marquardt) */
    for (int it = 0;; it++) {
        for (size_t a = 0; a < m; a++) /* g = g0 + Q (x - x0), Q symmetric (lower stored) */
            r[a] = x[a] - x0[a];
        memcpy(g, g0, m * sizeof *g);
        cblas_dsymv(CblasRowMajor, CblasLower, (blasint)m, 1.0, Q, (blasint)m, r, 1, 1.0, g, 1);
        double gain = 0.0;
        for (size_t a = 0; a < m; a++)
            gain -= 0.5 * r[a] * (g0[a] + g[a]);
        if (gain > best) {
            best = gain;
            memcpy(xb, x, m * sizeof *xb);
        }
        if (it == SVM_POLISH_IT) break;
        if (face_done) { /* optimum on the face: release the bound variables that pull inward */
            size_t released = 0;
            for (size_t a = 0; a < m; a++)
                if (fixed[a] && ((x[a] <= 0.0 && g[a] < 0.0) || (x[a] >= C && g[a] > 0.0))) {
                    fixed[a] = 0;
                    released++;
                }
            if (!released) break;
        }
        size_t mw = 0;
        for (size_t a = 0; a < m; a++)
            if (!fixed[a]) wl[mw++] = a;
        face_done = 1;
        if (mw == 0) continue;
        /* Q_WW is singular when |W| > rank Q (linear: d) and may be near-singular; then, or if
         * Cholesky fails or the last step was cut by the arc search, solve with Q_WW + lm I
         * (lm > 0): the step turns from the Newton step towards the gradient, moving many
         * variables to their bounds at once where D is (near) linear. */
        lapack_int info = 1;
        double dmax = 0.0;
        for (size_t p = 0; p < mw; p++)
            dmax = fmax(dmax, Q[wl[p] * m + wl[p]]);
        if (mw > s->rank_max && lm < 1e-6 * dmax) lm = 1e-6 * dmax;
        for (int attempt = 0; attempt < 6 && info != 0; attempt++) {
            for (size_t p = 0; p < mw; p++) {
                for (size_t q = 0; q < p; q++)
                    W[p * mw + q] = Q[wl[p] * m + wl[q]];
                W[p * mw + p] = Q[wl[p] * m + wl[p]] + lm;
            }
            /* the row-major lower triangle is the column-major upper one: no transposition
             * (the row-major LAPACKE wrappers copied W twice per call) */
            info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)mw, W, (lapack_int)mw);
            if (info != 0) lm = fmax(100.0 * lm, 1e-10 * dmax);
        }
        if (info != 0) break;
        for (size_t p = 0; p < mw; p++)
            r[p] = -g[wl[p]];
        LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', (lapack_int)mw, 1, W, (lapack_int)mw, r,
                            (lapack_int)mw);
        /* projected arc x(t) = clip(x + t delta): the largest t in 1, 1/4, 1/16, ... that gains */
        double t = 1.0;
        int ok = 0;
        for (int ls = 0; ls < 25 && !ok; ls++, t *= 0.25) {
            memcpy(xt, x, m * sizeof *xt);
            for (size_t p = 0; p < mw; p++)
                xt[wl[p]] = clip(x[wl[p]] + t * r[p], C);
            ok = quad_gain(m, Q, g0, x0, xt, tmp, tmp2) > gain;
        }
        if (!ok) break;
        for (size_t p = 0; p < mw; p++) {
            size_t a = wl[p];
            if (xt[a] <= 0.0 || xt[a] >= C) {
                fixed[a] = 1;
                face_done = 0;
            }
        }
        double tk = 4.0 * t;                     /* the accepted step */
        if (tk < 1.0 || lm > 0.0) face_done = 0; /* not at the face optimum yet */
        /* Levenberg-Marquardt control of the shift: a cut step asks for a larger one */
        lm = tk < 1.0 ? fmax(10.0 * lm, 1e-8 * dmax) : (lm < 1e-12 * dmax ? 0.0 : 0.1 * lm);
        memcpy(x, xt, m * sizeof *x);
    }
    double D0 = s->D;
    if (best > 0.0) {
        for (size_t a = 0; a < m; a++)
            s->alpha[F[a]] = xb[a];
        refresh_gap(s, C);
        if (s->D > D0) {
            s->fit->inner += (long)m;
        } else {
            for (size_t a = 0; a < m; a++)
                s->alpha[F[a]] = x0[a];
            refresh_gap(s, C);
        }
    }
    free(Q), free(v), free(wl), free(fixed);
    return CAV_OK;
}

/* Dual CD with shrinking and polish at box C until rel gap <= tol or max_epochs. stop_at_bound:
 * return CAV_CONTINUE as soon as some alpha reaches C (hard-margin continuation). */
static int dcd_run(dcd *s, double C, double tol, long max_epochs, int stop_at_bound)
{
    size_t n = s->n;
    const double *y = s->y;
    double *alpha = s->alpha, *qd = s->qd;
    size_t *idx = s->idx;
    refresh_gap(s, C);
    if (s->gap <= tol) return CAV_OK;
    size_t na = n;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    double Mold = INFINITY, mold = -INFINITY, eps_pg = 0.1;
    long since = 0, wait = 10;
    for (long ep = 0; ep < max_epochs; ep++) {
        for (size_t k = na; k > 1; k--) { /* Fisher-Yates on the active variables */
            size_t j = (size_t)(cav_rng_u64(&s->rng) % k);
            size_t t = idx[k - 1];
            idx[k - 1] = idx[j];
            idx[j] = t;
        }
        double Mnew = -INFINITY, mnew = INFINITY;
        int at_bound = 0;
        long nch = 0; /* variables that moved onto or off a bound in this epoch */
        for (size_t k = 0; k < na; k++) {
            size_t i = idx[k];
            if (!(qd[i] > 0)) continue; /* a zero row: alpha_i only raises D, its G_i = -1 */
            double G = y[i] * s->ops->field(s->ops->ctx, i) - 1.0, PG = G;
            if (alpha[i] <= 0.0) {
                if (G > Mold) { /* shrink: stays at 0 */
                    idx[k--] = idx[--na];
                    idx[na] = i;
                    continue;
                }
                if (G > 0) PG = 0.0;
            } else if (alpha[i] >= C) {
                if (G < mold) { /* shrink: stays at C */
                    idx[k--] = idx[--na];
                    idx[na] = i;
                    continue;
                }
                if (G < 0) PG = 0.0;
            }
            if (PG > Mnew) Mnew = PG;
            if (PG < mnew) mnew = PG;
            if (PG == 0.0) continue;
            double a = clip(alpha[i] - G / qd[i], C), delta = a - alpha[i];
            if (delta != 0.0) {
                nch += (a <= 0.0 || a >= C) != (alpha[i] <= 0.0 || alpha[i] >= C);
                s->ops->update(s->ops->ctx, i, delta * y[i]);
                alpha[i] = a;
                s->fit->inner++;
                if (a >= C) at_bound = 1;
            }
        }
        s->fit->iterations++;
        if (stop_at_bound && at_bound) {
            refresh_gap(s, C);
            return CAV_CONTINUE;
        }
        /* check the gap and polish when the spread is small, or when at most n/500 variables
         * changed status this epoch (the sets are nearly identified; the spread can stay large
         * for thousands of epochs at large C); after a polish that did not cut the gap by 10 the
         * wait before the next status-triggered one doubles */
        since++;
        int spread_ok = !(Mnew - mnew > eps_pg); /* includes an empty active set */
        if (spread_ok && na < n) {               /* unshrink and test again on the full set */
            na = n;
            Mold = INFINITY, mold = -INFINITY;
            continue;
        }
        if (spread_ok || (since >= wait && (size_t)nch <= n / 500)) {
            refresh_gap(s, C);
            if (s->gap <= tol) return CAV_OK;
            double gap0 = s->gap;
            int st = polish(s, C);
            if (st) return st;
            if (s->gap <= tol) return CAV_OK;
            if (stop_at_bound)
                for (size_t i = 0; i < n; i++)
                    if (alpha[i] >= C) return CAV_CONTINUE;
            for (size_t i = 0; i < n; i++) /* polish reused idx */
                idx[i] = i;
            na = n;
            Mold = INFINITY, mold = -INFINITY;
            if (spread_ok) eps_pg = fmax(0.1 * eps_pg, 1e-15);
            since = 0;
            /* back off after a poor polish, but never wait longer (in epochs) than a polish
             * costs: m^3/3 + m^2 r for the set of m variables against n r per epoch
             * (r = rank_max: d for the linear operator, n for a Gram matrix). Doubling alone
             * left 5000 epochs between the last two polishes at n = 8000, d = 400, C = 100. */
            double pm = (double)s->polish_m, rk = (double)s->rank_max;
            long cap = (long)fmin(1e9, (pm * pm * pm / 3 + pm * pm * rk) / ((double)n * rk));
            wait = s->gap <= 0.1 * gap0 ? 10 : (2 * wait < cap ? 2 * wait : (cap > 10 ? cap : 10));
            continue;
        }
        Mold = Mnew > 0 ? Mnew : INFINITY;
        mold = mnew < 0 ? mnew : -INFINITY;
    }
    refresh_gap(s, C);
    return s->gap <= tol ? CAV_OK : CAV_EMAXITER;
}

/* alpha on entry: the starting dual point (0 for a cold start; a warm start is clipped into the
 * box, and for the hard margin the C-continuation starts at the first stage above max alpha). */
static int dcd_solve(const sim_dcd_ops *ops, gram_fn gram, size_t rank_max, const double *y,
                     double lambda, const cav_sim_opts *opts, double *alpha, cav_sim_fit *fit,
                     cav_err *err)
{
    cav_sim_opts o = sim_opts(opts);
    size_t n = ops->n;
    long budget = 20 * o.max_iter;
    dcd s = {0};
    s.ops = ops;
    s.gram = gram;
    s.y = y;
    s.n = n;
    s.rank_max = rank_max;
    s.alpha = alpha;
    s.fit = fit;
    s.idx = malloc(n * sizeof *s.idx);
    double *buf = malloc(4 * n * sizeof *buf);
    if (!s.idx || !buf) {
        free(s.idx), free(buf);
        return fit->status = cav_err_set(err, CAV_ENOMEM, "svm: n = %zu", n);
    }
    s.qd = buf, s.beta = buf + n, s.h = buf + 2 * n, s.save = buf + 3 * n;
    for (size_t i = 0; i < n; i++)
        s.qd[i] = ops->qdiag(ops->ctx, i);
    cav_rng_init(&s.rng, o.seed, 0x737663ULL /* "svc" */, 0);
    fit->iterations = fit->inner = 0;
    s.gap = INFINITY;
    int st;
    double amax = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(alpha[i] > 0.0)) alpha[i] = 0.0; /* also NaN */
        if (lambda > 0 && alpha[i] > 1.0 / lambda) alpha[i] = 1.0 / lambda;
        amax = fmax(amax, alpha[i]);
    }
    if (lambda > 0) {
        double C = 1.0 / lambda;
        st = dcd_run(&s, C, o.tol, budget, 0);
        double hs = 0.0;
        for (size_t i = 0; i < n; i++)
            hs += fmax(0.0, 1.0 - y[i] * s.h[i]);
        fit->objective = hs + 0.5 * lambda * s.ff;
        fit->separable = -1;
    } else {
        st = CAV_EDIVERGE;
        fit->separable = -1;
        /* A box stage ends as soon as some alpha reaches C (then C is too small: go on to
         * 100 C), or when it converges with the box inactive, which is the hard-margin solution:
         * then the box is dropped and the hard-margin gap is driven to tol. */
        double C0 = 1.0;
        while (C0 < amax && C0 * 100.0 <= o.C_max * (1 + 1e-12))
            C0 *= 100.0;
        for (double C = C0; C <= o.C_max * (1 + 1e-12); C *= 100.0) {
            for (size_t i = 0; i < n; i++) /* a warm start above the first stage's box */
                if (alpha[i] > C) alpha[i] = C;
            st = dcd_run(&s, C, o.tol, budget - fit->iterations, 1);
            if (st == CAV_CONTINUE) {
                st = CAV_EDIVERGE;
                continue;
            }
            if (st == CAV_OK) {
                fit->separable = 1;
                st = dcd_run(&s, INFINITY, o.tol, budget - fit->iterations, 0);
            }
            break;
        }
        if (st == CAV_EDIVERGE) fit->separable = 0;
        fit->objective = 0.5 * s.ff;
    }
    fit->residual = s.gap;
    fit->nsv = 0;
    for (size_t i = 0; i < n; i++)
        fit->nsv += alpha[i] > 0;
    if (st == CAV_EMAXITER)
        cav_err_set(err, st, "svm: relative duality gap %.3g > tol %.3g after %ld epochs", s.gap,
                    o.tol, fit->iterations);
    else if (st == CAV_EDIVERGE)
        cav_err_set(err, st,
                    "svm: hard margin (lambda = 0) but the data are not separable: dual "
                    "variables reach C_max = %g",
                    o.C_max);
    else if (st == CAV_ENOMEM)
        cav_err_set(err, st, "svm: out of memory forming the free-set Gram matrix (n = %zu)", n);
    free(s.idx), free(buf);
    return fit->status = st;
}

int sim_dcd_solve(const sim_dcd_ops *ops, const double *y, double lambda, const cav_sim_opts *opts,
                  double *alpha, cav_sim_fit *fit, cav_err *err)
{
    return dcd_solve(ops, gram_generic, ops->n, y, lambda, opts, alpha, fit, err);
}

/* ---- linear operator: a_i = x_i / sqrt(d), state w ---- */
typedef struct lin_ctx {
    size_t n, d;
    const double *X;
    double s;
    double *w;
} lin_ctx;

static double lin_field(void *c, size_t i)
{
    lin_ctx *k = c;
    return k->s * cav_la_dot(k->d, k->X + i * k->d, k->w);
}

static void lin_update(void *c, size_t i, double delta)
{
    lin_ctx *k = c;
    cblas_daxpy((blasint)k->d, delta * k->s, k->X + i * k->d, 1, k->w, 1);
}

static double lin_qdiag(void *c, size_t i)
{
    lin_ctx *k = c;
    const double *x = k->X + i * k->d;
    return k->s * k->s * cav_la_dot(k->d, x, x);
}

static double lin_refresh(void *c, const double *beta, double *h)
{
    lin_ctx *k = c;
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)k->n, (blasint)k->d, k->s, k->X, (blasint)k->d,
                beta, 1, 0.0, k->w, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)k->n, (blasint)k->d, k->s, k->X,
                (blasint)k->d, k->w, 1, 0.0, h, 1);
    return cav_la_dot(k->d, k->w, k->w);
}

/* Q_FF = B B^T with the gathered rows B_a = y_ia x_ia / sqrt(d): one dsyrk (lower triangle). */
static int lin_gram(const sim_dcd_ops *ops, const double *y, const size_t *idx, size_t m, double *Q)
{
    lin_ctx *k = ops->ctx;
    size_t d = k->d;
    double *B = malloc(m * d * sizeof *B);
    if (!B) return CAV_ENOMEM;
    for (size_t a = 0; a < m; a++) {
        const double *x = k->X + idx[a] * d;
        double c = y[idx[a]] * k->s;
        for (size_t j = 0; j < d; j++)
            B[a * d + j] = c * x[j];
    }
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (blasint)m, (blasint)d, 1.0, B, (blasint)d,
                0.0, Q, (blasint)m);
    free(B);
    return CAV_OK;
}

static int svm(size_t n, size_t d, const double *X, const double *y, double lambda,
               const cav_sim_opts *opts, int warm, double *w, double *alpha, cav_sim_fit *fit,
               cav_err *err)
{
    cav_sim_fit dummy;
    if (!fit) fit = &dummy;
    memset(fit, 0, sizeof *fit);
    fit->objective = fit->residual = NAN;
    if (n == 0 || d == 0 || !X || !y || !w)
        return fit->status = cav_err_set(err, CAV_EINVAL,
                                         "cav_sim_svm: n = %zu, d = %zu, X, y, w non-NULL", n, d);
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return fit->status = cav_err_set(err, CAV_EINVAL, "cav_sim_svm: lambda = %g < 0", lambda);
    if (warm && !alpha)
        return fit->status = cav_err_set(err, CAV_EINVAL, "cav_sim_svm_warm: alpha is NULL");
    double *al = alpha ? alpha : malloc(n * sizeof *al);
    if (!al) return fit->status = cav_err_set(err, CAV_ENOMEM, "cav_sim_svm: n = %zu", n);
    if (!warm) memset(al, 0, n * sizeof *al);
    memset(w, 0, d * sizeof *w); /* the first exact refresh forms w from alpha */
    lin_ctx k = {n, d, X, 1.0 / sqrt((double)d), w};
    sim_dcd_ops ops = {&k, n, lin_field, lin_update, lin_qdiag, lin_refresh};
    int st = dcd_solve(&ops, lin_gram, d, y, lambda, opts, al, fit, err);
    if (!alpha) free(al);
    return st;
}

int cav_sim_svm(size_t n, size_t d, const double *X, const double *y, double lambda,
                const cav_sim_opts *opts, double *w, double *alpha, cav_sim_fit *fit, cav_err *err)
{
    return svm(n, d, X, y, lambda, opts, 0, w, alpha, fit, err);
}

int cav_sim_svm_warm(size_t n, size_t d, const double *X, const double *y, double lambda,
                     const cav_sim_opts *opts, double *w, double *alpha, cav_sim_fit *fit,
                     cav_err *err)
{
    return svm(n, d, X, y, lambda, opts, 1, w, alpha, fit, err);
}
