/* cavity/adversarial.h — exact asymptotics of (adversarially) trained linear classifiers and of
 * their consistent (label-preserving) adversarial errors.
 *
 * Vilucchio, Zdeborová, Loureiro, "On the existence of consistent adversarial attacks in
 * high-dimensional linear classification", arXiv:2506.12454 (2025); docs/adversarial.md. The state
 * evolution here is derived independently (file comments of src/theory/adv/adv.c) on top of the ERM
 * replica engine (erm.h): the adversarial problem is a plain ERM with a margin-shifted loss and an
 * extra, self-consistent penalty.
 *
 * Models and conventions (fields are O(1); budgets scaled so that eps is O(1) on that scale):
 *  DIRECT  x ~ N(0, I_d), teacher theta ~ N(0, I_d), nu = theta.x/sqrt(d), y = sign(nu),
 *          n = alpha d, student field lam = w.x/sqrt(d).
 *  LATENT  z ~ N(0, I_d), theta ~ N(0, I_d), nu = theta.z/sqrt(d), y = sign(nu); features
 *          x = F z + u in R^p, u ~ N(0, I_p), gamma = d/p, F_{ij} = s 1{i = j} (the latent
 *          occupies the first min(p, d) feature coordinates), s = sqrt(p/d) when p >= d and s = 1
 *          when p < d (then latent coordinates p+1..d are not seen). n = alpha d samples, student
 *          field lam = w.x/sqrt(p). Attacks act on z (x + F delta). Over-parameterisation
 *          p/n = 1/(gamma alpha).
 *          The latent direction of the student is v = sqrt(d/p) F^T w in R^d, so that the latent
 *          part of the field is v.z/sqrt(d): v_j = w_j (p >= d, j <= d), v_j = sqrt(d/p) w_j
 *          (p < d, j <= p; 0 beyond).
 *  Training: w = argmin sum_mu max_{||delta_mu||_s <= eps_t} l(y_mu, lam_mu(x_mu + delta_mu))
 *          + lambda R(w), budgets ||delta||_2 <= eps_t or ||delta||_inf <= eps_t/sqrt(d). The inner
 *          max reduces the margin by eps_t N(w): l(y, lam - y eps_t N) with
 *          N = ||v||_2/sqrt(d) = sqrt(q_z) (l_2 attack) or N = ||v||_1/d = P (l_inf attack)
 *          (DIRECT: v = w). This margin-reduction form is used for the margin losses (hinge,
 *          logistic); the square loss uses its exact inner max (|y - lam| + eps_t N)^2/2. R(w) =
 * ||w||^2/2 (reg_norm 2) or ||w||_1 (reg_norm 1).
 *          LATENT, train_space = CAV_ADV_SPACE_FEATURES: the training attack acts on the features
 *          x in R^p instead, with budgets ||delta||_2 <= eps_t or ||delta||_inf <= eps_t/sqrt(p):
 *          N = ||w||_2/sqrt(p) = sqrt(q_w) (l_2) or N = ||w||_1/p = P (l_inf). The test attack
 *          always acts on z.
 *
 * Order parameters (returned; simulations must report the same quantities):
 *   m   = Cov(lam, nu): DIRECT w.theta/d, LATENT v.theta/d;
 *   q   = E lam^2:      DIRECT |w|^2/d,   LATENT q_z + q_w = |v|^2/d + |w|^2/p;
 *   V   the response (chi) of the field (replica V);
 *   P   = ||w||_1/p (DIRECT ||w||_1/d), the l_1 norm per feature (as adv_sim.h reports it);
 *   P_z = ||v||_1/d (DIRECT = P), the l_1 order parameter that an l_inf attack on z sees;
 *   q_z = |v|^2/d (DIRECT = q), q_w = |w|^2/p (LATENT; DIRECT = q).
 * (adv_sim.h's effective weight is v/sqrt(d) and its q_latent = |F^T w|^2/d = q_z/gamma.)
 *
 * Metrics at a test attack of size eps in norm attack_norm (independent of training), with
 * y = sign(nu) and (nu, lam) jointly Gaussian (1, m; m, q):
 *   N_rob = sqrt(q_z) (l_2) or P_z (l_inf): largest field change an attack of size 1 makes;
 *   N_cns = min_t ||v - t theta||_{s*} (scaled), the same under theta.delta = 0:
 *           l_2: sqrt(q_z - m^2); l_inf: min_t E|v_j - t theta_j| (a prior-side expectation);
 *   egen       = P(y lam < 0) = arccos(m/sqrt(q))/pi;
 *   erob       = P(y lam < eps N_rob);
 *   erob_cns   = P(y lam < eps N_cns);
 *   ebnd_cns   = P(0 < y lam < eps N_cns)  (so erob_cns = egen + ebnd_cns <= erob);
 *   attackable = P(|lam| <= eps N_cns): points whose prediction a consistent attack can flip.
 * All errors are fractions of test points.
 */
#ifndef CAVITY_ADVERSARIAL_H
#define CAVITY_ADVERSARIAL_H

#include "cavity/fixpt.h"
#include "cavity/loss.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attack norms (the same codes as the simulation driver adv_sim.h: 2, or 0 for l_inf). */
#ifndef CAV_ADV_L2
#define CAV_ADV_L2 2
#endif
#ifndef CAV_ADV_LINF
#define CAV_ADV_LINF 0
#endif

/* Where the training attack of the latent model acts (cav_adv_problem.train_space). */
#define CAV_ADV_SPACE_LATENT 0   /* on z, like the test attack */
#define CAV_ADV_SPACE_FEATURES 1 /* on the features x the classifier sees */

/* Length of the warm-start vector: (m, q, V) and the l_2 and l_1 order parameters of the space of
 * the training attack, (q_z, P_z) or, for a feature-space training attack, (q_w, P). */
#define CAV_ADV_NWARM 5

typedef struct cav_adv_problem {
    int latent;       /* 0: direct model, 1: latent model */
    double alpha;     /* n/d > 0 */
    double gamma;     /* latent: d/p > 0 (ignored for the direct model) */
    double eps_train; /* training attack size >= 0 */
    int train_norm;   /* CAV_ADV_L2 or CAV_ADV_LINF */
    cav_loss loss;    /* square, hinge or logistic */
    double lambda;    /* penalty strength > 0 */
    int reg_norm;     /* 2 (ridge) or 1 (lasso) */
    double eps;       /* test attack size >= 0 */
    int attack_norm;  /* CAV_ADV_L2 or CAV_ADV_LINF */
    int train_space;  /* CAV_ADV_SPACE_LATENT (0) or CAV_ADV_SPACE_FEATURES; latent model only
                         (the direct model has one space) */
} cav_adv_problem;

/* Direct model, logistic-free default: loss as given, alpha = 1, gamma = 1, eps_train = 0, l_2
 * attacks, lambda = 1e-2, ridge, eps = 0.5, training attack on z (CAV_ADV_SPACE_LATENT). */
cav_adv_problem cav_adv_problem_default(const cav_loss *loss);

typedef struct cav_adv_solution {
    int status;      /* CAV_OK, or the failing status (last iterate kept) */
    double residual; /* fixed-point residual */
    long iterations;
    double m, q, V, P, P_z, q_z, q_w; /* order parameters (see the file comment) */
    double mhat, qhat, Vhat;          /* channel conjugates (per feature: a = n/p samples) */
    double Phat;  /* alpha eps_t E[y f] (square: E[|y - h*| + r]): adversarial penalty strength */
    double shift; /* eps_t N(w) at the fixed point (margin reduction; square: radius r) */
    double n_rob, n_cns;                               /* N_rob, N_cns of the test attack norm */
    double egen, erob, erob_cns, ebnd_cns, attackable; /* metrics at (eps, attack_norm) */
    char msg[CAV_ERR_MSG_LEN];
    double warm[CAV_ADV_NWARM]; /* the solved unknowns (see CAV_ADV_NWARM), for cav_adv_warm */
} cav_adv_solution;

/* Validate before any work: CAV_OK or CAV_EINVAL naming the parameter (alpha > 0, gamma > 0 for
 * the latent model, eps_train >= 0, eps >= 0, attack norms 2 or 0 (inf), train_space 0 or 1,
 * reg_norm 1 or 2, lambda > 0, a square, hinge or logistic loss). The square loss with eps_train >
 * 0 is trained on its exact inner maximum (|y - h| + eps_t N)^2/2 (cav_loss_square_robust). err may
 * be NULL. */
int cav_adv_check(const cav_adv_problem *p, cav_err *err);

/* Solve the state evolution (fixed point with Anderson acceleration; opts may be NULL) and
 * evaluate the metrics. warm: NULL or CAV_ADV_NWARM values from cav_adv_warm at a neighbouring
 * problem. Returns out->status. */
int cav_adv_solve(const cav_adv_problem *p, const double *warm, const cav_fixpt_opts *opts,
                  cav_adv_solution *out);

/* Export a solution as a warm start (x[CAV_ADV_NWARM]). */
void cav_adv_warm(const cav_adv_solution *s, double *x);

/* Metrics from the joint law of (nu, lam) and the attack thresholds: m, q as above, a = eps N
 * (N = N_rob for erob, N_cns for the consistent ones). out[5] = egen, erob, erob_cns, ebnd_cns,
 * attackable. */
void cav_adv_theory_metrics(double m, double q, double eps, double n_rob, double n_cns,
                            double out[5]);

/* Minimise one metric over lambda (log-scale Brent on [lo, hi], 0 < lo < hi): which = 0 egen,
 * 1 erob, 2 erob_cns. p->lambda is ignored; out holds the solution at the optimum and *lambda_opt
 * the minimiser. Returns out->status. */
int cav_adv_solve_optlambda(const cav_adv_problem *p, int which, double lo, double hi,
                            const cav_fixpt_opts *opts, double *lambda_opt, cav_adv_solution *out);

#ifdef __cplusplus
}
#endif
#endif
