/* cavity/param.h — typed parameter fields: one table describes a C parameter struct once.
 *
 * A model (or any configurable object) declares one plain C struct of parameters and one table
 * of cav_param_spec, one entry per field, written with designated initialisers:
 *
 *     typedef struct my_params { const cav_loss_type *loss; double alpha; long d; } my_params;
 *     static const char *const my_losses[] = {"square", "logistic", NULL};
 *     static const cav_param_spec my_spec[] = {
 *         {.name = "loss", .kind = CAV_PARAM_TYPE, .offset = offsetof(my_params, loss),
 *          .choices = my_losses, .find = cav_loss_find_any, .def = 0, .help = "training loss"},
 *         {.name = "alpha", .kind = CAV_PARAM_REAL, .offset = offsetof(my_params, alpha),
 *          .def = 1, .lo = 0, .hi = 1e6, .flags = CAV_PF_LO_OPEN, .help = "n/d"},
 *         {.name = "d", .kind = CAV_PARAM_INT, .offset = offsetof(my_params, d), .def = 1000,
 *          .lo = 2, .hi = 1e6, .flags = CAV_PF_SIM, .help = "simulation: dimension"},
 *     };
 *
 * or, more compactly, with CAV_FIELD (the field name is the parameter name):
 *
 *         CAV_FIELD(my_params, alpha, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e6,
 *                   .flags = CAV_PF_LO_OPEN, .help = "n/d"),
 *
 * The table is the only place where names, defaults, ranges and help live: the CLI, the grids,
 * the store keys and library users all read it (cav_params_defaults fills a struct).
 *
 * Kinds and the C type of the field they describe:
 *   CAV_PARAM_REAL    double
 *   CAV_PARAM_INT     long
 *   CAV_PARAM_CHOICE  int: the index of the chosen name in `choices`
 *   CAV_PARAM_TYPE    const T *: a block type table (loss, channel, prior, activation) chosen by
 *                     name among `choices` and resolved through the block registry's `find`
 *                     (cav_loss_find_any, ...). `choices` lists the names the model supports.
 * A short vector (e.g. layer widths) is a fixed-length array member described by one REAL or INT
 * entry per element ("width_1", "width_2", ...; offsetof(s, width[0]), ...).
 *
 * Coordinates. Grids, keys and the store handle a point as one double per field, its
 * coordinate: the value (REAL, INT) or the index into `choices` (CHOICE, TYPE). cav_param_put
 * and cav_param_get convert between a coordinate and the struct field.
 */
#ifndef CAVITY_PARAM_H
#define CAVITY_PARAM_H

#include <stddef.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cav_param_kind {
    CAV_PARAM_REAL,
    CAV_PARAM_INT,
    CAV_PARAM_CHOICE,
    CAV_PARAM_TYPE
} cav_param_kind;

/* Field flags. */
enum {
    CAV_PF_SIM = 1u,     /* used only by simulation (e.g. the dimension d): not in theory keys */
    CAV_PF_THEORY = 2u,  /* used only by theory (e.g. a solver tolerance) */
    CAV_PF_LO_OPEN = 4u, /* the lower bound itself is excluded */
    CAV_PF_HI_OPEN = 8u, /* the upper bound itself is excluded */
    CAV_PF_ADDED = 16u   /* added to a released model: at its default value the field is left out
                            of store keys, and out of table columns when every row has it at the
                            default, so points computed before it existed keep their keys and
                            tables. Its default must never change (docs/store.md). */
};

typedef struct cav_param_spec {
    const char *name;
    cav_param_kind kind;
    size_t offset; /* offsetof(struct, field) */
    double def;    /* default: the value (REAL, INT) or the index into choices (CHOICE, TYPE) */
    double lo, hi; /* REAL / INT: allowed range (+-INFINITY when open-ended) */
    unsigned flags;
    const char *const *choices;            /* CHOICE / TYPE: NULL-terminated names */
    const void *(*find)(const char *name); /* TYPE: the block registry's lookup */
    const char *help;
} cav_param_spec;

/* A field table entry for member F of struct S, named like the member; the remaining designated
 * initialisers follow (.kind, .def, .lo, .hi, .flags, .choices, .find, .help). */
#define CAV_FIELD(S, F, ...)                                                                       \
    {                                                                                              \
        .name = #F, .offset = offsetof(S, F), __VA_ARGS__                                          \
    }

/* 1 if field p is an input of kind 0 (theory) or 1 (simulation): theory ignores CAV_PF_SIM
 * fields, simulation ignores CAV_PF_THEORY ones. */
int cav_param_used(const cav_param_spec *p, int kind);

/* Check a coordinate against the spec (range, integrality, finiteness, choice index). On
 * failure the message names the parameter, the value and the allowed range. */
int cav_param_check(const cav_param_spec *p, double coord, cav_err *err);
/* Parse the text of one value (a number, or a choice name) into a coordinate and check it. The
 * whole text must be the value (no surrounding space); a number that underflows or overflows a
 * double is refused with the text as typed; -0 reads as 0, so every point has one canonical key.
 * Messages echo the text with control and non-ASCII bytes escaped. */
int cav_param_parse(const cav_param_spec *p, const char *text, double *coord, cav_err *err);
/* Canonical text of a coordinate: shortest round-trip number (cav_fmt_double), an integer, or the
 * choice name. */
void cav_param_format(const cav_param_spec *p, double coord, char *buf, size_t len);
/* Allowed range as text: "(0, 1e+06]", "[0, 1]", "[2, 1e+06] (integer)" or "one of: a, b, c". */
void cav_param_range(const cav_param_spec *p, char *buf, size_t len);
/* Index of `name` in p->choices, -1 if absent (or p has no choices). */
int cav_param_choice_index(const cav_param_spec *p, const char *name);

/* Write coordinate `coord` into the field of struct s (CHOICE / TYPE: coord must be a valid
 * index; TYPE resolves the name through p->find). Returns CAV_OK, or CAV_EINVAL when a TYPE
 * name is unknown to its registry. */
int cav_param_put(const cav_param_spec *p, void *s, double coord);
/* Coordinate of the field of struct s (TYPE: the index of the type's name in choices, -1 when
 * the type is not among them). */
double cav_param_get(const cav_param_spec *p, const void *s);

/* The whole table: fill struct s from coordinates v[0..n) / read them back / defaults. */
int cav_params_put(const cav_param_spec *spec, int n, const double *v, void *s);
void cav_params_get(const cav_param_spec *spec, int n, const void *s, double *v);
void cav_params_default_coords(const cav_param_spec *spec, int n, double *v);
/* Fill struct s with the defaults of the table (fields not in the table are left as they are). */
int cav_params_defaults(const cav_param_spec *spec, int n, void *s);
/* Index of the field named `name`, -1 if absent. */
int cav_params_index(const cav_param_spec *spec, int n, const char *name);

/* Shortest "%.*g" form of x that reads back to x; integers as integers ("30"); "nan", "inf",
 * "-inf" for non-finite values. */
void cav_fmt_double(double x, char *buf, size_t len);

/* 1 if the n bytes at item are one element of the comma-separated list (NULL: empty). */
int cav_list_has(const char *list, const char *item, size_t n);

/* Copy text into out (len bytes) with every byte outside printable ASCII, and the backslash,
 * escaped as \xNN / \\, truncated with "..." when it does not fit: safe to echo in a message. */
void cav_text_escape(const char *text, char *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif
