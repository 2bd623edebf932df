"""Figures of cavity tables with matplotlib: theory as lines, simulation as points with
standard-error bars, one panel per observable, one colour per curve; theory thresholds
(marks) as labelled vertical lines; or a heatmap of the simulated observables over two
parameters (as `cavity compare --heat`)."""
try:
    import matplotlib
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover - depends on the machine
    raise ImportError("cavity: figures need matplotlib, which is not installed (Debian: apt "
                      "install python3-matplotlib); the tables are complete without it") from e
import numpy as np


def _isnull(v):
    return v is None or (isinstance(v, float) and np.isnan(v))


def _curve_keys(df, x, by, params):
    """Columns that tell curves apart: by, then every other parameter that varies among the
    rows and is defined on all of them (simulation-only ones are empty on theory rows)."""
    cols = [by] if by else []
    cands = params if params is not None else [c for c in df.columns if df[c].dtype == object]
    for c in cands:
        if c in (x, by, "kind", "status") or c not in df.columns:
            continue
        col = df[c]
        if col.isna().any():
            continue
        if col.nunique() > 1:
            cols.append(c)
    return cols


def _label(keys, vals):
    return ", ".join("%s=%s" % (k, v) for k, v in zip(keys, vals))


def _check_marks(df, marks):
    for m in marks:
        if m not in df.columns:
            raise ValueError("cavity.plot: mark '%s' is not a column" % m)


def _mark_values(df, kinds, idx, m):
    """The distinct finite theory values of observable m on rows idx."""
    rows = idx[np.asarray(kinds)[idx] == "theory"]
    v = df[m].to_numpy(dtype=float)[rows] if len(rows) else np.array([])
    return np.unique(v[np.isfinite(v)])


def _kinds(df):
    if "kind" in df.columns:
        return df["kind"]
    kind = "simulation" if any(str(c).endswith("_se") for c in df.columns) else "theory"
    return np.full(len(df), kind, dtype=object)


def _edges(v):
    """Cell edges halfway between neighbouring sorted values (a single value: +-0.5)."""
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def _cells(col):
    """The distinct values of a column (numbers, or the names of a choice parameter), the cell
    centres (the numbers, or 0, 1, ... for names) and the values of a column as an array
    comparable with the distinct values."""
    conv = (lambda c: c.to_numpy(dtype=str)) if col.dtype == object else \
        (lambda c: c.to_numpy(dtype=float))
    vals = np.unique(conv(col))
    centres = np.arange(len(vals), dtype=float) if col.dtype == object else vals
    return vals, centres, conv


def heatmap(df, x, heat, ys, marks=(), ax=None, title=None):
    """One panel per observable of ys: the simulated value (mean over seeds) at each grid point
    of (x, heat), cells bounded halfway between neighbouring values; marks, theory observables
    that are positions on the x axis, as curves (value, heat) across the heat values."""
    for c in [x, heat] + list(ys):
        if c not in df.columns:
            raise ValueError("cavity.plot: '%s' is not a column" % c)
    _check_marks(df, marks)
    kinds = np.asarray(_kinds(df))
    sim = df[kinds == "simulation"]
    if not len(sim):
        raise ValueError("cavity.plot: a heatmap needs simulation rows")
    if ax is None:
        fig, axes = plt.subplots(1, len(ys), figsize=(4.6 * len(ys), 3.8), squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        fig = axes[0].figure
    xv, xs, xconv = _cells(sim[x])
    hv, hs, hconv = _cells(sim[heat])
    cell = np.searchsorted(hv, hconv(sim[heat])) * len(xs) + np.searchsorted(xv, xconv(sim[x]))
    if len(np.unique(cell)) < len(cell):
        raise ValueError("cavity.plot: heatmap: the simulation rows must differ only in %s and "
                         "%s (select one value of the other parameters)" % (x, heat))
    th = df[kinds == "theory"]
    styles = ["-", "--", ":", "-."]
    for panel, y in zip(axes, ys):
        z = np.full((len(hs), len(xs)), np.nan)
        z.flat[cell] = sim[y].to_numpy(dtype=float)
        mesh = panel.pcolormesh(_edges(xs), _edges(hs), np.ma.masked_invalid(z),
                                cmap="viridis", shading="flat")
        fig.colorbar(mesh, ax=panel, label=y)
        for k, m in enumerate(marks):
            if m not in th.columns or not len(th):
                continue
            pts = []
            for h, centre in zip(hv, hs):
                v = th[hconv(th[heat]) == h][m].to_numpy(dtype=float)
                v = v[np.isfinite(v)]
                if len(v):
                    pts.append((v[0], centre))
            if pts:
                pts = np.array(sorted(pts, key=lambda t: t[1]))
                if len(pts) == 1:
                    panel.axvline(pts[0, 0], color="w", ls=styles[k % 4], lw=1.5, label=m)
                else:
                    panel.plot(pts[:, 0], pts[:, 1], color="w", ls=styles[k % 4], lw=1.5,
                               label=m)
        panel.set_xlim(_edges(xs)[[0, -1]])
        panel.set_ylim(_edges(hs)[[0, -1]])
        for col, set_ticks, vals, centres in ((sim[x], panel.set_xticks, xv, xs),
                                              (sim[heat], panel.set_yticks, hv, hs)):
            if col.dtype == object:  # a choice parameter: one cell per choice, named
                set_ticks(centres, [str(c) for c in vals])
        panel.set_xlabel(x)
        panel.set_ylabel(heat)
        if panel.get_legend_handles_labels()[0]:
            panel.legend(fontsize=8, loc="upper right")
    if title:
        fig.suptitle(title + "  (simulation, mean over seeds%s)"
                     % ("; lines: theory" if marks else ""), fontsize=10)
    fig.tight_layout()
    return fig


def figure(df, x, ys, by=None, ax=None, title=None, params=None, marks=()):
    if x not in df.columns:
        raise ValueError("cavity.plot: x = '%s' is not a column (columns: %s)"
                         % (x, ", ".join(df.columns)))
    for y in ys:
        if y not in df.columns:
            raise ValueError("cavity.plot: y = '%s' is not a column" % y)
    if by and by not in df.columns:
        raise ValueError("cavity.plot: by = '%s' is not a column" % by)
    _check_marks(df, marks)
    if ax is None:
        fig, axes = plt.subplots(1, len(ys), figsize=(4.2 * len(ys), 3.6), squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != len(ys):
            raise ValueError("cavity.plot: %d axes for %d observables" % (len(axes), len(ys)))
        fig = axes[0].figure
    keys = _curve_keys(df, x, by, params)
    kinds = _kinds(df)
    groups = {}
    for i in range(len(df)):
        row = df.iloc[i]
        key = tuple(row[k] for k in keys)
        groups.setdefault(key, []).append(i)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    order = sorted(groups, key=lambda k: tuple(str(v) for v in k))
    ok = (df["status"] == "ok").to_numpy() if "status" in df.columns else np.ones(len(df), bool)
    failed = []  # simulation points with failed seeds, drawn last, hollow
    drawn = {}  # mark values labelled in each panel
    for gi, key in enumerate(order):
        colour = colours[gi % len(colours)]
        idx = np.asarray(groups[key])
        rk = np.asarray(kinds)[idx]
        label = _label(keys, key) or None
        for panel, y in zip(axes, ys):
            th = df.iloc[idx[rk == "theory"]].sort_values(x)
            sm = df.iloc[idx[(rk == "simulation") & ok[idx]]].sort_values(x)
            bad = df.iloc[idx[(rk == "simulation") & ~ok[idx]]]
            if len(th):
                # a point whose equations did not converge breaks the line
                yv = th[y].where(th["status"] == "ok") if "status" in th.columns else th[y]
                panel.plot(th[x], yv, "-", color=colour, lw=1.5,
                           label=label if panel is axes[0] else None)
            sm = sm[sm[y].notna()]  # a theory-only observable is empty on simulation rows
            if len(sm):
                se = sm[y + "_se"] if y + "_se" in sm.columns else None
                if se is not None and not se.notna().any():
                    se = None
                panel.errorbar(sm[x], sm[y], yerr=se, fmt="o", ms=4, capsize=2, color=colour,
                               label=(label if not len(th) else None)
                               if panel is axes[0] else None)
            bad = bad[bad[y].notna()]
            if len(bad):
                failed.append((panel, bad[x], bad[y], colour))
        # Marks: theory thresholds of this curve as dashed vertical lines, labelled once.
        for k, m in enumerate(marks):
            for v in _mark_values(df, kinds, idx, m):
                for panel in axes:
                    panel.axvline(v, color=colour, ls="--", lw=1, alpha=0.8)
                    if v not in drawn.setdefault(id(panel), set()):
                        drawn[id(panel)].add(v)
                        panel.annotate("%s = %.4g" % (m, v), (v, 1), xycoords=(
                            "data", "axes fraction"), rotation=90, va="top", ha="right",
                            fontsize=7, color=colour)
    # Points with failed seeds (status not ok: the mean of the seeds that completed, or of the
    # failed ones when none did) are hollow and do not set the axis limits.
    for panel, fx, fy, colour in failed:
        lim = panel.get_ylim()
        panel.plot(fx, fy, "o", ms=5, mfc="none", color=colour)
        panel.set_ylim(lim)
    xv = df[x].to_numpy(dtype=float)
    xv = xv[np.isfinite(xv)]
    for panel, y in zip(axes, ys):
        panel.set_xlabel(x)
        panel.set_ylabel(y)
        panel.grid(alpha=0.3)
        if len(xv) and xv.min() > 0 and xv.max() / xv.min() >= 100:
            panel.set_xscale("log")  # positive x over two decades or more
    if any(_label(keys, k) for k in order):
        axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title + "  (lines: theory, points: simulation +- 1 s.e.%s)"
                     % ("; hollow: some seeds failed" if failed else ""), fontsize=10)
    fig.tight_layout()
    return fig
