/* run/api_internal.h — the binding API object shared by src/run/api.c and api_json.c (not
 * public API). */
#ifndef CAVITY_RUN_API_INTERNAL_H
#define CAVITY_RUN_API_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>

#include "cavity/api.h"

struct cav_api {
    atomic_int cancel; /* cav_api_cancel: polled by the runner before each computation */
    char *text;        /* last table / JSON (malloc'd), NULL when none */
    char *warn;        /* warning lines (malloc'd), NULL when none */
    size_t warnlen;
    char msg[CAV_ERR_MSG_LEN];
    long total, failed, stored;
};

/* Forget the outcome of the previous call. */
void cav_api_reset(cav_api *a);
/* Keep err's message as the outcome and return status. */
int cav_api_fail(cav_api *a, const cav_err *err, int status);
/* Take ownership of a malloc'd text as the outcome. */
void cav_api_set_text(cav_api *a, char *text);

#endif
