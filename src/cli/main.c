/* cavity — command-line entry point: dispatch to subcommands, `list`, `help`, and the shared
 * helpers of cli.h. Data goes to stdout, diagnostics to stderr prefixed "cavity:".
 * Everything model-specific comes from the registry (cavity/model.h). */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cli_rank = 0;

/* Length of the valid UTF-8 sequence at s (0 if it is not one). */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (s[0] >= 0xf8) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return n;
}

void cli_error(const char *fmt, ...)
{
    if (cli_rank != 0) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line whatever the message echoes: control bytes and invalid UTF-8 are escaped, so a
     * value holding a newline or an escape sequence cannot forge a second line. */
    fputs("cavity: ", stderr);
    for (const unsigned char *c = (const unsigned char *)msg; *c;) {
        size_t n = *c >= 0x80 ? utf8_len(c) : 1;
        if (*c >= 0x20 && *c != 0x7f && n) {
            fwrite(c, 1, n, stderr);
            c += n;
        } else {
            fprintf(stderr, "\\x%02x", *c);
            c++;
        }
    }
    fputc('\n', stderr);
}

const cav_model *cli_model(const char *name)
{
    cav_err err = {0};
    const cav_model *m = cav_sweep_model(name, &err);
    if (!m) cli_error("%s", err.msg);
    return m;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cavity COMMAND [MODEL] [--param GRID ...] [options]\n\n"
               "commands:\n"
               "  list                      the models\n"
               "  help MODEL                parameters, observables and paper of a model\n"
               "  theory MODEL [...]        asymptotic prediction on a grid of parameters\n"
               "  simulate MODEL [...]      finite-size experiments (--seeds N, --seed S)\n"
               "  compare MODEL [...]       theory and simulation side by side, with a figure\n"
               "  plot STORE --model M ...  figure from stored results\n"
               "  export STORE              dump a results store (--format csv|json)\n"
               "  threshold MODEL [...]     a model quantity, e.g. alpha_c(eps) of raf\n\n"
               "Every model parameter is an option --name GRID: a:b:n (linear), a:b:n:log,\n"
               "x,y,z (list, also for choices); several grids give their cartesian product.\n"
               "Run `cavity COMMAND --help` for the options of a command.\n"
               "Exit codes: 0 success, 1 computation failed, 2 bad usage or input,\n"
               "3 finished with some points failed.\n");
}

static int cmd_list(void)
{
    for (const cav_model *const *m = cav_model_registry(); *m; m++)
        printf("%-12s %s (%s)\n", (*m)->name, (*m)->summary ? (*m)->summary : "",
               (*m)->paper ? (*m)->paper : "-");
    return EXIT_OKAY;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        cli_error("missing COMMAND; run `cavity --help` for the commands");
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return EXIT_OKAY;
    }
    if (!strcmp(cmd, "--version")) {
        printf("cavity %s (%s)\n", cav_version(), cav_git_revision());
        return EXIT_OKAY;
    }
    if (!strcmp(cmd, "list") || !strcmp(cmd, "help") || !strcmp(cmd, "--version")) {
        int maxargs = !strcmp(cmd, "help") ? 3 : 2;
        if (argc > maxargs) {
            char shown[160];
            cav_text_escape(argv[maxargs], shown, sizeof shown);
            cli_error("`cavity %s` takes %s; unexpected '%s'", cmd,
                      maxargs == 3 ? "one MODEL" : "no argument", shown);
            return EXIT_USAGE;
        }
    }
    if (!strcmp(cmd, "list")) return cmd_list();
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            usage(stdout);
            return EXIT_OKAY;
        }
        const cav_model *m = cli_model(argv[2]);
        if (!m) return EXIT_USAGE;
        cav_sweep_model_help(stdout, m);
        return EXIT_OKAY;
    }
    if (!strcmp(cmd, "theory") || !strcmp(cmd, "simulate") || !strcmp(cmd, "compare"))
        return cli_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot")) return cli_plot(argc - 1, argv + 1);
    if (!strcmp(cmd, "export")) return cli_export(argc - 1, argv + 1);
    if (cli_quantity_known(cmd)) return cli_quantity(argc - 1, argv + 1);
    char shown[160];
    cav_text_escape(cmd, shown, sizeof shown);
    cli_error("unknown command '%s'; commands: list, help, theory, simulate, compare, plot, "
              "export, and model quantities (see cavity help MODEL)",
              shown);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    int size = 1;
    if (cav_mpi_init(&argc, &argv, &cli_rank, &size) != CAV_OK) {
        fprintf(stderr, "cavity: MPI initialisation failed\n");
        return EXIT_FAILED;
    }
    int rc = dispatch(argc, argv);
    /* Output that could not be written (a full disk, a closed pipe) is a failure, not a
     * success with the data lost. */
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        cli_error("writing the output failed: %s", strerror(errno));
        if (rc == EXIT_OKAY || rc == EXIT_PARTIAL) rc = EXIT_FAILED;
    }
    /* Every MPI rank ends here, and exits with rank 0's code. */
    return cav_mpi_finish(rc);
}
