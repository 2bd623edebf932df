/* Planning a sweep command from texts (run/sweep.h): the checks the command line and the
 * binding API share, so that both refuse the same input with the same message before any work.
 * Also the model usage text, the description of a failed computation and model quantities. */
#include "run/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const cav_model *cav_sweep_model(const char *name, cav_err *err)
{
    const cav_model *m = name ? cav_model_find(name) : NULL;
    if (!m) {
        char shown[160];
        cav_text_escape(name ? name : "", shown, sizeof shown);
        if (name)
            cav_err_set(err, CAV_EINVAL, "unknown model '%s'; models: %s", shown,
                        cav_model_names());
        else
            cav_err_set(err, CAV_EINVAL, "missing MODEL; models: %s", cav_model_names());
    }
    return m;
}

int cav_sweep_opt_int(const char *name, const char *text, long lo, long hi, long *out, cav_err *err)
{
    char *end = NULL;
    long x = strtol(text, &end, 10);
    if (!*text || *end || x < lo || x > hi || *text == ' ') {
        char shown[160];
        cav_text_escape(text, shown, sizeof shown);
        return cav_err_set(err, CAV_EINVAL, "--%s: '%s' is not an integer in [%ld, %ld]", name,
                           shown, lo, hi);
    }
    *out = x;
    return CAV_OK;
}

int cav_sweep_opt_memory(const char *text, double *gb, cav_err *err)
{
    char *end = NULL;
    double x = strtod(text, &end);
    if (!*text || *end || !(x >= 0) || x > 1e6) {
        char shown[160];
        cav_text_escape(text, shown, sizeof shown);
        return cav_err_set(err, CAV_EINVAL,
                           "--max-memory: '%s' is not a number of GB in [0, 1e6] (0: no limit)",
                           shown);
    }
    *gb = x;
    return CAV_OK;
}

void cav_sweep_plan_free(cav_sweep_plan *p)
{
    for (int k = 0; k < 2; k++)
        if (p->have[k]) cav_grid_free(&p->g[k]);
    p->have[0] = p->have[1] = 0;
}

/* The name of parameter argument i as a terminated string. */
static void param_name(const cav_sweep_args *a, int i, char *buf, size_t len)
{
    size_t n = a->pnamelen[i] < len - 1 ? a->pnamelen[i] : len - 1;
    memcpy(buf, a->pname[i], n);
    buf[n] = '\0';
}

/* Resolve the parameter arguments against the model (unknown names, parameters of the other
 * kind, a parameter given twice) before any grid is built. */
static int check_param_names(const cav_model *m, unsigned cmd, const cav_sweep_args *a,
                             cav_err *err)
{
    for (int i = 0; i < a->nparams; i++) {
        char name[64];
        param_name(a, i, name, sizeof name);
        int pi = cav_model_param_find(m, name, err);
        if (pi < 0) return CAV_EINVAL;
        unsigned flags = m->params[pi].flags;
        if (cmd == CAV_SWEEP_THEORY && (flags & CAV_PF_SIM))
            return cav_err_set(err, CAV_EINVAL,
                               "--%s: used only by simulation, not a theory parameter (use "
                               "`cavity simulate` or `cavity compare`)",
                               name);
        if (cmd == CAV_SWEEP_SIMULATE && (flags & CAV_PF_THEORY))
            return cav_err_set(err, CAV_EINVAL,
                               "--%s: used only by theory, not a simulation parameter", name);
        for (int j = 0; j < i; j++)
            if (a->pnamelen[j] == a->pnamelen[i] &&
                !strncmp(a->pname[j], a->pname[i], a->pnamelen[i]))
                return cav_err_set(
                    err, CAV_EINVAL,
                    "--%s given twice; give one grid (a list x,y,z for several values)", name);
    }
    return CAV_OK;
}

/* Set parameter argument i (named `name`) on g: its text, or its values. */
static int set_param(cav_grid *g, const cav_sweep_args *a, int i, const char *name, cav_err *err)
{
    return a->ptext[i] ? cav_grid_set(g, name, a->ptext[i], err)
                       : cav_grid_set_values(g, name, a->pvals[i], a->pnvals[i], err);
}

/* Apply the parameter arguments to g, skipping `skip` (the compare x axis, set separately). */
static int apply_params(cav_grid *g, const cav_sweep_args *a, const char *skip, cav_err *err)
{
    for (int i = 0; i < a->nparams; i++) {
        char name[64];
        param_name(a, i, name, sizeof name);
        if (skip && !strcmp(name, skip)) continue;
        int s = set_param(g, a, i, name, err);
        if (s) return s;
    }
    return CAV_OK;
}

/* The index of the argument of parameter `name`, or -1. */
static int param_arg(const cav_sweep_args *a, const char *name)
{
    for (int i = 0; i < a->nparams; i++)
        if (a->pnamelen[i] == strlen(name) && !strncmp(a->pname[i], name, a->pnamelen[i])) return i;
    return -1;
}

/* Apply the model's compare_set ("name=value;name=v1,v2") to g; the key "seeds" sets the
 * default number of seeds (unless --seeds was given). */
static int apply_compare_set(const cav_model *m, cav_grid *g, cav_sweep_args *a, cav_err *err)
{
    if (!m->compare_set) return CAV_OK;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", m->compare_set);
    char *save = NULL;
    for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) continue;
        *eq = '\0';
        if (!strcmp(t, "seeds") && cav_model_param_index(m, t) < 0) {
            long ns = strtol(eq + 1, NULL, 10);
            if (!a->seeds_set && ns >= 1 && ns <= CAV_SWEEP_SEEDS_MAX) a->nseeds = (int)ns;
            continue;
        }
        cav_err e = {0};
        int s = cav_grid_set(g, t, eq + 1, &e);
        if (s) return cav_err_set(err, s, "model %s compare_set: %s", m->name, e.msg);
    }
    return CAV_OK;
}

/* The figure can be written: a known format, gnuplot present, and the file creatable (a file
 * that did not exist is removed again). */
static int check_figure(const char *out, cav_err *err)
{
    if (cav_figure_format(out, err) < 0 || !cav_figure_gnuplot(err)) return CAV_EINVAL;
    int existed = access(out, F_OK) == 0;
    FILE *f = fopen(out, "a");
    if (!f) {
        char shown[300];
        cav_text_escape(out, shown, sizeof shown);
        return cav_err_set(err, CAV_EINVAL,
                           "-o: cannot write the figure '%s' (check that the directory exists "
                           "and is writable)",
                           shown);
    }
    fclose(f);
    if (!existed) remove(out);
    return CAV_OK;
}

int cav_sweep_figure_kind(const cav_model *m, const char **heat, const char **marks, const char *x,
                          cav_err *err)
{
    if (!*heat)
        *heat = m->compare_heat;
    else if (!**heat)
        *heat = NULL;
    if (!*marks)
        *marks = m->compare_marks;
    else if (!**marks)
        *marks = NULL;
    if (*heat) {
        int hi = cav_model_param_index(m, *heat);
        if (hi < 0 || (x && !strcmp(*heat, x))) {
            char shown[160];
            cav_text_escape(*heat, shown, sizeof shown);
            return cav_err_set(err, CAV_EINVAL,
                               "--heat: '%s' must be a parameter of model %s other than --x", shown,
                               m->name);
        }
    }
    if (*marks) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", *marks);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (cav_model_obs_index(m, t) < 0) {
                char shown[160];
                cav_text_escape(t, shown, sizeof shown);
                return cav_err_set(err, CAV_EINVAL, "--marks: unknown observable '%s' of model %s",
                                   shown, m->name);
            }
    }
    return CAV_OK;
}

/* compare: x, y, by, the figure kind, the figure, then the grids. */
static int plan_compare(cav_sweep_plan *p, cav_sweep_args *a, cav_err *err)
{
    const cav_model *m = p->m;
    if (!m->theory || !m->simulate)
        return cav_err_set(err, CAV_EINVAL, "model %s lacks %s; compare needs both", m->name,
                           m->theory ? "a simulation" : "a theory");
    p->x = a->x ? a->x : m->compare_x;
    /* x is a parameter (swept), or, for a model with a per-row axis (time steps), an output
     * column such as the axis itself: then theory and simulation run at the model's
     * parameters and every row is a point of the curve. */
    int xi = p->x ? cav_model_param_index(m, p->x) : -1;
    int x_is_obs = xi < 0 && p->x && m->axis && cav_model_obs_index(m, p->x) >= 0;
    if (xi < 0 && !x_is_obs) {
        char shown[160];
        cav_text_escape(p->x ? p->x : "(none)", shown, sizeof shown);
        return cav_err_set(err, CAV_EINVAL,
                           m->axis ? "--x: '%s' is neither a parameter nor an output column of %s"
                                   : "--x: '%s' is not a parameter of %s",
                           shown, m->name);
    }
    if (x_is_obs && (a->tgrid || a->sgrid))
        return cav_err_set(err, CAV_EINVAL,
                           "--%s: x = '%s' is an output column of %s, not a parameter (the rows "
                           "are its values)",
                           a->tgrid ? "theory-grid" : "sim-grid", p->x, m->name);
    p->y = a->y ? a->y : m->compare_y ? m->compare_y : m->obs[0].name;
    p->by = a->by ? a->by : m->compare_by;
    if (p->by && cav_model_param_index(m, p->by) < 0) {
        char shown[160];
        cav_text_escape(p->by, shown, sizeof shown);
        return cav_err_set(err, CAV_EINVAL, "--by: unknown parameter '%s' of model %s", shown,
                           m->name);
    }
    p->heat = a->heat;
    p->marks = a->marks;
    int s;
    if ((s = cav_sweep_figure_kind(m, &p->heat, &p->marks, p->x, err))) return s;
    char ybuf[512];
    snprintf(ybuf, sizeof ybuf, "%s", p->y);
    char *save = NULL;
    for (char *t = strtok_r(ybuf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (cav_model_obs_index(m, t) < 0) {
            char shown[160];
            cav_text_escape(t, shown, sizeof shown);
            return cav_err_set(err, CAV_EINVAL, "--y: unknown observable '%s' of model %s", shown,
                               m->name);
        }
    snprintf(p->out_buf, sizeof p->out_buf, "%s.svg", m->name);
    p->out = a->out ? a->out : p->out_buf;
    if (a->figure && (s = check_figure(p->out, err))) return s;

    /* Grids: compare defaults, the user's values, then x (a value given as --x's parameter is
     * the x grid of both kinds unless --theory-grid / --sim-grid say otherwise). */
    if ((s = cav_grid_init(&p->g[0], m, err))) return s;
    p->have[0] = 1;
    if ((s = apply_compare_set(m, &p->g[0], a, err)) ||
        (s = apply_params(&p->g[0], a, xi >= 0 ? p->x : NULL, err)))
        return s;
    if ((s = cav_grid_copy(&p->g[1], &p->g[0], err))) return s;
    p->have[1] = 1;
    if (xi >= 0) {
        int given = param_arg(a, p->x);
        for (int k = 0; k < 2; k++) {
            const char *own = k ? a->sgrid : a->tgrid;
            const char *def = k ? m->compare_sim : m->compare_theory;
            if (own)
                s = cav_grid_set(&p->g[k], p->x, own, err);
            else if (given >= 0)
                s = set_param(&p->g[k], a, given, p->x, err);
            else if (def)
                s = cav_grid_set(&p->g[k], p->x, def, err);
            if (s) return s;
        }
        cav_grid_set_chain(&p->g[0], p->x, NULL);
        cav_grid_set_chain(&p->g[1], p->x, NULL);
    }
    return CAV_OK;
}

/* Available memory in bytes (MemAvailable of /proc/meminfo, else free pages), 0 if unknown. */
static double available_memory(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        double kb = 0;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
        fclose(f);
        if (kb > 0) return kb * 1024.0;
    }
    long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

/* The memory a run needs: the largest computation of each kind times the workers that can run
 * at once, plus the runner's bookkeeping per point and seed. Refused above the limit. */
static int check_memory(const cav_sweep_plan *p, const cav_sweep_args *a, cav_err *err)
{
    double need = 0, one = 0, book = 0;
    for (int k = 0; k < 2; k++) {
        if (!p->have[k]) continue;
        size_t n = cav_grid_size(&p->g[k], k);
        size_t seeds = k == CAV_KIND_SIM ? (size_t)a->nseeds : 1;
        double v[CAV_MAX_PARAMS], mx = 0;
        for (size_t i = 0; i < n; i++) {
            cav_grid_point(&p->g[k], k, i, v);
            double b = cav_model_memory(p->m, k, v);
            if (b > mx) mx = b;
        }
        double units = (double)n * (double)seeds, workers = a->jobs < units ? a->jobs : units;
        /* The runner: a pointer and a flag per computation, then each result as it exists
         * (a cav_result with its seed, wall time and warm vector). */
        double b = units * (9.0 + sizeof(cav_result) + 24.0 + 8.0 * p->m->nwarm);
        one = mx > one ? mx : one;
        book += b;
        need = need > mx * workers + b ? need : mx * workers + b;
    }
    double limit = a->memory_set ? a->max_memory_gb * 1e9 : available_memory();
    if (limit <= 0 || need <= limit) return CAV_OK;
    return cav_err_set(err, CAV_EINVAL,
                       "this run needs about %.3g GB (%.3g GB per computation x %d jobs, %.3g GB "
                       "of bookkeeping) and %.3g GB are %s; use fewer points or jobs, smaller "
                       "sizes, or --max-memory GB to change the limit (0: no check)",
                       need / 1e9, one / 1e9, a->jobs, book / 1e9, limit / 1e9,
                       a->memory_set ? "allowed by --max-memory" : "available");
}

int cav_sweep_plan_build(cav_sweep_plan *p, const cav_model *m, unsigned cmd, cav_sweep_args *a,
                         cav_err *err)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    p->cmd = cmd;
    int s = check_param_names(m, cmd, a, err);
    if (s) return s;
    if (cmd == CAV_SWEEP_COMPARE) {
        if ((s = plan_compare(p, a, err))) return s;
    } else {
        int k = cmd == CAV_SWEEP_THEORY ? CAV_KIND_THEORY : CAV_KIND_SIM;
        if (k == CAV_KIND_THEORY ? !m->theory : !m->simulate)
            return cav_err_set(err, CAV_EINVAL, "model %s has no %s", m->name, cav_kind_name(k));
        if ((s = cav_grid_init(&p->g[k], m, err))) return s;
        p->have[k] = 1;
        if ((s = apply_params(&p->g[k], a, NULL, err))) return s;
    }
    for (int k = 0; k < 2; k++)
        if (p->have[k] && (s = cav_grid_check(&p->g[k], k, err))) return s;
    return check_memory(p, a, err);
}

void cav_sweep_failure(const cav_run *r, size_t p, size_t s, char *buf, size_t len)
{
    const cav_result *x = cav_run_result(r, p, s);
    char seed[48] = "", key[CAV_KEY_LEN];
    if (r->kind == CAV_KIND_SIM) snprintf(seed, sizeof seed, " seed %ld", cav_run_seed(r, p, s));
    cav_run_key(r, p, key, sizeof key);
    snprintf(buf, len, "%s %s%s: %s: %s", cav_kind_name(r->kind), key, seed,
             cav_status_name(x->status), x->msg);
}

void cav_sweep_model_help(FILE *f, const cav_model *m)
{
    fprintf(f, "%s — %s\npaper: %s\n\nparameters (grids: a:b:n, a:b:n:log, x,y,z):\n", m->name,
            m->summary ? m->summary : "", m->paper ? m->paper : "-");
    for (int i = 0; i < m->nparams; i++) {
        const cav_param_spec *p = &m->params[i];
        char def[64], rng[512];
        if (p->kind == CAV_PARAM_REAL)
            cav_fmt_double(p->def, def, sizeof def);
        else
            cav_param_format(p, p->def, def, sizeof def);
        cav_param_range(p, rng, sizeof rng);
        const char *kind = p->kind == CAV_PARAM_REAL  ? "real"
                           : p->kind == CAV_PARAM_INT ? "integer"
                                                      : "choice";
        /* (a CAV_PARAM_TYPE field is a choice among registered block types) */
        fprintf(f, "  --%-14s %s. %s, default %s, %s%s\n", p->name, p->help ? p->help : "", kind,
                def, rng,
                p->flags & CAV_PF_SIM      ? " [simulation only]"
                : p->flags & CAV_PF_THEORY ? " [theory only]"
                                           : "");
    }
    fprintf(f, "\nobservables:\n");
    for (int j = 0; j < m->nobs; j++)
        fprintf(f, "  %-16s %s\n", m->obs[j].name, m->obs[j].help ? m->obs[j].help : "");
    if (m->axis) fprintf(f, "  (one row per value of %s)\n", m->axis);
    for (int j = 0; j < m->nquantities; j++)
        fprintf(f, "%s  cavity %s %s: %s (columns %s)\n", j ? "" : "\nquantities:\n",
                m->quantities[j].name, m->name, m->quantities[j].help, m->quantities[j].outputs);
    fprintf(f, "\nentry points: %s%s\n", m->theory ? "theory " : "", m->simulate ? "simulate" : "");
    if (m->compare_x)
        fprintf(f, "compare defaults: --x %s --theory-grid %s --sim-grid %s --y %s%s%s%s%s\n",
                m->compare_x, m->compare_theory ? m->compare_theory : "-",
                m->compare_sim ? m->compare_sim : "-", m->compare_y ? m->compare_y : "-",
                m->compare_by ? " --by " : "", m->compare_by ? m->compare_by : "",
                m->compare_set ? " with " : "", m->compare_set ? m->compare_set : "");
}

const cav_model_quantity *cav_sweep_quantity(const cav_model *m, const char *name, cav_err *err)
{
    const cav_model_quantity *q = cav_model_quantity_find(m, name);
    if (!q) {
        char shown[160];
        cav_text_escape(name ? name : "", shown, sizeof shown);
        cav_err_set(err, CAV_EINVAL, "model %s has no quantity '%s'", m->name, shown);
    }
    return q;
}

int cav_sweep_quantity_set(cav_grid *g, const cav_model_quantity *q, const char *pname,
                           const char *text, cav_err *err)
{
    const cav_model *m = g->model;
    int pi = cav_model_param_index(m, pname);
    if (pi < 0 || !cav_model_quantity_uses(q, pname)) {
        char shown[160];
        cav_text_escape(pname, shown, sizeof shown);
        return cav_err_set(err, CAV_EINVAL,
                           "--%s: not a parameter of `cavity %s %s`; its parameters: %s", shown,
                           q->name, m->name, q->uses && *q->uses ? q->uses : "none");
    }
    return cav_grid_set(g, pname, text, err);
}

int cav_sweep_quantity_write(FILE *f, const cav_grid *g, const cav_model_quantity *q,
                             void (*fail)(void *ctx, size_t i, const char *msg), void *ctx,
                             size_t *nfailed, size_t *npoints, cav_err *err)
{
    const cav_model *m = g->model;
    /* Columns: the parameters the quantity uses, in spec order. */
    int cols[CAV_MAX_PARAMS], ncols = 0;
    for (int k = 0; k < m->nparams; k++)
        if (cav_model_quantity_uses(q, m->params[k].name)) cols[ncols++] = k;
    for (int c = 0; c < ncols; c++)
        fprintf(f, "%s,", m->params[cols[c]].name);
    fprintf(f, "%s,status\n", q->outputs);
    int nout = cav_model_quantity_noutputs(q);
    size_t n = cav_grid_size(g, CAV_KIND_THEORY), failed = 0;
    for (size_t i = 0; i < n; i++) {
        double v[CAV_MAX_PARAMS], values[CAV_MAX_QUANTITY_OUTPUTS];
        char buf[64];
        cav_grid_point(g, CAV_KIND_THEORY, i, v);
        cav_err e = {0};
        int st = cav_model_quantity_compute(m, q, v, values, &e);
        for (int c = 0; c < ncols; c++) {
            cav_param_format(&m->params[cols[c]], v[cols[c]], buf, sizeof buf);
            fprintf(f, "%s,", buf);
        }
        for (int k = 0; k < nout; k++) {
            cav_fmt_double(st == CAV_OK ? values[k] : NAN, buf, sizeof buf);
            fprintf(f, "%s,", buf);
        }
        fprintf(f, "%s\n", cav_status_name(st));
        if (st != CAV_OK) {
            failed++;
            if (fail) fail(ctx, i, e.msg);
        }
    }
    *nfailed = failed;
    *npoints = n;
    return ferror(f) ? cav_err_set(err, CAV_EIO, "quantity table: write error") : CAV_OK;
}
