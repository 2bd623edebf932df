#!/bin/sh
# The latent-model figure of Vilucchio, Zdeborová, Loureiro, arXiv:2506.12454, as their code
# computes it: l_inf adversarial training on the features x (attack_space = features,
# eps_t = 0.1, margin shift eps_t ||w||_1/p), ridge lambda = 0.01, l_inf test attacks of size
# eps = 1 on the latent z, against gamma = d/p for alpha = n/d = 0.1, 1, 2. Panels: the standard
# robust error erob, the fraction of consistently attackable points (the paper's flip rate) and
# the consistent robust error erob_cns. Theory curves and simulations (d = 500, 10 seeds, as the
# authors). Over-parameterisation p/n = 1/(gamma alpha) grows to the left. About 5 minutes.
"${CAVITY:-$(dirname "$0")/../build/cavity}" compare adversarial-latent \
    --attack_space features --attack_norm inf --eps_train 0.1 --lambda 0.01 --eps 1 \
    --alpha 0.1,1,2 --by alpha --x gamma --theory-grid 0.1:3:59 --sim-grid 0.5,1,1.5,2,2.5,3 \
    --y erob,attackable,erob_cns --d 500 --seeds 10 --no-store \
    -o adversarial-latent-features.png "$@"
