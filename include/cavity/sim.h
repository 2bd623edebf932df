/* cavity/sim.h — finite-size simulation of teacher-student GLM learning: data generators, ERM
 * solvers (linear, kernel, random features), metrics and the Rules-and-Facts experiment driver.
 *
 * This is the "simulation" half of cavity for generalised linear models: the exact finite-d
 * experiment that the replica equations of src/theory describe (see docs/raf.md and
 * Farné, Boncoraglio, Zdeborová, arXiv:2603.25579, for the Rules-and-Facts model).
 *
 * Conventions (they must match the theory):
 *   - inputs x_mu ~ N(0, I_d), stored as the rows of a row-major n x d matrix X;
 *   - teacher field nu_mu = w*.x_mu / sqrt(d), student pre-activation h_mu = w.x_mu / sqrt(d)
 *     where d is the number of columns of the design matrix (for random features the design is
 *     the p-column feature matrix Z and the scale is 1/sqrt(p));
 *   - ERM objective  J(w) = sum_mu l(y_mu, w.x_mu/sqrt(d)) + (lambda/2) ||w||^2,
 *     lambda = 0 meaning the lambda -> 0+ limit (min-norm interpolator for square loss when n < d,
 *     max-margin classifier for the hinge loss on separable data);
 *   - kernel learners minimise sum_mu l(y_mu, f(x_mu)) + (lambda/2) ||f||_H^2 over the RKHS; by the
 *     representer theorem f = sum_i a_i k(x_i, .) and ||f||_H^2 = a^T K a.
 *
 * Randomness: every random quantity comes from cav_rng streams keyed by (seed, stream, substream);
 * the generators give bit-identical output for any number of threads. The logistic / L-BFGS
 * solvers (their matrix-vector products are cavity's fixed-order kernels) give the same bits for
 * any number of OpenMP threads; the others agree to the last few bits (OpenBLAS routines,
 * including the dgemv of the teacher field nu, may order sums by the BLAS thread count; the
 * runner pins BLAS to one thread).
 *
 * Ownership: all arrays are allocated by the caller and borrowed; functions allocate internal
 * workspace only, and free it before returning. Errors: an int status from cavity/status.h with
 * the message on `err` (which may be NULL).
 */
#ifndef CAVITY_SIM_H
#define CAVITY_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/activation.h"
#include "cavity/channel.h"
#include "cavity/loss.h"
#include "cavity/prior.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Data generators (src/sim/data.c)                                                            */
/* ------------------------------------------------------------------------------------------ */

/* Stream ids derived from a caller's stream s: X uses (seed, s, row-block), the labels use
 * (seed, s ^ CAV_SIM_LABEL_STREAM, 0). The teacher uses (seed, s, 0) in cav_sim_teacher. */
#define CAV_SIM_LABEL_STREAM 0x6c6162656c73ULL /* "labels" */

/* Teacher w* in R^d: entries iid from `prior` (NULL: N(0,1)), from stream (seed, stream, 0). */
int cav_sim_teacher(uint64_t seed, uint64_t stream, size_t d, const cav_prior *prior, double *wstar,
                    cav_err *err);

/* GLM data: X (n x d, row-major) iid N(0,1) from stream (seed, stream); teacher field
 * nu = X w* / sqrt(d) (nu may be NULL); labels y_mu ~ channel(nu_mu) drawn in order from stream
 * (seed, stream ^ CAV_SIM_LABEL_STREAM, 0). */
int cav_sim_glm_data(uint64_t seed, uint64_t stream, size_t n, size_t d, const double *wstar,
                     const cav_channel *channel, double *X, double *nu, double *y, cav_err *err);

/* Rules-and-Facts data (docs/raf.md): as cav_sim_glm_data, and for each mu independently,
 * with probability eps a fact (fact[mu] = 1, y = +-1 uniform, independent of x), otherwise a rule
 * (fact[mu] = 0, y = sign(nu), sign(0) = +1). Marginally this is the sign-flip channel
 * P(y|nu) = (1 + (1-eps) y sign(nu))/2. A rule test set is the same call with eps = 0 and a
 * different stream. nu and fact may be NULL. Per mu the label stream draws one uniform (fact?)
 * and one sign, so the rule/fact pattern for given (seed, stream) does not depend on d or w*. */
int cav_sim_raf_data(uint64_t seed, uint64_t stream, size_t n, size_t d, const double *wstar,
                     double eps, double *X, double *nu, double *y, unsigned char *fact,
                     cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* ERM solvers (src/sim/erm/ridge.c, logistic.c, svm.c, lbfgs.c) */
/* ------------------------------------------------------------------------------------------ */

/* Logistic solver choice (all globalised by Armijo backtracking; every evaluation of the
 * gradient and every Hessian-vector product is one pass over X, bitwise the same for any thread
 * count). LBFGS: limited-memory BFGS, one pass per iteration. NEWTON_CG: truncated Newton with
 * conjugate gradients on Hessian-vector products (one pass per CG step). NEWTON_CHOL: Newton
 * with the d x d Hessian X^T D X / d + lambda I formed by dsyrk and solved by Cholesky
 * (O(n d^2) per step). AUTO: by the bound kappa = ((1 + sqrt(n/d))^2/4 + lambda)/lambda on the
 * Hessian's condition number: LBFGS when kappa <= 1000 (continued by NEWTON_CG if it has not
 * converged after 300 iterations), NEWTON_CG otherwise. */
enum { CAV_SIM_AUTO = 0, CAV_SIM_NEWTON_CG = 1, CAV_SIM_NEWTON_CHOL = 2, CAV_SIM_LBFGS = 3 };

/* Solver options; cav_sim_opts_default() gives the documented defaults. */
typedef struct cav_sim_opts {
    /* Convergence tolerance (default 1e-8):
     *   smooth losses (logistic, generic L-BFGS): relative gradient norm
     *       ||grad J(w)||_2 / ||grad J(0)||_2 <= tol;
     *   hinge (dual coordinate descent): relative duality gap (P(w) - D(alpha)) / P(w) <= tol,
     *       with P the primal and D the dual objective at the current (w(alpha), alpha);
     *       hard margin: P = ||w||^2 / (2 m^2) for the feasible rescaling w/m, m = min margin;
     *   kernel logistic: ||l'(y, K a) + lambda a||_2 / ||l'(y, 0)||_2 <= tol (the RKHS gradient).
     */
    double tol;
    long max_iter; /* outer iterations: Newton or L-BFGS steps (default 1000); dual CD runs at
                      most 20 max_iter epochs in all */
    int method;    /* logistic: CAV_SIM_AUTO / NEWTON_CG / NEWTON_CHOL / LBFGS */
    int lbfgs_m;   /* L-BFGS memory (default 10) */
    double C_max;  /* hard-margin SVM: largest box C = 1/lambda tried before declaring the data
                      non-separable (default 1e8) */
    uint64_t seed; /* seed of the coordinate order of dual CD (default 0) */
} cav_sim_opts;

cav_sim_opts cav_sim_opts_default(void);

/* What a solver reports. */
typedef struct cav_sim_fit {
    int status;       /* CAV_OK, CAV_EMAXITER (residual above tol), CAV_EDIVERGE (hard-margin SVM
                         on non-separable data), or an error */
    long iterations;  /* Newton / L-BFGS steps, CD epochs; 0 for closed forms */
    long inner;       /* CG steps (Newton-CG) or coordinate updates (CD) */
    double objective; /* J at the returned solution (kernel: with ||f||_H^2 = a^T K a) */
    double residual;  /* achieved relative gradient norm or relative duality gap */
    int separable;    /* hinge with lambda = 0: 1 separable, 0 not; -1 otherwise */
    long nsv;         /* hinge: number of support vectors (alpha > 0); -1 otherwise */
} cav_sim_fit;

/* Square loss l = (y - h)^2/2, closed form. A = X/sqrt(d).
 *   d <= n: primal (A^T A + lambda I) w = A^T y by Cholesky of the d x d matrix;
 *   d >  n: dual   w = A^T c, (A A^T + lambda I) c = y by Cholesky of the n x n matrix.
 * lambda = 0: OLS when n >= d, minimum-norm interpolator w = A^T (A A^T)^{-1} y (that is
 * w = sqrt(d) X^T (X X^T)^{-1} y) when n < d. fit->residual: relative gradient norm of J. */
int cav_sim_ridge(size_t n, size_t d, const double *X, const double *y, double lambda, double *w,
                  cav_sim_fit *fit, cav_err *err);

/* Logistic loss l = log(1 + exp(-y h)), y = +-1, lambda > 0 (on separable data the lambda = 0
 * minimiser does not exist). Criterion: relative gradient norm <= opts->tol (default 1e-8).
 * w (length d) is output only: the solver starts at w = 0. opts may be NULL (defaults). */
int cav_sim_logistic(size_t n, size_t d, const double *X, const double *y, double lambda,
                     const cav_sim_opts *opts, double *w, cav_sim_fit *fit, cav_err *err);

/* The same from the starting point in w (warm start, e.g. the solution at the neighbouring
 * lambda or alpha of a grid; for nested data sets of growing n the previous w is a good start).
 * The stopping rule is the same as from 0 (it costs one more pass over X to form grad J(0)). */
int cav_sim_logistic_warm(size_t n, size_t d, const double *X, const double *y, double lambda,
                          const cav_sim_opts *opts, double *w, cav_sim_fit *fit, cav_err *err);

/* Hinge loss l = max(0, 1 - y h) by dual coordinate descent (Hsieh, Chang, Lin, Keerthi,
 * Sundararajan, ICML 2008) on  max_alpha sum alpha - ||sum_mu alpha_mu y_mu x_mu/sqrt d||^2/2,
 * 0 <= alpha <= C = 1/lambda, w = sum alpha_mu y_mu x_mu / sqrt(d); random order each epoch (from
 * opts->seed), shrinking, and exact active-set (Newton/KKT) polish steps on the free support
 * vectors (see src/sim/erm/svm.c). Stops at relative duality gap <= opts->tol (default 1e-8).
 * lambda = 0: hard-margin max-margin classifier min ||w||^2 s.t. y_mu w.x_mu/sqrt(d) >= 1. It
 * solves box problems for C = 1, 100, 10^4, ... <= opts->C_max, warm-started; a stage ends as
 * soon as some alpha reaches C (C too small: next C), or when it converges with no alpha at C,
 * which is then the hard-margin solution (all slacks zero): it is refined without the box to
 * hard-margin relative gap <= tol. If alpha reaches C = C_max the data are reported
 * non-separable: CAV_EDIVERGE, fit->separable = 0, w the last iterate (heuristic at the margin:
 * separable data with margin below ~1/sqrt(C_max) are reported non-separable).
 * alpha (length n, may be NULL) receives the dual variables.
 * fit->objective for lambda = 0 is ||w||^2/2. */
int cav_sim_svm(size_t n, size_t d, const double *X, const double *y, double lambda,
                const cav_sim_opts *opts, double *w, double *alpha, cav_sim_fit *fit, cav_err *err);

/* The same from the dual point in alpha (length n, required; clipped into [0, C]; for
 * lambda = 0 the C-continuation starts at the first stage above max alpha). Along a grid of
 * lambda, start from the previous alpha times lambda_old / lambda_new (the variables at the
 * bound C = 1/lambda move with it): 71 -> 46 epochs in tests/unit/sim/test_erm_warm.c. (Along
 * nested data sets of growing n, alpha extended by zeros did not help dual CD.) w is output
 * only. */
int cav_sim_svm_warm(size_t n, size_t d, const double *X, const double *y, double lambda,
                     const cav_sim_opts *opts, double *w, double *alpha, cav_sim_fit *fit,
                     cav_err *err);

/* Any registered differentiable loss (uses loss->type->value for l and dl) by L-BFGS with
 * Armijo backtracking; lambda > 0; criterion: relative gradient norm <= opts->tol. Meant for
 * smooth-hinge and other smooth losses; for non-smooth losses it returns what it reaches. */
int cav_sim_lbfgs(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                  double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit,
                  cav_err *err);
/* The same from the starting point in w (warm start). */
int cav_sim_lbfgs_warm(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                       double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit,
                       cav_err *err);

/* Dispatch on loss->type->name: "square" -> ridge, "logistic" -> logistic, "hinge" -> svm,
 * anything else -> L-BFGS. */
int cav_sim_erm(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit, cav_err *err);
/* As cav_sim_erm, warm-started from w on entry for the iterative primal solvers (logistic and
 * L-BFGS losses); square (closed form) and hinge (dual coordinate descent: see cav_sim_svm_warm)
 * ignore it. */
int cav_sim_erm_warm(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                     double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit,
                     cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Kernel learners (src/sim/erm/kernel.c) */
/* ------------------------------------------------------------------------------------------ */

/* Dot-product kernel k(x, x') = mu1^2 (x.x'/d) + mustar^2 c^3, c = x.x'/(|x||x'|) the cosine.
 * Why: by El Karoui (Ann. Stat. 38, 2010) a dot-product kernel matrix on x ~ N(0, I_d) in the
 * proportional limit is K ~ g(0) 11^T + g'(0) XX^T/d + (g(1) - g(0) - g'(0)) I (+ a rank-one
 * term proportional to g''(0)). With g(t) = mu1^2 t + mustar^2 t^3: g(0) = 0, g'(0) = mu1^2,
 * g''(0) = 0 and g(1) - g(0) - g'(0) = mustar^2, so K ~ mu1^2 XX^T/d + mustar^2 I: exactly the
 * Gaussian-equivalent kernel of the theory with mu0 = 0. The non-linear part is evaluated on
 * the cosine rather than on x.x'/d so that its diagonal is exactly mustar^2: with t^3 on x.x'/d
 * the diagonal (|x|^2/d)^3 fluctuates by 3 sqrt(2/d) around 1 (20% at d = 200), a finite-size
 * effect that biased the training loss of kernel ridge by 4 standard errors at d = 200
 * (tests/models/raf). Positive definite: the sum of the linear kernel and the Schur cube of the
 * cosine kernel. */
typedef struct cav_sim_kernel {
    double mu1, mustar;
} cav_sim_kernel;

/* t[i] <- g(t[i]) = mu1^2 t + mustar^2 t^3 for i < n (the kernel on unit-norm-scaled inputs). */
void cav_sim_kernel_map(const cav_sim_kernel *k, size_t n, double *t);

/* Gram matrix K (n x n, full symmetric, row-major) of the rows of X (n x d), by dsyrk and an
 * elementwise map (see cav_sim_kernel). */
int cav_sim_kernel_gram(const cav_sim_kernel *k, size_t n, size_t d, const double *X, double *K,
                        cav_err *err);

/* Cross kernel Kt (nt x n) between test rows Xt (nt x d) and training rows X. */
int cav_sim_kernel_cross(const cav_sim_kernel *k, size_t nt, size_t n, size_t d, const double *Xt,
                         const double *X, double *Kt, cav_err *err);

/* Predictions f(x_t) = sum_i a_i k(x_i, x_t) for nt test rows Xt, in row blocks (memory
 * O(block n)). */
int cav_sim_kernel_predict(const cav_sim_kernel *k, size_t n, size_t d, const double *X,
                           const double *a, size_t nt, const double *Xt, double *f, cav_err *err);

/* Fit representer coefficients a (length n) for loss "square", "hinge" or "logistic" given the
 * Gram matrix K (n x n, borrowed, not modified):
 *   square:   a = (K + lambda I)^{-1} y (lambda = 0: K^{-1} y, the kernel interpolator);
 *   hinge:    dual CD with Q = diag(y) K diag(y), a = alpha o y (lambda = 0: hard margin);
 *   logistic: Newton on a, each step solving the Woodbury form of (D + lambda K^{-1})^{-1}
 *             with the SPD matrix lambda I + D^{1/2} K D^{1/2}; lambda > 0.
 * fit->objective = sum l(y, K a) + (lambda/2) a^T K a. */
int cav_sim_kernel_fit(const cav_loss *loss, size_t n, const double *K, const double *y,
                       double lambda, const cav_sim_opts *opts, double *a, cav_sim_fit *fit,
                       cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Random features (src/sim/erm/rf.c) */
/* ------------------------------------------------------------------------------------------ */

/* Features Z (n x p) of the rows of X (n x d) with weights F (p x d, row-major, iid N(0,1)):
 *   z = sigma(F x / sqrt(d)) - mu0,   mu0 = E sigma(g), g ~ N(0,1) (from act->hermite),
 * i.e. features centred by their population mean so the constant (mu0) direction drops out,
 * as in the theory where the RF learner acts through (mu1, mustar). The learner is
 * f(x) = a.z / sqrt(p) with penalty (lambda/2)||a||^2: the linear solvers applied to Z. */
int cav_sim_rf_features(const cav_activation_type *act, size_t p, size_t d, const double *F,
                        size_t n, const double *X, double *Z, cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* Metrics (src/sim/metrics.c)                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Running mean and standard error over seeds (Welford). Zero-initialise or use _init. */
typedef struct cav_sim_stat {
    long n;
    double mean, m2;
} cav_sim_stat;

void cav_sim_stat_init(cav_sim_stat *s);
/* Add one value; NaN values are skipped (counted nowhere). */
void cav_sim_stat_add(cav_sim_stat *s, double x);
double cav_sim_stat_mean(const cav_sim_stat *s); /* NaN if empty */
/* Standard error of the mean sqrt(var / n) with the unbiased variance; NaN if n < 2. */
double cav_sim_stat_sem(const cav_sim_stat *s);

/* Rules-and-Facts observables of one fitted learner. */
typedef struct cav_sim_raf_obs {
    double egen;        /* error on fresh rule points: P(sign f(x) != sign(nu)) */
    double emem;        /* fraction of training facts with sign(f) != y (NaN if no facts) */
    double etrain_rule; /* fraction of training rule points with sign(f) != y (NaN if none) */
    double train_loss;  /* (1/n) sum_mu l(y_mu, f(x_mu)), no penalty */
    double m, q;        /* linear learner: m = w.w* /d, q = ||w||^2/d; NaN otherwise */
} cav_sim_raf_obs;

/* Training observables from the fitted fields f (length n): emem, etrain_rule and train_loss
 * (with `loss`; square, hinge and logistic are computed inline, others via loss->type->value).
 * sign(f) = 0 counts as an error. egen, m, q are set to NaN. */
void cav_sim_raf_train_obs(const cav_loss *loss, size_t n, const double *f, const double *y,
                           const unsigned char *fact, cav_sim_raf_obs *obs);

/* Fraction of i < nt with sign(f[i]) != y[i] (f = 0 counts as an error). */
double cav_sim_error_rate(size_t nt, const double *f, const double *y);

/* ------------------------------------------------------------------------------------------ */
/* Rules-and-Facts experiment (src/sim/raf/raf_experiment.c) */
/* ------------------------------------------------------------------------------------------ */

typedef enum cav_sim_learner {
    CAV_SIM_LINEAR = 0, /* f(x) = w.x/sqrt(d) */
    CAV_SIM_KERNEL = 1, /* dot-product kernel with (mu1, mustar), see cav_sim_kernel */
    CAV_SIM_RF = 2      /* random features, p = round(kappa d), activation act */
} cav_sim_learner;

typedef struct cav_sim_raf_config {
    cav_sim_learner learner;
    cav_loss loss;                  /* square, hinge, logistic (kernel: only these), or any
                                       smooth registered loss (linear / rf, via L-BFGS) */
    double alpha;                   /* n = round(alpha d) */
    double eps;                     /* fact probability in [0, 1] */
    double lambda;                  /* ridge penalty >= 0 (0: min-norm / max-margin limit) */
    double mu1, mustar;             /* kernel learner */
    double kappa;                   /* rf: p = round(kappa d) */
    const cav_activation_type *act; /* rf activation */
    size_t d;
    uint64_t seed;
    size_t n_test; /* rule test points for kernel / rf; 0: max(n, 10000) */
    cav_sim_opts opts;
} cav_sim_raf_config;

/* Fills cfg with defaults: linear, square loss type NULL (must be set), alpha 1, eps 0.1,
 * lambda 0.1, mu1 = 1, mustar = 1, kappa = 2, act NULL, d 200, seed 0, n_test 0, default opts. */
void cav_sim_raf_config_default(cav_sim_raf_config *cfg);

/* Check a configuration before any work: CAV_OK, or CAV_EINVAL naming the field (n = round(alpha
 * d) must be >= 1; the logistic loss needs lambda > 0; rf needs an activation and p >= 1). */
int cav_sim_raf_check(const cav_sim_raf_config *cfg, cav_err *err);

typedef struct cav_sim_raf_result {
    int status; /* CAV_OK, the solver's non-convergence status, or an error */
    cav_sim_raf_obs obs;
    cav_sim_fit fit;
    size_t n, p, nfacts, n_test;
    char msg[CAV_ERR_MSG_LEN];
} cav_sim_raf_result;

/* One Rules-and-Facts experiment with seed cfg->seed: fresh teacher w* ~ N(0, I_d), training
 * set of n = round(alpha d) RAF points, ERM with the chosen learner and loss, observables.
 * egen: linear learner — exact population rule error arccos(w.w* / (|w||w*|)) / pi given the
 * trained w (x ~ N(0, I) makes this the exact conditional expectation, with no test noise);
 * kernel / rf — measured on n_test fresh rule points (default max(n, 10000): test-set standard
 * error <= 0.005, below the seed-to-seed spread at d <= 2000). Streams: teacher
 * (seed, hash("raf/teacher")), train (seed, hash("raf/train")), test (seed, hash("raf/test")),
 * rf weights (seed, hash("raf/rf")). Reentrant; never prints. Returns result->status. */
int cav_sim_raf_experiment(const cav_sim_raf_config *cfg, cav_sim_raf_result *result);

/* The experiment of cfg at every alpha of alphas[0..nalpha) for the one seed cfg->seed
 * (cfg->alpha is ignored); results[k] is what cav_sim_raf_experiment returns for alphas[k], to
 * rounding. The data of a smaller n are the first rows of a larger one and the test set is the
 * same for every n <= 10000, so for the kernel learner with the square loss (kernel ridge) one
 * Gram matrix, one Cholesky factorisation of K + lambda I (whose leading blocks factor the
 * smaller problems) and one cross kernel per test row serve the whole grid: at d = 1000 and
 * alpha = 0.25 ... 4 (7 points) about 2.7 times fewer flops than 7 separate calls. The
 * factorisation of the largest problem orders its sums differently from a separate one, so the
 * fitted coefficients agree with separate calls to rounding (and the counts of errors almost
 * surely exactly). Other learners and losses, or points with different test-set sizes, are run
 * one by one. Returns the worst status. */
int cav_sim_raf_experiment_grid(const cav_sim_raf_config *cfg, size_t nalpha, const double *alphas,
                                cav_sim_raf_result *results);

#ifdef __cplusplus
}
#endif
#endif
