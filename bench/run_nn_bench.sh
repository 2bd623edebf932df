#!/bin/sh
# Paired, alternating runs of bench_nn (cavity) and torch_nn.py (PyTorch, float64 and float32) on
# the same workloads and thread count: the machine is shared, so each repetition runs the three
# programs back to back and the summary reports the minimum and the median of each.
# Usage: bench/run_nn_bench.sh THREADS REPS [BUILD_DIR]
T=${1:-1}
R=${2:-3}
B=${3:-build}
PY=/usr/bin/python3
out=$(mktemp)
run() { # label command...
    label=$1
    shift
    t=$(OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T "$@" | awk '{print $3}')
    echo "$label $t" >> "$out"
}
for r in $(seq "$R"); do
    for w in "epoch linear 200" "epoch mlp 20" "distill linear 500 1000" "distill mlp 50 100"; do
        set -- $w
        key="$1-$2"
        run "$key cavity" "$B/bench_nn" $w
        run "$key torch64" $PY bench/torch_nn.py $w "$T" 64
        run "$key torch32" $PY bench/torch_nn.py $w "$T" 32
    done
done
echo "threads $T, $R paired repetitions (seconds; epoch: per epoch, distill: whole run)"
awk '{k=$1" "$2; v[k]=v[k]" "$3} END {for (k in v) print k, v[k]}' "$out" | sort | while read -r w p vals; do
    echo "$w $p $(echo $vals | tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {printf "min %.4g median %.4g", a[1], a[int((NR+1)/2)]}')"
done
rm -f "$out"
