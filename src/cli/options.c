/* Options of the store-backed subcommands (theory, simulate, compare, plot): one table says
 * which command takes which option and whether it has a value; parsing only records what was
 * given (texts), so that every option is known before any of them is checked or expanded. */
#include "cli/cli.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How an option's value is stored: a string, a flag (no value), an integer in [lo, hi], or by
 * a function of its own (format, memory limit, where clauses, seeds). */
typedef enum { O_STR, O_FLAG, O_INT, O_LONG, O_FORMAT, O_MEMORY, O_WHERE, O_SEEDS } okind;

enum { T = CLI_THEORY, S = CLI_SIMULATE, C = CLI_COMPARE, P = CLI_PLOT };
#define A(f) offsetof(cli_args, f)

static const struct {
    const char *name;
    okind kind;
    size_t off;
    long lo, hi;
    unsigned cmds;
} table[] = {
    {"jobs", O_INT, A(sw.jobs), 1, CAV_SWEEP_JOBS_MAX, T | S | C},
    {"seeds", O_SEEDS, A(sw.nseeds), 1, CAV_SWEEP_SEEDS_MAX, S | C},
    {"seed", O_LONG, A(sw.seed0), 0, CAV_SWEEP_SEED_MAX, S | C},
    {"store", O_STR, A(store), 0, 0, T | S | C},
    {"no-store", O_FLAG, A(nostore), 0, 0, T | S | C},
    {"recompute", O_FLAG, A(recompute), 0, 0, T | S | C},
    {"progress", O_FLAG, A(progress), 0, 0, T | S | C},
    {"format", O_FORMAT, A(format), 0, 0, T | S | C},
    {"max-memory", O_MEMORY, A(sw.max_memory_gb), 0, 0, T | S | C},
    {"o", O_STR, A(sw.out), 0, 0, C | P},
    {"x", O_STR, A(sw.x), 0, 0, C | P},
    {"y", O_STR, A(sw.y), 0, 0, C | P},
    {"by", O_STR, A(sw.by), 0, 0, C | P},
    {"heat", O_STR, A(sw.heat), 0, 0, C | P},
    {"marks", O_STR, A(sw.marks), 0, 0, C | P},
    {"theory-grid", O_STR, A(sw.tgrid), 0, 0, C},
    {"sim-grid", O_STR, A(sw.sgrid), 0, 0, C},
    {"model", O_STR, A(model_name), 0, 0, P},
    {"where", O_WHERE, A(where), 0, 0, P},
};

const char *cli_command_name(unsigned cmd)
{
    return cmd == CLI_THEORY     ? "theory"
           : cmd == CLI_SIMULATE ? "simulate"
           : cmd == CLI_COMPARE  ? "compare"
                                 : "plot";
}

/* Integer option value in [lo, hi] (checked by the library, as for its binding API). */
static int int_opt(const char *name, const char *val, long lo, long hi, long *out)
{
    cav_err err = {0};
    if (cav_sweep_opt_int(name, val, lo, hi, out, &err)) {
        cli_error("%s", err.msg);
        return 0;
    }
    return 1;
}

/* Store the value of table entry k into a; 0 (after a message) when it is not valid. */
static int store_value(cli_args *a, int k, const char *val)
{
    char *field = (char *)a + table[k].off, shown[160];
    const char *name = table[k].name;
    cav_text_escape(val ? val : "", shown, sizeof shown);
    long x;
    switch (table[k].kind) {
    case O_STR:
        memcpy(field, &val, sizeof val);
        return 1;
    case O_FLAG:
        *(int *)(void *)field = 1;
        return 1;
    case O_INT:
    case O_SEEDS:
        if (!int_opt(name, val, table[k].lo, table[k].hi, &x)) return 0;
        *(int *)(void *)field = (int)x;
        if (table[k].kind == O_SEEDS) a->sw.seeds_set = 1;
        return 1;
    case O_LONG:
        if (!int_opt(name, val, table[k].lo, table[k].hi, &x)) return 0;
        *(long *)(void *)field = x;
        return 1;
    case O_FORMAT:
        if (strcmp(val, "csv") && strcmp(val, "json")) {
            cli_error("--format: unknown value '%s'; allowed: csv, json", shown);
            return 0;
        }
        a->format = !strcmp(val, "csv") ? CAV_FMT_CSV : CAV_FMT_JSON;
        return 1;
    case O_MEMORY: {
        cav_err err = {0};
        if (cav_sweep_opt_memory(val, &a->sw.max_memory_gb, &err)) {
            cli_error("%s", err.msg);
            return 0;
        }
        a->sw.memory_set = 1;
        return 1;
    }
    case O_WHERE:
        if (a->nwhere == CAV_MAX_PARAMS) {
            cli_error("--where: at most %d clauses", CAV_MAX_PARAMS);
            return 0;
        }
        a->where[a->nwhere++] = val;
        return 1;
    }
    return 0;
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
        int takes = k >= 0 ? table[k].kind != O_FLAG : 1;
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
            if (!store_value(a, k, val)) return EXIT_USAGE;
            continue;
        }
        /* A model parameter: checked once every option is known. */
        cav_sweep_args *sw = &a->sw;
        if (sw->nparams == CLI_MAX_PARAM_ARGS) {
            cli_error("too many parameter options (at most %d)", CLI_MAX_PARAM_ARGS);
            return EXIT_USAGE;
        }
        sw->pname[sw->nparams] = arg + 2;
        sw->pnamelen[sw->nparams] = strlen(name);
        sw->ptext[sw->nparams++] = val;
    }
    return -1;
}
