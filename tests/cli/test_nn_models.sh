# The network models `distillation` and `depth` at the command line: bad input (one line naming
# the parameter and its range, exit 2, before any work, no store written), the named quantities,
# a diverged training reported per point while the other points are kept, and the figure kinds
# (heatmap and threshold marks) from tiny compares.
. "$(dirname "$0")/lib.sh"
expect_usage "distillation rho = 1" "rho = 1 is out of range" simulate distillation --rho 1
expect_usage "distillation rho = 0" "rho = 0 is out of range" theory distillation --rho 0
expect_usage "distillation tau = 0" "tau = 0 is out of range" simulate distillation --tau 0
expect_usage "distillation c = 1" "c = 1 is out of range" theory distillation --c 1
expect_usage "distillation alpha <= 0" "alpha = -1 is out of range" theory distillation --alpha -1
expect_usage "distillation d = 0" "d = 0 is out of range" simulate distillation --d 0
expect_usage "distillation p = 0" "p = 0 is out of range" simulate distillation --p 0
expect_usage "distillation negative epochs" "epochs_teacher = -5 is out of range" \
    simulate distillation --epochs_teacher -5
expect_usage "distillation zero rate" "lr_student = 0 is out of range" \
    simulate distillation --lr_student 0
expect_usage "distillation unknown arch" "linear, mlp" simulate distillation --arch cnn
expect_usage "distillation unknown optimiser" "adam, gd" simulate distillation --optimizer rmsprop
expect_usage "distillation unknown activation" "relu, tanh" simulate distillation --arch mlp \
    --activation swish
expect_usage "distillation pinv needs linear" "pinv" simulate distillation --arch mlp \
    --student pinv
expect_usage "distillation no held-out point" "per class" simulate distillation --d 10 \
    --alpha 0.4 --rho 0.3
expect_usage "distillation sim-only in theory" "--epochs_student" theory distillation \
    --epochs_student 10
expect_usage "depth unknown learner" "layerwise, two-layer, joint, kernel" simulate depth \
    --learner svm
expect_usage "depth unknown optimiser" "adam, sgd" simulate depth --optimizer lbfgs
expect_usage "depth kappa = 0" "kappa = 0 is out of range" theory depth --kappa 0
expect_usage "depth eps1 = 1" "eps1 = 1 is out of range" theory depth --eps1 1
expect_usage "depth eps2 above eps1" "eps2 = 0.6 must be below eps1" theory depth --levels 2 \
    --eps2 0.6
expect_usage "depth zero width" "p1 = 0 is out of range" simulate depth --p1 0
expect_usage "depth zero rate" "lr1 = 0 is out of range" simulate depth --lr1 0
expect_usage "depth n too large" "outside 2..1e6" simulate depth --d 64 --kappa 3.5
expect_usage "depth too many branches" "exceeds d" theory depth --branches 9
expect_usage "compare unknown heat" "--heat" compare distillation --heat nosuch -o f.svg
expect_usage "compare heat = x" "other than --x" compare distillation --heat alpha -o f.svg
expect_usage "compare unknown mark" "--marks" compare depth --marks nosuch -o f.svg
check "no store created by bad input" test ! -e cavity.db
# Named quantities (values from docs/distillation.md and docs/depth.md).
check "threshold distillation = 1/rho" bash -c \
    "'$CAV' threshold distillation --rho 0.8 | grep -q ',1.25,ok'"
check "capacity distillation = 2 (Cover)" bash -c \
    "'$CAV' capacity distillation | grep -q ',2,ok'"
check "threshold depth" bash -c "'$CAV' threshold depth | grep -q ',1.5,1.5,1,2,ok'"
check "peak depth d = 64" bash -c "'$CAV' peak depth --d 64 | grep -q '^64,2145,2081,'"
check "quantity refuses unused parameter" bash -c \
    "'$CAV' peak depth --eps1 0.3 2>&1 >/dev/null | grep -q eps1"
# Divergence: plain SGD at a huge rate diverges, the other point of the grid is kept; exit 3.
"$CAV" simulate depth --learner joint --optimizer sgd --lr_joint 0.001,10 --d 16 --kappa 1.5 \
    --seeds 1 --t_joint 50 --p1 128 --p2 32 --store div.db >div.csv 2>div.err
rc=$?
check "diverged run: exit 3" test $rc -eq 3
check "diverged run: status diverged" grep -q ',diverged,\|,diverged$' div.csv
check "diverged run: other point ok" grep -q ',ok,' div.csv
check "diverged run: reported on stderr" grep -q 'diverged' div.err
# Figures: a tiny heatmap and a tiny line figure with marks.
"$CAV" compare distillation --d 30 --epochs_teacher 100 --epochs_student 100 --lr_student 1e-3 \
    --rho 0.6,0.8 --sim-grid 0.8,1.6 --theory-grid 0.8,1.6 --seeds 1 --no-store -o heat.svg \
    >heat.csv 2>heat.err
check "heatmap written" test -s heat.svg
check "heatmap draws cells" grep -q 'alpha_id (theory)' heat.svg
"$CAV" compare depth --d 12 --p1 16 --p2 8 --sim-grid 1,1.5 \
    --theory-grid 1,1.5 --seeds 1 --no-store -o marks.svg >marks.csv 2>marks.err || true
check "line figure with marks written" test -s marks.svg
check "marks labelled" grep -q 'kappa_c' marks.svg
finish
