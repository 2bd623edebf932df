/* `cavity plot STORE ...` and `cavity export STORE`: figures and tables from a results store. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const char plot_usage[] =
    "usage: cavity plot STORE --model MODEL --x NAME [--y LIST] [--by NAME]\n"
    "                   [--heat NAME] [--marks LIST] [--where name=value ...] [-o FILE]\n"
    "Draws stored results: theory as lines, simulation as points with error bars (--heat NAME:\n"
    "a heatmap over x and NAME; --marks LIST: theory thresholds on the x axis).\n";
static const char export_usage[] =
    "usage: cavity export STORE [--format csv|json]\n"
    "Dumps every stored row (model, kind, parameters, seed, observables, status,\n"
    "residual, iterations, wall time, version, git revision, timestamp).\n";

/* The STORE argument of `cavity CMD STORE ...`: -1 to go on, else the exit code (usage printed
 * for --help, one error line when it is missing). */
static int store_arg(int argc, char **argv, const char *usage)
{
    if (argc < 2) {
        cli_error("%s: missing STORE; run `cavity %s --help`", argv[0], argv[0]);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, stdout);
        return EXIT_OKAY;
    }
    return -1;
}

int cli_plot(int argc, char **argv)
{
    int rc = store_arg(argc, argv, plot_usage);
    if (rc >= 0) return rc;
    cli_args a;
    memset(&a, 0, sizeof a);
    const char *path = argv[1];
    rc = cli_parse(argc - 2, argv + 2, CLI_PLOT, &a);
    if (a.help) {
        fputs(plot_usage, stdout);
        return EXIT_OKAY;
    }
    if (rc >= 0) return rc;
    if (!a.model_name) {
        cli_error("plot: --model is required; models: %s", cav_model_names());
        return EXIT_USAGE;
    }
    const cav_model *m = cli_model(a.model_name);
    if (!m) return EXIT_USAGE;
    if (!a.sw.x) a.sw.x = m->compare_x;
    if (!a.sw.y) a.sw.y = m->compare_y ? m->compare_y : m->obs[0].name;
    if (!a.sw.by) a.sw.by = m->compare_by;
    cav_err kerr = {0};
    if (cav_sweep_figure_kind(m, &a.sw.heat, &a.sw.marks, a.sw.x, &kerr)) {
        cli_error("%s", kerr.msg);
        return EXIT_USAGE;
    }
    char def[256];
    snprintf(def, sizeof def, "%s.svg", m->name);
    if (!a.sw.out) a.sw.out = def;
    cav_err err = {0};
    if (!a.sw.x) {
        cli_error("plot: --x is required");
        return EXIT_USAGE;
    }
    if (cav_figure_format(a.sw.out, &err) < 0 || !cav_figure_gnuplot(&err)) {
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
    cav_figure_opts fo = {a.sw.x, a.sw.y, a.sw.by, a.sw.heat, a.sw.marks};
    if (code == EXIT_OKAY && cav_figure_write_opts(a.sw.out, use, n, &fo, &err)) {
        cli_error("%s", err.msg);
        code = err.code == CAV_EINVAL ? EXIT_USAGE : EXIT_FAILED;
    }
    if (code == EXIT_OKAY) cli_error("figure written to %s", a.sw.out);
    char bad[CAV_ERR_MSG_LEN];
    long nbad = cav_store_damaged(st, bad, sizeof bad);
    if (nbad > 0) cli_error("%s; %ld damaged row(s) left out", bad, nbad);
    cav_run_free(runs[0]);
    cav_run_free(runs[1]);
    cav_store_close(st);
    return code;
}

int cli_export(int argc, char **argv)
{
    int rc = store_arg(argc, argv, export_usage);
    if (rc >= 0) return rc;
    int format = CAV_FMT_CSV;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        char shown[160];
        cav_text_escape(argv[i], shown, sizeof shown);
        if (!strcmp(argv[i], "--format") && i + 1 < argc)
            v = argv[++i];
        else if (!strncmp(argv[i], "--format=", 9))
            v = argv[i] + 9;
        else {
            cli_error("export: unknown argument '%s'", shown);
            return EXIT_USAGE;
        }
        cav_text_escape(v, shown, sizeof shown);
        if (!strcmp(v, "csv"))
            format = CAV_FMT_CSV;
        else if (!strcmp(v, "json"))
            format = CAV_FMT_JSON;
        else {
            cli_error("--format: unknown value '%s'; allowed: csv, json", shown);
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
