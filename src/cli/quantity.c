/* `cavity NAME MODEL [--param GRID ...]` for a model's named scalar quantities (model.h,
 * cav_model_quantity), e.g. `cavity threshold raf --eps 0:1:11` prints alpha_c(eps).
 * Output: CSV with the parameters the quantity uses, its output columns, and status. A parameter
 * the quantity does not use is refused. Same grid syntax, checks and exit codes as
 * `cavity theory`. */
#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_quantity_known(const char *name)
{
    for (const cav_model *const *m = cav_model_registry(); *m; m++)
        if (cav_model_quantity_find(*m, name)) return 1;
    return 0;
}

static void quantity_usage(const char *name)
{
    printf("usage: cavity %s MODEL [--param GRID ...]\n\nmodels with this quantity:\n", name);
    for (const cav_model *const *m = cav_model_registry(); *m; m++) {
        const cav_model_quantity *q = cav_model_quantity_find(*m, name);
        if (q)
            printf("  %-12s %s (columns %s; parameters %s)\n", (*m)->name, q->help, q->outputs,
                   q->uses && *q->uses ? q->uses : "none");
    }
}

int cli_quantity(int argc, char **argv)
{
    const char *name = argv[0];
    if (argc < 2) {
        cli_error("%s: missing MODEL; run `cavity %s --help`", name, name);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        quantity_usage(name);
        return EXIT_OKAY;
    }
    const cav_model *m = cli_model(argv[1]);
    if (!m) return EXIT_USAGE;
    const cav_model_quantity *q = cav_model_quantity_find(m, name);
    if (!q) {
        cli_error("model %s has no quantity '%s'", m->name, name);
        return EXIT_USAGE;
    }
    cav_grid g;
    cav_err err = {0};
    if (cav_grid_init(&g, m, &err)) {
        cli_error("%s", err.msg);
        return EXIT_FAILED;
    }
    int rc = EXIT_OKAY;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            cli_model_help(stdout, m);
            cav_grid_free(&g);
            return EXIT_OKAY;
        }
        if (strncmp(arg, "--", 2) != 0 || i + 1 >= argc) {
            cli_error("expected --name GRID, got '%s'", arg);
            cav_grid_free(&g);
            return EXIT_USAGE;
        }
        int pi = cav_model_param_index(m, arg + 2);
        if (pi < 0 || !cav_model_quantity_uses(q, arg + 2)) {
            char shown[160];
            cav_text_escape(arg + 2, shown, sizeof shown);
            cli_error("--%s: not a parameter of `cavity %s %s`; its parameters: %s", shown, name,
                      m->name, q->uses && *q->uses ? q->uses : "none");
            cav_grid_free(&g);
            return EXIT_USAGE;
        }
        if (cav_grid_set(&g, arg + 2, argv[++i], &err)) {
            cli_error("%s", err.msg);
            cav_grid_free(&g);
            return EXIT_USAGE;
        }
    }
    if (cav_grid_check(&g, CAV_KIND_THEORY, &err)) {
        cli_error("%s", err.msg);
        cav_grid_free(&g);
        return EXIT_USAGE;
    }
    /* Columns: the parameters the quantity uses, in spec order. */
    int cols[CAV_MAX_PARAMS], ncols = 0;
    for (int k = 0; k < m->nparams; k++)
        if (cav_model_quantity_uses(q, m->params[k].name)) cols[ncols++] = k;
    for (int c = 0; c < ncols; c++)
        printf("%s,", m->params[cols[c]].name);
    printf("%s,status\n", q->outputs);
    int nout = cav_model_quantity_noutputs(q);
    size_t n = cav_grid_size(&g, CAV_KIND_THEORY), failed = 0;
    for (size_t i = 0; i < n; i++) {
        double v[CAV_MAX_PARAMS], values[CAV_MAX_QUANTITY_OUTPUTS];
        char buf[64];
        cav_grid_point(&g, CAV_KIND_THEORY, i, v);
        cav_err e = {0};
        int st = cav_model_quantity_compute(m, q, v, values, &e);
        for (int c = 0; c < ncols; c++) {
            cav_param_format(&m->params[cols[c]], v[cols[c]], buf, sizeof buf);
            printf("%s,", buf);
        }
        for (int k = 0; k < nout; k++) {
            cav_fmt_double(st == CAV_OK ? values[k] : NAN, buf, sizeof buf);
            printf("%s,", buf);
        }
        printf("%s\n", cav_status_name(st));
        if (st != CAV_OK) {
            failed++;
            cli_error("%s %s point %zu: %s", name, m->name, i + 1, e.msg);
        }
    }
    cav_grid_free(&g);
    if (failed) rc = failed == n ? EXIT_FAILED : EXIT_PARTIAL;
    return rc;
}
