/* `cavity theory | simulate | compare MODEL [--param GRID ...] [options]`: parse, validate
 * everything before any work (exit 2 with one "cavity: ..." line), run the sweep through the
 * library runner with the results store, print the table, report failed points, and (compare)
 * draw the figure. `cavity plot` and `cavity export` read a store. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct sweep_args {
    const char *cmd;
    const cav_model *m;
    cav_grid g;
    int jobs, nseeds, recompute, nostore, progress, format;
    int seeds_set; /* --seeds given: overrides a model's compare_set "seeds=N" */
    long seed0;
    const char *store, *out, *x, *tgrid, *sgrid, *y, *by, *xgrid;
    const char *where[CAV_MAX_PARAMS];
    int nwhere;
    const char *model_name;
} sweep_args;

static void sweep_usage(const char *cmd)
{
    printf("usage: cavity %s MODEL [--param GRID ...] [options]\n\noptions:\n", cmd);
    if (strcmp(cmd, "theory") != 0)
        printf("  --seeds N          seeds per point (default 10; compare: the model's default)\n"
               "  --seed S           first seed (default 1): seed index i uses S + i\n");
    if (!strcmp(cmd, "compare"))
        printf("  --x NAME           x-axis parameter (default: the model's compare_x)\n"
               "  --theory-grid G    theory grid of x\n"
               "  --sim-grid G       simulation grid of x\n"
               "  --y LIST           observables to plot (one panel each)\n"
               "  --by NAME          parameter coloured by\n"
               "  -o FILE            figure (.svg, .png, .pdf; default MODEL.svg)\n");
    printf("  --jobs N           parallel workers (default: the number of cores); results do not "
           "depend on N\n"
           "  --store FILE       results store (default cavity.db)\n"
           "  --no-store         do not read or write a store\n"
           "  --recompute        recompute points already in the store\n"
           "  --format csv|json  output table format (default csv)\n"
           "  --progress         progress on stderr even when it is not a terminal\n"
           "Run `cavity help MODEL` for the parameters of a model.\n");
}

/* Integer option value in [lo, hi]. */
static int int_opt(const char *name, const char *val, long lo, long hi, long *out)
{
    char *end = NULL;
    long x = strtol(val, &end, 10);
    if (!*val || *end || x < lo || x > hi) {
        cli_error("--%s: '%s' is not an integer in [%ld, %ld]", name, val, lo, hi);
        return 0;
    }
    *out = x;
    return 1;
}

/* Parse argv (argv[0] = command) into a; returns -1 to continue, else an exit code. */
static int parse(int argc, char **argv, sweep_args *a)
{
    int is_plot = !strcmp(a->cmd, "plot");
    int i = 1;
    if (!is_plot) {
        if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            if (argc < 2) {
                cli_error("missing MODEL; models: %s", cav_model_names());
                return EXIT_USAGE;
            }
            sweep_usage(a->cmd);
            return EXIT_OKAY;
        }
        a->m = cli_model(argv[1]);
        if (!a->m) return EXIT_USAGE;
        cav_err err = {0};
        if (cav_grid_init(&a->g, a->m, &err)) {
            cli_error("%s", err.msg);
            return EXIT_FAILED;
        }
        i = 2;
    }
    int kind = !strcmp(a->cmd, "theory") ? CAV_KIND_THEORY : CAV_KIND_SIM;
    for (; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        char name[128];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            if (a->m) cli_model_help(stdout, a->m), printf("\n");
            sweep_usage(a->cmd);
            return EXIT_OKAY;
        }
        if (!strcmp(arg, "-o")) {
            snprintf(name, sizeof name, "o");
        } else if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
            cli_error("unexpected argument '%s' (options are --name value)", arg);
            return EXIT_USAGE;
        } else {
            const char *eq = strchr(arg + 2, '=');
            size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
            if (n >= sizeof name) n = sizeof name - 1;
            memcpy(name, arg + 2, n);
            name[n] = '\0';
            if (eq) val = eq + 1;
        }
        /* Flags without a value. */
        if (!strcmp(name, "no-store") || !strcmp(name, "recompute") || !strcmp(name, "progress")) {
            if (val) {
                cli_error("--%s takes no value", name);
                return EXIT_USAGE;
            }
            if (!strcmp(name, "no-store"))
                a->nostore = 1;
            else if (!strcmp(name, "recompute"))
                a->recompute = 1;
            else
                a->progress = 1;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                cli_error("--%s needs a value", name);
                return EXIT_USAGE;
            }
            val = argv[++i];
        }
        long x;
        if (!strcmp(name, "jobs")) {
            if (!int_opt(name, val, 1, 1024, &x)) return EXIT_USAGE;
            a->jobs = (int)x;
        } else if (!strcmp(name, "seeds") && kind == CAV_KIND_SIM) {
            if (!int_opt(name, val, 1, 1000000, &x)) return EXIT_USAGE;
            a->nseeds = (int)x;
            a->seeds_set = 1;
        } else if (!strcmp(name, "seed") && kind == CAV_KIND_SIM) {
            if (!int_opt(name, val, 0, 1L << 40, &x)) return EXIT_USAGE;
            a->seed0 = x;
        } else if (!strcmp(name, "store")) {
            a->store = val;
        } else if (!strcmp(name, "format")) {
            if (!strcmp(val, "csv"))
                a->format = CAV_FMT_CSV;
            else if (!strcmp(val, "json"))
                a->format = CAV_FMT_JSON;
            else {
                cli_error("--format: unknown value '%s'; allowed: csv, json", val);
                return EXIT_USAGE;
            }
        } else if (!strcmp(name, "o") && (is_plot || !strcmp(a->cmd, "compare"))) {
            a->out = val;
        } else if (!strcmp(name, "x") && (is_plot || !strcmp(a->cmd, "compare"))) {
            a->x = val;
        } else if (!strcmp(name, "y") && (is_plot || !strcmp(a->cmd, "compare"))) {
            a->y = val;
        } else if (!strcmp(name, "by") && (is_plot || !strcmp(a->cmd, "compare"))) {
            a->by = val;
        } else if (!strcmp(name, "theory-grid") && !strcmp(a->cmd, "compare")) {
            a->tgrid = val;
        } else if (!strcmp(name, "sim-grid") && !strcmp(a->cmd, "compare")) {
            a->sgrid = val;
        } else if (is_plot && !strcmp(name, "model")) {
            a->model_name = val;
        } else if (is_plot && !strcmp(name, "where")) {
            if (a->nwhere == CAV_MAX_PARAMS) {
                cli_error("--where: too many clauses");
                return EXIT_USAGE;
            }
            a->where[a->nwhere++] = val;
        } else if (!is_plot) {
            int pi = cav_model_param_index(a->m, name);
            if (pi >= 0 && !strcmp(a->cmd, "theory") && (a->m->params[pi].flags & CAV_PF_SIM)) {
                cli_error("--%s: used only by simulation, not a theory parameter (use `cavity "
                          "simulate` or `cavity compare`)",
                          name);
                return EXIT_USAGE;
            }
            if (pi >= 0 && !strcmp(a->cmd, "simulate") &&
                (a->m->params[pi].flags & CAV_PF_THEORY)) {
                cli_error("--%s: used only by theory, not a simulation parameter", name);
                return EXIT_USAGE;
            }
            cav_err err = {0};
            if (pi >= 0 && a->x && !strcmp(name, a->x)) a->xgrid = val;
            if (cav_grid_set(&a->g, name, val, &err)) {
                cli_error("%s", err.msg);
                return EXIT_USAGE;
            }
        } else {
            cli_error("unknown option '--%s' of `cavity %s`", name, a->cmd);
            return EXIT_USAGE;
        }
    }
    return -1;
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
        const cav_result *x = &r->res[i];
        if (x->status == CAV_OK) continue;
        if (shown++ < 20) {
            char seed[48] = "";
            if (r->kind == CAV_KIND_SIM) snprintf(seed, sizeof seed, " seed %ld", r->seed[i]);
            cli_error("%s %s%s: %s: %s", cav_kind_name(r->kind), r->keys[i / r->nseeds], seed,
                      cav_status_name(x->status), x->msg);
        }
    }
    if (shown > 20) cli_error("... and %zu more failures", shown - 20);
}

/* Apply the model's compare_set ("name=value;name=v1,v2") to g; the key "seeds" sets the
 * default number of seeds (unless --seeds was given). */
static int apply_set(const cav_model *m, cav_grid *g, sweep_args *a)
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

static int open_store(sweep_args *a, cav_store **st)
{
    *st = NULL;
    if (a->nostore || cli_rank != 0) return 1;
    cav_err err = {0};
    if (cav_store_open(a->store ? a->store : "cavity.db", CAV_STORE_WRITE, st, &err)) {
        cli_error("%s", err.msg);
        return 0;
    }
    return 1;
}

int cli_sweep(int argc, char **argv)
{
    sweep_args a;
    memset(&a, 0, sizeof a);
    a.cmd = argv[0];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    a.jobs = ncpu > 0 && ncpu < 256 ? (int)ncpu : 1; /* results do not depend on it */
    a.nseeds = 10;
    a.seed0 = 1;
    int compare = !strcmp(a.cmd, "compare");
    /* compare: the model's compare_set first, so that options override it. */
    int rc = -1;
    if (compare && argc >= 2 && strncmp(argv[1], "-", 1) != 0) {
        const cav_model *m = cli_model(argv[1]);
        if (!m) return EXIT_USAGE;
        /* x must be known before parsing to tell its grid apart: scan for --x first. */
        for (int i = 2; i + 1 < argc; i++)
            if (!strcmp(argv[i], "--x")) a.x = argv[i + 1];
        if (!a.x) a.x = m->compare_x;
    }
    rc = parse(argc, argv, &a);
    if (rc >= 0) {
        cav_grid_free(&a.g);
        return rc;
    }
    const cav_model *m = a.m;
    cav_grid gt, gs; /* compare: theory and simulation grids */
    int kinds[2], nk = 0, x_is_obs = 0;
    cav_err err = {0};
    if (compare) {
        if (!m->theory || !m->simulate) {
            cli_error("model %s lacks %s; compare needs both", m->name,
                      m->theory ? "a simulation" : "a theory");
            cav_grid_free(&a.g);
            return EXIT_USAGE;
        }
        /* x is a parameter (swept), or, for a model with a per-row axis (time steps), an
         * output column such as the axis itself: then theory and simulation run at the model's
         * parameters and every row is a point of the curve. */
        if (a.x && cav_model_param_index(m, a.x) < 0 && m->axis && cav_model_obs_index(m, a.x) >= 0)
            x_is_obs = 1;
        if (!a.x || (!x_is_obs && cav_model_param_index(m, a.x) < 0)) {
            if (m->axis)
                cli_error("--x: '%s' is neither a parameter nor an output column of %s",
                          a.x ? a.x : "(none)", m->name);
            else
                cli_error("--x: '%s' is not a parameter of %s", a.x ? a.x : "(none)", m->name);
            cav_grid_free(&a.g);
            return EXIT_USAGE;
        }
        if (x_is_obs && (a.tgrid || a.sgrid)) {
            cli_error("--%s: x = '%s' is an output column of %s, not a parameter (the rows are "
                      "its values)",
                      a.tgrid ? "theory-grid" : "sim-grid", a.x, m->name);
            cav_grid_free(&a.g);
            return EXIT_USAGE;
        }
        /* Rebuild: compare_set defaults, then the user's options, then the x grids. */
        cav_grid user = a.g;
        cav_grid_init(&gt, m, &err);
        if (!apply_set(m, &gt, &a)) return EXIT_USAGE;
        for (int i = 0; i < m->nparams; i++) {
            int set = 0;
            for (int j = 0; j < user.nset; j++)
                set |= user.order[j] == i;
            if (!set) continue;
            free(gt.vals[i]);
            gt.vals[i] = user.vals[i];
            gt.n[i] = user.n[i];
            user.vals[i] = NULL;
        }
        cav_grid_free(&user);
        int xi = cav_model_param_index(m, a.x);
        const char *tg = x_is_obs  ? NULL
                         : a.tgrid ? a.tgrid
                         : a.xgrid ? a.xgrid
                                   : m->compare_theory;
        const char *sg = x_is_obs ? NULL : a.sgrid ? a.sgrid : a.xgrid ? a.xgrid : m->compare_sim;
        if (cav_grid_init(&gs, m, &err)) return EXIT_FAILED;
        for (int i = 0; i < m->nparams; i++) {
            free(gs.vals[i]);
            gs.vals[i] = malloc(gt.n[i] * sizeof(double));
            memcpy(gs.vals[i], gt.vals[i], gt.n[i] * sizeof(double));
            gs.n[i] = gt.n[i];
        }
        if ((tg && cav_grid_set(&gt, a.x, tg, &err)) || (sg && cav_grid_set(&gs, a.x, sg, &err))) {
            cli_error("%s", err.msg);
            cav_grid_free(&gt);
            cav_grid_free(&gs);
            return EXIT_USAGE;
        }
        if (xi >= 0) gt.chain = gs.chain = xi;
        if (!a.y) a.y = m->compare_y ? m->compare_y : m->obs[0].name;
        if (!a.by) a.by = m->compare_by;
        if (a.by && cav_model_param_index(m, a.by) < 0) {
            cli_error("--by: unknown parameter '%s' of model %s", a.by, m->name);
            return EXIT_USAGE;
        }
        char ybuf[512];
        snprintf(ybuf, sizeof ybuf, "%s", a.y);
        char *save = NULL;
        for (char *t = strtok_r(ybuf, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (cav_model_obs_index(m, t) < 0) {
                cli_error("--y: unknown observable '%s' of model %s", t, m->name);
                return EXIT_USAGE;
            }
        char def[256];
        snprintf(def, sizeof def, "%s.svg", m->name);
        if (!a.out) a.out = strdup(def);
        if (cav_figure_format(a.out, &err) < 0 || !cav_figure_gnuplot(&err)) {
            cli_error("%s", err.msg);
            return EXIT_USAGE;
        }
        kinds[nk++] = CAV_KIND_THEORY;
        kinds[nk++] = CAV_KIND_SIM;
    } else {
        gt = a.g;
        kinds[nk++] = !strcmp(a.cmd, "theory") ? CAV_KIND_THEORY : CAV_KIND_SIM;
        if (kinds[0] == CAV_KIND_THEORY ? !m->theory : !m->simulate) {
            cli_error("model %s has no %s", m->name, cav_kind_name(kinds[0]));
            cav_grid_free(&gt);
            return EXIT_USAGE;
        }
    }
    for (int k = 0; k < nk; k++) {
        const cav_grid *g = compare && kinds[k] == CAV_KIND_SIM ? &gs : &gt;
        if (cav_grid_check(g, kinds[k], &err)) {
            cli_error("%s", err.msg);
            return EXIT_USAGE;
        }
    }
    cav_store *store = NULL;
    if (!open_store(&a, &store)) return EXIT_USAGE;

    cav_run *runs[2] = {NULL, NULL};
    int code = EXIT_OKAY;
    size_t total = 0, failed = 0;
    for (int k = 0; k < nk; k++) {
        cav_run_opts o;
        cav_run_opts_init(&o);
        o.kind = kinds[k];
        o.jobs = a.jobs;
        o.nseeds = a.nseeds;
        o.seed0 = (uint64_t)a.seed0;
        o.recompute = a.recompute;
        o.store = store;
        int show = cli_rank == 0 && (a.progress || isatty(2));
        if (show) o.progress = progress_line;
        const cav_grid *g = compare && kinds[k] == CAV_KIND_SIM ? &gs : &gt;
        int s = cav_run_exec(g, &o, &runs[k], &err);
        if (show) fputc('\n', stderr);
        if (s) {
            cli_error("%s", err.msg);
            code = EXIT_FAILED;
            break;
        }
        report_failures(runs[k]);
        total += runs[k]->npoints * runs[k]->nseeds;
        failed += runs[k]->nfailed;
    }
    if (code == EXIT_OKAY && cli_rank == 0) {
        if (cav_table_write(stdout, a.format, (const cav_run *const *)runs, (size_t)nk, &err)) {
            cli_error("%s", err.msg);
            code = EXIT_FAILED;
        } else if (compare) {
            if (cav_figure_write(a.out, (const cav_run *const *)runs, 2, a.x, a.y, a.by, &err)) {
                cli_error("%s", err.msg);
                code = EXIT_FAILED;
            } else {
                cli_error("figure written to %s", a.out);
            }
        }
        if (code == EXIT_OKAY && failed) code = failed == total ? EXIT_FAILED : EXIT_PARTIAL;
    }
    for (int k = 0; k < nk; k++)
        cav_run_free(runs[k]);
    cav_store_close(store);
    cav_grid_free(&gt);
    if (compare) cav_grid_free(&gs);
    return code;
}

int cli_plot(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f,
                "usage: cavity plot STORE --model MODEL --x NAME [--y LIST] [--by NAME]\n"
                "                   [--where name=value ...] [-o FILE]\n"
                "Draws stored results: theory as lines, simulation as points with error bars.\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OKAY;
    }
    sweep_args a;
    memset(&a, 0, sizeof a);
    a.cmd = "plot";
    const char *path = argv[1];
    int rc = parse(argc - 1, argv + 1, &a);
    if (rc >= 0) return rc;
    if (!a.model_name) {
        cli_error("plot: --model is required; models: %s", cav_model_names());
        return EXIT_USAGE;
    }
    const cav_model *m = cli_model(a.model_name);
    if (!m) return EXIT_USAGE;
    if (!a.x) a.x = m->compare_x;
    if (!a.y) a.y = m->compare_y ? m->compare_y : m->obs[0].name;
    if (!a.by) a.by = m->compare_by;
    char def[256];
    snprintf(def, sizeof def, "%s.svg", m->name);
    if (!a.out) a.out = def;
    cav_err err = {0};
    if (!a.x) {
        cli_error("plot: --x is required");
        return EXIT_USAGE;
    }
    if (cav_figure_format(a.out, &err) < 0 || !cav_figure_gnuplot(&err)) {
        cli_error("%s", err.msg);
        return EXIT_USAGE;
    }
    cav_store *st = NULL;
    if (cav_store_open(path, CAV_STORE_READ, &st, &err)) {
        cli_error("%s", err.msg);
        return EXIT_USAGE;
    }
    cav_run *runs[2] = {NULL, NULL};
    const cav_run *use[2];
    size_t n = 0;
    int code = EXIT_OKAY;
    for (int k = 0; k < 2 && code == EXIT_OKAY; k++) {
        if (cav_run_load(st, m, k, a.where, (size_t)a.nwhere, &runs[k], &err)) {
            cli_error("%s", err.msg);
            code = err.code == CAV_EINVAL ? EXIT_USAGE : EXIT_FAILED;
        } else if (runs[k]->npoints) {
            use[n++] = runs[k];
        }
    }
    if (code == EXIT_OKAY && n == 0) {
        cli_error("plot: no stored results of model %s match", m->name);
        code = EXIT_FAILED;
    }
    if (code == EXIT_OKAY && cav_figure_write(a.out, use, n, a.x, a.y, a.by, &err)) {
        cli_error("%s", err.msg);
        code = err.code == CAV_EINVAL ? EXIT_USAGE : EXIT_FAILED;
    }
    if (code == EXIT_OKAY) cli_error("figure written to %s", a.out);
    cav_run_free(runs[0]);
    cav_run_free(runs[1]);
    cav_store_close(st);
    return code;
}

int cli_export(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: cavity export STORE [--format csv|json]\n"
                   "Dumps every stored row (model, kind, parameters, seed, observables, status,\n"
                   "residual, iterations, wall time, version, git revision, timestamp).\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OKAY;
    }
    int format = CAV_FMT_CSV;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "--format") && i + 1 < argc)
            v = argv[++i];
        else if (!strncmp(argv[i], "--format=", 9))
            v = argv[i] + 9;
        else {
            cli_error("export: unknown argument '%s'", argv[i]);
            return EXIT_USAGE;
        }
        if (!strcmp(v, "csv"))
            format = CAV_FMT_CSV;
        else if (!strcmp(v, "json"))
            format = CAV_FMT_JSON;
        else {
            cli_error("--format: unknown value '%s'; allowed: csv, json", v);
            return EXIT_USAGE;
        }
    }
    cav_store *st = NULL;
    cav_err err = {0};
    if (cav_store_open(argv[1], CAV_STORE_READ, &st, &err)) {
        cli_error("%s", err.msg);
        return EXIT_USAGE;
    }
    int code = cav_store_export(st, stdout, format, &err) ? EXIT_FAILED : EXIT_OKAY;
    if (code) cli_error("%s", err.msg);
    cav_store_close(st);
    return code;
}
