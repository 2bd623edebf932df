#!/usr/bin/env python3
"""Peer of bench/bench_erm_peer.c (hinge): numpy generates a Rules-and-Facts problem of the same
law as cavity's (see peer_logistic.py) and scikit-learn's LinearSVC (liblinear's dual coordinate
descent, the method cavity's solver starts from) fits the hinge-loss SVM
J(w) = sum max(0, 1 - y w.x/sqrt d) + lambda |w|^2/2 (C = 1/lambda, no intercept) to liblinear's
tolerance `tol`. liblinear stops on its projected-gradient spread, not on the duality gap, so
tol is calibrated per case: with --dump FILE the data and w are written (raw little-endian
doubles: X row-major, y, w) and `build/bench_erm_peer check FILE n d lambda` prints the relative
primal suboptimality (P(w) - P*)/P* against cavity's solution at gap 1e-12; tol is the largest
power of ten for which it is <= 1e-8 (a duality gap of 1e-8 bounds cavity's the same way).
Usage: /usr/bin/python3 bench/peer_svm.py n d lambda tol [--dump FILE]"""
import sys
import time

import numpy as np
from sklearn.svm import LinearSVC

n, d, lam, tol = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
dump = sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--dump" else None
eps = 0.2
t0 = time.perf_counter()
rng = np.random.default_rng(1)
ws = rng.standard_normal(d)
X = rng.standard_normal((n, d))
nu = X @ ws
fact = rng.random(n) < eps
coin = np.where(rng.random(n) < 0.5, -1.0, 1.0)
y = np.where(fact, coin, np.where(nu >= 0, 1.0, -1.0))
t1 = time.perf_counter()
A = X / np.sqrt(d)
clf = LinearSVC(C=1.0 / lam, loss="hinge", dual=True, fit_intercept=False, tol=tol,
                max_iter=10000000)
clf.fit(A, y)
t2 = time.perf_counter()
w = clf.coef_.ravel()
J = np.sum(np.maximum(0.0, 1.0 - y * (A @ w))) + 0.5 * lam * (w @ w)
print(f"LinearSVC n {n} d {d} lambda {lam} tol {tol:g}: gen {t1 - t0:.4f} s fit {t2 - t1:.4f} s "
      f"total {t2 - t0:.4f} s iters {clf.n_iter_} J {J:.12g}")
if dump:
    with open(dump, "wb") as f:
        f.write(X.astype("<f8").tobytes())
        f.write(y.astype("<f8").tobytes())
        f.write(w.astype("<f8").tobytes())
