"""cavity: the statistical physics of learning, theory beside simulation, from Python.

A thin layer over the C library libcavity (its binding API, cavity/api.h, through ctypes):

    import cavity
    cavity.models()                                   # registered models
    cavity.help("raf")                                # parameters, observables, paper
    df = cavity.theory("raf", alpha=[0.5, 1, 2], learner="linear,kernel")
    sim = cavity.simulate("raf", alpha=[0.5, 1, 2], d=500, seeds=5, jobs=2)
    both = cavity.compare("raf", d=500, seeds=3)      # theory + simulation (+ a figure)
    cavity.quantity("raf", "threshold", eps="0:1:11") # a named quantity
    cavity.load("cavity.db", "raf")                   # stored results

Parameters are given as on the command line, where `--alpha 0.1:2:20` becomes `alpha=...`:
a number, a string (a choice, or a grid text "a:b:n", "a:b:n:log", "x,y,z"), or a list, tuple
or numpy array of values; several parameters multiply (their cartesian product). Tables are
pandas DataFrames with the command line's columns (parameters, observables, `NAME_se` and
`seeds` for simulations, `status`, `residual`, `iterations`) and the same numbers, bit for bit.

Bad input raises ValueError with the library's message (the one `cavity` prints), before any
work. Points that fail are rows with a status other than "ok", and a PointFailedWarning.
Ctrl-C stops a sweep cleanly: the computations under way finish, no new one starts, what was
done is in the store, and KeyboardInterrupt is raised. The library releases the GIL while it
computes.
"""
import json
import numbers
import threading
import warnings

import numpy as np

from . import _lib
from ._table import frame as _frame

__all__ = ["models", "help", "theory", "simulate", "compare", "quantity", "load", "plot",
           "CavityError", "PointFailedWarning", "library_path", "__version__"]

__version__ = _lib.version().decode()
library_path = _lib.path


class CavityError(RuntimeError):
    """A failure of the library's machinery (store I/O, memory), with its status code."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status
        self.status_name = _lib.status_name(status).decode()


class PointFailedWarning(UserWarning):
    """Some computations of a sweep did not converge or failed (their status column says how)."""


class _Call:
    """One cav_api object: the outcome of one call and its cancel flag."""

    __slots__ = ("h",)

    def __init__(self):
        self.h = _lib.api_new()
        if not self.h:
            raise MemoryError("cavity: out of memory")

    def __del__(self):
        if self.h:
            _lib.api_free(self.h)
            self.h = None

    def text(self):
        return _lib.api_text(self.h).decode()

    def message(self):
        return _lib.api_message(self.h).decode()

    def warnings(self):
        return _lib.api_warnings(self.h).decode()

    def check(self, status):
        """Raise for a failed call."""
        if status == _lib.OK:
            return
        msg = self.message()
        if status == _lib.EINVAL:
            raise ValueError(msg)
        if status == _lib.ENOMEM:
            raise MemoryError(msg)
        raise CavityError(msg, status)


def _run(fn, interruptible):
    """Run fn(handle) -> status; in a worker thread when it may be interrupted, so that Ctrl-C
    (KeyboardInterrupt in the main thread) can raise the cancel flag while the library runs."""
    c = _Call()
    if not interruptible:
        return c, fn(c.h)
    out = []
    done = threading.Event()

    def work():
        try:
            out.append(fn(c.h))
        finally:
            done.set()

    t = threading.Thread(target=work, name="cavity-sweep", daemon=True)
    t.start()
    # Completion is the event, not Thread.join / is_alive: a join interrupted by
    # KeyboardInterrupt can mark a thread stopped while it still runs (CPython 3.11).
    try:
        while not done.wait(0.25):
            pass
    except KeyboardInterrupt:
        _lib.api_cancel(c.h, 1)
        # The computations under way finish and are stored; wait for them (a second Ctrl-C
        # does not abandon them half-way).
        while not done.is_set():
            try:
                done.wait(0.25)
            except KeyboardInterrupt:
                pass
        raise
    t.join()
    return c, out[0]


# --------------------------------------------------------------------------------------------
# Registry

_help_cache = {}


def models():
    """Names of the registered models (see help(model) for each)."""
    c, s = _run(_lib.api_models, False)
    c.check(s)
    return [m["name"] for m in json.loads(c.text())]


class ModelHelp(dict):
    """The description of a model (a dict: name, summary, paper, params, observables, axis,
    quantities, theory, simulate, compare, text); printed as `cavity help MODEL` prints it."""

    def __repr__(self):
        return self["text"]

    __str__ = __repr__

    @property
    def defaults(self):
        """Default value of every parameter."""
        return {p["name"]: p["default"] for p in self["params"]}


def help(model):  # noqa: A001 - the command line's name
    """Parameters (defaults, ranges, help), observables, quantities and paper of `model`."""
    h = _help_cache.get(model)
    if h is None:
        c, s = _run(lambda p: _lib.api_help(p, str(model).encode()), False)
        c.check(s)
        h = ModelHelp(json.loads(c.text()))
        h["_str"] = frozenset(p["name"] for p in h["params"] if p["kind"] == "choice")
        h["_int"] = frozenset(p["name"] for p in h["params"] if p["kind"] == "integer")
        _help_cache[model] = h
    return h


# --------------------------------------------------------------------------------------------
# Parameters

_MAX_TEXT = 4095  # bytes of one grid text (CAV_GRID_MAX_TEXT - 1)


def _num_text(v):
    t = type(v)
    if t is float:
        return repr(v)  # shortest round-trip form: the library reads the same double
    if t is int or t is str:
        return str(v)
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("cavity: a boolean is not a parameter value")
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        return repr(float(v))  # shortest round-trip form: the library reads the same double
    if isinstance(v, str):
        return v
    raise TypeError("cavity: %r is not a number or a text" % (v,))


def _is_seq(v):
    return isinstance(v, (list, tuple, range, np.ndarray)) or (
        hasattr(v, "__array__") and hasattr(v, "__len__") and not isinstance(v, str))


_SCALARS = (float, int, str)


def _param(v):
    """(text, values): a grid text, or for long numeric lists an array of doubles."""
    if type(v) in _SCALARS:
        return _num_text(v), None
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v.item()
    if not _is_seq(v):
        return _num_text(v), None
    items = list(np.asarray(v, dtype=object).ravel()) if not isinstance(v, list) else v
    text = ",".join(_num_text(x) for x in items)
    if len(text.encode()) <= _MAX_TEXT or not all(
            isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) for x in items):
        return text, None
    return None, np.ascontiguousarray(np.asarray(items, dtype=np.float64))


def _single(v):
    """1 if the value is one value (not a list, not a grid text)."""
    t = type(v)
    if t is float or t is int:
        return True
    if t is str:
        return "," not in v and ":" not in v
    if _is_seq(v):
        return isinstance(v, np.ndarray) and v.ndim == 0
    return not (isinstance(v, str) and ("," in v or ":" in v))


def _pairs(options, params):
    names, texts, arrays = [], [], []
    for k, v in options:
        if v is None:
            continue
        names.append(k)
        texts.append(_num_text(v))
        arrays.append(None)
    for k, v in params.items():
        t, arr = _param(v)
        names.append(k)
        texts.append(t)
        arrays.append(arr)
    return names, texts, arrays


def _carrays(names, texts, arrays):
    n = len(names)
    cn = (_lib.ctypes.c_char_p * n)(*[x.encode() for x in names])
    ct = (_lib.ctypes.c_char_p * n)(*[None if x is None else x.encode() for x in texts])
    if all(a is None for a in arrays):
        return n, cn, ct, None, None, None
    P = _lib.ctypes.POINTER(_lib.ctypes.c_double)
    cv = (P * n)(*[a.ctypes.data_as(P) if a is not None else None for a in arrays])
    cc = (_lib.ctypes.c_size_t * n)(*[len(a) if a is not None else 0 for a in arrays])
    return n, cn, ct, cv, cc, arrays  # arrays: kept alive for the call


def _warn(c, stacklevel):
    w = c.warnings()
    if w:
        failed = _lib.api_failed(c.h)
        head = ("%d of %d computations failed" % (failed, _lib.api_total(c.h))) if failed \
            else "store"
        warnings.warn("cavity: %s:\n%s" % (head, w.rstrip("\n")), PointFailedWarning,
                      stacklevel=stacklevel)


def _sweep(command, model, options, params, single):
    h = help(model) if isinstance(model, str) else None
    names, texts, arrays = _pairs(options, params)
    n, cn, ct, cv, cc, keep = _carrays(names, texts, arrays)
    mb = str(model).encode()
    cmd = command.encode()

    def call(p):
        return _lib.api_sweep(p, cmd, mb, n, cn, ct, cv, cc, _lib.FMT_CSV)

    c, s = _run(call, not single)
    del keep
    c.check(s)
    _warn(c, 4)
    return _attrs(_frame(c.text(), h["_str"] if h else (), h["_int"] if h else ()), model, c)


def _attrs(df, model, c):
    """Note on df the model (for plot()) and the counts of the call: computations in all,
    failed, read from the store."""
    df.attrs.update(model=model, total=_lib.api_total(c.h), failed=_lib.api_failed(c.h),
                    stored=_lib.api_stored(c.h))
    return df


def _opts(jobs, store, recompute, max_memory):
    return [("jobs", jobs), ("store", None if store is None else str(store)),
            ("recompute", "1" if recompute else None), ("max-memory", max_memory)]


def theory(model, /, *, store=None, jobs=None, recompute=False, max_memory=None, **params):
    """The asymptotic theory of `model` on the grid of `params` (one row per point, or per
    axis row such as a time step), as `cavity theory MODEL --name value ...` computes it.

    store: path of a results store (points already there are read, new ones written; None:
    no store); jobs: worker threads (the numbers do not depend on it; default: one per core,
    as the command line); recompute: ignore stored points; max_memory: GB a run may need
    (0: no check; default the available memory)."""
    single = all(_single(v) for v in params.values())
    jobs = _cores() if jobs is None else jobs
    return _sweep("theory", model, _opts(jobs, store, recompute, max_memory), params, single)


def simulate(model, /, *, seeds=10, seed=1, store=None, jobs=None, recompute=False,
             max_memory=None, **params):
    """Finite-size simulations of `model`: for each point, the mean of every observable over
    `seeds` runs with seeds seed, seed + 1, ... and its standard error (NAME_se), as
    `cavity simulate` computes it. Other options as for theory()."""
    single = seeds == 1 and all(_single(v) for v in params.values())
    jobs = _cores() if jobs is None else jobs
    opts = _opts(jobs, store, recompute, max_memory) + [("seeds", seeds), ("seed", seed)]
    return _sweep("simulate", model, opts, params, single)


def compare(model, /, *, x=None, theory_grid=None, sim_grid=None, y=None, by=None, heat=None,
            marks=None, seeds=None, seed=1, store=None, jobs=None, recompute=False,
            max_memory=None, plot=None, **params):
    """Theory and simulation side by side, as `cavity compare` runs them (the model's compare
    defaults, then params; x the swept parameter with its theory and simulation grids). The
    table has a `kind` column. With matplotlib (Debian: python3-matplotlib) the figure, theory
    as lines and simulation as points with standard-error bars (one panel per observable of y,
    one colour per value of by), is in df.attrs["figure"]; plot=False skips it, plot=True
    insists on it (ImportError without matplotlib). heat: a parameter, for a heatmap of the
    simulated y over (x, heat) instead; marks: theory observables drawn as thresholds on the
    x axis (a comma-separated text or a list); None: the model's defaults, "": none."""
    if marks is not None and not isinstance(marks, str):
        marks = ",".join(marks)
    opts = _opts(jobs if jobs is not None else _cores(), store, recompute, max_memory) + [
        ("seeds", seeds), ("seed", seed), ("x", x), ("y", y), ("by", by), ("heat", heat),
        ("marks", marks), ("theory-grid", theory_grid), ("sim-grid", sim_grid)]
    df = _sweep("compare", model, opts, params, False)
    if plot is not False:
        h = help(model)
        cmp = h["compare"]
        xs = x or cmp["x"]
        ys = y or cmp["y"] or h["observables"][0]["name"]
        bys = by if by is not None else cmp["by"]
        hs = heat if heat is not None else cmp.get("heat")
        ms = marks if marks is not None else cmp.get("marks")
        ms = [m for m in (ms or "").split(",") if m]
        try:
            if hs:
                df.attrs["figure"] = _mpl().heatmap(df, xs, hs, ys.split(","), marks=ms,
                                                     title=model)
            else:
                df.attrs["figure"] = _mpl().figure(df, xs, ys.split(","), bys, title=model,
                                                    params=_param_names(model), marks=ms)
        except ImportError as e:
            if plot:
                raise
            warnings.warn(str(e), stacklevel=2)
    return df


def quantity(model, name, /, **params):
    """The named quantity `name` of `model` (e.g. "threshold" of raf: alpha_c(eps)) on the grid
    of params, as `cavity NAME MODEL` prints it: the parameters it uses, its outputs, status."""
    h = help(model) if isinstance(model, str) else None
    names, texts, arrays = _pairs([], params)
    if any(a is not None for a in arrays):
        raise ValueError("cavity: a quantity's grid must fit a grid text (at most %d bytes)"
                         % _MAX_TEXT)
    n, cn, ct, _, _, _ = _carrays(names, texts, arrays)
    c, s = _run(lambda p: _lib.api_quantity(p, str(name).encode(), str(model).encode(), n, cn,
                                            ct), False)
    c.check(s)
    _warn(c, 3)
    return _attrs(_frame(c.text(), h["_str"] if h else (), h["_int"] if h else ()), model, c)


def load(path, model, /, kind=None, **where):
    """The results of `model` stored in the store at `path` (read-only): kind "theory",
    "simulation" or None (both, with a kind column); where: filters name=value as for
    `cavity plot --where` (a number or a choice name)."""
    h = help(model) if isinstance(model, str) else None
    clauses = ["%s=%s" % (k, _num_text(v)) for k, v in where.items()]
    n = len(clauses)
    cw = (_lib.ctypes.c_char_p * n)(*[x.encode() for x in clauses])
    c, s = _run(lambda p: _lib.api_load(p, str(path).encode(), str(model).encode(),
                                        None if kind is None else str(kind).encode(), n, cw,
                                        _lib.FMT_CSV), False)
    c.check(s)
    _warn(c, 3)
    return _attrs(_frame(c.text(), h["_str"] if h else (), h["_int"] if h else ()), model, c)


def plot(df, x, y, by=None, ax=None, title=None, marks=(), heat=None):
    """Draw a table of theory() / simulate() / compare() / load(): x a column, y an observable
    or a list of them (one panel each), by a column coloured by (curves are also told apart by
    the other parameters that vary). Theory rows are lines (broken where the equations did not
    converge), simulation rows points with standard-error bars; simulation points with failed
    seeds (status other than ok) are hollow and do not set the axis limits. marks: theory
    observables that are positions on the x axis (thresholds), drawn as dashed vertical lines.
    heat: a parameter, for a heatmap of the simulated y over (x, heat) instead (marks then are
    curves across the heat values). ax: a matplotlib Axes or a list of them (one per y) to draw
    into. Returns the matplotlib Figure."""
    ys = [y] if isinstance(y, str) else list(y)
    marks = [m for m in marks.split(",") if m] if isinstance(marks, str) else list(marks)
    if heat:
        return _mpl().heatmap(df, x, heat, ys, marks=marks, ax=ax, title=title)
    model = df.attrs.get("model")
    return _mpl().figure(df, x, ys, by, ax=ax, title=title,
                          params=_param_names(model) if model else None, marks=marks)


def _param_names(model):
    return [p["name"] for p in help(model)["params"]]


def _mpl():
    from . import _plot as p  # imports matplotlib, with a clear message without it
    return p


def _cores():
    """The cores this process may use (as the command line's default --jobs), at most 1024."""
    global _ncores
    if _ncores is None:
        import os
        try:
            _ncores = max(1, min(len(os.sched_getaffinity(0)), 1024))
        except (AttributeError, OSError):  # pragma: no cover
            _ncores = max(1, min(os.cpu_count() or 1, 1024))
    return _ncores


_ncores = None

