/* `cavity NAME MODEL [--param GRID ...]` for a model's named scalar quantities (model.h,
 * cav_model_quantity), e.g. `cavity threshold raf --eps 0:1:11` prints alpha_c(eps).
 * Output: CSV with the parameters the quantity uses, its output columns, and status. A parameter
 * the quantity does not use is refused. Same grid syntax, checks and exit codes as
 * `cavity theory`. */
#include "cli/cli.h"

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

/* A failed point i (0-based) of the quantity of model ctx. */
static void report(void *ctx, size_t i, const char *msg)
{
    const char *const *names = ctx; /* quantity, model */
    cli_error("%s %s point %zu: %s", names[0], names[1], i + 1, msg);
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
    cav_err err = {0};
    const cav_model_quantity *q = cav_sweep_quantity(m, name, &err);
    if (!q) {
        cli_error("%s", err.msg);
        return EXIT_USAGE;
    }
    cav_grid g;
    if (cav_grid_init(&g, m, &err)) {
        cli_error("%s", err.msg);
        return EXIT_FAILED;
    }
    int rc = EXIT_OKAY;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            cav_sweep_model_help(stdout, m);
            cav_grid_free(&g);
            return EXIT_OKAY;
        }
        if (strncmp(arg, "--", 2) != 0 || i + 1 >= argc) {
            cli_error("expected --name GRID, got '%s'", arg);
            cav_grid_free(&g);
            return EXIT_USAGE;
        }
        if (cav_sweep_quantity_set(&g, q, arg + 2, argv[++i], &err)) {
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
    /* The table on stdout (a failed write is reported when main closes it), each failed point
     * on stderr after its row. */
    size_t n = 0, failed = 0;
    const char *names[2] = {name, m->name};
    (void)cav_sweep_quantity_write(stdout, &g, q, report, (void *)names, &failed, &n, &err);
    cav_grid_free(&g);
    if (failed) rc = failed == n ? EXIT_FAILED : EXIT_PARTIAL;
    return rc;
}
