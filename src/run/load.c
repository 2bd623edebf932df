/* Rebuild runs from the results store (see cavity/run.h, cav_run_load), for `cavity plot`.
 *
 * Rows of one model and kind are grouped by canonical key into points (seeds of a simulation
 * point become its seed results), optionally filtered by "name=value" clauses, and sorted by
 * parameter values so that curves are drawn in order. A point stored with fewer seeds than the
 * others reads as status CAV_CONTINUE ("missing seed") at the others, which cav_run_mean skips. */
#include "cavity/run.h"
#include "run/internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct lpoint {
    char key[CAV_KEY_LEN];
    double v[CAV_MAX_PARAMS];
    size_t n, cap;
    cav_result *res;
    long *seed;
    double *wall;
} lpoint;

typedef struct loader {
    const cav_model *m;
    int kind;
    int nwhere;
    int widx[CAV_MAX_PARAMS];
    double wval[CAV_MAX_PARAMS];
    lpoint *pts;
    size_t n, cap;
} loader;

/* Move a result (and ownership of its rows) from src to dst. */
static void move_result(cav_result *dst, cav_result *src)
{
    *dst = *src;
    if (src->rows == src->obs) {
        dst->rows = dst->obs;
    } else {
        src->rows = src->obs;
        src->nrows = 1;
    }
}

static int on_row(void *ctx, const char *key, long seed, const char *pj, cav_result *res,
                  double wall, cav_err *err)
{
    loader *L = ctx;
    const cav_model *m = L->m;
    double v[CAV_MAX_PARAMS] = {0};
    cav_model_default_coords(m, v);
    cJSON *o = cJSON_Parse(pj);
    if (!o) return cav_err_set(err, CAV_EIO, "store: malformed parameters '%.80s'", pj);
    for (int i = 0; i < m->nparams; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, m->params[i].name);
        if (cJSON_IsNumber(x))
            v[i] = x->valuedouble;
        else if (cJSON_IsString(x)) {
            double c;
            if (cav_param_parse(&m->params[i], x->valuestring, &c, NULL) == CAV_OK) v[i] = c;
        } else if (cJSON_IsNull(x))
            v[i] = NAN;
    }
    cJSON_Delete(o);
    for (int w = 0; w < L->nwhere; w++)
        if (!(v[L->widx[w]] == L->wval[w])) return CAV_OK;
    lpoint *pt = L->n ? &L->pts[L->n - 1] : NULL;
    if (!pt || strcmp(pt->key, key) != 0) {
        if (L->n == L->cap) {
            size_t nc = L->cap ? 2 * L->cap : 16;
            lpoint *np = realloc(L->pts, nc * sizeof *np);
            if (!np) return cav_err_set(err, CAV_ENOMEM, "out of memory");
            L->pts = np;
            L->cap = nc;
        }
        pt = &L->pts[L->n++];
        memset(pt, 0, sizeof *pt);
        snprintf(pt->key, sizeof pt->key, "%s", key);
        memcpy(pt->v, v, sizeof v);
    }
    if (pt->n == pt->cap) {
        size_t nc = pt->cap ? 2 * pt->cap : 4;
        cav_result *nr = realloc(pt->res, nc * sizeof *nr);
        if (nr) {
            /* realloc moved the structs: re-point single-row results at their own obs. */
            for (size_t i = 0; i < pt->n; i++)
                if (nr[i].nrows <= 1) nr[i].rows = nr[i].obs;
            pt->res = nr;
        }
        long *ns = realloc(pt->seed, nc * sizeof *ns);
        if (ns) pt->seed = ns;
        double *nw = realloc(pt->wall, nc * sizeof *nw);
        if (nw) pt->wall = nw;
        if (!nr || !ns || !nw) return cav_err_set(err, CAV_ENOMEM, "out of memory");
        pt->cap = nc;
    }
    move_result(&pt->res[pt->n], res);
    pt->seed[pt->n] = seed;
    pt->wall[pt->n] = wall;
    pt->n++;
    return CAV_OK;
}

/* Values beyond the model's parameters are zero, so all CAV_MAX_PARAMS can be compared. */
static int cmp_points(const void *a, const void *b)
{
    const lpoint *x = a, *y = b;
    for (int i = 0; i < CAV_MAX_PARAMS; i++) {
        if (x->v[i] < y->v[i]) return -1;
        if (x->v[i] > y->v[i]) return 1;
    }
    return strcmp(x->key, y->key);
}

static void free_points(loader *L)
{
    for (size_t i = 0; i < L->n; i++) {
        for (size_t s = 0; s < L->pts[i].n; s++)
            cav_result_release(&L->pts[i].res[s]);
        free(L->pts[i].res);
        free(L->pts[i].seed);
        free(L->pts[i].wall);
    }
    free(L->pts);
}

int cav_run_load(cav_store *s, const cav_model *m, int kind, const char *const *where,
                 size_t nwhere, cav_run **out, cav_err *err)
{
    *out = NULL;
    loader L;
    memset(&L, 0, sizeof L);
    L.m = m;
    L.kind = kind;
    if (nwhere > CAV_MAX_PARAMS) return cav_err_set(err, CAV_EINVAL, "too many --where clauses");
    for (size_t w = 0; w < nwhere; w++) {
        const char *eq = strchr(where[w], '=');
        char name[128];
        if (!eq || eq == where[w] || (size_t)(eq - where[w]) >= sizeof name)
            return cav_err_set(err, CAV_EINVAL, "where: '%s' is not name=value", where[w]);
        memcpy(name, where[w], (size_t)(eq - where[w]));
        name[eq - where[w]] = '\0';
        int i = cav_model_param_index(m, name);
        if (i < 0)
            return cav_err_set(err, CAV_EINVAL, "where: unknown parameter '%s' of model %s", name,
                               m->name);
        int st = cav_param_parse(&m->params[i], eq + 1, &L.wval[L.nwhere], err);
        if (st) return st;
        L.widx[L.nwhere++] = i;
    }
    int st = cav_store_scan(s, m, kind, on_row, &L, err);
    if (st) {
        free_points(&L);
        return st;
    }
    if (L.n > 1) qsort(L.pts, L.n, sizeof *L.pts, cmp_points);
    for (size_t i = 0; i < L.n; i++)
        for (size_t k = 0; k < L.pts[i].n; k++)
            if (L.pts[i].res[k].nrows <= 1) L.pts[i].res[k].rows = L.pts[i].res[k].obs;
    size_t ns = 1;
    for (size_t i = 0; i < L.n; i++)
        if (L.pts[i].n > ns) ns = L.pts[i].n;
    cav_run *r = cav_run_alloc(m, kind, L.n, ns);
    if (r) r->v = malloc((L.n ? L.n : 1) * (size_t)m->nparams * sizeof *r->v);
    if (!r || !r->v) {
        cav_run_free(r);
        free_points(&L);
        return cav_err_set(err, CAV_ENOMEM, "out of memory");
    }
    snprintf(r->none.msg, sizeof r->none.msg, "missing seed");
    for (size_t i = 0; i < L.n; i++) {
        lpoint *pt = &L.pts[i];
        memcpy(r->v + i * (size_t)m->nparams, pt->v, (size_t)m->nparams * sizeof(double));
        for (size_t k = 0; k < pt->n; k++) {
            cav_run_cell *c = cav_run_cell_new(r, 0);
            if (!c) {
                cav_run_free(r);
                free_points(&L);
                return cav_err_set(err, CAV_ENOMEM, "out of memory");
            }
            move_result(&c->res, &pt->res[k]);
            c->seed = pt->seed[k];
            c->wall = pt->wall[k];
            c->stored = 1;
            cav_run_cell_put(r, i, k, c);
        }
    }
    cav_run_count_failed(r);
    free_points(&L);
    *out = r;
    return CAV_OK;
}
