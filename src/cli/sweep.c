/* `cavity theory | simulate | compare MODEL [--param GRID ...] [options]`.
 *
 * Three stages, so that nothing is computed before everything is known to be valid:
 *   1. parse: record every option and parameter text (cli_parse), checking option values;
 *   2. plan (the library's planner, run/sweep.h, shared with the binding API): resolve the
 *      parameters against the model, build the grids (compare: the model's compare defaults,
 *      then the user's values, then the x grids), check every point for every kind, the figure
 *      (-o writable, gnuplot present), and the memory the run needs;
 *   3. run: open the store, run each kind through the library runner, print the table, report
 *      failed points and (compare) draw the figure.
 * Any failure in 1-2 is one "cavity: ..." line and exit 2; every path frees what it holds. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
        if (cav_run_result(r, p, s)->status == CAV_OK) continue;
        if (shown++ < 20) {
            char line[CAV_KEY_LEN + 2 * CAV_ERR_MSG_LEN];
            cav_sweep_failure(r, p, s, line, sizeof line);
            cli_error("%s", line);
        }
    }
    if (shown > 20) cli_error("... and %zu more failures", shown - 20);
}

static int run_plan(const cav_sweep_plan *p, const cli_args *a)
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
        o.jobs = a->sw.jobs;
        o.nseeds = a->sw.nseeds;
        o.seed0 = (uint64_t)a->sw.seed0;
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
    const cav_model *m = cli_model(argv[1]);
    if (!m) return EXIT_USAGE;
    cli_args a;
    memset(&a, 0, sizeof a);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    a.sw.jobs = ncpu > 0 && ncpu < 256 ? (int)ncpu : 1; /* results do not depend on it */
    a.sw.nseeds = 10;
    a.sw.seed0 = 1;
    a.sw.figure = 1;
    int rc = cli_parse(argc - 2, argv + 2, cmd, &a);
    if (a.help) {
        cav_sweep_model_help(stdout, m);
        printf("\n");
        sweep_usage(cmd);
        return EXIT_OKAY;
    }
    if (rc >= 0) return rc;
    cav_sweep_plan p;
    cav_err err = {0};
    if (cav_sweep_plan_build(&p, m, cmd, &a.sw, &err)) {
        cli_error("%s", err.msg);
        rc = EXIT_USAGE;
    } else {
        rc = run_plan(&p, &a);
    }
    cav_sweep_plan_free(&p);
    return rc;
}
