#!/usr/bin/env python3
"""Fuzz test of the `cavity` command line (standard library only).

Random argument vectors are built from the registry (the models `cavity list` prints and the
parameters `cavity help MODEL` lists), with values drawn from a pool of good, boundary and
hostile texts: out-of-range numbers, NaN, underflow, huge or malformed grids, control bytes,
invalid UTF-8, empty strings, unknown names. Every case runs with a time limit. A case fails
when the process
  - dies by a signal or exceeds the time limit (a hang),
  - prints a sanitizer report (AddressSanitizer, LeakSanitizer, UBSan "runtime error"),
  - exits 2 (rejected) without exactly one stderr line "cavity: ..." free of control bytes.
Usage: fuzz.py CAVITY WORKDIR [CASES] [SEED]   (defaults: 2000 cases, seed 1)
"""
import os
import random
import subprocess
import sys

cav, work = os.path.abspath(sys.argv[1]), sys.argv[2]
cases = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
os.makedirs(work, exist_ok=True)
os.chdir(work)
env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
           UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98", OMP_NUM_THREADS="1")


def run(argv, timeout=30):
    p = subprocess.run([cav.encode()] + [a if isinstance(a, bytes) else a.encode() for a in argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


models = [l.split()[0] for l in run(["list"])[1].decode().splitlines() if l.strip()]
params, compare_x = {}, {}
for m in models:
    ps, defaults = [], {}
    for line in run(["help", m])[1].decode("utf-8", "replace").splitlines():
        if line.startswith("  --"):
            name = line[4:].split()[0]
            choices = line.split("one of: ")[1].split(", ") if "one of: " in line else None
            ps.append((name, choices, "[simulation only]" in line))
            if ", default " in line:
                defaults[name] = line.split(", default ")[1].split(",")[0]
        if line.startswith("compare defaults: --x "):
            x = line.split()[3]
            if x in defaults:
                compare_x[m] = (x, defaults[x])
    params[m] = ps

GOOD = ["1", "0.5", "2", "0.1,0.2", "0.5:1:3", "1e-2", "0"]
HOSTILE = ["", " ", "-1", "-0", "nan", "inf", "-inf", "1e-400", "1e400", "1e308", "x", "1,1",
           "1,,2", ":1:2", "1:2::3", "1:2:0", "1:2:-3", "0:1:99999999999", "1:2:3:log:x",
           "0:1:3:log", "1 ", " 1", "1\n2", "\x1b[31mred", "caf\xe9", "\xff\xfe", "a" * 5000,
           "0x10", "1e", "--", "-", "=", "1;rm", "%s%n%s", "1/2", "2147483648", "-2147483649",
           "18446744073709551617", "9" * 400]
OPTS = ["--jobs", "--seeds", "--seed", "--format", "--store", "--x", "--y", "--by", "-o",
        "--theory-grid", "--sim-grid", "--recompute", "--progress", "--max-memory", "--where",
        "--model", "--bogus", "--no-store"]
OPT_VALUES = ["1", "2", "0", "-1", "json", "csv", "xml", "", "alpha", "egen", "nope",
              "/nonexistent/dir/x.db", "file:x.db", ":memory:", "x.svg", "x.png", "x.txt",
              "1e9", "abc", "\x07", "alpha=1"]


def value(choices):
    r = rng.random()
    if r < 0.45:
        if choices:
            return rng.choice(choices + [",".join(choices[:2])])
        return rng.choice(GOOD)
    return rng.choice(HOSTILE)


def case():
    cmd = rng.choice(["theory"] * 4 + ["simulate"] * 3 + ["compare", "threshold", "help",
                                                          "list", "export", "plot", "bogus",
                                                          "--version", ""])
    argv = [cmd] if cmd else []
    if cmd in ("export", "plot"):
        argv.append(rng.choice(["none.db", "", "\x1b", "fuzz.db"]))
        if cmd == "plot":
            argv += ["--model", rng.choice(models + ["nope"])]
    elif cmd not in ("list", "--version", "") or rng.random() < 0.2:
        m = rng.choice(models + ["nope", "", "raf\n"]) if rng.random() < 0.95 else "r\xff"
        argv.append(m)
        for _ in range(rng.randint(0, 4)):
            if m in params and params[m] and rng.random() < 0.8:
                name, choices, sim_only = rng.choice(params[m])
                argv += ["--" + name, value(choices)]
            else:
                o = rng.choice(OPTS)
                argv.append(o)
                if o not in ("--recompute", "--progress", "--no-store") or rng.random() < 0.2:
                    argv.append(rng.choice(OPT_VALUES))
        if cmd in ("simulate", "compare") and m in params:
            # keep accepted simulations small so that every case ends quickly
            names = [p[0] for p in params[m]]
            for size, v in (("d", "20"), ("n", "30"), ("ntest", "100"), ("steps", "5"),
                            ("epochs_teacher", "20"), ("epochs_student", "20"), ("p1", "32"),
                            ("t_joint", "5"), ("iters", "5")):
                if size in names and "--" + size not in argv:
                    argv += ["--" + size, v]
            argv += ["--seeds", "1"] if "--seeds" not in argv else []
            # an accepted compare draws one theory and one simulation point
            if cmd == "compare" and m in compare_x:
                x, v = compare_x[m]
                for g in ("--theory-grid", "--sim-grid"):
                    if g not in argv:
                        argv += [g, v]
        if cmd in ("theory", "simulate", "compare") and m in params:
            names = [p[0] for p in params[m]]
            if "steps" in names and "--steps" not in argv:
                argv += ["--steps", "5"]
            if "ntraj" in names and "--ntraj" not in argv:
                argv += ["--ntraj", "512"]
            if "nsamples" in names and "--nsamples" not in argv:
                argv += ["--nsamples", "200"]
    if cmd in ("theory", "simulate", "compare") and "--store" not in argv:
        argv.append("--no-store")
    return [x.encode("latin-1") for x in argv]  # each character one byte, hostile ones too


failures = 0
counts = {}
for i in range(cases):
    argv = case()
    try:
        rc, out, err = run(argv)
    except subprocess.TimeoutExpired:
        failures += 1
        print("HANG", i, argv)
        continue
    counts[rc] = counts.get(rc, 0) + 1
    bad = None
    if rc < 0 or rc >= 128:
        bad = "signal %d" % -rc if rc < 0 else "exit %d" % rc
    elif b"Sanitizer" in err or b"runtime error:" in err or rc in (98, 99):
        bad = "sanitizer report"
    elif rc == 2:
        lines = err.splitlines()
        if len(lines) != 1 or not lines[0].startswith(b"cavity: "):
            bad = "rejected without exactly one 'cavity:' line"
        elif any(c < 0x20 or c == 0x7f for c in lines[0]):
            bad = "control byte in the message"
    if bad:
        failures += 1
        print("FAIL", i, bad, argv, err[:600])
print("cases %d, exit codes %s, failures %d" % (cases, dict(sorted(counts.items())), failures))
sys.exit(1 if failures else 0)
