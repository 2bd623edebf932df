/* cavity/result.h — the result of one computation (a theory point or one simulation seed): a
 * status with its message, the residual and iterations, and one or more rows of observables.
 *
 * A model lays its observables out as a struct of doubles (its observable struct, described by
 * the model's cav_obs_spec table); a row of a result is one such struct. Models with an axis
 * (time steps) return several rows. cav_result_row() gives row i as a pointer to that struct:
 *     raf_obs *o = cav_result_row(res, 0);  o->egen = ...;
 */
#ifndef CAVITY_RESULT_H
#define CAVITY_RESULT_H

#include <stddef.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_MAX_OBS 64 /* observable columns of a model */
#define CAV_RESULT_MSG_LEN CAV_ERR_MSG_LEN

typedef struct cav_result {
    int status;      /* CAV_OK when converged / completed, else the failing status */
    double residual; /* final residual of the equations (theory) or solver (simulation) */
    long iterations; /* iterations used */
    char msg[CAV_RESULT_MSG_LEN];
    size_t nobs;  /* columns per row (the model's nobs) */
    size_t nrows; /* rows of observables (1 unless the model has an axis) */
    double *rows; /* nrows x nobs, row-major; rows == obs unless cav_result_rows() grew it */
    double obs[CAV_MAX_OBS];
} cav_result;

/* Prepare a result for nobs observables: status CAV_OK, one row of NaN. */
void cav_result_init(cav_result *r, size_t nobs);
/* Give the result nrows rows (NaN-filled) and return them (NULL if out of memory). */
double *cav_result_rows(cav_result *r, size_t nrows);
/* Row i (i < r->nrows) as a pointer to the model's observable struct. */
void *cav_result_row(cav_result *r, size_t i);
/* Release rows allocated by cav_result_rows(); the result returns to one row. */
void cav_result_release(cav_result *r);
/* Set status and message (printf-style) on a result; returns status. */
int cav_result_fail(cav_result *r, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Copy a solver's status, residual, iterations and message into the result; returns status. */
int cav_result_set(cav_result *r, int status, double residual, long iterations, const char *msg);

#ifdef __cplusplus
}
#endif
#endif
