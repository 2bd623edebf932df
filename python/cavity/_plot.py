"""Figures of cavity tables with matplotlib: theory as lines, simulation as points with
standard-error bars, one panel per observable, one colour per curve."""
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


def figure(df, x, ys, by=None, ax=None, title=None, params=None):
    if x not in df.columns:
        raise ValueError("cavity.plot: x = '%s' is not a column (columns: %s)"
                         % (x, ", ".join(df.columns)))
    for y in ys:
        if y not in df.columns:
            raise ValueError("cavity.plot: y = '%s' is not a column" % y)
    if by and by not in df.columns:
        raise ValueError("cavity.plot: by = '%s' is not a column" % by)
    if ax is None:
        fig, axes = plt.subplots(1, len(ys), figsize=(4.2 * len(ys), 3.6), squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != len(ys):
            raise ValueError("cavity.plot: %d axes for %d observables" % (len(axes), len(ys)))
        fig = axes[0].figure
    keys = _curve_keys(df, x, by, params)
    if "kind" in df.columns:
        kinds = df["kind"]
    else:
        kind = "simulation" if any(str(c).endswith("_se") for c in df.columns) else "theory"
        kinds = np.full(len(df), kind, dtype=object)
    groups = {}
    for i in range(len(df)):
        row = df.iloc[i]
        key = tuple(row[k] for k in keys)
        groups.setdefault(key, []).append(i)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    order = sorted(groups, key=lambda k: tuple(str(v) for v in k))
    ok = (df["status"] == "ok").to_numpy() if "status" in df.columns else np.ones(len(df), bool)
    failed = []  # simulation points with failed seeds, drawn last, hollow
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
