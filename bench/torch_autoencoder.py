#!/usr/bin/env python3
"""PyTorch peer of `bench_autoencoder adam`: the tied one-neuron ReLU autoencoder
x_hat = (w/sqrt d) relu(w.x/sqrt d), summed square loss, full-batch Adam (lr 0.1) from
w ~ N(0, I_d), on Gaussian data of the same size (the cost does not depend on the data law).

  torch_autoencoder.py D ALPHA EPOCHS THREADS DTYPE      DTYPE 64 (float64, as cavity) or 32

Prints the wall and process CPU time of the training loop. Run with /usr/bin/python3 (Debian
python3-torch).
"""
import sys
import time

import torch

d, alpha, epochs, threads, bits = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
dtype = torch.float64 if bits == 64 else torch.float32
n = int(round(alpha * d))
g = torch.Generator().manual_seed(1)
X = torch.randn(n, d, generator=g, dtype=dtype)
w = torch.randn(d, generator=g, dtype=dtype).requires_grad_()
opt = torch.optim.Adam([w], lr=0.1)
s = 1.0 / d ** 0.5
t0, c0 = time.perf_counter(), time.process_time()
for _ in range(epochs):
    opt.zero_grad()
    h = torch.relu(X @ w * s)
    loss = 0.5 * ((X - s * h[:, None] * w[None, :]) ** 2).sum()
    loss.backward()
    opt.step()
t1, c1 = time.perf_counter(), time.process_time()
print("torch%d adam d=%d n=%d epochs=%d wall %.2f s cpu %.2f s (%.2f ms/epoch) loss/n %.6f" %
      (bits, d, n, epochs, t1 - t0, c1 - c0, 1e3 * (t1 - t0) / epochs, loss.item() / n))
