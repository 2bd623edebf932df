#!/usr/bin/env python3
"""Peer of bench/bench_erm_peer.c (logistic): numpy generates a Rules-and-Facts problem of the
same law as cavity's (teacher w* ~ N(0, I_d), x ~ N(0, I_d), fact with probability eps = 0.2,
label y = sign(w*.x) for a rule and +-1 uniform for a fact), then scipy's L-BFGS-B fits
J(w) = sum log(1 + exp(-y w.x/sqrt d)) + lambda |w|^2/2 from w = 0 with factr = 0 and pgtol = 0,
stopped (by an exception raised inside the objective) at the first point evaluated whose
relative gradient ||grad J(w)|| / ||grad J(0)|| is <= 1e-8: cavity's criterion, and the most
favourable stopping rule for the peer. The objective and gradient are numpy (OpenBLAS) matrix-
vector products, two passes over X per evaluation. Prints the generation, fit and total times.
Usage: /usr/bin/python3 bench/peer_logistic.py n d lambda [seed]"""
import sys
import time

import numpy as np
from scipy.optimize import minimize

n, d, lam = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
eps, tol = 0.2, 1e-8


class Done(Exception):
    pass


t0 = time.perf_counter()
rng = np.random.default_rng(seed)
ws = rng.standard_normal(d)
X = rng.standard_normal((n, d))
nu = X @ ws
fact = rng.random(n) < eps
coin = np.where(rng.random(n) < 0.5, -1.0, 1.0)
y = np.where(fact, coin, np.where(nu >= 0, 1.0, -1.0))
t1 = time.perf_counter()
sc = 1.0 / np.sqrt(d)
g0 = np.linalg.norm(sc * (X.T @ (-0.5 * y)))
best = []


def fg(w):
    m = y * (sc * (X @ w))
    J = np.sum(np.logaddexp(0.0, -m)) + 0.5 * lam * (w @ w)
    g = sc * (X.T @ (-y * np.exp(-np.logaddexp(0.0, m)))) + lam * w
    gn = np.linalg.norm(g)
    if gn <= tol * g0:
        best.append((J, gn))
        raise Done
    return J, g


nfev = 0
try:
    r = minimize(fg, np.zeros(d), jac=True, method="L-BFGS-B",
                 options=dict(ftol=0.0, gtol=0.0, maxiter=100000, maxfun=100000))
    print("peer: L-BFGS-B stopped before the criterion:", r.message, file=sys.stderr)
    sys.exit(1)
except Done:
    pass
t2 = time.perf_counter()
J, gn = best[0]
print(f"scipy L-BFGS-B n {n} d {d} lambda {lam}: gen {t1 - t0:.4f} s fit {t2 - t1:.4f} s "
      f"total {t2 - t0:.4f} s rel.grad {gn / g0:.2e} J {J:.12g}")
