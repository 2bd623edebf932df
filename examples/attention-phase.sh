#!/bin/sh
# Phase diagram of the two weak-recovery thresholds of 2-layer tied attention (Troiani, Cui,
# Dandi, Krzakala, Zdeborova, arXiv:2502.00901) against the skip strength c: alpha_1 (the last
# layer, from the stability of Q = 0) for c = 0, 0.5, ..., 4 in seconds, and alpha_2 (the first
# layer given the last, minutes per value of c) with `--thresholds both`; the Jensen bound
# 1/(M(M+1)) = 1/6 in the last column. Prints a table; docs/attention.md shows the figure.
"${CAVITY:-$(dirname "$0")/../build/cavity}" threshold attention --c 0:4:9 --thresholds first "$@"
