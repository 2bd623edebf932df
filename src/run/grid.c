/* Parameter grids and canonical keys (see cavity/run.h).
 *
 * A grid holds the values of every parameter of a model; its points are the cartesian product.
 * Points are enumerated with the continuation ("chain") axis fastest so that a theory chain —
 * the points along that axis with every other parameter fixed — is one contiguous block, which
 * the runner hands to a single worker (warm starts then never depend on the thread count). */
#include "cavity/run.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
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

int cav_grid_copy(cav_grid *dst, const cav_grid *src, cav_err *err)
{
    *dst = *src;
    for (int i = 0; i < CAV_MAX_PARAMS; i++) {
        dst->vals[i] = NULL;
        if (!src->vals[i]) continue;
        dst->vals[i] = malloc(src->n[i] * sizeof(double));
        if (!dst->vals[i]) {
            cav_grid_free(dst);
            return cav_err_set(err, CAV_ENOMEM, "out of memory copying a grid");
        }
        memcpy(dst->vals[i], src->vals[i], src->n[i] * sizeof(double));
    }
    return CAV_OK;
}

int cav_grid_set_chain(cav_grid *g, const char *name, cav_err *err)
{
    int i = cav_model_param_index(g->model, name);
    if (i < 0)
        return cav_err_set(err, CAV_EINVAL, "chain: unknown parameter of model %s", g->model->name);
    g->chain = i;
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

static int is_choice(const cav_param_spec *p)
{
    return p->kind == CAV_PARAM_CHOICE || p->kind == CAV_PARAM_TYPE;
}

/* Split text at sep into at most max fields (empty fields kept): returns the count, or -1 when
 * there are more. Fields point into buf (modified). */
static int split(char *buf, char sep, char **f, int max)
{
    int n = 0;
    for (char *c = buf;;) {
        if (n == max) return -1;
        f[n++] = c;
        char *e = strchr(c, sep);
        if (!e) break;
        *e = '\0';
        c = e + 1;
    }
    return n;
}

/* Range a:b:n[:log]: n values from a to b (endpoints exact), every value inside the range of
 * the parameter because both endpoints are; integer parameters round to the nearest integer
 * and must not produce the same value twice. */
static int parse_range(const cav_param_spec *p, char *buf, const char *shown, double **vals,
                       size_t *n, cav_err *err)
{
    char *f[5];
    int nf = split(buf, ':', f, 5);
    for (int i = 0; i < nf; i++)
        if (!*f[i])
            return cav_err_set(err, CAV_EINVAL, "%s: malformed grid '%s' (empty field %d)", p->name,
                               shown, i + 1);
    int islog = nf == 4 && strcmp(f[3], "log") == 0;
    if (!(nf == 3 || islog))
        return cav_err_set(err, CAV_EINVAL,
                           "%s: malformed grid '%s' (use a:b:n, a:b:n:log or x,y,z)", p->name,
                           shown);
    double a, b;
    int s = cav_param_parse(p, f[0], &a, err);
    if (!s) s = cav_param_parse(p, f[1], &b, err);
    if (s) return s;
    char *end = NULL;
    errno = 0;
    long long cnt = strtoll(f[2], &end, 10);
    if (*end || !isdigit((unsigned char)*f[2]))
        return cav_err_set(err, CAV_EINVAL, "%s: grid '%s': point count is not a number", p->name,
                           shown);
    if (errno || cnt < 1 || cnt > CAV_GRID_MAX_VALUES)
        return cav_err_set(err, CAV_EINVAL,
                           "%s: grid '%s' needs a whole number of points n >= 1 (at most %d)",
                           p->name, shown, CAV_GRID_MAX_VALUES);
    if (islog && !(a > 0 && b > 0))
        return cav_err_set(err, CAV_EINVAL, "%s: logarithmic grid '%s' needs positive endpoints",
                           p->name, shown);
    if (cnt > 1 && a == b)
        return cav_err_set(err, CAV_EINVAL, "%s: grid '%s' repeats one value %lld times", p->name,
                           shown, cnt);
    if (p->kind == CAV_PARAM_INT && cnt > 1 && (double)(cnt - 1) > fabs(b - a))
        return cav_err_set(err, CAV_EINVAL,
                           "%s: grid '%s' has more points than integers between its endpoints",
                           p->name, shown);
    double *out = malloc((size_t)cnt * sizeof *out);
    if (!out)
        return cav_err_set(err, CAV_ENOMEM, "%s: out of memory for %lld values", p->name, cnt);
    for (long long i = 0; i < cnt; i++) {
        double t = cnt > 1 ? (double)i / (double)(cnt - 1) : 0.0;
        double x = islog ? exp(log(a) + t * (log(b) - log(a))) : a + t * (b - a);
        if (i == 0) x = a;
        if (cnt > 1 && i == cnt - 1) x = b;
        if (p->kind == CAV_PARAM_INT) x = nearbyint(x);
        /* Rounding inside the interval cannot leave it: clamp what floating point might. */
        x = fmin(fmax(x, fmin(a, b)), fmax(a, b));
        out[i] = x == 0 ? 0.0 : x;
    }
    *vals = out;
    *n = (size_t)cnt;
    return CAV_OK;
}

/* List x,y,z: every item a value of the parameter, none twice. */
static int parse_list(const cav_param_spec *p, char *buf, const char *shown, double **vals,
                      size_t *n, cav_err *err)
{
    size_t cap = 1;
    for (const char *c = buf; *c; c++)
        cap += *c == ',';
    char **f = malloc(cap * sizeof *f);
    double *out = malloc(cap * sizeof *out);
    int s = CAV_OK;
    if (!f || !out) {
        s = cav_err_set(err, CAV_ENOMEM, "%s: out of memory", p->name);
        goto fail;
    }
    split(buf, ',', f, (int)cap);
    for (size_t i = 0; i < cap; i++) {
        if (!*f[i]) {
            s = cav_err_set(err, CAV_EINVAL, "%s: malformed grid '%s' (empty item %zu)", p->name,
                            shown, i + 1);
            goto fail;
        }
        if ((s = cav_param_parse(p, f[i], &out[i], err))) goto fail;
        for (size_t j = 0; j < i; j++)
            if (out[j] == out[i]) {
                char v[64];
                cav_param_format(p, out[i], v, sizeof v);
                s = cav_err_set(err, CAV_EINVAL, "%s: value %s appears twice in '%s'", p->name, v,
                                shown);
                goto fail;
            }
    }
    free(f);
    *vals = out;
    *n = cap;
    return CAV_OK;
fail:
    free(f);
    free(out);
    return s;
}

int cav_grid_parse(const cav_param_spec *p, const char *text, double **vals, size_t *n,
                   cav_err *err)
{
    *vals = NULL;
    *n = 0;
    char shown[200];
    cav_text_escape(text, shown, sizeof shown);
    size_t len = strlen(text);
    if (len == 0) return cav_err_set(err, CAV_EINVAL, "%s: empty value", p->name);
    if (len >= CAV_GRID_MAX_TEXT)
        return cav_err_set(err, CAV_EINVAL, "%s: grid text of %zu bytes is too long (at most %d)",
                           p->name, len, CAV_GRID_MAX_TEXT - 1);
    char buf[CAV_GRID_MAX_TEXT];
    memcpy(buf, text, len + 1);
    if (strchr(buf, ':') && !is_choice(p)) return parse_range(p, buf, shown, vals, n, err);
    return parse_list(p, buf, shown, vals, n, err);
}

/* Give parameter i the values vals[0..n) (owned by g from now on), in the order set. */
static void grid_put(cav_grid *g, int i, double *vals, size_t n)
{
    free(g->vals[i]);
    g->vals[i] = vals;
    g->n[i] = n;
    int seen = 0;
    for (int j = 0; j < g->nset; j++)
        seen |= g->order[j] == i;
    if (!seen && g->nset < CAV_MAX_PARAMS) g->order[g->nset++] = i;
}

int cav_grid_set(cav_grid *g, const char *name, const char *text, cav_err *err)
{
    const cav_model *m = g->model;
    int i = cav_model_param_find(m, name, err);
    if (i < 0) return CAV_EINVAL;
    double *vals;
    size_t n;
    int s = cav_grid_parse(&m->params[i], text, &vals, &n, err);
    if (s) return s;
    grid_put(g, i, vals, n);
    return CAV_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int cav_grid_set_values(cav_grid *g, const char *name, const double *v, size_t n, cav_err *err)
{
    const cav_model *m = g->model;
    int i = cav_model_param_find(m, name, err);
    if (i < 0) return CAV_EINVAL;
    const cav_param_spec *p = &m->params[i];
    if (n == 0) return cav_err_set(err, CAV_EINVAL, "%s: empty value", p->name);
    if (n > CAV_GRID_MAX_VALUES)
        return cav_err_set(err, CAV_EINVAL, "%s: %zu values (at most %d)", p->name, n,
                           CAV_GRID_MAX_VALUES);
    double *vals = malloc(n * sizeof *vals), *sorted = malloc(n * sizeof *sorted);
    int s = vals && sorted
                ? CAV_OK
                : cav_err_set(err, CAV_ENOMEM, "%s: out of memory for %zu values", p->name, n);
    for (size_t k = 0; !s && k < n; k++) {
        vals[k] = v[k] == 0 ? 0.0 : v[k]; /* -0 and 0 are one point */
        s = cav_param_check(p, vals[k], err);
    }
    /* No value twice: sorted neighbours differ (n log n, for long arrays). */
    if (!s) {
        memcpy(sorted, vals, n * sizeof *vals);
        qsort(sorted, n, sizeof *sorted, cmp_double);
    }
    for (size_t k = 1; !s && k < n; k++)
        if (sorted[k] == sorted[k - 1]) {
            char t[64];
            cav_param_format(p, sorted[k], t, sizeof t);
            s = cav_err_set(err, CAV_EINVAL, "%s: value %s appears twice in the list", p->name, t);
        }
    free(sorted);
    if (s) {
        free(vals);
        return s;
    }
    grid_put(g, i, vals, n);
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
    for (int i = 0; i < g->model->nparams; i++) {
        size_t k = nvals(g, kind, i);
        if (k && n > SIZE_MAX / k) return SIZE_MAX;
        n *= k;
    }
    return n;
}

int cav_grid_count(const cav_grid *g, int kind, size_t *n, cav_err *err)
{
    double total = 1;
    for (int i = 0; i < g->model->nparams; i++)
        total *= (double)nvals(g, kind, i);
    *n = cav_grid_size(g, kind);
    if (total > CAV_GRID_MAX_POINTS)
        return cav_err_set(err, CAV_EINVAL,
                           "the %s grid has %.6g points, more than the limit of %d; split the "
                           "sweep into several runs",
                           cav_kind_name(kind), total, CAV_GRID_MAX_POINTS);
    return CAV_OK;
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
    size_t n;
    int s = cav_grid_count(g, kind, &n, err);
    if (s) return s;
    double v[CAV_MAX_PARAMS];
    for (size_t i = 0; i < n; i++) {
        cav_grid_point(g, kind, i, v);
        s = cav_model_check(m, kind, v, err);
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
        if ((m->params[i].flags & CAV_PF_ADDED) && v[i] == m->params[i].def) continue;
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
