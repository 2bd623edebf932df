"""The Python package gives the command line's tables: for every registered model, theory (and
a small simulation) through cavity.theory / cavity.simulate equals `cavity theory|simulate` for
the same arguments, column for column and number for number (bitwise); compare, quantities and
stored results likewise."""
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import assert_same_table, run_cli

# Parameters that set the size of a computation, kept small so that every model runs in
# seconds (as the command line's fuzz test does). Others stay at the model's defaults.
THEORY_SIZES = {"steps": "5", "ntraj": "512", "nsamples": "200"}
SIM_SIZES = {"d": "20", "n": "30", "ntest": "100", "steps": "5", "ntraj": "512",
             "epochs_teacher": "20", "epochs_student": "20", "p1": "32", "t_joint": "5",
             "iters": "5"}


def models():
    import cavity
    return cavity.models()


def small(cavity, model, sizes, kind):
    h = cavity.help(model)
    args = {}
    for p in h["params"]:
        if p["name"] in sizes and p["only"] in (None, kind):
            args[p["name"]] = sizes[p["name"]]
    # Sweep the compare x axis over three values of its theory grid when it is a parameter.
    x, grid = h["compare"]["x"], h["compare"]["theory_grid"]
    names = [p["name"] for p in h["params"]]
    if x in names and grid and grid.count(":") >= 2 and x not in args:
        a, b = grid.split(":")[:2]
        args[x] = "%s:%s:3" % (a, b)
    return args


def cli_args(args):
    out = []
    for k, v in args.items():
        out += ["--" + k, v]
    return out


@pytest.mark.parametrize("model", models())
def test_theory_equals_cli(cavity, model):
    args = small(cavity, model, THEORY_SIZES, "theory")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cavity.PointFailedWarning)
        df = cavity.theory(model, jobs=2, **args)
    rc, out, err = run_cli("theory", model, *cli_args(args), "--jobs", "2", "--no-store",
                           check=False)
    assert rc in (0, 3), err
    assert len(df) > 0
    assert_same_table(df, out)


@pytest.mark.parametrize("model", models())
def test_simulate_equals_cli(cavity, model):
    h = cavity.help(model)
    if not h["simulate"]:
        pytest.skip("no simulation")
    args = {k: v for k, v in small(cavity, model, SIM_SIZES, "simulation").items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cavity.PointFailedWarning)
        df = cavity.simulate(model, seeds=2, seed=3, jobs=2, **args)
        df1 = cavity.simulate(model, seeds=2, seed=3, jobs=1, **args)
    rc, out, err = run_cli("simulate", model, *cli_args(args), "--seeds", "2", "--seed", "3",
                           "--jobs", "2", "--no-store", check=False)
    assert rc in (0, 3), err
    assert_same_table(df, out)
    pd.testing.assert_frame_equal(df, df1)  # the thread count changes nothing
    assert (df["seeds"] <= 2).all()


def test_seeds_are_seed_seed_plus_one(cavity):
    """seeds=2, seed=5 is the mean of the runs with seeds 5 and 6."""
    a = cavity.simulate("raf", alpha=1, d=60, seeds=1, seed=5)
    b = cavity.simulate("raf", alpha=1, d=60, seeds=1, seed=6)
    ab = cavity.simulate("raf", alpha=1, d=60, seeds=2, seed=5)
    assert a["egen"][0] != b["egen"][0]
    assert ab["egen"][0] == pytest.approx((a["egen"][0] + b["egen"][0]) / 2, rel=1e-14)
    assert ab["seeds"][0] == 2


def test_parameter_forms(cavity):
    """Scalars, lists, tuples, numpy arrays and grid texts give the same grid."""
    ref = cavity.theory("raf", alpha="0.5,1,2", learner="linear,kernel")
    for alpha in ([0.5, 1, 2], (0.5, 1.0, 2.0), np.array([0.5, 1, 2]), pd.Series([0.5, 1, 2])):
        pd.testing.assert_frame_equal(
            cavity.theory("raf", alpha=alpha, learner=["linear", "kernel"]), ref)
    # One point alone is solved from a cold start (in a chain, from its neighbour): the same
    # solution to the solver's tolerance, not the same iterations.
    one = cavity.theory("raf", alpha=np.float64(2), learner="kernel")
    row = ref[ref.alpha.eq(2) & ref.learner.eq("kernel")].reset_index(drop=True)
    assert len(one) == 1 and one["alpha"][0] == 2.0 and one["learner"][0] == "kernel"
    assert one["egen"][0] == pytest.approx(row["egen"][0], rel=1e-8)
    assert ref.dtypes["learner"] == object and ref.dtypes["iterations"] == np.int64


def test_long_arrays_and_their_checks(cavity):
    """An array longer than a grid text holds goes through cav_grid_set_values, with the same
    per-value checks."""
    alpha = np.linspace(0.1, 3, 500)
    df = cavity.theory("raf", alpha=alpha, jobs=2)
    assert len(df) == 500 and (df["alpha"].to_numpy() == alpha).all()
    rc, out, _ = run_cli("theory", "raf", "--alpha", ",".join(repr(x) for x in alpha[:40]),
                         "--no-store")
    assert_same_table(df.iloc[:40], out)
    with pytest.raises(ValueError, match=r"alpha = -1 is out of range; allowed \(0, 1e\+06\]"):
        cavity.theory("raf", alpha=np.concatenate([alpha, [-1.0]]))
    with pytest.raises(ValueError, match="appears twice"):
        cavity.theory("raf", alpha=np.concatenate([alpha, alpha[:1]]))


def test_compare_equals_cli(cavity, tmp_path):
    args = ["--d", "40", "--seeds", "2", "--theory-grid", "0.2:2:4", "--sim-grid", "0.5,1"]
    df = cavity.compare("raf", d=40, seeds=2, theory_grid="0.2:2:4", sim_grid="0.5,1",
                        plot=False)
    rc, out, err = run_cli("compare", "raf", *args, "--no-store", "-o", tmp_path / "c.svg")
    assert_same_table(df, out)
    assert set(df["kind"]) == {"theory", "simulation"}


def test_compare_figure(cavity):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    df = cavity.compare("amp-wigner", n=200, seeds=2, steps=5)
    fig = df.attrs["figure"]
    assert len(fig.axes) == 2  # overlap, mse
    assert [a.get_ylabel() for a in fig.axes] == ["overlap", "mse"]
    assert len(fig.axes[0].lines) >= 3  # one theory line per snr


def test_heatmap_and_marks(cavity, tmp_path):
    """The figure kinds of `cavity compare --heat / --marks`: distillation's default is a heatmap
    of the simulated held-out accuracy over (alpha, rho) with the theory's alpha_id = 1/rho and
    alpha_cap = 2 as curves; depth's a line figure with each learner's threshold kappa_c as a
    vertical line. The tables equal the command line's, which draws the same kinds."""
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.collections import QuadMesh
    train = dict(d=30, epochs_teacher=50, epochs_student=50, lr_student=1e-3, seeds=1)
    df = cavity.compare("distillation", rho="0.6,0.8", sim_grid="0.8,1.6,2.4",
                        theory_grid="0.8,1.6,2.4", **train)
    rc, out, err = run_cli("compare", "distillation", "--rho", "0.6,0.8", "--sim-grid",
                           "0.8,1.6,2.4", "--theory-grid", "0.8,1.6,2.4", *sum(
                               (["--" + k, str(v)] for k, v in train.items()), []),
                           "--no-store", "-o", tmp_path / "h.svg")
    assert_same_table(df, out)
    panel = df.attrs["figure"].axes[0]
    mesh = [c for c in panel.collections if isinstance(c, QuadMesh)]
    assert len(mesh) == 1 and mesh[0].get_array().size == 6  # rho x alpha cells
    sim = df[df.kind == "simulation"].sort_values(["rho", "alpha"])
    assert np.array_equal(mesh[0].get_array().ravel(), sim.acc_student_heldout.to_numpy())
    with pytest.raises(ValueError, match="must differ only in alpha and rho"):
        cavity.plot(pd.concat([df, df]), "alpha", "acc_student_heldout", heat="rho")
    ident = [ln for ln in panel.lines if ln.get_label() == "alpha_id"]
    assert len(ident) == 1
    assert np.allclose(ident[0].get_xdata(), [1 / 0.6, 1 / 0.8]) or \
        np.allclose(ident[0].get_xdata(), [1 / 0.8, 1 / 0.6])
    df = cavity.compare("depth", d=12, p1=16, p2=8, seeds=1, sim_grid="1,1.5",
                        theory_grid="1,1.5")
    xs = {round(ln.get_xdata()[0], 6) for ln in df.attrs["figure"].axes[0].lines
          if ln.get_linestyle() == "--"}
    assert {1.5, 2.0} <= xs  # kappa_c of the networks and of the kernel
    fig = cavity.plot(df, "kappa", "mse_rel", by="learner", marks="")
    assert not [ln for ln in fig.axes[0].lines if ln.get_linestyle() == "--"]


def test_quantity_equals_cli(cavity):
    df = cavity.quantity("raf", "threshold", eps=[0.1, 0.5])
    rc, out, err = run_cli("threshold", "raf", "--eps", "0.1,0.5")
    assert_same_table(df, out)
    assert list(df.columns) == ["eps", "alpha_c", "status"]


def test_load_round_trip(cavity, tmp_path):
    db = str(tmp_path / "s.db")
    th = cavity.theory("raf", alpha=[2, 0.5, 1], store=db)
    sim = cavity.simulate("raf", alpha=[1, 2], d=40, seeds=2, store=db)
    lt = cavity.load(db, "raf", kind="theory")
    key = ["alpha"]
    pd.testing.assert_frame_equal(lt, th.sort_values(key).reset_index(drop=True))
    ls = cavity.load(db, "raf", kind="simulation")
    pd.testing.assert_frame_equal(ls, sim.sort_values(key).reset_index(drop=True))
    both = cavity.load(db, "raf")
    assert list(both["kind"]) == ["theory"] * 3 + ["simulation"] * 2
    one = cavity.load(db, "raf", kind="theory", alpha=1)
    assert list(one["alpha"]) == [1.0]
    empty = cavity.load(db, "adversarial")
    assert len(empty) == 0 and "egen" in empty.columns
    # A re-run reads every point from the store, none computed again.
    again = cavity.theory("raf", alpha=[2, 0.5, 1], store=db)
    pd.testing.assert_frame_equal(again, th)
    assert again.attrs["stored"] == 3 and th.attrs["stored"] == 0


def test_help_and_models(cavity):
    names = cavity.models()
    assert "raf" in names and len(names) == len(set(names))
    rc, out, _ = run_cli("list")
    assert [l.split()[0] for l in out.splitlines()] == names
    for m in names:
        h = cavity.help(m)
        rc, text, _ = run_cli("help", m)
        assert str(h) == text  # the usage text, from the same library function
        assert [p["name"] for p in h["params"]] == [
            l.split()[0][2:] for l in text.splitlines() if l.startswith("  --")]
        for p in h["params"]:
            assert p["kind"] in ("real", "integer", "choice")
            if p["kind"] == "choice":
                assert p["default"] in p["choices"]
    with pytest.raises(ValueError, match="unknown model 'nope'; models: raf"):
        cavity.help("nope")


def test_fast_frame_equals_public_constructor(cavity):
    """The DataFrame built from pandas' blocks equals the one of the public constructor, for
    tables with strings, integers, empty fields (compare) and axis rows."""
    from cavity import _table
    cases = [("theory", "raf", {"alpha": "0.5,1", "learner": "linear,kernel"}),
             ("compare", "dmft-gd", {"steps": "3", "d": "50", "seeds": "2"}),
             ("compare", "raf", {"d": "30", "seeds": "1", "sim-grid": "1"})]
    for cmd, model, args in cases:
        h = cavity.help(model)
        c = cavity._Call()
        n = len(args)
        names = (cavity._lib.ctypes.c_char_p * n)(*[k.encode() for k in args])
        texts = (cavity._lib.ctypes.c_char_p * n)(*[v.encode() for v in args.values()])
        assert cavity._lib.api_sweep(c.h, cmd.encode(), model.encode(), n, names, texts, None,
                                     None, 0) == 0, c.message()
        text = c.text()
        fast = _table.frame(text, h["_str"], h["_int"])
        pd.testing.assert_frame_equal(fast, _table.frame(text, h["_str"], h["_int"],
                                                         public=True))
        assert len(fast) == text.count("\n") - 1
