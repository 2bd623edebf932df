#!/usr/bin/env python3
"""PyTorch peer of bench/bench_nn.c: the same training on the CPU with the same thread count.

  torch_nn.py epoch linear|mlp STEPS THREADS DTYPE      full-batch Adam CE epochs, d = 1000,
                                                        c = 2, n = 2000 (prints s/epoch)
  torch_nn.py distill linear|mlp ET ES THREADS DTYPE    one whole distillation run at d = 1000,
                                                        c = 2, n = 2000, rho = 0.8, tau = 20

Prints the wall time and the process CPU time of the timed part (training, or the whole run after
imports), like bench_nn. DTYPE is 64 (float64, the arithmetic of cavity) or 32 (float32, PyTorch's default and the one the
paper's code uses). The protocol follows Behrens & Zdeborova's experiment (arXiv:2506.14457):
balanced random labels, teacher by full-batch Adam (lr 1e-3) on the cross-entropy, soft labels
softmax(z/tau), per class the first floor(rho n_c) points to the student, student by full-batch
Adam (lr 1e-4) on the cross-entropy against the soft labels, held-out accuracy. Run with
/usr/bin/python3 (Debian python3-torch).
"""
import sys
import time

import torch


def net(kind, d, dtype):
    if kind == "mlp":
        m = torch.nn.Sequential(torch.nn.Linear(d, 500), torch.nn.ReLU(), torch.nn.Linear(500, 2))
    else:
        m = torch.nn.Linear(d, 2, bias=False)
    return m.to(dtype)


def train(m, X, target, lr, epochs):
    opt = torch.optim.Adam(m.parameters(), lr=lr)
    crit = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        opt.zero_grad()
        loss = crit(m(X), target)
        loss.backward()
        opt.step()
    return loss.item()


def main():
    what, kind = sys.argv[1], sys.argv[2]
    threads, dt = int(sys.argv[-2]), sys.argv[-1]
    torch.set_num_threads(threads)
    dtype = torch.float64 if dt == "64" else torch.float32
    torch.manual_seed(0)
    n, d, c = 2000, 1000, 2
    if what == "epoch":
        steps = int(sys.argv[3])
        X = torch.randn(n, d, dtype=dtype)
        y = torch.arange(n) % 2
        m = net(kind, d, dtype)
        t0, c0 = time.perf_counter(), time.process_time()
        loss = train(m, X, y, 1e-3, steps)
        t = (time.perf_counter() - t0) / steps
        c = (time.process_time() - c0) / steps
        print(f"torch epoch-{kind} {t:.6f} {c:.6f} s/epoch wall, cpu (threads {threads}, fp{dt}, "
              f"loss {loss:.6g})")
        return
    et, es = int(sys.argv[3]), int(sys.argv[4])
    rho, tau = 0.8, 20.0
    t0, c0 = time.perf_counter(), time.process_time()
    nc = n // c
    X = torch.randn(n, d, dtype=dtype)
    y = torch.arange(n) // nc
    y = y[torch.randperm(n)]
    teacher = net(kind, d, dtype)
    train(teacher, X, y, 1e-3, et)
    with torch.no_grad():
        zt = teacher(X)
        acc_t = (zt.argmax(1) == y).double().mean().item()
        soft = torch.softmax(zt / tau, dim=1)
    ntr = int(rho * nc)
    tr, ho = [], []
    for k in range(c):
        idx = torch.where(y == k)[0]
        tr.append(idx[:ntr])
        ho.append(idx[ntr:])
    tr, ho = torch.cat(tr), torch.cat(ho)
    student = net(kind, d, dtype)
    loss = train(student, X[tr], soft[tr], 1e-4, es)
    with torch.no_grad():
        acc_h = (student(X[ho]).argmax(1) == y[ho]).double().mean().item()
    t, c = time.perf_counter() - t0, time.process_time() - c0
    print(f"torch distill-{kind} {t:.3f} {c:.3f} s wall, cpu (threads {threads}, fp{dt}, teacher "
          f"acc {acc_t:.4f}, student heldout {acc_h:.4f}, loss {loss:.6g})")


if __name__ == "__main__":
    main()
