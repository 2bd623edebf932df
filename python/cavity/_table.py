"""Tables of the library (CSV text written by cav_table_write) as pandas DataFrames.

The text is the one `cavity theory ...` prints: numbers in shortest round-trip form, so that
float() gives back the library's doubles bit for bit; "nan", "inf" and "-inf" for non-finite
values; empty fields where a column does not apply to a row (a simulation-only parameter on a
theory row of a compare table). Column types: choices, `kind` and `status` are strings (None
where empty); `iterations`, `seeds` and integer parameters are int64 (float64 when some rows
leave them empty); everything else is float64.

Small tables are built straight from pandas' blocks (a DataFrame of one row costs a few tens of
microseconds instead of a millisecond through the public constructors); the public constructor
is the fallback, and the tests check that both give the same frame.
"""
import numpy as np
import pandas as pd

_NAN = float("nan")
_STR_ALWAYS = ("kind", "status")
_INT_ALWAYS = ("iterations", "seeds")

try:  # pandas internals, for the fast construction; any failure falls back to the public API
    from pandas._libs.internals import BlockPlacement as _BlockPlacement
    from pandas.core.internals import BlockManager as _BlockManager
    try:  # pandas 1.x: a block class per kind of values (checked by the tests)
        from pandas.core.internals.blocks import NumericBlock as _Num
        from pandas.core.internals.blocks import ObjectBlock as _Obj
        _klass = {"f": _Num, "i": _Num, "s": _Obj}
    except ImportError:  # pragma: no cover - pandas 2.x
        from pandas.core.internals.blocks import NumpyBlock as _Np
        _klass = {"f": _Np, "i": _Np, "s": _Np}
    _fast = True
except Exception:  # pragma: no cover - other pandas versions
    _fast = False


class _Layout:
    """Column kinds of one header ('f' float, 'i' int, 's' string) and their block positions."""

    def __init__(self, names, kinds):
        self.names = names
        self.kinds = kinds
        self.columns = pd.Index(names)
        self.pos = {k: [j for j, c in enumerate(kinds) if c == k] for k in "fis"}
        self.place = {}
        if _fast:
            try:
                self.place = {k: _BlockPlacement(np.array(v, dtype=np.intp))
                              for k, v in self.pos.items() if v}
            except Exception:  # pragma: no cover
                self.place = {}


_layouts = {}


def _kinds(names, strcols, intcols):
    return "".join("s" if n in strcols or n in _STR_ALWAYS else
                   "i" if n in intcols or n in _INT_ALWAYS else "f" for n in names)


def _build(layout, cols, nrows):
    """A DataFrame from per-kind 2-D arrays cols['f'|'i'|'s'] (rows: the columns of that kind)."""
    global _fast
    if _fast and layout.place:
        try:
            blocks = [_klass[k](cols[k], layout.place[k], 2) for k in "fis" if k in cols]
            mgr = _BlockManager(blocks, [layout.columns, _range(nrows)], verify_integrity=False)
            if hasattr(pd.DataFrame, "_from_mgr"):
                return pd.DataFrame._from_mgr(mgr, mgr.axes)
            return pd.DataFrame(mgr)
        except Exception:  # pragma: no cover - a pandas whose internals differ
            _fast = False
    return _build_public(layout, cols, nrows)


def _build_public(layout, cols, nrows):
    data = {}
    for k in "fis":
        for row, j in enumerate(layout.pos[k]):
            data[layout.names[j]] = cols[k][row]
    return pd.DataFrame({n: data[n] for n in layout.names}, index=pd.RangeIndex(nrows))


_heads = {}
_ranges = {}


def _range(n):
    """RangeIndex(n), shared between frames for small n (an Index is immutable)."""
    r = _ranges.get(n)
    if r is None:
        r = pd.RangeIndex(n)
        if n <= 64:
            _ranges[n] = r
    return r


def frame(text, strcols=(), intcols=(), public=False):
    """DataFrame of a CSV table; strcols / intcols name the string / integer parameters."""
    head, _, body = text.partition("\n")
    key0 = (head, strcols, intcols)
    base = _heads.get(key0)
    if base is None:
        names0 = head.split(",") if head else []
        kinds0 = _kinds(names0, strcols, intcols)
        ints0 = [j for j, k in enumerate(kinds0) if k == "i"]
        base = _heads[key0] = (names0, kinds0, ints0, _layout(head, names0, kinds0))
    names, kinds, ints, layout = base
    rows = [l.split(",") for l in body.split("\n") if l]
    nrows = len(rows)
    fields = list(zip(*rows)) if rows else [()] * len(names)
    if ints and any("" in fields[j] for j in ints):
        # an integer column with empty fields is float (NaN where empty)
        kinds = "".join("f" if k == "i" and "" in fields[j] else k for j, k in enumerate(kinds))
        layout = _layout(head, names, kinds)
    cols = {}
    pos = layout.pos
    if pos["f"]:
        cols["f"] = np.array([float(v) if v else _NAN for j in pos["f"] for v in fields[j]],
                             dtype=np.float64).reshape(len(pos["f"]), nrows)
    if pos["i"]:
        cols["i"] = np.array([int(v) for j in pos["i"] for v in fields[j]],
                             dtype=np.int64).reshape(len(pos["i"]), nrows)
    if pos["s"]:
        cols["s"] = np.array([v if v else None for j in pos["s"] for v in fields[j]],
                             dtype=object).reshape(len(pos["s"]), nrows)
    return (_build_public if public else _build)(layout, cols, nrows)


def _layout(head, names, kinds):
    key = (head, kinds)
    layout = _layouts.get(key)
    if layout is None:
        layout = _layouts[key] = _Layout(names, kinds)
    return layout
