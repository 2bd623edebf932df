#!/usr/bin/env python3
"""scikit-learn side of bench/bench_sim_logistic.c: fits the same data set (written by the C
benchmark as raw doubles: X row-major n x d, then y) with LogisticRegression(C = 1/lambda,
fit_intercept=False) on A = X/sqrt(d), which minimises J(w)/lambda with cavity's
J(w) = sum log(1 + exp(-y a.w)) + lambda |w|^2/2 (scikit-learn >= 1.2 divides its objective by n
internally; the minimiser is the same). scikit-learn's tol bounds the max-norm of the gradient of
its normalised objective; we pick tol = 1e-8 ||g0||_2 / sqrt(d) (g0 its gradient at w = 0) so that
the relative 2-norm criterion ||grad J|| <= 1e-8 ||grad J(0)|| of cavity is implied, and print the
relative gradient actually reached.
Usage: /usr/bin/python3 bench/sklearn_logistic.py [n d lambda datafile]"""
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
d = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
lam = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
path = sys.argv[4] if len(sys.argv) > 4 else "/tmp/cavity_bench_logistic.bin"
raw = np.fromfile(path, dtype="<f8")
X = raw[: n * d].reshape(n, d)
y = raw[n * d:]
A = X / np.sqrt(d)


def J_and_relgrad(w):
    z = y * (A @ w)
    J = np.sum(np.logaddexp(0.0, -z)) + 0.5 * lam * w @ w
    g = A.T @ (-y / (1.0 + np.exp(z))) + lam * w
    g0 = A.T @ (-y / 2.0)
    return J, np.linalg.norm(g) / np.linalg.norm(g0)


g0n = np.linalg.norm(A.T @ (-y / 2.0)) / n
tol = 1e-8 * g0n / np.sqrt(d)
print(f"scikit-learn {__import__('sklearn').__version__}: n = {n}, d = {d}, lambda = {lam}, tol = {tol:.3g}")
for solver in ["lbfgs", "newton-cholesky"]:
    clf = LogisticRegression(C=1.0 / lam, fit_intercept=False, solver=solver, tol=tol,
                             max_iter=100000)
    t0 = time.perf_counter()
    clf.fit(A, y)
    t1 = time.perf_counter()
    J, rg = J_and_relgrad(clf.coef_.ravel())
    print(f"  {solver:16s} {t1 - t0:8.3f} s  iters {int(clf.n_iter_[0]):5d}  rel.grad {rg:.2e}  J = {J:.12f}")
