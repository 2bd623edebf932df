/* Results of one computation (see cavity/result.h). */
#include "cavity/result.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void cav_result_init(cav_result *r, size_t nobs)
{
    r->status = CAV_OK;
    r->residual = NAN;
    r->iterations = 0;
    r->msg[0] = '\0';
    r->nobs = nobs;
    r->nrows = 1;
    r->rows = r->obs;
    for (size_t i = 0; i < CAV_MAX_OBS; i++)
        r->obs[i] = NAN;
}

double *cav_result_rows(cav_result *r, size_t nrows)
{
    cav_result_release(r);
    if (nrows <= 1) return r->obs;
    if (r->nobs && nrows > (size_t)-1 / sizeof(double) / r->nobs) return NULL;
    double *rows = malloc(nrows * r->nobs * sizeof *rows);
    if (!rows) return NULL;
    for (size_t i = 0; i < nrows * r->nobs; i++)
        rows[i] = NAN;
    r->rows = rows;
    r->nrows = nrows;
    return rows;
}

void *cav_result_row(cav_result *r, size_t i)
{
    return r->rows + i * r->nobs;
}

void cav_result_release(cav_result *r)
{
    if (r->rows && r->rows != r->obs) free(r->rows);
    r->rows = r->obs;
    r->nrows = 1;
}

int cav_result_fail(cav_result *r, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->status = status;
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return status;
}

int cav_result_set(cav_result *r, int status, double residual, long iterations, const char *msg)
{
    r->status = status;
    r->residual = residual;
    r->iterations = iterations;
    snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
    return status;
}
