#!/bin/sh
# Consistent adversarial errors vs over-parameterisation in the latent model (Vilucchio,
# Zdeborová, Loureiro, arXiv:2506.12454): x = gamma = d/p, p/n = 1/(gamma alpha) (alpha = 1), so
# over-parameterisation grows to the left. Theory curve + simulations (d = 500, 10 seeds).
# Expected: ebnd_cns rises as p/n grows (gamma -> 0.1) while erob_cns falls with egen.
"${CAVITY:-$(dirname "$0")/../build/cavity}" compare adversarial-latent --no-store -o adversarial-latent.png "$@"
