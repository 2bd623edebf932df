#!/bin/bash
# Paired, alternating runs of bench_nn (cavity) and torch_nn.py (PyTorch, float64 and float32) on
# the same workloads and thread count. The machine is shared, so each repetition runs the three
# programs back to back, and the summary gives the minimum and the median of each over the
# repetitions, both of the wall time the program reports and of its CPU time (user + system, by
# /usr/bin/time: under contention from other jobs the CPU time of a single-threaded run is the
# better measure of its work).
# Usage: bench/run_nn_bench.sh THREADS REPS [BUILD_DIR]
T=${1:-1}
R=${2:-3}
B=${3:-build}
PY=/usr/bin/python3
out=$(mktemp)
tf=$(mktemp)
run() { # label command...
    local label=$1 t
    shift
    t=$(OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T /usr/bin/time -f "%U %S" -o "$tf" "$@" |
        awk '{print $3}')
    echo "$label $t $(awk '{print $1 + $2}' "$tf")" >>"$out"
}
for r in $(seq "$R"); do
    for w in "epoch linear 200" "epoch mlp 10" "distill linear 200 400" "distill mlp 20 40"; do
        set -- $w
        key="$1-$2"
        run "$key cavity" "$B/bench_nn" $w
        run "$key torch64" $PY bench/torch_nn.py $w "$T" 64
        run "$key torch32" $PY bench/torch_nn.py $w "$T" 32
    done
done
echo "threads $T, $R paired repetitions: wall (as reported) and CPU seconds; epoch: per epoch"
echo "(CPU time of an epoch run includes its data generation), distill: whole run"
sort "$out" | awk '{k = $1 " " $2; w[k] = w[k] " " $3; c[k] = c[k] " " $4} END {for (k in w) print k "|" w[k] "|" c[k]}' |
    sort | while IFS='|' read -r key ws cs; do
        stat() { echo $1 | tr ' ' '\n' | sort -g | awk '{a[NR] = $1} END {printf "min %.4g median %.4g", a[1], a[int((NR + 1) / 2)]}'; }
        echo "$key wall $(stat "$ws") | cpu $(stat "$cs")"
    done
rm -f "$out" "$tf"
