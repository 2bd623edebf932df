/* The model registry and the generic parameter helpers (see cavity/model.h).
 * To add a model: define its cav_model table in src/models/<name>.c and list it below. */
#include "cavity/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const cav_model cav_model_raf;
extern const cav_model cav_model_dmft_gd, cav_model_amp_wigner;
extern const cav_model cav_model_adversarial, cav_model_adversarial_latent;

static const cav_model *const registry[] = {&cav_model_raf,
                                            &cav_model_dmft_gd,
                                            &cav_model_amp_wigner,
                                            &cav_model_adversarial,
                                            &cav_model_adversarial_latent,
                                            NULL};

const cav_model *const *cav_model_registry(void)
{
    return registry;
}

const cav_model *cav_model_find(const char *name)
{
    for (const cav_model *const *m = registry; *m; m++)
        if (strcmp((*m)->name, name) == 0) return *m;
    return NULL;
}

const char *cav_model_names(void)
{
    static char buf[512];
    if (!buf[0]) {
        size_t k = 0;
        for (const cav_model *const *m = registry; *m; m++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", k ? ", " : "", (*m)->name);
    }
    return buf;
}

int cav_model_param_index(const cav_model *m, const char *name)
{
    for (int i = 0; i < m->nparams; i++)
        if (strcmp(m->params[i].name, name) == 0) return i;
    return -1;
}

const cav_model_quantity *cav_model_quantity_find(const cav_model *m, const char *name)
{
    for (int i = 0; i < m->nquantities; i++)
        if (strcmp(m->quantities[i].name, name) == 0) return &m->quantities[i];
    return NULL;
}

int cav_obs_has_se(const cav_model *m, int j)
{
    if (m->axis && j == 0) return 0;
    return !(m->obs[j].flags & CAV_OF_EXACT);
}

int cav_model_obs_index(const cav_model *m, const char *name)
{
    for (int i = 0; i < m->nobs; i++)
        if (strcmp(m->obs[i].name, name) == 0) return i;
    return -1;
}

static void choice_list(const cav_param_spec *p, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = '\0';
    for (const char *const *c = p->choices; c && *c && k < len; c++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? ", " : "", *c);
}

/* Shortest %g form of x that reads back exactly. */
static void shortest(double x, char *buf, size_t len)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
}

void cav_param_range(const cav_param_spec *p, char *buf, size_t len)
{
    if (p->kind == CAV_PARAM_CHOICE) {
        char c[256];
        choice_list(p, c, sizeof c);
        snprintf(buf, len, "one of: %s", c);
        return;
    }
    char lo[32], hi[32];
    if (isinf(p->lo))
        snprintf(lo, sizeof lo, "-inf");
    else
        shortest(p->lo, lo, sizeof lo);
    if (isinf(p->hi))
        snprintf(hi, sizeof hi, "inf");
    else
        shortest(p->hi, hi, sizeof hi);
    snprintf(buf, len, "%s%s, %s%s%s", p->lo_open || isinf(p->lo) ? "(" : "[", lo, hi,
             p->hi_open || isinf(p->hi) ? ")" : "]", p->kind == CAV_PARAM_INT ? " (integer)" : "");
}

int cav_param_check(const cav_param_spec *p, double x, cav_err *err)
{
    char r[300];
    cav_param_range(p, r, sizeof r);
    if (p->kind == CAV_PARAM_CHOICE) {
        int n = 0;
        while (p->choices && p->choices[n])
            n++;
        if (!(x >= 0 && x < n && x == floor(x)))
            return cav_err_set(err, CAV_EINVAL, "%s: invalid choice; allowed %s", p->name, r);
        return CAV_OK;
    }
    if (!isfinite(x))
        return cav_err_set(err, CAV_EINVAL, "%s = %g is not a finite number; allowed %s", p->name,
                           x, r);
    if (p->kind == CAV_PARAM_INT && x != floor(x))
        return cav_err_set(err, CAV_EINVAL, "%s = %g is not an integer; allowed %s", p->name, x, r);
    int below = p->lo_open ? !(x > p->lo) : !(x >= p->lo);
    int above = p->hi_open ? !(x < p->hi) : !(x <= p->hi);
    if (below || above)
        return cav_err_set(err, CAV_EINVAL, "%s = %g is out of range; allowed %s", p->name, x, r);
    return CAV_OK;
}

int cav_param_parse(const cav_param_spec *p, const char *text, double *value, cav_err *err)
{
    if (p->kind == CAV_PARAM_CHOICE) {
        for (int i = 0; p->choices && p->choices[i]; i++)
            if (strcmp(p->choices[i], text) == 0) {
                *value = i;
                return CAV_OK;
            }
        char c[256];
        choice_list(p, c, sizeof c);
        return cav_err_set(err, CAV_EINVAL, "%s: unknown value '%s'; allowed: %s", p->name, text,
                           c);
    }
    char *end = NULL;
    double x = strtod(text, &end);
    if (end == text || *end != '\0') {
        char r[300];
        cav_param_range(p, r, sizeof r);
        return cav_err_set(err, CAV_EINVAL, "%s: '%s' is not a number; allowed %s", p->name, text,
                           r);
    }
    *value = x;
    return cav_param_check(p, x, err);
}

void cav_param_format(const cav_param_spec *p, double value, char *buf, size_t len)
{
    if (p->kind == CAV_PARAM_CHOICE) {
        int i = (int)value;
        snprintf(buf, len, "%s", p->choices[i]);
    } else if (p->kind == CAV_PARAM_INT) {
        snprintf(buf, len, "%.0f", value);
    } else {
        shortest(value, buf, len);
    }
}

void cav_model_defaults(const cav_model *m, double *v)
{
    for (int i = 0; i < m->nparams; i++)
        v[i] = m->params[i].def;
}

int cav_model_check(const cav_model *m, const double *v, cav_err *err)
{
    for (int i = 0; i < m->nparams; i++) {
        int s = cav_param_check(&m->params[i], v[i], err);
        if (s) return s;
    }
    return m->check ? m->check(v, err) : CAV_OK;
}

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
    double *rows = malloc(nrows * r->nobs * sizeof *rows);
    if (!rows) return NULL;
    for (size_t i = 0; i < nrows * r->nobs; i++)
        rows[i] = NAN;
    r->rows = rows;
    r->nrows = nrows;
    return rows;
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
