/* Status codes and error records (see cavity/status.h). */
#include "cavity/status.h"

#include <stdio.h>
#include <string.h>

int cav_err_set(cav_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void cav_err_clear(cav_err *err)
{
    if (err) {
        err->code = CAV_OK;
        err->msg[0] = '\0';
    }
}

const char *cav_status_name(int code)
{
    switch (code) {
    case CAV_OK:
        return "ok";
    case CAV_CONTINUE:
        return "continue";
    case CAV_EINVAL:
        return "einval";
    case CAV_ENOMEM:
        return "enomem";
    case CAV_EMAXITER:
        return "maxiter";
    case CAV_ENUMERIC:
        return "numeric";
    case CAV_EIO:
        return "eio";
    case CAV_EUNSUP:
        return "unsupported";
    case CAV_EDIVERGE:
        return "diverged";
    case CAV_ECANCEL:
        return "cancelled";
    default:
        return "unknown";
    }
}

#ifndef CAVITY_VERSION
#define CAVITY_VERSION "0.0.0"
#endif
#ifndef CAVITY_GIT_REV
#define CAVITY_GIT_REV "unknown"
#endif

const char *cav_version(void)
{
    return CAVITY_VERSION;
}

const char *cav_git_revision(void)
{
    return CAVITY_GIT_REV;
}
