/* theory/mi/mi_internal.h — private pieces of the multi-index engine (not public): small dense
 * linear algebra on P x P and PM x PM matrices (row-major), the orthonormal basis of symmetric
 * matrices used by the stability operators, and the channel side object shared by mi_outer.c and
 * mi_stab.c. */
#ifndef CAVITY_THEORY_MI_INTERNAL_H
#define CAVITY_THEORY_MI_INTERNAL_H

#include <stddef.h>

#include "cavity/multi_index.h"

#define MI_LOG_2PI 1.83787706640934548356065947281123527
#ifndef M_LN2
#define M_LN2 0.69314718055994530941723212145817657
#endif
#ifndef M_PI
#define M_PI 3.14159265358979323846264338327950288
#endif

/* Cholesky A = L L^T in place (lower triangle, upper zeroed); 0 on success, -1 if not PD. */
int mi_chol(int n, double *A);
/* log det from a Cholesky factor. */
double mi_chol_logdet(int n, const double *L);
/* Solve L L^T x = b in place. */
void mi_chol_solve(int n, const double *L, double *b);
/* Inverse of an SPD matrix (n x n) into inv; 0 or -1. */
int mi_spd_inv(int n, const double *A, double *inv);
/* Symmetric eigen-decomposition: eigenvalues w ascending, eigenvectors as columns of Vec
 * (row-major n x n). 0 on success. */
int mi_eig_sym(int n, const double *A, double *w, double *Vec);
/* Symmetric square root of a PSD matrix (negative eigenvalues clamped to 0); returns the
 * smallest eigenvalue before clamping. */
double mi_sqrtm(int n, const double *A, double *S);
/* C = A B (n x n). */
void mi_matmul(int n, const double *A, const double *B, double *C);
/* Solve the general n x n system A x = b (A overwritten) by partial pivoting; 0 or -1. */
int mi_solve(int n, double *A, double *b);
/* Symmetrise in place: A <- (A + A^T)/2. */
void mi_symmetrise(int n, double *A);

/* Orthonormal basis of symmetric nu x nu matrices: index a < nu(nu+1)/2 -> (p, q), p <= q,
 * E_a = E_pp (p == q) or (E_pq + E_qp)/sqrt 2. */
void mi_basis_pq(int nu, int a, int *p, int *q);
/* <E_a, X> for a symmetric nu x nu X (row-major). */
double mi_basis_dot(int nu, int a, const double *X);
/* X = E_a (nu x nu, zeroed first). */
void mi_basis_mat(int nu, int a, double *X);

/* Packed upper triangle <-> full symmetric P x P. */
void mi_pack(int P, const double *Q, double *x);
void mi_unpack(int P, const double *x, double *Q);

/* Fill Vfull (PM x PM) = V (x) I_M in vec order p*M + m. */
void mi_kron_I(int P, int M, const double *V, double *Vfull);

/* Attention network pieces (mi_attention.c): h = B_{L-1} z_L from Z (L x M), and
 * y = softmax_rows(beta h h^T). */
void mi_att_h(int L, int M, double beta, double c, const double *Z, double *h);
void mi_att_softmax(int M, double beta, const double *h, double *y);

/* AMP-RBM pieces shared by its state evolution and simulation (rbm_amp.c). */
/* h solving h - S grad eta(h) = om (S SPD, S < I), g = grad eta(h), dg = D (I - S D)^{-1}; 0 or -1.
 */
int mi_rbm_prox(int k, int hidden, const double *om, const double *S, double *g, double *dg);
/* Variance update: R = A + 2 alpha grad psi(Q); Sn = (1 - damping) S + damping R^{-1} (eigenvalues
 * capped at smax; S itself while R is not PD). *held (may be NULL): 0, 1 (R not PD), 2 (capped).
 * orth (k >= 2, outside the linear phase): Sn then replaced by the symmetric M with M Tb M diagonal
 * (the next units orthogonal). */
int mi_rbm_s_update(int k, int hidden, double alpha, const double *A, const double *Q,
                    const double *Tb, const double *S, double damping, double smax, int orth,
                    double *Sn, int *held, cav_err *err);

/* Stability terms of one posterior on the unlearned rows (mi_outer.c): v[0..nb*nb) the operator
 * entries <E_a, F(E_b)>, then nu*nu entries of sum_m E[Z_U] E[Z_U]^T. */
void mi_lin_terms(int P, int M, const int *un, int nu, const cav_mi_post *post, double *v);

#endif
