/* sim/nn/nn_cuda.h — optional cuBLAS offload of the network engine's products (internal).
 * Compiled to stubs unless the library is built with -DCAVITY_CUDA=ON and the CUDA toolkit is
 * found (CAVITY_HAVE_CUDA = 1). */
#ifndef CAVITY_SIM_NN_CUDA_H
#define CAVITY_SIM_NN_CUDA_H

#include <stddef.h>

#include "cavity/status.h"

typedef struct nn_gpu nn_gpu;

/* 0 built without CUDA, 1 built with CUDA but no usable device, 2 a device is present. */
int nn_gpu_status(void);
/* A cuBLAS handle and device buffers that grow on demand; NULL (message on err) on failure. */
nn_gpu *nn_gpu_create(cav_err *err);
void nn_gpu_free(nn_gpu *g);
/* As nn_gemm (row-major, contiguous operands: lda, ldb, ldc are the row lengths) on the device:
 * A, B and C are copied in, C copied back. Returns 0, or non-zero when the device failed (the
 * caller then computes on the CPU). */
int nn_gpu_gemm(nn_gpu *g, int ta, int tb, size_t M, size_t N, size_t K, double alpha,
                const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
                size_t ldc);

#endif
