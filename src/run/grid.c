/* Parameter grids and canonical keys (see cavity/run.h).
 *
 * A grid holds the values of every parameter of a model; its points are the cartesian product.
 * Points are enumerated with the continuation ("chain") axis fastest so that a theory chain —
 * the points along that axis with every other parameter fixed — is one contiguous block, which
 * the runner hands to a single worker (warm starts then never depend on the thread count). */
#include "cavity/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cav_kind_name(int kind)
{
    return kind == CAV_KIND_SIM ? "simulation" : "theory";
}

int cav_grid_init(cav_grid *g, const cav_model *m, cav_err *err)
{
    memset(g, 0, sizeof *g);
    g->model = m;
    g->chain = -1;
    if (m->nparams > CAV_MAX_PARAMS)
        return cav_err_set(err, CAV_EINVAL, "model %s has too many parameters", m->name);
    for (int i = 0; i < m->nparams; i++) {
        g->vals[i] = malloc(sizeof(double));
        if (!g->vals[i]) {
            cav_grid_free(g);
            return cav_err_set(err, CAV_ENOMEM, "out of memory");
        }
        g->vals[i][0] = m->params[i].def;
        g->n[i] = 1;
    }
    return CAV_OK;
}

void cav_grid_free(cav_grid *g)
{
    if (!g) return;
    for (int i = 0; i < CAV_MAX_PARAMS; i++) {
        free(g->vals[i]);
        g->vals[i] = NULL;
        g->n[i] = 0;
    }
}

/* Strict number parse: the whole text must be a number. */
static int parse_num(const cav_param_spec *p, const char *text, double *x, cav_err *err)
{
    char *end = NULL;
    if (!*text) return cav_err_set(err, CAV_EINVAL, "%s: empty value in grid", p->name);
    *x = strtod(text, &end);
    if (end == text || *end != '\0')
        return cav_err_set(err, CAV_EINVAL,
                           "%s: '%s' is not a number (grids: a:b:n, a:b:n:log or x,y,z)", p->name,
                           text);
    return CAV_OK;
}

static int is_choice(const cav_param_spec *p)
{
    return p->kind == CAV_PARAM_CHOICE || p->kind == CAV_PARAM_TYPE;
}

int cav_grid_parse(const cav_param_spec *p, const char *text, double **vals, size_t *n,
                   cav_err *err)
{
    *vals = NULL;
    *n = 0;
    char buf[4096];
    if (strlen(text) >= sizeof buf)
        return cav_err_set(err, CAV_EINVAL, "%s: grid text too long", p->name);
    snprintf(buf, sizeof buf, "%s", text);
    int s = CAV_OK;
    double *out = NULL;
    size_t cnt = 0;
    if (strchr(buf, ':') && !is_choice(p)) {
        /* Range a:b:n[:log]. */
        char *f[5] = {0};
        int nf = 0;
        char *save = NULL;
        for (char *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
            if (nf == 5) break;
            f[nf++] = t;
        }
        int islog = nf == 4 && strcmp(f[3], "log") == 0;
        if (!(nf == 3 || islog))
            return cav_err_set(err, CAV_EINVAL,
                               "%s: malformed grid '%s' (use a:b:n, a:b:n:log or x,y,z)", p->name,
                               text);
        double a = 0, b = 0, nn = 0;
        if ((s = parse_num(p, f[0], &a, err)) || (s = parse_num(p, f[1], &b, err)) ||
            (s = parse_num(p, f[2], &nn, err)))
            return s;
        if (!(nn >= 1 && nn == floor(nn) && nn <= 1e7))
            return cav_err_set(err, CAV_EINVAL,
                               "%s: grid '%s' needs a whole number of points n >= 1", p->name,
                               text);
        if (!isfinite(a) || !isfinite(b))
            return cav_err_set(err, CAV_EINVAL, "%s: grid '%s' has a non-finite endpoint", p->name,
                               text);
        if (islog && !(a > 0 && b > 0))
            return cav_err_set(err, CAV_EINVAL,
                               "%s: logarithmic grid '%s' needs positive endpoints", p->name, text);
        cnt = (size_t)nn;
        out = malloc(cnt * sizeof *out);
        if (!out) return cav_err_set(err, CAV_ENOMEM, "out of memory");
        for (size_t i = 0; i < cnt; i++) {
            double t = cnt > 1 ? (double)i / (double)(cnt - 1) : 0.0;
            double x = islog ? exp(log(a) + t * (log(b) - log(a))) : a + t * (b - a);
            if (i == 0) x = a;
            if (cnt > 1 && i == cnt - 1) x = b;
            if (p->kind == CAV_PARAM_INT) x = nearbyint(x);
            out[i] = x;
        }
    } else {
        /* List x,y,z (a single value is a list of one). */
        size_t cap = 1;
        for (const char *c = buf; *c; c++)
            cap += *c == ',';
        out = malloc(cap * sizeof *out);
        if (!out) return cav_err_set(err, CAV_ENOMEM, "out of memory");
        char *q = buf;
        for (;;) {
            char *comma = strchr(q, ',');
            if (comma) *comma = '\0';
            if (!*q) {
                free(out);
                return cav_err_set(err, CAV_EINVAL, "%s: malformed grid '%s' (empty item)", p->name,
                                   text);
            }
            if (is_choice(p)) {
                s = cav_param_parse(p, q, &out[cnt], err);
            } else {
                s = parse_num(p, q, &out[cnt], err);
            }
            if (s) {
                free(out);
                return s;
            }
            cnt++;
            if (!comma) break;
            q = comma + 1;
        }
    }
    for (size_t i = 0; i < cnt; i++) {
        s = cav_param_check(p, out[i], err);
        if (s) {
            free(out);
            return s;
        }
    }
    *vals = out;
    *n = cnt;
    return CAV_OK;
}

int cav_grid_set(cav_grid *g, const char *name, const char *text, cav_err *err)
{
    const cav_model *m = g->model;
    int i = cav_model_param_index(m, name);
    if (i < 0) {
        char names[1024];
        size_t k = 0;
        names[0] = '\0';
        for (int j = 0; j < m->nparams && k < sizeof names; j++)
            k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", j ? ", " : "",
                                  m->params[j].name);
        return cav_err_set(err, CAV_EINVAL, "unknown parameter '%s' of model %s; parameters: %s",
                           name, m->name, names);
    }
    double *vals;
    size_t n;
    int s = cav_grid_parse(&m->params[i], text, &vals, &n, err);
    if (s) return s;
    free(g->vals[i]);
    g->vals[i] = vals;
    g->n[i] = n;
    int seen = 0;
    for (int j = 0; j < g->nset; j++)
        seen |= g->order[j] == i;
    if (!seen && g->nset < CAV_MAX_PARAMS) g->order[g->nset++] = i;
    return CAV_OK;
}

int cav_grid_chain(const cav_grid *g, int kind)
{
    const cav_model *m = g->model;
    if (g->chain >= 0 && g->chain < m->nparams && g->n[g->chain] > 1 &&
        cav_param_used(&m->params[g->chain], kind))
        return g->chain;
    for (int j = 0; j < g->nset; j++) {
        int i = g->order[j];
        if (g->n[i] > 1 && cav_param_used(&m->params[i], kind)) return i;
    }
    return -1;
}

/* Number of values of parameter i for kind. */
static size_t nvals(const cav_grid *g, int kind, int i)
{
    return cav_param_used(&g->model->params[i], kind) ? g->n[i] : 1;
}

size_t cav_grid_size(const cav_grid *g, int kind)
{
    size_t n = 1;
    for (int i = 0; i < g->model->nparams; i++)
        n *= nvals(g, kind, i);
    return n;
}

size_t cav_grid_chain_len(const cav_grid *g, int kind)
{
    int c = cav_grid_chain(g, kind);
    return c < 0 ? 1 : g->n[c];
}

void cav_grid_point(const cav_grid *g, int kind, size_t idx, double *v)
{
    const cav_model *m = g->model;
    int c = cav_grid_chain(g, kind);
    if (c >= 0) {
        v[c] = g->vals[c][idx % g->n[c]];
        idx /= g->n[c];
    }
    /* Remaining parameters: the last in spec order varies fastest. */
    for (int i = m->nparams - 1; i >= 0; i--) {
        if (i == c) continue;
        size_t n = nvals(g, kind, i);
        v[i] = g->vals[i][idx % n];
        idx /= n;
    }
}

int cav_grid_check(const cav_grid *g, int kind, cav_err *err)
{
    const cav_model *m = g->model;
    size_t n = cav_grid_size(g, kind);
    double v[CAV_MAX_PARAMS];
    for (size_t i = 0; i < n; i++) {
        cav_grid_point(g, kind, i, v);
        int s = cav_model_check(m, kind, v, err);
        if (s) {
            char key[CAV_KEY_LEN], msg[CAV_ERR_MSG_LEN];
            cav_key_format(m, kind, v, key, sizeof key);
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            return cav_err_set(err, s, "%s (at %s)", msg, key);
        }
    }
    return CAV_OK;
}

int cav_key_format(const cav_model *m, int kind, const double *v, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < m->nparams; i++) {
        if (!cav_param_used(&m->params[i], kind)) continue;
        char val[64];
        if (m->params[i].kind == CAV_PARAM_REAL)
            cav_fmt_double(v[i], val, sizeof val);
        else
            cav_param_format(&m->params[i], v[i], val, sizeof val);
        int w = snprintf(buf + k, len - k, "%s%s=%s", k ? "," : "", m->params[i].name, val);
        if (w < 0 || (size_t)w >= len - k) return CAV_EINVAL;
        k += (size_t)w;
    }
    return CAV_OK;
}
