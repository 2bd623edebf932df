/* sim/nn/nn_cuda.c — cuBLAS offload of the network engine's products (nn_cuda.h).
 *
 * A row-major product C = alpha op(A) op(B) + beta C is the column-major product
 * C^T = alpha op(B)^T op(A)^T + beta C^T, and a row-major array read column-major is its
 * transpose, so cublasDgemm(op_B, op_A, N, M, K, alpha, B, ldb, A, lda, beta, C, ldc) computes it
 * on the arrays as they are. Operands are copied to device buffers that grow on demand (one
 * handle and three buffers per net), the result is copied back: a simple offload whose transfer
 * cost is amortised on the large first-layer products only (the caller sends products above
 * ~1e8 multiply-adds). Results agree with the CPU path to rounding, not bitwise. */
#include <stdlib.h>

#include "sim/nn/nn_cuda.h"

#if CAVITY_HAVE_CUDA
#include <cublas_v2.h>
#include <cuda_runtime.h>

struct nn_gpu {
    cublasHandle_t h;
    double *d[3];
    size_t cap[3];
};

int nn_gpu_status(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n < 1) return 1;
    return 2;
}

nn_gpu *nn_gpu_create(cav_err *err)
{
    if (nn_gpu_status() < 2) {
        cav_err_set(err, CAV_EUNSUP, "nn: no CUDA device is available");
        return NULL;
    }
    nn_gpu *g = calloc(1, sizeof *g);
    if (!g || cublasCreate(&g->h) != CUBLAS_STATUS_SUCCESS) {
        free(g);
        cav_err_set(err, CAV_EUNSUP, "nn: cannot create a cuBLAS handle");
        return NULL;
    }
    return g;
}

void nn_gpu_free(nn_gpu *g)
{
    if (!g) return;
    for (int i = 0; i < 3; i++)
        if (g->d[i]) cudaFree(g->d[i]);
    cublasDestroy(g->h);
    free(g);
}

static int grow(nn_gpu *g, int i, size_t n)
{
    if (n <= g->cap[i]) return 0;
    if (g->d[i]) cudaFree(g->d[i]);
    g->d[i] = NULL;
    g->cap[i] = 0;
    if (cudaMalloc((void **)&g->d[i], n * sizeof(double)) != cudaSuccess) return 1;
    g->cap[i] = n;
    return 0;
}

int nn_gpu_gemm(nn_gpu *g, int ta, int tb, size_t M, size_t N, size_t K, double alpha,
                const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
                size_t ldc)
{
    const size_t na = (ta ? K : M) * lda, nb = (tb ? N : K) * ldb, nc = M * ldc;
    if (grow(g, 0, na) || grow(g, 1, nb) || grow(g, 2, nc)) return 1;
    if (cudaMemcpy(g->d[0], A, na * sizeof(double), cudaMemcpyHostToDevice) != cudaSuccess ||
        cudaMemcpy(g->d[1], B, nb * sizeof(double), cudaMemcpyHostToDevice) != cudaSuccess)
        return 1;
    if (beta != 0.0 &&
        cudaMemcpy(g->d[2], C, nc * sizeof(double), cudaMemcpyHostToDevice) != cudaSuccess)
        return 1;
    cublasStatus_t s = cublasDgemm(g->h, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                                   ta ? CUBLAS_OP_T : CUBLAS_OP_N, (int)N, (int)M, (int)K, &alpha,
                                   g->d[1], (int)ldb, g->d[0], (int)lda, &beta, g->d[2], (int)ldc);
    if (s != CUBLAS_STATUS_SUCCESS) return 1;
    return cudaMemcpy(C, g->d[2], nc * sizeof(double), cudaMemcpyDeviceToHost) != cudaSuccess;
}

#else /* built without CUDA */

int nn_gpu_status(void)
{
    return 0;
}

nn_gpu *nn_gpu_create(cav_err *err)
{
    cav_err_set(err, CAV_EUNSUP,
                "nn: cavity was built without CUDA (configure with -DCAVITY_CUDA=ON)");
    return NULL;
}

void nn_gpu_free(nn_gpu *g)
{
    (void)g;
}

int nn_gpu_gemm(nn_gpu *g, int ta, int tb, size_t M, size_t N, size_t K, double alpha,
                const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
                size_t ldc)
{
    (void)g, (void)ta, (void)tb, (void)M, (void)N, (void)K, (void)alpha, (void)A, (void)lda;
    (void)B, (void)ldb, (void)beta, (void)C, (void)ldc;
    return 1;
}
#endif
