#!/usr/bin/env python3
"""Independent reference for the plug-in generalisation error of deep tied low-rank attention at
alpha = 0 (overlap Q = 0, so the estimate's pre-activations are omega = 0 and g(omega) is the
uniform M x M matrix with entries 1/M):  e0 = E || softmax_rows(beta h h^T) - 1/M ||_F^2 with
h = A(z_1) z_2 (2 layers) or h = A(A(z_1) z_2) A(z_1) z_3 (3 layers), A(t) = softmax_rows(beta t
t^T) + c I, z_l iid N(0, I_M). Written with numpy from the definition (no code shared with the
library). Prints one line per case: L M c beta e0 se (Monte Carlo over 4e6 draws, seed 12345).
Run: /usr/bin/python3 tests/ref/mi/attention_gen0.py"""
import numpy as np


def softmax_rows(S):
    S = S - S.max(axis=-1, keepdims=True)
    E = np.exp(S)
    return E / E.sum(axis=-1, keepdims=True)


def gen0(L, M, c, beta, n, rng):
    vals = []
    for _ in range(n // 200000):
        z = rng.standard_normal((200000, L, M))
        B = np.broadcast_to(np.eye(M), (200000, M, M)).copy()
        for l in range(L - 1):
            t = np.einsum('nij,nj->ni', B, z[:, l, :])
            A = softmax_rows(beta * t[:, :, None] * t[:, None, :]) + c * np.eye(M)
            B = np.einsum('nij,njk->nik', A, B)
        h = np.einsum('nij,nj->ni', B, z[:, L - 1, :])
        y = softmax_rows(beta * h[:, :, None] * h[:, None, :])
        vals.append(((y - 1.0 / M) ** 2).sum(axis=(1, 2)))
    v = np.concatenate(vals)
    return v.mean(), v.std() / np.sqrt(len(v))


rng = np.random.default_rng(12345)
for (L, M, c, beta) in [(2, 2, 1.0, 1.0), (3, 2, 1.0, 1.0), (2, 3, 0.5, 2.0)]:
    e, se = gen0(L, M, c, beta, 4000000, rng)
    print(f"{L} {M} {c} {beta} {e:.8f} {se:.8f}")
