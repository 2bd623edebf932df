/* cli/cli.h — shared pieces of the `cavity` command-line tool (the only code that prints or
 * exits). Exit codes: 0 success, 1 computation failed, 2 bad usage or input, 3 finished with
 * some points failed. */
#ifndef CAVITY_CLI_H
#define CAVITY_CLI_H

#include "cavity/model.h"
#include "cavity/run.h"

enum { EXIT_OKAY = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

/* MPI rank of this process (0 without MPI): only rank 0 prints results. */
extern int cli_rank;

/* Print "cavity: <message>" on stderr (rank 0 only). */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Find a model by name or print the valid names; NULL when unknown. */
const cav_model *cli_model(const char *name);
/* Usage text of a model (parameters, observables, paper) on f. */
void cli_model_help(FILE *f, const cav_model *m);

/* Store-backed subcommands and their options (src/cli/options.c). */
enum { CLI_THEORY = 1u, CLI_SIMULATE = 2u, CLI_COMPARE = 4u, CLI_PLOT = 8u };
#define CLI_MAX_PARAM_ARGS 64

typedef struct cli_args {
    int jobs, nseeds, seeds_set, recompute, nostore, progress, format, help;
    long seed0;
    double max_memory_gb; /* --max-memory (0: no limit) */
    int memory_set;
    const char *store, *out, *x, *y, *by, *tgrid, *sgrid, *model_name;
    const char *heat, *marks; /* figure kind: --heat PARAM, --marks LIST ('' clears defaults) */
    const char *where[CAV_MAX_PARAMS];
    int nwhere;
    /* Model parameters as given: name (not terminated: pnamelen bytes) and grid text. */
    const char *pname[CLI_MAX_PARAM_ARGS], *ptext[CLI_MAX_PARAM_ARGS];
    size_t pnamelen[CLI_MAX_PARAM_ARGS];
    int nparams;
} cli_args;

/* Record argv[0..argc) (options and model parameters) into a for command cmd (CLI_*). Values of
 * the command's own options are checked here; model parameters only later. Returns -1 to go
 * on, or an exit code (EXIT_OKAY with a->help set for --help). */
int cli_parse(int argc, char **argv, unsigned cmd, cli_args *a);
const char *cli_command_name(unsigned cmd);
/* The figure's heat parameter and marks: the options, else the model's compare_heat and
 * compare_marks (an empty option clears them); checked against m (heat a parameter other than
 * x, marks observables). Returns 0 after one cli_error line. */
int cli_figure_kind(const cav_model *m, cli_args *a, const char *x);

/* Subcommands: argc/argv start at the subcommand name. Return the exit code. */
int cli_sweep(int argc, char **argv); /* theory, simulate, compare */
int cli_plot(int argc, char **argv);
int cli_export(int argc, char **argv);
/* Model quantities (cav_model_quantity) as subcommands: `cavity NAME MODEL ...`. */
int cli_quantity_known(const char *name);
int cli_quantity(int argc, char **argv);

#endif
