/* The binding API (cavity/api.h): sweeps, quantities and stored results as text tables, with the
 * command line's checks (run/sweep.h) and a cancel flag. The registry descriptions in JSON are
 * in api_json.c. */
#include "cavity/api.h"
#include "cavity/run.h"
#include "run/api_internal.h"
#include "run/sweep.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cav_api *cav_api_new(void)
{
    cav_api *a = calloc(1, sizeof *a);
    if (a) atomic_init(&a->cancel, 0);
    return a;
}

void cav_api_free(cav_api *a)
{
    if (!a) return;
    free(a->text);
    free(a->warn);
    free(a);
}

void cav_api_cancel(cav_api *a, int on)
{
    atomic_store(&a->cancel, on ? 1 : 0);
}

const char *cav_api_text(const cav_api *a)
{
    return a->text ? a->text : "";
}

const char *cav_api_message(const cav_api *a)
{
    return a->msg;
}

const char *cav_api_warnings(const cav_api *a)
{
    return a->warn ? a->warn : "";
}

long cav_api_total(const cav_api *a)
{
    return a->total;
}

long cav_api_failed(const cav_api *a)
{
    return a->failed;
}

long cav_api_stored(const cav_api *a)
{
    return a->stored;
}

void cav_api_reset(cav_api *a)
{
    free(a->text);
    free(a->warn);
    a->text = a->warn = NULL;
    a->warnlen = 0;
    a->msg[0] = '\0';
    a->total = a->failed = a->stored = 0;
}

int cav_api_fail(cav_api *a, const cav_err *err, int status)
{
    snprintf(a->msg, sizeof a->msg, "%s", err->msg);
    return status;
}

void cav_api_set_text(cav_api *a, char *text)
{
    free(a->text);
    a->text = text;
}

/* Append one warning line. */
static void warn(cav_api *a, const char *line)
{
    size_t n = strlen(line);
    char *w = realloc(a->warn, a->warnlen + n + 2);
    if (!w) return;
    memcpy(w + a->warnlen, line, n);
    w[a->warnlen + n] = '\n';
    w[a->warnlen + n + 1] = '\0';
    a->warn = w;
    a->warnlen += n + 1;
}

/* A text written by fn(f, ctx) into memory, set as the text of a. */
static int write_text(cav_api *a, int (*fn)(FILE *f, void *ctx, cav_err *err), void *ctx,
                      cav_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return cav_err_set(err, CAV_ENOMEM, "out of memory for a table");
    int s = fn(f, ctx, err);
    if (fclose(f) && !s) s = cav_err_set(err, CAV_ENOMEM, "out of memory for a table");
    if (s) {
        free(buf);
        return s;
    }
    cav_api_set_text(a, buf);
    return CAV_OK;
}

typedef struct tables {
    const cav_run *const *runs;
    size_t nruns;
    int format;
} tables;

static int write_tables(FILE *f, void *ctx, cav_err *err)
{
    const tables *t = ctx;
    return cav_table_write(f, t->format, t->runs, t->nruns, err);
}

/* Counts and failure lines of the runs (the command line reports the same lines on stderr). */
static void account(cav_api *a, cav_run *const *runs, size_t nruns)
{
    size_t shown = 0;
    for (size_t k = 0; k < nruns; k++) {
        const cav_run *r = runs[k];
        for (size_t i = 0; i < r->npoints * r->nseeds; i++) {
            size_t p = i / r->nseeds, s = i % r->nseeds;
            a->total++;
            a->stored += cav_run_stored(r, p, s) != 0;
            if (cav_run_result(r, p, s)->status == CAV_OK) continue;
            a->failed++;
            if (shown++ < 20) {
                char line[CAV_KEY_LEN + 2 * CAV_ERR_MSG_LEN];
                cav_sweep_failure(r, p, s, line, sizeof line);
                warn(a, line);
            }
        }
    }
    if (shown > 20) {
        char line[64];
        snprintf(line, sizeof line, "... and %zu more failures", shown - 20);
        warn(a, line);
    }
}

static void note_damaged(cav_api *a, const cav_store *st, const char *what)
{
    char bad[CAV_ERR_MSG_LEN], line[CAV_ERR_MSG_LEN + 64];
    long nbad = cav_store_damaged(st, bad, sizeof bad);
    if (nbad <= 0) return;
    snprintf(line, sizeof line, "%s; %ld damaged row(s) %s", bad, nbad, what);
    warn(a, line);
}

/* The options of a sweep and the commands that take them (as on the command line). */
typedef enum { OPT_JOBS, OPT_SEEDS, OPT_SEED, OPT_STORE, OPT_RECOMPUTE, OPT_MEMORY, OPT_STR } opt;
static const struct {
    const char *name;
    opt kind;
    unsigned cmds;
} options[] = {
    {"jobs", OPT_JOBS, CAV_SWEEP_THEORY | CAV_SWEEP_SIMULATE | CAV_SWEEP_COMPARE},
    {"seeds", OPT_SEEDS, CAV_SWEEP_SIMULATE | CAV_SWEEP_COMPARE},
    {"seed", OPT_SEED, CAV_SWEEP_SIMULATE | CAV_SWEEP_COMPARE},
    {"store", OPT_STORE, CAV_SWEEP_THEORY | CAV_SWEEP_SIMULATE | CAV_SWEEP_COMPARE},
    {"recompute", OPT_RECOMPUTE, CAV_SWEEP_THEORY | CAV_SWEEP_SIMULATE | CAV_SWEEP_COMPARE},
    {"max-memory", OPT_MEMORY, CAV_SWEEP_THEORY | CAV_SWEEP_SIMULATE | CAV_SWEEP_COMPARE},
    {"x", OPT_STR, CAV_SWEEP_COMPARE},
    {"y", OPT_STR, CAV_SWEEP_COMPARE},
    {"by", OPT_STR, CAV_SWEEP_COMPARE},
    {"heat", OPT_STR, CAV_SWEEP_COMPARE},
    {"marks", OPT_STR, CAV_SWEEP_COMPARE},
    {"theory-grid", OPT_STR, CAV_SWEEP_COMPARE},
    {"sim-grid", OPT_STR, CAV_SWEEP_COMPARE},
};

typedef struct request {
    cav_sweep_args sw;
    const char *store;
    int recompute;
} request;

/* Record the pairs into q, checking option values as the command line does. */
static int parse_pairs(unsigned cmd, const char *cmdname, int n, const char *const *names,
                       const char *const *texts, const double *const *values, const size_t *counts,
                       request *q, cav_err *err)
{
    if (n < 0 || (n > 0 && (!names || !texts)))
        return cav_err_set(err, CAV_EINVAL, "%d name / text pairs without the arrays", n);
    for (int i = 0; i < n; i++) {
        const char *name = names[i], *text = texts[i];
        if (!name || !*name) return cav_err_set(err, CAV_EINVAL, "an empty parameter name");
        char shown[160];
        cav_text_escape(name, shown, sizeof shown);
        int arr = !text && values && counts && values[i];
        if (!text && !arr) return cav_err_set(err, CAV_EINVAL, "--%s needs a value", shown);
        int k = -1;
        for (size_t j = 0; j < sizeof options / sizeof options[0]; j++)
            if (!strcmp(options[j].name, name)) k = (int)j;
        if (k >= 0 && !(options[k].cmds & cmd))
            return cav_err_set(err, CAV_EINVAL, "--%s is not an option of `cavity %s`", shown,
                               cmdname);
        long x = 0;
        int s = CAV_OK;
        if (arr && k >= 0) return cav_err_set(err, CAV_EINVAL, "--%s takes a text", shown);
        switch (k < 0 ? -1 : (int)options[k].kind) {
        case OPT_JOBS:
            if (!(s = cav_sweep_opt_int(name, text, 1, CAV_SWEEP_JOBS_MAX, &x, err)))
                q->sw.jobs = (int)x;
            break;
        case OPT_SEEDS:
            if (!(s = cav_sweep_opt_int(name, text, 1, CAV_SWEEP_SEEDS_MAX, &x, err))) {
                q->sw.nseeds = (int)x;
                q->sw.seeds_set = 1;
            }
            break;
        case OPT_SEED:
            if (!(s = cav_sweep_opt_int(name, text, 0, CAV_SWEEP_SEED_MAX, &x, err)))
                q->sw.seed0 = x;
            break;
        case OPT_STORE:
            q->store = text;
            break;
        case OPT_RECOMPUTE:
            if (strcmp(text, "0") && strcmp(text, "1")) {
                char tshown[160];
                cav_text_escape(text, tshown, sizeof tshown);
                return cav_err_set(err, CAV_EINVAL, "--recompute: '%s' is not 0 or 1", tshown);
            }
            q->recompute = text[0] == '1';
            break;
        case OPT_MEMORY:
            if (!(s = cav_sweep_opt_memory(text, &q->sw.max_memory_gb, err))) q->sw.memory_set = 1;
            break;
        case OPT_STR: {
            const char **field = !strcmp(name, "x")             ? &q->sw.x
                                 : !strcmp(name, "y")           ? &q->sw.y
                                 : !strcmp(name, "by")          ? &q->sw.by
                                 : !strcmp(name, "heat")        ? &q->sw.heat
                                 : !strcmp(name, "marks")       ? &q->sw.marks
                                 : !strcmp(name, "theory-grid") ? &q->sw.tgrid
                                                                : &q->sw.sgrid;
            *field = text;
            break;
        }
        default:
            if (q->sw.nparams == CAV_SWEEP_MAX_PARAM_ARGS)
                return cav_err_set(err, CAV_EINVAL, "too many parameter options (at most %d)",
                                   CAV_SWEEP_MAX_PARAM_ARGS);
            q->sw.pname[q->sw.nparams] = name;
            q->sw.pnamelen[q->sw.nparams] = strlen(name);
            q->sw.pvals[q->sw.nparams] = arr ? values[i] : NULL;
            q->sw.pnvals[q->sw.nparams] = arr ? counts[i] : 0;
            q->sw.ptext[q->sw.nparams++] = text;
        }
        if (s) return s;
    }
    return CAV_OK;
}

static int poll_cancel(void *ctx)
{
    cav_api *a = ctx;
    return atomic_load(&a->cancel);
}

int cav_api_sweep(cav_api *a, const char *command, const char *model, int n,
                  const char *const *names, const char *const *texts, const double *const *values,
                  const size_t *counts, int format)
{
    cav_api_reset(a);
    cav_err err = {0};
    const char *cmdname = command ? command : "";
    unsigned cmd = !strcmp(cmdname, "theory")     ? CAV_SWEEP_THEORY
                   : !strcmp(cmdname, "simulate") ? CAV_SWEEP_SIMULATE
                   : !strcmp(cmdname, "compare")  ? CAV_SWEEP_COMPARE
                                                  : 0;
    if (!cmd) {
        char shown[160];
        cav_text_escape(cmdname, shown, sizeof shown);
        cav_err_set(&err, CAV_EINVAL, "unknown command '%s'; commands: theory, simulate, compare",
                    shown);
        return cav_api_fail(a, &err, CAV_EINVAL);
    }
    if (format != CAV_FMT_CSV && format != CAV_FMT_JSON) {
        cav_err_set(&err, CAV_EINVAL, "format = %d: CAV_FMT_CSV (0) or CAV_FMT_JSON (1)", format);
        return cav_api_fail(a, &err, CAV_EINVAL);
    }
    const cav_model *m = cav_sweep_model(model, &err);
    if (!m) return cav_api_fail(a, &err, CAV_EINVAL);
    request q;
    memset(&q, 0, sizeof q);
    q.sw.jobs = 1;
    q.sw.nseeds = 10;
    q.sw.seed0 = 1;
    int s = parse_pairs(cmd, cmdname, n, names, texts, values, counts, &q, &err);
    if (s) return cav_api_fail(a, &err, s);
    cav_sweep_plan p;
    if ((s = cav_sweep_plan_build(&p, m, cmd, &q.sw, &err))) {
        cav_sweep_plan_free(&p);
        return cav_api_fail(a, &err, CAV_EINVAL);
    }
    /* A store that cannot be opened is refused before work, as bad input (the command line's
     * exit code 2). */
    cav_store *store = NULL;
    if (q.store && cav_store_open(q.store, CAV_STORE_WRITE, &store, &err)) {
        cav_sweep_plan_free(&p);
        return cav_api_fail(a, &err, CAV_EINVAL);
    }
    cav_run *runs[2] = {NULL, NULL};
    size_t nruns = 0;
    int status = CAV_OK;
    cav_err runerr = {0};
    for (int k = 0; k < 2 && status == CAV_OK; k++) {
        if (!p.have[k]) continue;
        cav_run_opts o;
        cav_run_opts_init(&o);
        o.kind = k;
        o.jobs = q.sw.jobs;
        o.nseeds = q.sw.nseeds;
        o.seed0 = (uint64_t)q.sw.seed0;
        o.recompute = q.recompute;
        o.store = store;
        o.cancel = poll_cancel;
        o.ctx = a;
        status = cav_run_exec(&p.g[k], &o, &runs[nruns], &runerr);
        if (runs[nruns]) nruns++; /* what was computed is kept, also after a failure */
    }
    account(a, runs, nruns);
    tables t = {(const cav_run *const *)runs, nruns, format};
    s = nruns ? write_text(a, write_tables, &t, &err) : CAV_OK;
    if (store) note_damaged(a, store, "recomputed");
    for (size_t k = 0; k < nruns; k++)
        cav_run_free(runs[k]);
    cav_store_close(store);
    cav_sweep_plan_free(&p);
    if (status) return cav_api_fail(a, &runerr, status);
    return s ? cav_api_fail(a, &err, s) : CAV_OK;
}

typedef struct qtable {
    const cav_grid *g;
    const cav_model_quantity *q;
    cav_api *a;
    size_t failed, n, shown;
} qtable;

static void quantity_fail(void *ctx, size_t i, const char *msg)
{
    qtable *t = ctx;
    char line[CAV_ERR_MSG_LEN + 160];
    if (t->shown++ >= 20) return;
    snprintf(line, sizeof line, "%s %s point %zu: %s", t->q->name, t->g->model->name, i + 1, msg);
    warn(t->a, line);
}

static int write_quantity(FILE *f, void *ctx, cav_err *err)
{
    qtable *t = ctx;
    return cav_sweep_quantity_write(f, t->g, t->q, quantity_fail, t, &t->failed, &t->n, err);
}

int cav_api_quantity(cav_api *a, const char *quantity, const char *model, int n,
                     const char *const *names, const char *const *texts)
{
    cav_api_reset(a);
    cav_err err = {0};
    const cav_model *m = cav_sweep_model(model, &err);
    if (!m) return cav_api_fail(a, &err, CAV_EINVAL);
    const cav_model_quantity *qu = cav_sweep_quantity(m, quantity, &err);
    if (!qu) return cav_api_fail(a, &err, CAV_EINVAL);
    if (n < 0 || (n > 0 && (!names || !texts))) {
        cav_err_set(&err, CAV_EINVAL, "%d name / text pairs without the arrays", n);
        return cav_api_fail(a, &err, CAV_EINVAL);
    }
    cav_grid g;
    int s = cav_grid_init(&g, m, &err);
    if (s) return cav_api_fail(a, &err, s);
    for (int i = 0; i < n && !s; i++) {
        if (!names[i] || !texts[i])
            s = cav_err_set(&err, CAV_EINVAL, "a parameter name or text is missing");
        else
            s = cav_sweep_quantity_set(&g, qu, names[i], texts[i], &err);
    }
    if (!s) s = cav_grid_check(&g, CAV_KIND_THEORY, &err);
    if (s) {
        cav_grid_free(&g);
        return cav_api_fail(a, &err, s);
    }
    qtable t = {&g, qu, a, 0, 0, 0};
    s = write_text(a, write_quantity, &t, &err);
    if (t.shown > 20) {
        char line[64];
        snprintf(line, sizeof line, "... and %zu more failures", t.shown - 20);
        warn(a, line);
    }
    a->total = (long)t.n;
    a->failed = (long)t.failed;
    cav_grid_free(&g);
    return s ? cav_api_fail(a, &err, s) : CAV_OK;
}

int cav_api_load(cav_api *a, const char *path, const char *model, const char *kind, int n,
                 const char *const *where, int format)
{
    cav_api_reset(a);
    cav_err err = {0};
    const cav_model *m = cav_sweep_model(model, &err);
    if (!m) return cav_api_fail(a, &err, CAV_EINVAL);
    int k0 = 0, k1 = 1;
    if (kind) {
        if (!strcmp(kind, "theory")) {
            k1 = 0;
        } else if (!strcmp(kind, "simulation")) {
            k0 = 1;
        } else {
            char shown[160];
            cav_text_escape(kind, shown, sizeof shown);
            cav_err_set(&err, CAV_EINVAL, "kind '%s': one of theory, simulation", shown);
            return cav_api_fail(a, &err, CAV_EINVAL);
        }
    }
    if (format != CAV_FMT_CSV && format != CAV_FMT_JSON) {
        cav_err_set(&err, CAV_EINVAL, "format = %d: CAV_FMT_CSV (0) or CAV_FMT_JSON (1)", format);
        return cav_api_fail(a, &err, CAV_EINVAL);
    }
    if (n < 0 || (n > 0 && !where)) {
        cav_err_set(&err, CAV_EINVAL, "%d filters without the array", n);
        return cav_api_fail(a, &err, CAV_EINVAL);
    }
    if (!path) {
        cav_err_set(&err, CAV_EINVAL, "missing STORE");
        return cav_api_fail(a, &err, CAV_EINVAL);
    }
    cav_store *st = NULL;
    if (cav_store_open(path, CAV_STORE_READ, &st, &err)) return cav_api_fail(a, &err, CAV_EINVAL);
    cav_run *runs[2] = {NULL, NULL};
    const cav_run *use[2];
    size_t nuse = 0, nloaded = 0;
    int s = CAV_OK;
    for (int k = k0; k <= k1 && !s; k++) {
        s = cav_run_load(st, m, k, where, (size_t)n, &runs[nloaded], &err);
        if (!s && runs[nloaded]->npoints) use[nuse++] = runs[nloaded];
        if (runs[nloaded]) nloaded++;
    }
    if (!s) {
        /* Nothing stored: the header of the table alone. */
        if (!nuse)
            for (size_t k = 0; k < nloaded; k++)
                use[nuse++] = runs[k];
        account(a, runs, nloaded);
        tables t = {use, nuse, format};
        s = write_text(a, write_tables, &t, &err);
        note_damaged(a, st, "left out");
    }
    for (size_t k = 0; k < nloaded; k++)
        cav_run_free(runs[k]);
    cav_store_close(st);
    return s ? cav_api_fail(a, &err, s) : CAV_OK;
}
