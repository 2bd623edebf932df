"""Every bad-input case of the command line's tests (tests/cli/test_bad_input.sh,
test_hardening.sh, test_quantity.sh, test_dmft.sh, test_adversarial.sh, test_plot.sh,
test_store*.sh, test_models.sh, test_spectral.sh, test_nn_models.sh) that has a Python form raises ValueError with exactly the
message `cavity` prints after "cavity: " (both come from the library's planner), before any
work: no store is created. Cases without a Python form (a --format, an -o figure file, a
command name, a parameter given twice, extra arguments to list/help) are listed at the end."""
import os

import pytest

from conftest import run_cli

BIG = "0.1:1:10000000"
# (description, CLI arguments, Python call as (function, positional, keywords))
CASES = [
    ("unknown model", ["theory", "nosuchmodel"], ("theory", ["nosuchmodel"], {})),
    ("unknown parameter", ["theory", "raf", "--beta", "1"], ("theory", ["raf"], {"beta": 1})),
    ("out of range", ["theory", "raf", "--alpha", "-1"], ("theory", ["raf"], {"alpha": -1})),
    ("eps above 1", ["theory", "raf", "--eps", "1.5"], ("theory", ["raf"], {"eps": 1.5})),
    ("NaN", ["theory", "raf", "--lambda", "nan"], ("theory", ["raf"], {"lambda": float("nan")})),
    ("malformed grid", ["theory", "raf", "--alpha", "1:2"], ("theory", ["raf"], {"alpha": "1:2"})),
    ("grid count 0", ["theory", "raf", "--alpha", "1:2:0"],
     ("theory", ["raf"], {"alpha": "1:2:0"})),
    ("malformed list", ["theory", "raf", "--alpha", "1,,2"],
     ("theory", ["raf"], {"alpha": "1,,2"})),
    ("unknown choice", ["theory", "raf", "--loss", "squared"],
     ("theory", ["raf"], {"loss": "squared"})),
    ("unknown choice in list", ["theory", "raf", "--learner", "linear,nn"],
     ("theory", ["raf"], {"learner": ["linear", "nn"]})),
    ("sim-only parameter in theory", ["theory", "raf", "--d", "100"],
     ("theory", ["raf"], {"d": 100})),
    ("bad jobs", ["theory", "raf", "--jobs", "0"], ("theory", ["raf"], {"jobs": 0})),
    ("unwritable store", ["theory", "raf", "--store", "/nonexistent-dir/x.db"],
     ("theory", ["raf"], {"store": "/nonexistent-dir/x.db"})),
    ("unknown option", ["simulate", "raf", "--nope", "3"], ("simulate", ["raf"], {"nope": 3})),
    ("seeds not integer", ["simulate", "raf", "--seeds", "2.5"],
     ("simulate", ["raf"], {"seeds": 2.5})),
    ("seeds zero", ["simulate", "raf", "--seeds", "0"], ("simulate", ["raf"], {"seeds": 0})),
    ("seed negative", ["simulate", "raf", "--seed", "-1"], ("simulate", ["raf"], {"seed": -1})),
    ("max-memory negative", ["theory", "raf", "--max-memory", "-1"],
     ("theory", ["raf"], {"max_memory": -1})),
    # test_hardening.sh
    ("grid of 1e14 points", ["theory", "raf", "--alpha", BIG, "--eps", "0:1:10000000"],
     ("theory", ["raf"], {"alpha": BIG, "eps": "0:1:10000000"})),
    ("grid past 2^64", ["theory", "raf", "--alpha", BIG, "--eps", "0:1:10000000", "--lambda",
                        "0:1:10000000", "--mu1", BIG, "--mustar", "0:1:10000000"],
     ("theory", ["raf"], {"alpha": BIG, "eps": "0:1:10000000", "lambda": "0:1:10000000",
                          "mu1": BIG, "mustar": "0:1:10000000"})),
    ("simulation too large for memory", ["simulate", "raf", "--d", "1000000", "--alpha", "1000",
                                         "--seeds", "1"],
     ("simulate", ["raf"], {"d": 1000000, "alpha": 1000, "seeds": 1})),
    ("--max-memory sets the limit", ["theory", "dmft-gd", "--steps", "20000", "--max-memory",
                                     "1"],
     ("theory", ["dmft-gd"], {"steps": 20000, "max_memory": 1})),
    ("large grid then a bad value", ["theory", "raf", "--alpha", BIG, "--eps", "2"],
     ("theory", ["raf"], {"alpha": BIG, "eps": 2})),
    ("compare unknown y", ["compare", "raf", "--y", "nope"], ("compare", ["raf"], {"y": "nope"})),
    ("compare unknown by", ["compare", "raf", "--by", "nope"],
     ("compare", ["raf"], {"by": "nope"})),
    ("compare unknown x", ["compare", "raf", "--x", "nope"], ("compare", ["raf"], {"x": "nope"})),
    ("simulate bayes", ["simulate", "raf", "--learner", "bayes"],
     ("simulate", ["raf"], {"learner": "bayes"})),
    ("n = 0", ["simulate", "raf", "--alpha", "0.001", "--d", "100"],
     ("simulate", ["raf"], {"alpha": 0.001, "d": 100})),
    ("logistic at lambda 0", ["simulate", "raf", "--loss", "logistic", "--lambda", "0"],
     ("simulate", ["raf"], {"loss": "logistic", "lambda": 0})),
    ("amp-wigner n above its limit", ["simulate", "amp-wigner", "--n", "70000"],
     ("simulate", ["amp-wigner"], {"n": 70000})),
    ("adversarial n = 0", ["simulate", "adversarial", "--alpha", "0.001", "--d", "100"],
     ("simulate", ["adversarial"], {"alpha": 0.001, "d": 100})),
    ("underflow", ["theory", "raf", "--lambda", "1e-400"],
     ("theory", ["raf"], {"lambda": "1e-400"})),
    ("leading space", ["theory", "raf", "--alpha", " 1"], ("theory", ["raf"], {"alpha": " 1"})),
    ("trailing space", ["theory", "raf", "--alpha", "1 "], ("theory", ["raf"], {"alpha": "1 "})),
    ("empty range field", ["theory", "raf", "--alpha", "1:2::5"],
     ("theory", ["raf"], {"alpha": "1:2::5"})),
    ("empty leading field", ["theory", "raf", "--alpha", ":1:2:3"],
     ("theory", ["raf"], {"alpha": ":1:2:3"})),
    ("duplicate list value", ["theory", "raf", "--alpha", "1,2,1"],
     ("theory", ["raf"], {"alpha": [1, 2, 1]})),
    ("duplicate after rounding", ["simulate", "raf", "--d", "10:12:5"],
     ("simulate", ["raf"], {"d": "10:12:5"})),
    ("control characters", ["theory", "raf", "--alpha", "1\n\x1b[31mcavity: forged"],
     ("theory", ["raf"], {"alpha": "1\n\x1b[31mcavity: forged"})),
    # test_quantity.sh
    ("threshold eps out of range", ["threshold", "raf", "--eps", "2"],
     ("quantity", ["raf", "threshold"], {"eps": 2})),
    ("threshold simulation parameter", ["threshold", "raf", "--d", "10"],
     ("quantity", ["raf", "threshold"], {"d": 10})),
    ("threshold unused parameter", ["threshold", "raf", "--alpha", "1"],
     ("quantity", ["raf", "threshold"], {"alpha": 1})),
    ("threshold unknown model", ["threshold", "nomodel"],
     ("quantity", ["nomodel", "threshold"], {})),
    ("quantity of a model without it", ["threshold", "adversarial"],
     ("quantity", ["adversarial", "threshold"], {})),
    # test_dmft.sh, test_adversarial.sh
    ("compare grid of an output-column x", ["compare", "dmft-gd", "--theory-grid", "1:5:5"],
     ("compare", ["dmft-gd"], {"theory_grid": "1:5:5"})),
    ("compare unknown x of an axis model", ["compare", "dmft-gd", "--x", "nope"],
     ("compare", ["dmft-gd"], {"x": "nope"})),
    ("bad eta", ["theory", "dmft-gd", "--eta", "-1"], ("theory", ["dmft-gd"], {"eta": -1})),
    ("bad batch", ["theory", "dmft-gd", "--batch", "2"], ("theory", ["dmft-gd"], {"batch": 2})),
    ("bad start", ["theory", "dmft-gd", "--m0", "0.5", "--q0", "0.1"],
     ("theory", ["dmft-gd"], {"m0": 0.5, "q0": 0.1})),
    ("bad snr", ["theory", "amp-wigner", "--snr", "-1"],
     ("theory", ["amp-wigner"], {"snr": -1})),
    ("negative eps", ["theory", "adversarial", "--eps", "-1"],
     ("theory", ["adversarial"], {"eps": -1})),
    ("unknown attack norm", ["theory", "adversarial", "--attack_norm", "1"],
     ("theory", ["adversarial"], {"attack_norm": 1})),
    ("gamma zero", ["theory", "adversarial-latent", "--gamma", "0"],
     ("theory", ["adversarial-latent"], {"gamma": 0})),
    ("unknown loss", ["theory", "adversarial", "--loss", "foo"],
     ("theory", ["adversarial"], {"loss": "foo"})),
    # test_spectral.sh
    ("quadratic-net kappa_star 0", ["theory", "quadratic-net", "--kappa_star", "0"],
     ("theory", ["quadratic-net"], {"kappa_star": 0})),
    ("quadratic-net delta < 0", ["theory", "quadratic-net", "--delta", "-0.5"],
     ("theory", ["quadratic-net"], {"delta": -0.5})),
    ("quadratic-net unknown sensing", ["simulate", "quadratic-net", "--sensing", "gauss"],
     ("simulate", ["quadratic-net"], {"sensing": "gauss"})),
    ("matrix-sensing rho above 1", ["theory", "matrix-sensing", "--shape", "rectangular",
                                    "--rho", "1.5"],
     ("theory", ["matrix-sensing"], {"shape": "rectangular", "rho": 1.5})),
    ("matrix-sensing unknown shape", ["theory", "matrix-sensing", "--shape", "square"],
     ("theory", ["matrix-sensing"], {"shape": "square"})),
    ("recovery rejects delta", ["recovery", "quadratic-net", "--delta", "1"],
     ("quantity", ["quadratic-net", "recovery"], {"delta": 1})),
    # test_nn_models.sh
    ("distillation rho = 1", ["simulate", "distillation", "--rho", "1"],
     ("simulate", ["distillation"], {"rho": 1})),
    ("distillation pinv needs linear", ["simulate", "distillation", "--arch", "mlp", "--student",
                                        "pinv"],
     ("simulate", ["distillation"], {"arch": "mlp", "student": "pinv"})),
    ("distillation no held-out point", ["simulate", "distillation", "--d", "10", "--alpha", "0.4",
                                        "--rho", "0.3"],
     ("simulate", ["distillation"], {"d": 10, "alpha": 0.4, "rho": 0.3})),
    ("distillation sim-only in theory", ["theory", "distillation", "--epochs_student", "10"],
     ("theory", ["distillation"], {"epochs_student": 10})),
    ("depth eps2 above eps1", ["theory", "depth", "--levels", "2", "--eps2", "0.6"],
     ("theory", ["depth"], {"levels": 2, "eps2": 0.6})),
    ("depth n too large", ["simulate", "depth", "--d", "64", "--kappa", "3.5"],
     ("simulate", ["depth"], {"d": 64, "kappa": 3.5})),
    ("depth too many branches", ["theory", "depth", "--branches", "9"],
     ("theory", ["depth"], {"branches": 9})),
    ("compare unknown heat", ["compare", "distillation", "--heat", "nosuch"],
     ("compare", ["distillation"], {"heat": "nosuch"})),
    ("compare heat = x", ["compare", "distillation", "--heat", "alpha"],
     ("compare", ["distillation"], {"heat": "alpha"})),
    ("compare unknown mark", ["compare", "depth", "--marks", "nosuch"],
     ("compare", ["depth"], {"marks": "nosuch"})),
    ("compare unknown mark in a list", ["compare", "depth", "--marks", "kappa_c,nosuch"],
     ("compare", ["depth"], {"marks": ["kappa_c", "nosuch"]})),
    ("peak rejects eps1", ["peak", "depth", "--eps1", "0.3"],
     ("quantity", ["depth", "peak"], {"eps1": 0.3})),
    # test_store_safety.sh
    ("empty store name", ["theory", "raf", "--store", ""], ("theory", ["raf"], {"store": ""})),
    (":memory: store", ["theory", "raf", "--store", ":memory:"],
     ("theory", ["raf"], {"store": ":memory:"})),
    ("file: URI store", ["theory", "raf", "--store", "file:plain.db"],
     ("theory", ["raf"], {"store": "file:plain.db"})),
]

NOT_IN_PYTHON = {
    "bad format (--format xml)": "tables are DataFrames; there is no output format",
    "unsupported figure format, -o into a missing directory": "compare draws with matplotlib; "
                                                             "there is no -o file",
    "unknown command": "commands are functions",
    "a parameter given twice": "keyword arguments cannot repeat",
    "list / help take no extra argument": "functions with fixed arguments",
    "invalid UTF-8 in a model name": "a Python str holds no invalid UTF-8",
}


def call(cavity, spec):
    fn, args, kw = spec
    return getattr(cavity, fn)(*args, **kw)


@pytest.mark.parametrize("desc,cli,py", CASES, ids=[c[0] for c in CASES])
def test_same_message_as_cli(cavity, tmp_path, desc, cli, py):
    rc, out, err = run_cli(*cli, cwd=tmp_path, check=False)
    assert rc == 2 and out == "" and err.startswith("cavity: ") and err.count("\n") == 1, err
    message = err[len("cavity: "):-1]
    os.chdir(tmp_path)
    with pytest.raises(ValueError) as e:
        call(cavity, py)
    assert str(e.value) == message
    assert os.listdir(tmp_path) == []  # no store, no file: refused before any work


def test_foreign_and_newer_stores_untouched(cavity, tmp_path):
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(os.urandom(4096))
    before = foreign.read_bytes()
    rc, out, err = run_cli("theory", "raf", "--alpha", "1", "--store", foreign, check=False)
    assert rc == 2
    with pytest.raises(ValueError) as e:
        cavity.theory("raf", alpha=1, store=foreign)
    assert str(e.value) == err[len("cavity: "):-1] and "not a cavity store" in str(e.value)
    assert foreign.read_bytes() == before
    assert not (tmp_path / "foreign.db-wal").exists()


def test_load_bad_input(cavity, tmp_path):
    db = tmp_path / "c.db"
    cavity.theory("raf", alpha=1, store=db)
    rc, _, err = run_cli("plot", db, "--model", "raf", "--x", "alpha", "--where", "nope=1", "-o",
                         tmp_path / "q.svg", check=False)
    assert rc == 2
    with pytest.raises(ValueError) as e:
        cavity.load(db, "raf", nope=1)
    assert str(e.value) == err[len("cavity: "):-1]
    rc, _, err = run_cli("plot", tmp_path / "missing.db", "--model", "raf", "--x", "alpha", "-o",
                         tmp_path / "q.svg", check=False)
    assert rc == 2
    with pytest.raises(ValueError) as e:
        cavity.load(tmp_path / "missing.db", "raf")
    assert str(e.value) == err[len("cavity: "):-1]
    with pytest.raises(ValueError, match="kind 'both': one of theory, simulation"):
        cavity.load(db, "raf", kind="both")


def test_every_parameter_of_every_model(cavity, tmp_path):
    """As tests/cli/test_models.sh: every parameter of every model refuses a bad value (an
    unknown choice, a text that is not a number), with the command line's message."""
    n = 0
    for m in cavity.models():
        for p in cavity.help(m)["params"]:
            bad = "no-such-value" if p["kind"] == "choice" else "x1"
            cmd = "simulate" if p["only"] == "simulation" else "theory"
            rc, _, err = run_cli(cmd, m, "--" + p["name"], bad, "--no-store", check=False)
            assert rc == 2, (m, p["name"], err)
            with pytest.raises(ValueError) as e:
                getattr(cavity, cmd)(m, **{p["name"]: bad})
            assert str(e.value) == err[len("cavity: "):-1]
            n += 1
    assert n > 30


def test_type_errors(cavity):
    with pytest.raises(TypeError):
        cavity.theory("raf", alpha=True)
    with pytest.raises(TypeError):
        cavity.theory("raf", alpha={"a": 1})
