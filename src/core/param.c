/* Typed parameter fields (see cavity/param.h): checking, parsing and formatting coordinates, and
 * moving them in and out of a parameter struct through the field table. */
#include "cavity/param.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cav_param_used(const cav_param_spec *p, int kind)
{
    if (kind == 0) return !(p->flags & CAV_PF_SIM);
    return !(p->flags & CAV_PF_THEORY);
}

void cav_fmt_double(double x, char *buf, size_t len)
{
    if (isnan(x)) {
        snprintf(buf, len, "nan");
        return;
    }
    if (isinf(x)) {
        snprintf(buf, len, x > 0 ? "inf" : "-inf");
        return;
    }
    /* Integers print as integers (30, not the equally short-round-tripping 3e+01). */
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(buf, len, "%.0f", x);
        return;
    }
    /* The shortest precision that reads back: the p-digit rounding of x reads back for every p
     * at or above the shortest one (a longer rounding is closer to x). For a normal double the
     * 15-digit rounding is the shortest one padded with zeros whenever that reads back (half an
     * ulp is below half a unit of the 15th digit), and %g drops the zeros: so try 15, 16, 17
     * (the same text as the bisection below, checked on 3e7 doubles, at half its cost). */
    if (fabs(x) >= DBL_MIN) {
        for (int p = 15; p < 17; p++) {
            snprintf(buf, len, "%.*g", p, x);
            if (strtod(buf, NULL) == x) return;
        }
        snprintf(buf, len, "%.17g", x);
        return;
    }
    /* Subnormals carry fewer digits: bisect on p. */
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(buf, len, "%.*g", mid, x);
        if (strtod(buf, NULL) == x)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(buf, len, "%.*g", lo, x);
}

int cav_list_has(const char *list, const char *item, size_t n)
{
    for (const char *c = list; c && *c;) {
        const char *e = strchr(c, ',');
        size_t k = e ? (size_t)(e - c) : strlen(c);
        if (k == n && strncmp(c, item, n) == 0) return 1;
        c = e ? e + 1 : c + k;
    }
    return 0;
}

void cav_text_escape(const char *in, char *out, size_t len)
{
    size_t k = 0;
    if (!len) return;
    for (const unsigned char *c = (const unsigned char *)in; c && *c; c++) {
        char e[8];
        if (*c >= 0x20 && *c < 0x7f && *c != '\\')
            e[0] = (char)*c, e[1] = '\0';
        else if (*c == '\\')
            snprintf(e, sizeof e, "\\\\");
        else
            snprintf(e, sizeof e, "\\x%02x", *c);
        size_t n = strlen(e);
        if (k + n + 4 >= len) { /* room for "..." and the terminator */
            snprintf(out + k, len - k, "...");
            return;
        }
        memcpy(out + k, e, n);
        k += n;
    }
    out[k] = '\0';
}

static int nchoices(const cav_param_spec *p)
{
    int n = 0;
    while (p->choices && p->choices[n])
        n++;
    return n;
}

int cav_param_choice_index(const cav_param_spec *p, const char *name)
{
    for (int i = 0; name && p->choices && p->choices[i]; i++)
        if (strcmp(p->choices[i], name) == 0) return i;
    return -1;
}

static void choice_list(const cav_param_spec *p, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = '\0';
    for (const char *const *c = p->choices; c && *c && k < len; c++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? ", " : "", *c);
}

/* Shortest %g form of x that reads back exactly (at least 6 digits). */
static void shortest(double x, char *buf, size_t len)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
}

static int is_choice(const cav_param_spec *p)
{
    return p->kind == CAV_PARAM_CHOICE || p->kind == CAV_PARAM_TYPE;
}

void cav_param_range(const cav_param_spec *p, char *buf, size_t len)
{
    if (is_choice(p)) {
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
    snprintf(buf, len, "%s%s, %s%s%s", (p->flags & CAV_PF_LO_OPEN) || isinf(p->lo) ? "(" : "[", lo,
             hi, (p->flags & CAV_PF_HI_OPEN) || isinf(p->hi) ? ")" : "]",
             p->kind == CAV_PARAM_INT ? " (integer)" : "");
}

/* The check, with the value shown as `shown` (the user's text, or the number). */
static int check_shown(const cav_param_spec *p, double x, const char *shown, cav_err *err)
{
    char r[300];
    if (is_choice(p)) {
        if (!(x >= 0 && x < nchoices(p) && x == floor(x))) {
            cav_param_range(p, r, sizeof r);
            return cav_err_set(err, CAV_EINVAL, "%s: invalid choice; allowed %s", p->name, r);
        }
        return CAV_OK;
    }
    int bad = !isfinite(x) || (p->kind == CAV_PARAM_INT && x != floor(x));
    int below = (p->flags & CAV_PF_LO_OPEN) ? !(x > p->lo) : !(x >= p->lo);
    int above = (p->flags & CAV_PF_HI_OPEN) ? !(x < p->hi) : !(x <= p->hi);
    if (!bad && !below && !above) return CAV_OK;
    cav_param_range(p, r, sizeof r);
    char num[40];
    if (!shown) {
        snprintf(num, sizeof num, "%g", x);
        shown = num;
    }
    if (!isfinite(x))
        return cav_err_set(err, CAV_EINVAL, "%s = %s is not a finite number; allowed %s", p->name,
                           shown, r);
    if (bad)
        return cav_err_set(err, CAV_EINVAL, "%s = %s is not an integer; allowed %s", p->name, shown,
                           r);
    return cav_err_set(err, CAV_EINVAL, "%s = %s is out of range; allowed %s", p->name, shown, r);
}

int cav_param_check(const cav_param_spec *p, double x, cav_err *err)
{
    return check_shown(p, x, NULL, err);
}

int cav_param_parse(const cav_param_spec *p, const char *text, double *value, cav_err *err)
{
    char shown[160];
    cav_text_escape(text, shown, sizeof shown);
    if (is_choice(p)) {
        int i = cav_param_choice_index(p, text);
        if (i >= 0) {
            *value = i;
            return CAV_OK;
        }
        char c[256];
        choice_list(p, c, sizeof c);
        return cav_err_set(err, CAV_EINVAL, "%s: unknown value '%s'; allowed: %s", p->name, shown,
                           c);
    }
    char *end = NULL;
    errno = 0;
    double x = text && *text && !strchr(" \t\n\v\f\r", *text) ? strtod(text, &end) : 0;
    if (!end || end == text || *end != '\0') {
        char r[300];
        cav_param_range(p, r, sizeof r);
        return cav_err_set(err, CAV_EINVAL, "%s: '%s' is not a number; allowed %s", p->name, shown,
                           r);
    }
    if (errno == ERANGE && (isinf(x) || x == 0 || fabs(x) < 2.2250738585072014e-308)) {
        char r[300];
        cav_param_range(p, r, sizeof r);
        return cav_err_set(err, CAV_EINVAL, "%s = %s %s a double; allowed %s", p->name, shown,
                           isinf(x) ? "overflows" : "underflows", r);
    }
    if (x == 0) x = 0.0; /* -0 and 0 are one point */
    *value = x;
    return check_shown(p, x, shown, err);
}

void cav_param_format(const cav_param_spec *p, double value, char *buf, size_t len)
{
    if (is_choice(p)) {
        int i = (int)value;
        snprintf(buf, len, "%s", i >= 0 && i < nchoices(p) ? p->choices[i] : "?");
    } else if (p->kind == CAV_PARAM_INT) {
        snprintf(buf, len, "%.0f", value);
    } else {
        cav_fmt_double(value, buf, len);
    }
}

int cav_param_put(const cav_param_spec *p, void *s, double coord)
{
    char *f = (char *)s + p->offset;
    switch (p->kind) {
    case CAV_PARAM_REAL:
        memcpy(f, &coord, sizeof coord);
        return CAV_OK;
    case CAV_PARAM_INT: {
        long x = (long)coord;
        memcpy(f, &x, sizeof x);
        return CAV_OK;
    }
    case CAV_PARAM_CHOICE: {
        int x = (int)coord;
        memcpy(f, &x, sizeof x);
        return CAV_OK;
    }
    case CAV_PARAM_TYPE: {
        int i = (int)coord;
        const void *t = i >= 0 && i < nchoices(p) && p->find ? p->find(p->choices[i]) : NULL;
        memcpy(f, &t, sizeof t);
        return t ? CAV_OK : CAV_EINVAL;
    }
    }
    return CAV_EINVAL;
}

double cav_param_get(const cav_param_spec *p, const void *s)
{
    const char *f = (const char *)s + p->offset;
    switch (p->kind) {
    case CAV_PARAM_REAL: {
        double x;
        memcpy(&x, f, sizeof x);
        return x;
    }
    case CAV_PARAM_INT: {
        long x;
        memcpy(&x, f, sizeof x);
        return (double)x;
    }
    case CAV_PARAM_CHOICE: {
        int x;
        memcpy(&x, f, sizeof x);
        return x;
    }
    case CAV_PARAM_TYPE: {
        /* Every block type table starts with its name (const char *). */
        const char *const *t;
        memcpy(&t, f, sizeof t);
        return t ? cav_param_choice_index(p, *t) : -1;
    }
    }
    return NAN;
}

int cav_params_put(const cav_param_spec *spec, int n, const double *v, void *s)
{
    int st = CAV_OK;
    for (int i = 0; i < n; i++)
        if (cav_param_put(&spec[i], s, v[i]) && !st) st = CAV_EINVAL;
    return st;
}

void cav_params_get(const cav_param_spec *spec, int n, const void *s, double *v)
{
    for (int i = 0; i < n; i++)
        v[i] = cav_param_get(&spec[i], s);
}

void cav_params_default_coords(const cav_param_spec *spec, int n, double *v)
{
    for (int i = 0; i < n; i++)
        v[i] = spec[i].def;
}

int cav_params_defaults(const cav_param_spec *spec, int n, void *s)
{
    int st = CAV_OK;
    for (int i = 0; i < n; i++)
        if (cav_param_put(&spec[i], s, spec[i].def) && !st) st = CAV_EINVAL;
    return st;
}

int cav_params_index(const cav_param_spec *spec, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(spec[i].name, name) == 0) return i;
    return -1;
}
