/* `cavity theory | simulate | compare MODEL [--param GRID ...] [options]`.
 *
 * Three stages, so that nothing is computed before everything is known to be valid:
 *   1. parse: record every option and parameter text (cli_parse), checking option values;
 *   2. plan: resolve the parameters against the model, build the grids (compare: the model's
 *      compare defaults, then the user's values, then the x grids), check every point for every
 *      kind, the figure (-o writable, gnuplot present), and the memory the run needs;
 *   3. run: open the store, run each kind through the library runner, print the table, report
 *      failed points and (compare) draw the figure.
 * Any failure in 1-2 is one "cavity: ..." line and exit 2; every path frees what it holds. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct plan {
    const cav_model *m;
    unsigned cmd;
    cav_grid g[2]; /* theory, simulation grids (compare: both; otherwise the one of kind) */
    int have[2];
    const char *x, *y, *by, *out, *heat, *marks;
    char out_buf[256];
} plan;

static void plan_free(plan *p)
{
    for (int k = 0; k < 2; k++)
        if (p->have[k]) cav_grid_free(&p->g[k]);
}

static void sweep_usage(unsigned cmd)
{
    printf("usage: cavity %s MODEL [--param GRID ...] [options]\n\noptions:\n",
           cli_command_name(cmd));
    if (cmd != CLI_THEORY)
        printf("  --seeds N          seeds per point (default 10; compare: the model's default)\n"
               "  --seed S           first seed (default 1): seed index i uses S + i\n");
    if (cmd == CLI_COMPARE)
        printf("  --x NAME           x-axis parameter (default: the model's compare_x)\n"
               "  --theory-grid G    theory grid of x\n"
               "  --sim-grid G       simulation grid of x\n"
               "  --y LIST           observables to plot (one panel each)\n"
               "  --by NAME          parameter coloured by\n"
               "  --heat NAME        heatmap of the simulated --y over (x, NAME) instead of lines\n"
               "                     (default: the model's compare_heat; '' for lines)\n"
               "  --marks LIST       theory observables drawn as thresholds on the x axis\n"
               "                     (default: the model's compare_marks; '' for none)\n"
               "  -o FILE            figure (.svg, .png, .pdf; default MODEL.svg)\n");
    printf("  --jobs N           parallel workers (default: the number of cores); results do not "
           "depend on N\n"
           "  --store FILE       results store (default cavity.db)\n"
           "  --no-store         do not read or write a store\n"
           "  --recompute        recompute points already in the store\n"
           "  --format csv|json  output table format (default csv)\n"
           "  --progress         progress on stderr even when it is not a terminal\n"
           "  --max-memory GB    refuse runs estimated to need more (default: the memory\n"
           "                     available now; 0: no check)\n"
           "Run `cavity help MODEL` for the parameters of a model.\n");
}

/* The name of parameter argument i as a terminated string. */
static void param_name(const cli_args *a, int i, char *buf, size_t len)
{
    size_t n = a->pnamelen[i] < len - 1 ? a->pnamelen[i] : len - 1;
    memcpy(buf, a->pname[i], n);
    buf[n] = '\0';
}

/* Resolve the parameter arguments against the model (unknown names, parameters of the other
 * kind, a parameter given twice) before any grid is built. */
static int check_param_names(const cav_model *m, unsigned cmd, const cli_args *a)
{
    for (int i = 0; i < a->nparams; i++) {
        char name[64], shown[160];
        param_name(a, i, name, sizeof name);
        cav_text_escape(name, shown, sizeof shown);
        cav_err err = {0};
        int pi = cav_model_param_find(m, name, &err);
        if (pi < 0) {
            cli_error("%s", err.msg);
            return 0;
        }
        unsigned flags = m->params[pi].flags;
        if (cmd == CLI_THEORY && (flags & CAV_PF_SIM)) {
            cli_error("--%s: used only by simulation, not a theory parameter (use `cavity "
                      "simulate` or `cavity compare`)",
                      name);
            return 0;
        }
        if (cmd == CLI_SIMULATE && (flags & CAV_PF_THEORY)) {
            cli_error("--%s: used only by theory, not a simulation parameter", name);
            return 0;
        }
        for (int j = 0; j < i; j++)
            if (a->pnamelen[j] == a->pnamelen[i] &&
                !strncmp(a->pname[j], a->pname[i], a->pnamelen[i])) {
                cli_error("--%s given twice; give one grid (a list x,y,z for several values)",
                          name);
                return 0;
            }
    }
    return 1;
}

/* Apply the parameter arguments to g, skipping `skip` (the compare x axis, set separately). */
static int apply_params(cav_grid *g, const cli_args *a, const char *skip)
{
    for (int i = 0; i < a->nparams; i++) {
        char name[64];
        param_name(a, i, name, sizeof name);
        if (skip && !strcmp(name, skip)) continue;
        cav_err err = {0};
        if (cav_grid_set(g, name, a->ptext[i], &err)) {
            cli_error("%s", err.msg);
            return 0;
        }
    }
    return 1;
}

/* The text the user gave for parameter `name`, or NULL. */
static const char *param_text(const cli_args *a, const char *name)
{
    for (int i = 0; i < a->nparams; i++)
        if (a->pnamelen[i] == strlen(name) && !strncmp(a->pname[i], name, a->pnamelen[i]))
            return a->ptext[i];
    return NULL;
}

/* Apply the model's compare_set ("name=value;name=v1,v2") to g; the key "seeds" sets the
 * default number of seeds (unless --seeds was given). */
static int apply_compare_set(const cav_model *m, cav_grid *g, cli_args *a)
{
    if (!m->compare_set) return 1;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", m->compare_set);
    char *save = NULL;
    for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) continue;
        *eq = '\0';
        if (!strcmp(t, "seeds") && cav_model_param_index(m, t) < 0) {
            long ns = strtol(eq + 1, NULL, 10);
            if (!a->seeds_set && ns >= 1 && ns <= 1000000) a->nseeds = (int)ns;
            continue;
        }
        cav_err err = {0};
        if (cav_grid_set(g, t, eq + 1, &err)) {
            cli_error("model %s compare_set: %s", m->name, err.msg);
            return 0;
        }
    }
    return 1;
}

/* The figure can be written: a known format, gnuplot present, and the file creatable (a file
 * that did not exist is removed again). */
static int check_figure(const char *out)
{
    cav_err err = {0};
    if (cav_figure_format(out, &err) < 0 || !cav_figure_gnuplot(&err)) {
        cli_error("%s", err.msg);
        return 0;
    }
    int existed = access(out, F_OK) == 0;
    FILE *f = fopen(out, "a");
    if (!f) {
        char shown[300];
        cav_text_escape(out, shown, sizeof shown);
        cli_error("-o: cannot write the figure '%s' (check that the directory exists and is "
                  "writable)",
                  shown);
        return 0;
    }
    fclose(f);
    if (!existed) remove(out);
    return 1;
}

/* compare: x, y, by, -o, then the grids. */
static int plan_compare(plan *p, cli_args *a)
{
    const cav_model *m = p->m;
    if (!m->theory || !m->simulate) {
        cli_error("model %s lacks %s; compare needs both", m->name,
                  m->theory ? "a simulation" : "a theory");
        return 0;
    }
    p->x = a->x ? a->x : m->compare_x;
    /* x is a parameter (swept), or, for a model with a per-row axis (time steps), an output
     * column such as the axis itself: then theory and simulation run at the model's
     * parameters and every row is a point of the curve. */
    int xi = p->x ? cav_model_param_index(m, p->x) : -1;
    int x_is_obs = xi < 0 && p->x && m->axis && cav_model_obs_index(m, p->x) >= 0;
    if (xi < 0 && !x_is_obs) {
        char shown[160];
        cav_text_escape(p->x ? p->x : "(none)", shown, sizeof shown);
        cli_error(m->axis ? "--x: '%s' is neither a parameter nor an output column of %s"
                          : "--x: '%s' is not a parameter of %s",
                  shown, m->name);
        return 0;
    }
    if (x_is_obs && (a->tgrid || a->sgrid)) {
        cli_error("--%s: x = '%s' is an output column of %s, not a parameter (the rows are its "
                  "values)",
                  a->tgrid ? "theory-grid" : "sim-grid", p->x, m->name);
        return 0;
    }
    p->y = a->y ? a->y : m->compare_y ? m->compare_y : m->obs[0].name;
    p->by = a->by ? a->by : m->compare_by;
    if (p->by && cav_model_param_index(m, p->by) < 0) {
        char shown[160];
        cav_text_escape(p->by, shown, sizeof shown);
        cli_error("--by: unknown parameter '%s' of model %s", shown, m->name);
        return 0;
    }
    if (!cli_figure_kind(m, a, p->x)) return 0;
    p->heat = a->heat;
    p->marks = a->marks;
    char ybuf[512];
    snprintf(ybuf, sizeof ybuf, "%s", p->y);
    char *save = NULL;
    for (char *t = strtok_r(ybuf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (cav_model_obs_index(m, t) < 0) {
            char shown[160];
            cav_text_escape(t, shown, sizeof shown);
            cli_error("--y: unknown observable '%s' of model %s", shown, m->name);
            return 0;
        }
    snprintf(p->out_buf, sizeof p->out_buf, "%s.svg", m->name);
    p->out = a->out ? a->out : p->out_buf;
    if (!check_figure(p->out)) return 0;

    /* Grids: compare defaults, the user's values, then x (a value given as --x's parameter is
     * the x grid of both kinds unless --theory-grid / --sim-grid say otherwise). */
    cav_err err = {0};
    if (cav_grid_init(&p->g[0], m, &err)) {
        cli_error("%s", err.msg);
        return 0;
    }
    p->have[0] = 1;
    if (!apply_compare_set(m, &p->g[0], a) || !apply_params(&p->g[0], a, xi >= 0 ? p->x : NULL))
        return 0;
    if (cav_grid_copy(&p->g[1], &p->g[0], &err)) {
        cli_error("%s", err.msg);
        return 0;
    }
    p->have[1] = 1;
    if (xi >= 0) {
        const char *given = param_text(a, p->x);
        const char *tg = a->tgrid ? a->tgrid : given ? given : m->compare_theory;
        const char *sg = a->sgrid ? a->sgrid : given ? given : m->compare_sim;
        if ((tg && cav_grid_set(&p->g[0], p->x, tg, &err)) ||
            (sg && cav_grid_set(&p->g[1], p->x, sg, &err))) {
            cli_error("%s", err.msg);
            return 0;
        }
        cav_grid_set_chain(&p->g[0], p->x, NULL);
        cav_grid_set_chain(&p->g[1], p->x, NULL);
    }
    return 1;
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
static int check_memory(const plan *p, const cli_args *a)
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
    if (limit <= 0 || need <= limit) return 1;
    cli_error("this run needs about %.3g GB (%.3g GB per computation x %d jobs, %.3g GB of "
              "bookkeeping) and %.3g GB are %s; use fewer points or jobs, smaller sizes, or "
              "--max-memory GB to change the limit (0: no check)",
              need / 1e9, one / 1e9, a->jobs, book / 1e9, limit / 1e9,
              a->memory_set ? "allowed by --max-memory" : "available");
    return 0;
}

static int plan_build(plan *p, cli_args *a)
{
    const cav_model *m = p->m;
    if (!check_param_names(m, p->cmd, a)) return 0;
    if (p->cmd == CLI_COMPARE) {
        if (!plan_compare(p, a)) return 0;
    } else {
        int k = p->cmd == CLI_THEORY ? CAV_KIND_THEORY : CAV_KIND_SIM;
        if (k == CAV_KIND_THEORY ? !m->theory : !m->simulate) {
            cli_error("model %s has no %s", m->name, cav_kind_name(k));
            return 0;
        }
        cav_err err = {0};
        if (cav_grid_init(&p->g[k], m, &err)) {
            cli_error("%s", err.msg);
            return 0;
        }
        p->have[k] = 1;
        if (!apply_params(&p->g[k], a, NULL)) return 0;
    }
    for (int k = 0; k < 2; k++) {
        cav_err err = {0};
        if (p->have[k] && cav_grid_check(&p->g[k], k, &err)) {
            cli_error("%s", err.msg);
            return 0;
        }
    }
    return check_memory(p, a);
}

static void progress_line(void *ctx, const cav_progress *p)
{
    (void)ctx;
    if (cli_rank != 0) return;
    char eta[32] = "?";
    if (p->eta >= 0) snprintf(eta, sizeof eta, "%.0fs", p->eta);
    fprintf(stderr, "\rcavity: %zu/%zu done, %zu failed, %zu from store, ETA %s   ", p->done,
            p->total, p->failed, p->skipped, eta);
    fflush(stderr);
}

/* Report failed computations on stderr (at most 20 lines). */
static void report_failures(const cav_run *r)
{
    size_t shown = 0;
    for (size_t i = 0; i < r->npoints * r->nseeds; i++) {
        size_t p = i / r->nseeds, s = i % r->nseeds;
        const cav_result *x = cav_run_result(r, p, s);
        if (x->status == CAV_OK) continue;
        if (shown++ < 20) {
            char seed[48] = "", key[CAV_KEY_LEN];
            if (r->kind == CAV_KIND_SIM)
                snprintf(seed, sizeof seed, " seed %ld", cav_run_seed(r, p, s));
            cav_run_key(r, p, key, sizeof key);
            cli_error("%s %s%s: %s: %s", cav_kind_name(r->kind), key, seed,
                      cav_status_name(x->status), x->msg);
        }
    }
    if (shown > 20) cli_error("... and %zu more failures", shown - 20);
}

static int run_plan(const plan *p, const cli_args *a)
{
    cav_store *store = NULL;
    cav_err err = {0};
    if (!a->nostore && cli_rank == 0 &&
        cav_store_open(a->store ? a->store : "cavity.db", CAV_STORE_WRITE, &store, &err)) {
        cli_error("%s", err.msg);
        return EXIT_USAGE;
    }
    cav_run *runs[2] = {NULL, NULL};
    size_t nruns = 0, total = 0, failed = 0;
    int code = EXIT_OKAY;
    for (int k = 0; k < 2 && code == EXIT_OKAY; k++) {
        if (!p->have[k]) continue;
        cav_run_opts o;
        cav_run_opts_init(&o);
        o.kind = k;
        o.jobs = a->jobs;
        o.nseeds = a->nseeds;
        o.seed0 = (uint64_t)a->seed0;
        o.recompute = a->recompute;
        o.store = store;
        int show = cli_rank == 0 && (a->progress || isatty(2));
        if (show) o.progress = progress_line;
        int s = cav_run_exec(&p->g[k], &o, &runs[nruns], &err);
        if (show) fputc('\n', stderr);
        if (s) {
            cli_error("%s", err.msg);
            code = EXIT_FAILED;
            if (runs[nruns]) nruns++; /* what was computed is printed below, not lost */
            break;
        }
        report_failures(runs[nruns]);
        total += runs[nruns]->npoints * runs[nruns]->nseeds;
        failed += runs[nruns]->nfailed;
        nruns++;
    }
    if (code == EXIT_OKAY && cli_rank == 0) {
        if (cav_table_write(stdout, a->format, (const cav_run *const *)runs, nruns, &err)) {
            cli_error("%s", err.msg);
            code = EXIT_FAILED;
        } else if (p->cmd == CLI_COMPARE) {
            cav_figure_opts fo = {p->x, p->y, p->by, p->heat, p->marks};
            if (cav_figure_write_opts(p->out, (const cav_run *const *)runs, nruns, &fo, &err)) {
                cli_error("%s", err.msg);
                code = EXIT_FAILED;
            } else {
                cli_error("figure written to %s", p->out);
            }
        }
        if (code == EXIT_OKAY && failed) code = failed == total ? EXIT_FAILED : EXIT_PARTIAL;
    } else if (code == EXIT_FAILED && cli_rank == 0 && nruns > 0 &&
               cav_table_write(stdout, a->format, (const cav_run *const *)runs, nruns, &err)) {
        cli_error("%s", err.msg);
    }
    char bad[CAV_ERR_MSG_LEN];
    long nbad = cav_store_damaged(store, bad, sizeof bad);
    if (nbad > 0) cli_error("%s; %ld damaged row(s) recomputed", bad, nbad);
    for (size_t k = 0; k < nruns; k++)
        cav_run_free(runs[k]);
    cav_store_close(store);
    return code;
}

int cli_sweep(int argc, char **argv)
{
    unsigned cmd = !strcmp(argv[0], "theory")     ? CLI_THEORY
                   : !strcmp(argv[0], "simulate") ? CLI_SIMULATE
                                                  : CLI_COMPARE;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) {
            cli_error("missing MODEL; models: %s", cav_model_names());
            return EXIT_USAGE;
        }
        sweep_usage(cmd);
        return EXIT_OKAY;
    }
    plan p;
    memset(&p, 0, sizeof p);
    p.cmd = cmd;
    p.m = cli_model(argv[1]);
    if (!p.m) return EXIT_USAGE;
    cli_args a;
    memset(&a, 0, sizeof a);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    a.jobs = ncpu > 0 && ncpu < 256 ? (int)ncpu : 1; /* results do not depend on it */
    a.nseeds = 10;
    a.seed0 = 1;
    int rc = cli_parse(argc - 2, argv + 2, cmd, &a);
    if (a.help) {
        cli_model_help(stdout, p.m);
        printf("\n");
        sweep_usage(cmd);
        return EXIT_OKAY;
    }
    if (rc >= 0) return rc;
    rc = plan_build(&p, &a) ? run_plan(&p, &a) : EXIT_USAGE;
    plan_free(&p);
    return rc;
}
