/* theory/mi/mi_post.h — private pieces of the posterior of a multi-index channel shared by
 * mi_post.c (set-up, batches of fibre points, the streaming moments, plain rules, adaptive
 * cubature, the public entry points) and mi_post_gh.c (the mode-adapted Gauss-Hermite rule).
 * Not public: the layout of cav_mi_inner may change. */
#ifndef CAVITY_THEORY_MI_POST_H
#define CAVITY_THEORY_MI_POST_H

#include "theory/mi/mi_internal.h"

#define CH 128 /* fibre points per batch */
#define NMOM (1 + CAV_MI_MAXPM + CAV_MI_MAXPM * (CAV_MI_MAXPM + 1) / 2)

struct cav_mi_inner {
    cav_mi_channel ch;
    cav_mi_layout lay;
    cav_mi_inner_opts o;
    int method, P, M, n, k, nd;
    int isF[CAV_MI_MAXPM], idD[CAV_MI_MAXPM];
    /* tensor Gauss-Hermite rules: nodes (N x k) and log-weights (N) */
    long ngh, ngh2;
    double *gh_x, *gh_w, *gh2_x, *gh2_w;
    /* MC draws (mc_n x k) */
    double *mc_x;
    /* per-evaluation state */
    const double *s;
    double om[CAV_MI_MAXPM];
    double LF[CAV_MI_MAXPM * CAV_MI_MAXPM], K[CAV_MI_MAXPM * CAV_MI_MAXPM];
    double LS[CAV_MI_MAXPM * CAV_MI_MAXPM], lnorm; /* chol S, -(logdet S + nd log 2pi)/2 */
    double ref;                                    /* reference log-weight (adaptive) */
    long nodes;
    int bad;
    /* batch buffers; per-branch copies for the rules (nbranch x CH and nbranch x CH x n) */
    double u[CH * CAV_MI_MAXPM], zd[CH * CAV_MI_MAXPM], lw[CH], Zf[CH * CAV_MI_MAXPM];
    double *lwb, *Zb;
    double *plw;       /* pass-1 log targets of one branch (ngh) */
    double *plw0, *pZ; /* pass-1 log-weights and fibre points (ngh, ngh x n): the
                          prior component of the mixture reuses them */
    /* the rules of the mixture components (n - n/3 nodes per coordinate, for the main and the
     * check rule): a Laplace-centred component needs fewer nodes than the prior's rule */
    long ngm, ngm2;
    double *gm_x, *gm_w, *gm2_x, *gm2_w;
    double ess_rule, ess_rule2; /* effective node counts of the two GH rules: 1/sum w^2 */
};

/* Streaming weighted moments with a running log-scale. One point of a rule contributes all its
 * branches: weights e_b = exp(lw_b + lwt - ref), centred values D_b = Z_b - omega. For the
 * Monte-Carlo error the per-point totals W = sum_b e_b and Y = sum_b e_b D_b are squared
 * (q0 = sum W^2, q1 = sum W Y, q2 = sum Y^2). */
typedef struct mi_acc {
    double ref, s0, s1[CAV_MI_MAXPM], s2[CAV_MI_MAXPM * CAV_MI_MAXPM];
    double q0, q1[CAV_MI_MAXPM], q2[CAV_MI_MAXPM];
} mi_acc;

/* Evaluate cnt points xi (cnt x k) of branch b: fills w->lw[cnt] and w->Zf (cnt x n, full Z). */
void mi_post_batch(cav_mi_inner *w, int b, int cnt, const double *xi);
void mi_acc_init(mi_acc *A);
/* lw[b*stride], Z[(b*stride)*n]: the nb branches of one point, lwt its rule log-weight. */
void mi_acc_point(mi_acc *A, int n, const double *om, int nb, const double *lw, const double *Z,
                  size_t stride, double lwt);
/* Posterior from the accumulated sums; CAV_ENUMERIC when the total weight vanished. */
int mi_acc_finish(const mi_acc *A, int n, const double *om, cav_mi_post *out);
/* N points x (N x k) with log-weights lwt (NULL: equal weights, Monte Carlo with its error). */
int mi_post_rule(cav_mi_inner *w, long N, const double *x, const double *lwt, int mc,
                 cav_mi_post *out);
/* Tensor Gauss-Hermite (x, lwt, N points, n1 per coordinate) with the mode-adapted re-run of
 * unresolved branches, whose Laplace components use the rule (xm, lwm, Nm) (mi_post_gh.c). */
int mi_post_gh(cav_mi_inner *w, long N, const double *x, const double *lwt, int n1, double ess_rule,
               long Nm, const double *xm, const double *lwm, cav_mi_post *out);

#endif
