/* theory/mi/mi_la.c — small dense linear algebra of the multi-index engine (mi_internal.h).
 * Matrices here are at most CAV_MI_MAXPM (16) or 36 wide: plain loops for Cholesky and
 * products, LAPACK's dsyev for eigen-decompositions. */
#include <math.h>
#include <string.h>

#include "core/la.h"
#include "theory/mi/mi_internal.h"

int mi_chol(int n, double *A)
{
    for (int j = 0; j < n; j++) {
        double d = A[j * n + j];
        for (int k = 0; k < j; k++)
            d -= A[j * n + k] * A[j * n + k];
        if (!(d > 0) || !isfinite(d)) return -1;
        d = sqrt(d);
        A[j * n + j] = d;
        for (int i = j + 1; i < n; i++) {
            double s = A[i * n + j];
            for (int k = 0; k < j; k++)
                s -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = s / d;
        }
        for (int i = 0; i < j; i++)
            A[i * n + j] = 0.0;
    }
    return 0;
}

double mi_chol_logdet(int n, const double *L)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += log(L[i * n + i]);
    return 2 * s;
}

void mi_chol_solve(int n, const double *L, double *b)
{
    for (int i = 0; i < n; i++) {
        double s = b[i];
        for (int k = 0; k < i; k++)
            s -= L[i * n + k] * b[k];
        b[i] = s / L[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = b[i];
        for (int k = i + 1; k < n; k++)
            s -= L[k * n + i] * b[k];
        b[i] = s / L[i * n + i];
    }
}

int mi_spd_inv(int n, const double *A, double *inv)
{
    double L[CAV_MI_MAXPM * CAV_MI_MAXPM], e[CAV_MI_MAXPM];
    if (n > CAV_MI_MAXPM) return -1;
    memcpy(L, A, sizeof(double) * (size_t)(n * n));
    if (mi_chol(n, L)) return -1;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++)
            e[i] = i == j;
        mi_chol_solve(n, L, e);
        for (int i = 0; i < n; i++)
            inv[i * n + j] = e[i];
    }
    mi_symmetrise(n, inv);
    return 0;
}

int mi_eig_sym(int n, const double *A, double *w, double *Vec)
{
    memcpy(Vec, A, sizeof(double) * (size_t)(n * n));
    lapack_int info =
        LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, Vec, (lapack_int)n, w);
    return info == 0 ? 0 : -1;
}

double mi_sqrtm(int n, const double *A, double *S)
{
    double w[64], Vec[64 * 64];
    if (n > 64 || mi_eig_sym(n, A, w, Vec)) {
        for (int i = 0; i < n * n; i++)
            S[i] = NAN;
        return NAN;
    }
    double wmin = w[0];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                s += Vec[i * n + k] * sqrt(w[k] > 0 ? w[k] : 0.0) * Vec[j * n + k];
            S[i * n + j] = s;
        }
    mi_symmetrise(n, S);
    return wmin;
}

void mi_matmul(int n, const double *A, const double *B, double *C)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                s += A[i * n + k] * B[k * n + j];
            C[i * n + j] = s;
        }
}

int mi_solve(int n, double *A, double *b)
{
    for (int k = 0; k < n; k++) {
        int piv = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(A[i * n + k]) > fabs(A[piv * n + k])) piv = i;
        if (A[piv * n + k] == 0 || !isfinite(A[piv * n + k])) return -1;
        if (piv != k) {
            for (int j = 0; j < n; j++) {
                double t = A[k * n + j];
                A[k * n + j] = A[piv * n + j];
                A[piv * n + j] = t;
            }
            double t = b[k];
            b[k] = b[piv];
            b[piv] = t;
        }
        for (int i = k + 1; i < n; i++) {
            double f = A[i * n + k] / A[k * n + k];
            for (int j = k; j < n; j++)
                A[i * n + j] -= f * A[k * n + j];
            b[i] -= f * b[k];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = b[i];
        for (int j = i + 1; j < n; j++)
            s -= A[i * n + j] * b[j];
        b[i] = s / A[i * n + i];
    }
    return 0;
}

void mi_symmetrise(int n, double *A)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double s = 0.5 * (A[i * n + j] + A[j * n + i]);
            A[i * n + j] = A[j * n + i] = s;
        }
}

void mi_basis_pq(int nu, int a, int *p, int *q)
{
    int k = 0;
    for (int i = 0; i < nu; i++)
        for (int j = i; j < nu; j++, k++)
            if (k == a) {
                *p = i;
                *q = j;
                return;
            }
    *p = *q = -1;
}

double mi_basis_dot(int nu, int a, const double *X)
{
    int p, q;
    mi_basis_pq(nu, a, &p, &q);
    if (p == q) return X[p * nu + p];
    return (X[p * nu + q] + X[q * nu + p]) / sqrt(2.0);
}

void mi_basis_mat(int nu, int a, double *X)
{
    int p, q;
    memset(X, 0, sizeof(double) * (size_t)(nu * nu));
    mi_basis_pq(nu, a, &p, &q);
    if (p == q)
        X[p * nu + p] = 1.0;
    else
        X[p * nu + q] = X[q * nu + p] = 1.0 / sqrt(2.0);
}

void mi_pack(int P, const double *Q, double *x)
{
    int k = 0;
    for (int i = 0; i < P; i++)
        for (int j = i; j < P; j++)
            x[k++] = 0.5 * (Q[i * P + j] + Q[j * P + i]);
}

void mi_unpack(int P, const double *x, double *Q)
{
    int k = 0;
    for (int i = 0; i < P; i++)
        for (int j = i; j < P; j++, k++)
            Q[i * P + j] = Q[j * P + i] = x[k];
}

void mi_kron_I(int P, int M, const double *V, double *Vfull)
{
    int n = P * M;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            Vfull[i * n + j] = (i % M == j % M) ? V[(i / M) * P + (j / M)] : 0.0;
}
