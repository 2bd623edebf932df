/* cli/cli.h — shared pieces of the `cavity` command-line tool (the only code that prints or
 * exits). Exit codes: 0 success, 1 computation failed, 2 bad usage or input, 3 finished with
 * some points failed. */
#ifndef CAVITY_CLI_H
#define CAVITY_CLI_H

#include "cavity/model.h"
#include "cavity/run.h"
#include "run/sweep.h"

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

/* Store-backed subcommands and their options (src/cli/options.c). The sweep commands are those
 * of the library's planner (run/sweep.h), which checks what they were given. */
enum {
    CLI_THEORY = CAV_SWEEP_THEORY,
    CLI_SIMULATE = CAV_SWEEP_SIMULATE,
    CLI_COMPARE = CAV_SWEEP_COMPARE,
    CLI_PLOT = 8u
};
#define CLI_MAX_PARAM_ARGS CAV_SWEEP_MAX_PARAM_ARGS

typedef struct cli_args {
    cav_sweep_args sw; /* what the planner checks: jobs, seeds, compare options, parameters */
    int recompute, nostore, progress, format, help;
    const char *store, *model_name;
    const char *where[CAV_MAX_PARAMS];
    int nwhere;
} cli_args;

/* Record argv[0..argc) (options and model parameters) into a for command cmd (CLI_*). Values of
 * the command's own options are checked here; model parameters only later. Returns -1 to go
 * on, or an exit code (EXIT_OKAY with a->help set for --help). */
int cli_parse(int argc, char **argv, unsigned cmd, cli_args *a);
const char *cli_command_name(unsigned cmd);

/* Subcommands: argc/argv start at the subcommand name. Return the exit code. */
int cli_sweep(int argc, char **argv); /* theory, simulate, compare */
int cli_plot(int argc, char **argv);
int cli_export(int argc, char **argv);
/* Model quantities (cav_model_quantity) as subcommands: `cavity NAME MODEL ...`. */
int cli_quantity_known(const char *name);
int cli_quantity(int argc, char **argv);

#endif
