/* Options of the store-backed subcommands (theory, simulate, compare, plot): one table says
 * which command takes which option and whether it has a value; parsing only records what was
 * given (texts), so that every option is known before any of them is checked or expanded. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    O_JOBS,
    O_SEEDS,
    O_SEED,
    O_STORE,
    O_NOSTORE,
    O_RECOMPUTE,
    O_FORMAT,
    O_PROGRESS,
    O_MEMORY,
    O_OUT,
    O_X,
    O_Y,
    O_BY,
    O_TGRID,
    O_SGRID,
    O_MODEL,
    O_WHERE
};

enum { T = CLI_THEORY, S = CLI_SIMULATE, C = CLI_COMPARE, P = CLI_PLOT };

static const struct {
    const char *name;
    int id;
    int value; /* 1: takes a value */
    unsigned cmds;
} table[] = {
    {"jobs", O_JOBS, 1, T | S | C},
    {"seeds", O_SEEDS, 1, S | C},
    {"seed", O_SEED, 1, S | C},
    {"store", O_STORE, 1, T | S | C},
    {"no-store", O_NOSTORE, 0, T | S | C},
    {"recompute", O_RECOMPUTE, 0, T | S | C},
    {"format", O_FORMAT, 1, T | S | C},
    {"progress", O_PROGRESS, 0, T | S | C},
    {"max-memory", O_MEMORY, 1, T | S | C},
    {"o", O_OUT, 1, C | P},
    {"x", O_X, 1, C | P},
    {"y", O_Y, 1, C | P},
    {"by", O_BY, 1, C | P},
    {"theory-grid", O_TGRID, 1, C},
    {"sim-grid", O_SGRID, 1, C},
    {"model", O_MODEL, 1, P},
    {"where", O_WHERE, 1, P},
};

const char *cli_command_name(unsigned cmd)
{
    return cmd == CLI_THEORY     ? "theory"
           : cmd == CLI_SIMULATE ? "simulate"
           : cmd == CLI_COMPARE  ? "compare"
                                 : "plot";
}

/* Integer option value in [lo, hi]. */
static int int_opt(const char *name, const char *val, long lo, long hi, long *out)
{
    char *end = NULL;
    long x = strtol(val, &end, 10);
    if (!*val || *end || x < lo || x > hi || *val == ' ') {
        char shown[160];
        cav_text_escape(val, shown, sizeof shown);
        cli_error("--%s: '%s' is not an integer in [%ld, %ld]", name, shown, lo, hi);
        return 0;
    }
    *out = x;
    return 1;
}

static int store_value(cli_args *a, int id, const char *name, const char *val)
{
    long x;
    switch (id) {
    case O_JOBS:
        if (!int_opt(name, val, 1, 1024, &x)) return 0;
        a->jobs = (int)x;
        break;
    case O_SEEDS:
        if (!int_opt(name, val, 1, 1000000, &x)) return 0;
        a->nseeds = (int)x;
        a->seeds_set = 1;
        break;
    case O_SEED:
        if (!int_opt(name, val, 0, 1L << 40, &x)) return 0;
        a->seed0 = x;
        break;
    case O_MEMORY: {
        char *end = NULL;
        double gb = strtod(val, &end);
        if (!*val || *end || !(gb >= 0) || gb > 1e6) {
            char shown[160];
            cav_text_escape(val, shown, sizeof shown);
            cli_error("--max-memory: '%s' is not a number of GB in [0, 1e6] (0: no limit)", shown);
            return 0;
        }
        a->max_memory_gb = gb;
        a->memory_set = 1;
        break;
    }
    case O_FORMAT:
        if (!strcmp(val, "csv"))
            a->format = CAV_FMT_CSV;
        else if (!strcmp(val, "json"))
            a->format = CAV_FMT_JSON;
        else {
            char shown[160];
            cav_text_escape(val, shown, sizeof shown);
            cli_error("--format: unknown value '%s'; allowed: csv, json", shown);
            return 0;
        }
        break;
    case O_STORE:
        a->store = val;
        break;
    case O_OUT:
        a->out = val;
        break;
    case O_X:
        a->x = val;
        break;
    case O_Y:
        a->y = val;
        break;
    case O_BY:
        a->by = val;
        break;
    case O_TGRID:
        a->tgrid = val;
        break;
    case O_SGRID:
        a->sgrid = val;
        break;
    case O_MODEL:
        a->model_name = val;
        break;
    case O_WHERE:
        if (a->nwhere == CAV_MAX_PARAMS) {
            cli_error("--where: at most %d clauses", CAV_MAX_PARAMS);
            return 0;
        }
        a->where[a->nwhere++] = val;
        break;
    case O_NOSTORE:
        a->nostore = 1;
        break;
    case O_RECOMPUTE:
        a->recompute = 1;
        break;
    case O_PROGRESS:
        a->progress = 1;
        break;
    }
    return 1;
}

int cli_parse(int argc, char **argv, unsigned cmd, cli_args *a)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        char name[64], shown[160];
        cav_text_escape(arg, shown, sizeof shown);
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) return a->help = 1, EXIT_OKAY;
        if (!strcmp(arg, "-o")) {
            snprintf(name, sizeof name, "o");
        } else if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
            cli_error("unexpected argument '%s' (options are --name value)", shown);
            return EXIT_USAGE;
        } else {
            const char *eq = strchr(arg + 2, '=');
            size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
            if (n >= sizeof name) {
                cli_error("unknown option '%s'", shown);
                return EXIT_USAGE;
            }
            memcpy(name, arg + 2, n);
            name[n] = '\0';
            if (eq) val = eq + 1;
        }
        int k = -1;
        for (size_t j = 0; j < sizeof table / sizeof table[0]; j++)
            if (!strcmp(table[j].name, name)) k = (int)j;
        char nshown[160];
        cav_text_escape(name, nshown, sizeof nshown);
        if (k >= 0 && !(table[k].cmds & cmd)) {
            cli_error("--%s is not an option of `cavity %s`", nshown, cli_command_name(cmd));
            return EXIT_USAGE;
        }
        if (k < 0 && cmd == CLI_PLOT) {
            cli_error("unknown option '--%s' of `cavity plot`", nshown);
            return EXIT_USAGE;
        }
        int takes = k >= 0 ? table[k].value : 1;
        if (!takes && val) {
            cli_error("--%s takes no value", nshown);
            return EXIT_USAGE;
        }
        if (takes && !val) {
            if (i + 1 >= argc) {
                cli_error("--%s needs a value", nshown);
                return EXIT_USAGE;
            }
            val = argv[++i];
        }
        if (k >= 0) {
            if (!store_value(a, table[k].id, name, val)) return EXIT_USAGE;
            continue;
        }
        /* A model parameter: checked once every option is known. */
        if (a->nparams == CLI_MAX_PARAM_ARGS) {
            cli_error("too many parameter options (at most %d)", CLI_MAX_PARAM_ARGS);
            return EXIT_USAGE;
        }
        a->pname[a->nparams] = arg + 2;
        a->pnamelen[a->nparams] = strlen(name);
        a->ptext[a->nparams++] = val;
    }
    return -1;
}
