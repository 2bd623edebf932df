#!/usr/bin/env python3
"""Python side of the one-point benchmark (C side: build/bench_api): the cost of
cavity.theory("raf", alpha=2.0) (one theory point, a DataFrame of one row) against the same
call of the binding API in C, cav_api_sweep. Both are timed in turns, several rounds, and the
minimum over rounds of the mean time per call is kept (the machine is shared).

Also shown, to place the overhead: the ctypes call alone (cav_api_sweep through ctypes with
prepared arguments, its text decoded) and the DataFrame built from that text.

Usage: PYTHONPATH=python /usr/bin/python3 bench/bench_api.py [build dir (build)] [calls (2000)]
       [rounds (7)]
"""
import os
import subprocess
import sys
import time
import timeit

build = sys.argv[1] if len(sys.argv) > 1 else "build"
calls = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7
os.environ.setdefault("CAVITY_LIBRARY", os.path.join(build, "libcavity.so"))
import cavity  # noqa: E402
from cavity import _lib, _table  # noqa: E402

h = cavity.help("raf")
c = cavity._Call()
names = (_lib.ctypes.c_char_p * 2)(b"alpha", b"jobs")
texts = (_lib.ctypes.c_char_p * 2)(b"2.0", b"1")


def ctypes_only():
    _lib.api_sweep(c.h, b"theory", b"raf", 2, names, texts, None, None, 0)
    return c.text()


text = ctypes_only()


def frame_only():
    return _table.frame(text, h["_str"], h["_int"])


def python():
    return cavity.theory("raf", alpha=2.0)


assert python().equals(frame_only())
def cpu(f):
    """Mean CPU time of this thread per call (a single point runs on it), in us."""
    t = time.thread_time()
    for _ in range(calls):
        f()
    return (time.thread_time() - t) / calls * 1e6


names_ = ["C cav_api_sweep", "python cavity.theory", "ctypes call", "DataFrame"]
best = {k: [1e9, 1e9] for k in names_}  # wall, CPU
for r in range(rounds):
    out = subprocess.run([os.path.join(build, "bench_api"), str(calls), "1"],
                         capture_output=True, text=True, check=True).stdout
    c_wall = float(out.split("api ")[1].split()[0])
    c_cpu = float(out.split("api_cpu ")[1].split()[0])
    best["C cav_api_sweep"] = [min(best["C cav_api_sweep"][0], c_wall),
                               min(best["C cav_api_sweep"][1], c_cpu)]
    for name, f in (("python cavity.theory", python), ("ctypes call", ctypes_only),
                    ("DataFrame", frame_only)):
        w = timeit.timeit(f, number=calls) / calls * 1e6
        best[name] = [min(best[name][0], w), min(best[name][1], cpu(f))]
print("raf theory, one point (alpha = 2), %d calls x %d rounds, minimum of the means:"
      % (calls, rounds))
print("  %-22s %8s %8s" % ("", "wall", "CPU"))
for k in names_:
    print("  %-22s %6.1f us %6.1f us" % (k, best[k][0], best[k][1]))
print("  %-22s %6.1f us %6.1f us" % ("overhead of Python", *[
    best["python cavity.theory"][i] - best["C cav_api_sweep"][i] for i in (0, 1)]))
print("load average %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
