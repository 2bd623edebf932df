#!/bin/sh
# Temperature dependence of the leakage (Behrens & Zdeborova, arXiv:2506.14457): held-out
# accuracy of the student against tau at alpha = 1.6 (above the identification threshold 1/rho
# for rho = 0.8, below Cover's capacity 2) and alpha = 1 (below it), linear softmax, c = 2,
# d = 200, the paper's Adam schedule, 4 seeds. Expected: chance at small tau (the soft labels are
# one-hot), perfect leakage above alpha_id from tau ~ 10 on; partial leakage below alpha_id.
"${CAVITY:-$(dirname "$0")/../build/cavity}" compare distillation --x tau --heat '' \
    --sim-grid 0.1,0.3,1,3,10,30,100,1000,10000 --theory-grid 0.1,0.3,1,3,10,30,100,1000,10000 \
    --alpha 1,1.6 --rho 0.8 --by alpha --y acc_student_heldout,acc_shuffle --marks '' \
    --seeds 4 -o distillation-tau.png "$@"
