#!/usr/bin/env python3
"""Peer of bench/bench_gd.c: the two products of one gradient-descent step, h = X w and
X^T g, with numpy (OpenBLAS dgemv, its threads) at n = 8000, d = 4000, fp64: min and median of
21 calls after a warm-up.  Usage: /usr/bin/python3 bench/peer_gd.py [n d]"""
import sys
import time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
d = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
X = np.random.default_rng(1).standard_normal((n, d))
w = np.full(d, 1.0 / np.sqrt(d))
ts = []
for r in range(22):
    t0 = time.perf_counter()
    h = X @ w
    w = w + 1e-3 * (X.T @ h)
    ts.append(time.perf_counter() - t0)
ts = sorted(ts[1:])
gb = 2 * 8 * n * d / ts[len(ts) // 2] / 1e9
print(f"numpy pair (X w, X^T g) n {n} d {d}: min {1e3 * ts[0]:.2f} ms median "
      f"{1e3 * ts[len(ts) // 2]:.2f} ms: {gb:.1f} GB/s effective")
