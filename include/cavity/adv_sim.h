/* cavity/adv_sim.h — finite-size simulation of consistent adversarial attacks on linear
 * classifiers (docs/adversarial.md; Vilucchio, Zdeborová, Loureiro, arXiv:2506.12454, 2025):
 * data generators (direct and latent "Hastie" model), adversarial-training ERM, the consistent
 * (label-preserving) attack oracle, and the per-fit metrics and experiment driver.
 *
 * Models (n = round(alpha d) training points, labels without noise):
 *   direct:  x ~ N(0, I_d), theta* ~ N(0, I_d) (rho = |theta*|^2/d ~ 1), y = sign(theta*.x/sqrt d);
 *            student field h = w.x/sqrt(d); an attack delta acts on x.
 *   latent:  z ~ N(0, I_d), y = sign(theta*.z/sqrt d), features x = F z + u in R^p, u ~ N(0, I_p),
 *            p = floor(d/gamma) (as the authors' data_generation_hastie: p = int(d/gamma)),
 *            F (p x d) = sqrt(p/d) [I_d; 0] when p >= d (the latent in the first d features,
 *            scaled so the signal part of each feature block has the variance p/d of the whole),
 *            F = [I_p, 0] when p < d (the first p latent coordinates, unscaled);
 *            student field h = w.x/sqrt(p); an attack delta acts on z and moves x by F delta,
 *            hence h by v.delta with the effective weight v = F^T w / sqrt(p) (in R^d).
 *   In both models the test attack acts in the d-dimensional input of the teacher, with budgets
 *       l_2:   ||delta||_2 <= eps,          l_inf:  ||delta||_inf <= eps / sqrt(d),
 *   so that for x ~ N(0, I_d) both are O(1) perturbations of a field.
 *
 * Closed-form inner maximisation (linear model, margin y h): over ||delta||_s <= b the smallest
 * reachable margin is y h - b ||v||_{s*} (Hoelder, attained at delta = -y b d||v||_{s*}/dv).
 *   direct, l_2:  y h - eps ||w||_2 / sqrt(d)              = y h - eps sqrt(q),
 *   direct, l_inf: y h - (eps/sqrt d) ||w||_1 / sqrt(d)    = y h - eps ||w||_1 / d = y h - eps P,
 *   latent, l_2:  y h - eps ||F^T w||_2 / sqrt(p),
 *   latent, l_inf: y h - eps ||F^T w||_1 / sqrt(p d).
 * Call N(w) = ||v||_{s*} / (1 for l_2, sqrt(d) for l_inf) this "dual-norm term": the robust
 * margin is y h - eps N(w). Adversarial training minimises
 *     J(w) = sum_mu ltilde(y_mu, h_mu, eps_t N_t(w)) + lambda R(w),
 * R = ||w||_2^2/2 (reg_norm 2) or ||w||_1 (reg_norm 1), with the robust losses
 *     logistic / hinge (margin losses phi(y h), phi convex non-increasing):  phi(y h - r),
 *     square (y - h)^2/2:  max_{|e| <= r} (y - h - e)^2/2 = (|y - h| + r)^2/2,
 * r = eps_t N_t(w). J is convex (phi non-increasing convex of a concave argument; for the square
 * loss (|e| + r)^2/2 is convex increasing in the convex |e| + r >= 0). eps_t = 0 is plain ERM.
 *
 * Consistent attacks (the test): a perturbation is consistent if theta*.delta = 0 (it does not
 * change the teacher's label). The smallest consistent perturbation that moves the field h to the
 * boundary solves min ||delta||_s s.t. v.delta = -h, theta*.delta = 0; by LP/conic duality its
 * size is |h| / min_t ||v - t theta*||_{s*}, so an attack within the budget exists iff
 *     eps D >= |h|,   D = min_t ||v - t theta*||_{s*} / (1 for l_2, sqrt(d) for l_inf),
 * the consistent dual-norm term (D <= N: t = 0). l_2: D = ||P_perp v||_2 (projection orthogonal
 * to theta*); l_inf: D = min_t sum_i |v_i - t theta*_i| / sqrt(d), a weighted median of
 * v_i / theta*_i with weights |theta*_i|. Metrics (test points (x, y) fresh from the model):
 *     egen       = P(y h <= 0)                          (h = 0 counts as an error),
 *     erob       = P(y h <= eps N)                      (misclassified or attackable),
 *     erob_cns   = P(y h <= eps D)                      (misclassified or consistently
 * attackable), ebnd_cns   = P(0 < y h <= eps D) = erob_cns - egen, attackable = P(|h| <= eps D)
 * (a consistent perturbation within the budget moves the point to, or across, the decision
 * boundary, whatever the current prediction). Hence erob_cns = egen + ebnd_cns <= erob.
 *
 * Randomness: streams keyed by hashed names (see cav_adv_experiment); results are independent of
 * the thread count. Ownership: caller-allocated arrays, borrowed. Errors: int status from
 * cavity/status.h, message on err (may be NULL). Reentrant; nothing prints.
 */
#ifndef CAVITY_ADV_SIM_H
#define CAVITY_ADV_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/loss.h"
#include "cavity/sim.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attack norm codes: 2 for l_2, 0 for l_inf (CAV_ADV_LINF). */
#define CAV_ADV_L2 2
#define CAV_ADV_LINF 0

/* ------------------------------------------------------------------------------------------ */
/* Data (src/sim/adv/adv_data.c) */
/* ------------------------------------------------------------------------------------------ */

/* Number of features of the latent model: p = floor(d / gamma) (at least 1). */
size_t cav_adv_latent_p(size_t d, double gamma);

/* Scale c of the latent embedding: F = c [I; 0] with c = sqrt(p/d) if p >= d, 1 otherwise.
 * k = min(p, d) latent coordinates are embedded (F_{ii} = c for i < k). */
double cav_adv_latent_scale(size_t d, size_t p);

/* One data set. latent = 0: p is ignored (taken = d), X (n x d) rows x ~ N(0, I_d), Z may be
 * NULL (else it receives a copy of X). latent = 1: Z (n x d, may be NULL only if not needed by
 * the caller: it is used internally) the latents, X (n x p) the features x = F z + u.
 * y = sign(theta.z / sqrt d) (sign(0) = +1); nu (may be NULL) = theta.z / sqrt d.
 * Streams: latents (seed, stream), feature noise (seed, stream ^ CAV_ADV_NOISE_STREAM). */
#define CAV_ADV_NOISE_STREAM 0x6e6f697365ULL /* "noise" */
int cav_adv_data(uint64_t seed, uint64_t stream, int latent, size_t n, size_t d, size_t p,
                 const double *theta, double *X, double *Z, double *nu, double *y, cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Dual-norm term of an attack (src/sim/adv/adv_erm.c) */
/* ------------------------------------------------------------------------------------------ */

/* The attack as it acts on a weight vector w of length p (the design's column count):
 * N(w) = scale * ||w[0:k]||_{s*}, s* = 2 for norm CAV_ADV_L2, 1 for CAV_ADV_LINF.
 * cav_adv_attack_make fills it for a model: direct (p = d): k = d, scale 1/sqrt(d) (l_2) or
 * 1/d (l_inf); latent on z: k = min(p, d), scale c/sqrt(p) (l_2) or c/sqrt(p d) (l_inf), c the
 * embedding scale; latent_on_features = 1 (an attack on x in R^p with the p-dim budgets
 * ||delta||_2 <= eps, ||delta||_inf <= eps/sqrt(p)): k = p, scale 1/sqrt(p) or 1/p. */
typedef struct cav_adv_attack {
    int norm;     /* CAV_ADV_L2 or CAV_ADV_LINF */
    double eps;   /* budget size >= 0 */
    size_t k;     /* N acts on w[0:k] */
    double scale; /* N(w) = scale ||w[0:k]||_{s*} */
} cav_adv_attack;

int cav_adv_attack_make(int latent, int latent_on_features, int norm, double eps, size_t d,
                        size_t p, cav_adv_attack *a, cav_err *err);

/* N(w) for the attack (eps not included). */
double cav_adv_dual_norm(const cav_adv_attack *a, const double *w);

/* ------------------------------------------------------------------------------------------ */
/* Adversarial-training ERM (src/sim/adv/adv_erm.c) */
/* ------------------------------------------------------------------------------------------ */

/* Minimise J(w) = sum_mu ltilde(y_mu, x_mu.w/sqrt(p), atk->eps N(w)) + lambda R(w) over w in R^p
 * (X: n x p row-major; see the top of this header for ltilde). reg_norm 2: R = ||w||^2/2,
 * reg_norm 1: R = ||w||_1. lambda > 0 (reg_norm 2 with atk->eps = 0 also accepts what the plain
 * solver accepts). atk may be NULL (no attack). Solvers and criteria:
 *   - atk->eps = 0 and reg_norm 2: the plain solver cav_sim_erm (same w, same criterion);
 *   - logistic / square with l_2 attack and reg_norm 2 (smooth away from w[0:k] = 0):
 *     Newton-CG from the plain ERM solution; criterion ||grad J|| <= tol ||grad J_0(0)||, J_0 the
 *     plain (eps = 0) objective (the reference of the plain solvers). If w = 0 satisfies the
 *     subgradient condition (direct model: ||sum phi'(0) y a_mu|| <= n |phi'(0)| eps scale),
 *     w = 0 is returned exactly;
 *   - l_inf attack and/or reg_norm 1 (||w||_1 non-smooth): the split w = a - b, a, b >= 0,
 *     ||w||_1 -> sum (a + b) (exact at the optimum, where min(a_i, b_i) = 0, because J decreases
 *     when a_i and b_i drop together), a smooth bound-constrained problem in 2p variables solved
 *     by a projected Newton-CG method (Bertsekas 1982: Newton on the free variables, scaled
 *     gradient on the active ones, projected Armijo search). Criterion: the projected-gradient
 *     residual ||z - P(z - grad f(z))|| <= tol ||grad J_0(0)||, the KKT condition of the split
 *     problem, equivalent to the subgradient condition of J at w = a - b.
 *   - hinge with an attack (either norm), reg_norm 2: exact. A continuation in the width of a
 *     Huber-smoothed hinge (widths 1, 1e-1, ..., the projected Newton above) locates the
 *     solution; from each smoothed minimiser's multipliers a semismooth Newton on the margin set
 *     {mu : y_mu h_mu - eps N(w) = 1} with active-set updates (src/sim/adv/adv_hinge.c) solves the
 *     exact KKT system. Criterion: the relative duality gap (J(w) - D(alpha)) / J(w) <= tol,
 *     D(alpha) = sum alpha - lambda |w(alpha)|^2/2 the Lagrange dual (alpha in [0, 1]^n the hinge
 *     multipliers, w(alpha) the proximal minimiser of the Lagrangian; adv_hinge.c), a bound on
 *     the relative suboptimality of the returned w = w(alpha). With the default tol 1e-8 the gap
 *     reached is typically 1e-15 - 1e-12 (rounding). Hinge with reg_norm 1 and eps_t > 0:
 *     CAV_EUNSUP;
 *   - square loss with an attack (either norm), reg_norm 2: exact. (|y - h| + r)^2/2 has a kink
 *     at every interpolated point h = y (an l_1 term r|y - h| on the residuals). A continuation
 *     in a Huber width (dense damped Newton, O(n p^2) per step) locates the solution; then an
 *     equality-constrained Newton on the interpolation set I (h_mu = y_mu) and, for l_inf, the
 *     zero set of w, with active-set rounds (src/sim/adv/adv_square.c). Criterion: the relative
 *     duality gap (J(w) - D) / J(w) <= tol, D from (|e| + r)^2/2 = max_{beta >= 0, |gamma| <=
 *     beta} gamma e + beta r - beta^2/2 (adv_square.c); typically 1e-16 - 1e-12. Cost: 0.1-4 s at
 *     d = 200-500, ~20 s at d = n = 1000 (dense Hessians). Known limit:
 *     l_inf attack with p > n and small lambda (e.g. d = 500, n = 250, lambda <= 1e-3) may stop
 *     at CAV_EMAXITER with the gap reached (the smoothed Newton crawls at small widths). Square
 *     with reg_norm 1 and eps_t > 0: CAV_EUNSUP.
 * fit->residual is the achieved criterion (hinge and square: the relative duality gap),
 * fit->objective J(w). Returns CAV_OK, CAV_EMAXITER
 * (w the last iterate), or an error. */
int cav_adv_erm(const cav_loss *loss, size_t n, size_t p, const double *X, const double *y,
                double lambda, int reg_norm, const cav_adv_attack *atk, const cav_sim_opts *opts,
                double *w, cav_sim_fit *fit, cav_err *err);

/* J(w) as above (for tests and diagnostics). */
double cav_adv_objective(const cav_loss *loss, size_t n, size_t p, const double *X, const double *y,
                         double lambda, int reg_norm, const cav_adv_attack *atk, const double *w);

/* ------------------------------------------------------------------------------------------ */
/* Consistent-attack oracle (src/sim/adv/adv_attack.c) */
/* ------------------------------------------------------------------------------------------ */

/* Consistent dual-norm term D = min_t ||v - t theta||_{s*} / (1 for l_2, sqrt(d) for l_inf) of an
 * effective weight v in R^d (direct: v = w/sqrt(d); latent: v = F^T w/sqrt(p)). *tstar (may be
 * NULL) receives a minimiser t (l_2: v.theta/|theta|^2; l_inf: the weighted median of
 * v_i/theta_i with weights |theta_i|, O(d log d)). theta = 0 gives t = 0. */
double cav_adv_consistent_norm(size_t d, const double *v, const double *theta, int norm,
                               double *tstar);

/* The minimal consistent perturbation of a point with field h: delta (length d) with
 * theta.delta = 0 and v.delta = -h, of smallest size in the test norm; *eps_min receives its size
 * in budget units (l_2: ||delta||_2; l_inf: sqrt(d) ||delta||_inf), which equals |h| / D. An
 * attack within budget eps exists iff eps_min <= eps; any c delta with c > 1 flips the
 * prediction strictly. D = 0 (v parallel to theta) and h != 0: no consistent attack,
 * *eps_min = +inf, delta = 0, returns CAV_OK. l_2: delta = -h P_perp v / |P_perp v|^2.
 * l_inf: with t the weighted median and r = v - t theta, delta_i = -sign(h) c sign(r_i) off the
 * median set M = {i : v_i/theta_i = t}, and on M delta_i = sign(h) c (S/T) sign(theta_i), with
 * S = sum_{i notin M} theta_i sign(r_i), T = sum_{i in M} |theta_i| >= |S| (the optimality of
 * t), c = |h| / ||r||_1: then theta.delta = 0, |delta_i| <= c, v.delta = -h exactly. */
int cav_adv_consistent_attack(size_t d, const double *v, const double *theta, double h, int norm,
                              double *delta, double *eps_min, cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Metrics and the experiment (src/sim/adv/adv_experiment.c) */
/* ------------------------------------------------------------------------------------------ */

typedef struct cav_adv_config {
    int latent;       /* 0 direct, 1 latent (Hastie) model */
    double alpha;     /* n = round(alpha d) */
    double gamma;     /* latent: d/p (p = floor(d/gamma)); ignored for the direct model */
    double eps_train; /* training attack size eps_t >= 0 */
    double eps;       /* test attack size >= 0 */
    int attack_norm;  /* test attack: 2, or 0 meaning inf */
    int train_norm;   /* training attack: same convention */
    cav_loss loss;    /* logistic (main), square, hinge */
    double lambda;    /* > 0 */
    int reg_norm;     /* 2 or 1 */
    size_t d;
    uint64_t seed;
    size_t n_test; /* fresh test points (0: 10000) */
    cav_sim_opts opts;
    /* Added fields. */
    int train_on_features; /* latent: 1 = the training attack acts on the features x in R^p
                              (budgets in p: ||delta||_2 <= eps_t, ||delta||_inf <= eps_t/sqrt p,
                              so N = ||w||_2/sqrt(p) or ||w||_1/p), the attack of the paper's
                              latent-model figures; 0 (default) = on z like the test attack.
                              Ignored by the direct model (one space); 0 or 1 */
} cav_adv_config;

/* Defaults: direct, alpha 1, gamma 1, eps_train 0, eps 0.1, attack_norm 2, train_norm 2,
 * logistic loss, lambda 1e-3, reg_norm 2, d 200, seed 0, n_test 0 (10000), default opts,
 * train_on_features 0. */
void cav_adv_config_default(cav_adv_config *c);

typedef struct cav_adv_result {
    int status; /* CAV_OK, the solver's non-convergence status (CAV_EMAXITER), or an error */
    double egen, erob, erob_cns, ebnd_cns, attackable; /* on n_test fresh points, see above */
    /* Order parameters. direct: m = w.theta/d, q = |w|^2/d, P = ||w||_1/d.
     * latent (as the authors): m = theta.F^T w / sqrt(p d) = Cov(nu, h),
     * q = (|F^T w|^2 + |w|^2)/p = Var(h), P = ||w||_1/p. In both, Var nu = rho. */
    double m, q, P;
    double residual; /* the solver's achieved criterion */
    long iterations;
    char msg[CAV_ERR_MSG_LEN];
    /* Added fields. */
    double rho;              /* |theta|^2 / d */
    double N, D;             /* test-attack dual-norm term N(w) and consistent term D(w) */
    double egen_pop;         /* arccos(m / sqrt(rho q)) / pi: the exact population clean error */
    double q_latent, q_feat; /* latent: |F^T w|^2/d and |w|^2/p (direct: q, q) */
    double objective;        /* J(w) */
    size_t n, p, n_test;
} cav_adv_result;

/* Metrics of a fitted w (length p) on nt test points (Xt: nt x p features, yt labels) for the
 * model (latent, d, p) and teacher theta; fills egen, erob, erob_cns, ebnd_cns, attackable, N, D,
 * and the order parameters. */
int cav_adv_metrics(int latent, size_t d, size_t p, const double *theta, const double *w,
                    int attack_norm, double eps, size_t nt, const double *Xt, const double *yt,
                    cav_adv_result *r, cav_err *err);

/* One experiment: teacher theta ~ N(0, I_d) from stream (seed, hash("adv/teacher")), n training
 * points from (seed, hash("adv/train")), adversarial ERM, n_test test points from
 * (seed, hash("adv/test")). Parameter errors name the parameter. Returns r->status. */
int cav_adv_experiment(const cav_adv_config *c, cav_adv_result *r);

#ifdef __cplusplus
}
#endif
#endif
