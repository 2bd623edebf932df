/* cavity/status.h — status codes and per-object error records.
 *
 * Every library function that can fail returns an int status:
 *   CAV_OK (0)        success;
 *   negative values   indicative, not errors (CAV_CONTINUE: an iterative solver has not converged
 * yet); positive values   errors. The human-readable message lives on the object that failed (a
 * cav_err embedded in a solver, a model run, ...), never in a global. Messages are set through
 * cav_err_set() only, so a breakpoint there stops at the first failure. The library never prints,
 * exits or aborts.
 */
#ifndef CAVITY_STATUS_H
#define CAVITY_STATUS_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    CAV_OK = 0,
    CAV_CONTINUE = -1, /* iterate again: not converged yet (indicative) */
    CAV_EINVAL = 1,    /* invalid argument or parameter (names it in the message) */
    CAV_ENOMEM = 2,    /* allocation failed */
    CAV_EMAXITER = 3,  /* iteration budget exhausted before the residual reached tolerance */
    CAV_ENUMERIC = 4,  /* non-finite value or numerical breakdown */
    CAV_EIO = 5,       /* file or store error */
    CAV_EUNSUP = 6,    /* combination not supported */
    CAV_EDIVERGE = 7,  /* the iteration diverged (e.g. unstable step size) */
    CAV_ECANCEL = 8    /* stopped at the caller's request (cav_run_opts.cancel) */
};

#define CAV_ERR_MSG_LEN 512

/* An error record: the last status and its message. Zero-initialise before use. */
typedef struct cav_err {
    int code;
    char msg[CAV_ERR_MSG_LEN];
} cav_err;

/* Record status `code` with a printf-style message on `err` (which may be NULL) and return
 * `code`, so that `return cav_err_set(err, CAV_EINVAL, "eps = %g outside [0, 1]", eps);` works. */
int cav_err_set(cav_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Reset an error record to CAV_OK with an empty message. NULL is a no-op. */
void cav_err_clear(cav_err *err);

/* Short constant name of a status code ("ok", "continue", "einval", ...). */
const char *cav_status_name(int code);

/* Version string and the git revision the library was built from. */
const char *cav_version(void);
const char *cav_git_revision(void);

#ifdef __cplusplus
}
#endif
#endif
