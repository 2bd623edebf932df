/* The results of a sweep (see cavity/run.h, cav_run): points are read from the run's grid (or,
 * for a run loaded from a store, from its coordinates), and each result lives in a cell that is
 * allocated only once the result exists. Before that a point costs one pointer per seed, so
 * the bookkeeping of a large grid does not scale with what a result weighs. */
#include "cavity/run.h"
#include "run/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

cav_run *cav_run_alloc(const cav_model *m, int kind, size_t npoints, size_t nseeds)
{
    cav_run *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    size_t n = npoints * nseeds;
    if (nseeds && n / nseeds != npoints) {
        free(r);
        return NULL;
    }
    r->model = m;
    r->kind = kind;
    r->npoints = npoints;
    r->nseeds = nseeds;
    r->cells = calloc(n ? n : 1, sizeof *r->cells);
    if (!r->cells) {
        free(r);
        return NULL;
    }
    cav_result_init(&r->none, (size_t)m->nobs);
    r->none.status = CAV_CONTINUE;
    snprintf(r->none.msg, sizeof r->none.msg, "not computed");
    return r;
}

static void cell_free(cav_run_cell *c)
{
    if (!c) return;
    cav_result_release(&c->res);
    free(c);
}

void cav_run_free(cav_run *r)
{
    if (!r) return;
    if (r->cells)
        for (size_t i = 0; i < r->npoints * r->nseeds; i++)
            cell_free(r->cells[i]);
    free(r->cells);
    free(r->index);
    free(r->v);
    cav_grid_free(&r->grid);
    free(r);
}

cav_run_cell *cav_run_cell_new(const cav_run *r, int nwarm)
{
    size_t nw = nwarm > 0 ? (size_t)nwarm : 0;
    cav_run_cell *c = malloc(sizeof *c + nw * sizeof(double));
    if (!c) return NULL;
    cav_result_init(&c->res, (size_t)r->model->nobs);
    c->seed = 0;
    c->wall = 0;
    c->stored = 0;
    for (size_t i = 0; i < nw; i++)
        c->warm[i] = NAN;
    return c;
}

void cav_run_cell_put(cav_run *r, size_t p, size_t s, cav_run_cell *c)
{
    cav_run_cell **slot = &r->cells[p * r->nseeds + s];
    if (*slot && *slot != c) cell_free(*slot);
    /* A single-row result points at its own obs: re-point it after the move into the cell. */
    if (c->res.nrows <= 1) c->res.rows = c->res.obs;
    *slot = c;
}

cav_run_cell *cav_run_cell_at(const cav_run *r, size_t p, size_t s)
{
    return r->cells[p * r->nseeds + s];
}

void cav_run_point(const cav_run *r, size_t p, double *v)
{
    size_t np = (size_t)r->model->nparams;
    if (r->v) {
        memcpy(v, r->v + p * np, np * sizeof *v);
        return;
    }
    cav_grid_point(&r->grid, r->kind, r->index ? r->index[p] : p, v);
}

void cav_run_key(const cav_run *r, size_t p, char *buf, size_t len)
{
    double v[CAV_MAX_PARAMS];
    cav_run_point(r, p, v);
    if (cav_key_format(r->model, r->kind, v, buf, len)) snprintf(buf, len, "(key too long)");
}

const cav_result *cav_run_result(const cav_run *r, size_t p, size_t s)
{
    const cav_run_cell *c = r->cells[p * r->nseeds + s];
    return c ? &c->res : &r->none;
}

long cav_run_seed(const cav_run *r, size_t p, size_t s)
{
    const cav_run_cell *c = r->cells[p * r->nseeds + s];
    if (c) return c->seed;
    return r->kind == CAV_KIND_SIM ? (long)(r->seed0 + s) : 0;
}

double cav_run_wall(const cav_run *r, size_t p, size_t s)
{
    const cav_run_cell *c = r->cells[p * r->nseeds + s];
    return c ? c->wall : NAN;
}

int cav_run_stored(const cav_run *r, size_t p, size_t s)
{
    const cav_run_cell *c = r->cells[p * r->nseeds + s];
    return c ? c->stored : 0;
}

void cav_run_count_failed(cav_run *r)
{
    r->nfailed = 0;
    for (size_t p = 0; p < r->npoints; p++)
        for (size_t s = 0; s < r->nseeds; s++)
            r->nfailed += cav_run_result(r, p, s)->status != CAV_OK;
}

/* Seeds that enter the mean of row `row` of point p: the completed ones; when none completed,
 * the failed (not missing) ones, so that a point whose every seed failed (e.g. diverged) still
 * shows the rows its seeds produced before failing, with its failed status beside them. */
static int mean_uses(const cav_run *r, size_t p, size_t row, const cav_result *x)
{
    if (row >= x->nrows) return 0;
    if (x->status == CAV_OK) return 1;
    if (x->status == CAV_CONTINUE) return 0;
    for (size_t s = 0; s < r->nseeds; s++)
        if (cav_run_result(r, p, s)->status == CAV_OK) return 0;
    return 1;
}

void cav_run_mean(const cav_run *r, size_t p, size_t row, double *mean, double *se, size_t *k)
{
    size_t nobs = (size_t)r->model->nobs, cnt = 0;
    for (size_t j = 0; j < nobs; j++)
        mean[j] = se[j] = 0;
    for (size_t s = 0; s < r->nseeds; s++) {
        const cav_result *x = cav_run_result(r, p, s);
        if (!mean_uses(r, p, row, x)) continue;
        cnt++;
        for (size_t j = 0; j < nobs; j++)
            mean[j] += x->rows[row * nobs + j];
    }
    for (size_t j = 0; j < nobs; j++)
        mean[j] = cnt ? mean[j] / (double)cnt : NAN;
    /* Two-pass sample variance (stable), standard error sd / sqrt(k). */
    for (size_t s = 0; s < r->nseeds; s++) {
        const cav_result *x = cav_run_result(r, p, s);
        if (!mean_uses(r, p, row, x)) continue;
        for (size_t j = 0; j < nobs; j++) {
            double d = x->rows[row * nobs + j] - mean[j];
            se[j] += d * d;
        }
    }
    for (size_t j = 0; j < nobs; j++)
        se[j] = cnt > 1 ? sqrt(se[j] / (double)(cnt - 1) / (double)cnt) : NAN;
    *k = cnt;
}

int cav_run_status(const cav_run *r, size_t p, double *residual, long *iterations)
{
    int st = CAV_OK;
    double res = r->nseeds ? -INFINITY : NAN;
    long it = 0;
    for (size_t s = 0; s < r->nseeds; s++) {
        const cav_result *x = cav_run_result(r, p, s);
        if (st == CAV_OK && x->status != CAV_OK) st = x->status;
        if (isnan(x->residual) || x->residual > res) res = x->residual;
        if (x->iterations > it) it = x->iterations;
    }
    if (residual) *residual = isinf(res) ? NAN : res;
    if (iterations) *iterations = it;
    return st;
}
