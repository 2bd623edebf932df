#!/usr/bin/env python3
"""Reference for tests/unit/sim/test_logistic.c: scikit-learn's L2 logistic regression on a
small fixed data set, in cavity's convention.

cavity minimises  J(w) = sum_mu log(1 + exp(-y_mu w.x_mu/sqrt(d))) + (lambda/2)||w||^2;
scikit-learn minimises C sum_mu log(1 + exp(-y_mu w.a_mu)) + ||w||^2/2 = J(w)/lambda with
a_mu = x_mu/sqrt(d) and C = 1/lambda, fit_intercept=False: the same minimiser.
Writes logistic_small.txt: line 1 "n d lambda", then n lines "y x_1 .. x_d", then d lines w_j,
then the objective J. Run: /usr/bin/python3 logistic_small.py (numpy, scikit-learn >= 1.2)."""
import numpy as np
from sklearn.linear_model import LogisticRegression

n, d, lam = 60, 20, 0.5
rng = np.random.default_rng(20260509)
X = rng.standard_normal((n, d))
wstar = rng.standard_normal(d)
y = np.sign(X @ wstar / np.sqrt(d) + 0.5 * rng.standard_normal(n))
y[y == 0] = 1
A = X / np.sqrt(d)
clf = LogisticRegression(C=1.0 / lam, fit_intercept=False, solver="newton-cholesky", tol=1e-14,
                         max_iter=1000)
clf.fit(A, y)
w = clf.coef_.ravel()
z = y * (A @ w)
J = np.sum(np.logaddexp(0.0, -z)) + 0.5 * lam * w @ w
g = A.T @ (-y / (1.0 + np.exp(z))) + lam * w
g0 = A.T @ (-y / 2.0)
print("relative gradient of the sklearn solution:", np.linalg.norm(g) / np.linalg.norm(g0))
with open("logistic_small.txt", "w") as fh:
    fh.write(f"{n} {d} {lam!r}\n")
    for i in range(n):
        fh.write(" ".join([repr(float(y[i]))] + [repr(float(v)) for v in X[i]]) + "\n")
    for v in w:
        fh.write(repr(float(v)) + "\n")
    fh.write(repr(float(J)) + "\n")
