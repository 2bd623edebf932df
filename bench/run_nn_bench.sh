#!/bin/bash
# Paired, alternating runs of bench_nn (cavity) and torch_nn.py (PyTorch, float64 and float32) on
# the same workloads and thread count. The machine is shared, so each repetition runs the three
# programs back to back, and the summary gives the minimum and the median of each over the
# repetitions, both of the wall time and of the process CPU time of the timed part that each
# program reports (under contention from other jobs, the CPU time of a single-threaded run is the
# better measure of its work; with several threads it adds them up).
# Usage: bench/run_nn_bench.sh THREADS REPS [BUILD_DIR]
T=${1:-1}
R=${2:-3}
B=${3:-build}
PY=/usr/bin/python3
out=$(mktemp)
run() { # label command...
    local label=$1
    shift
    OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T "$@" | awk -v l="$label" '{print l, $3, $4}' >>"$out"
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
echo "threads $T, $R paired repetitions: wall and CPU seconds of the timed part"
echo "(epoch: per epoch; distill: the whole run after start-up)"
sort "$out" | awk '{k = $1 " " $2; w[k] = w[k] " " $3; c[k] = c[k] " " $4} END {for (k in w) print k "|" w[k] "|" c[k]}' |
    sort | while IFS='|' read -r key ws cs; do
        stat() { echo $1 | tr ' ' '\n' | sort -g | awk '{a[NR] = $1} END {printf "min %.4g median %.4g", a[1], a[int((NR + 1) / 2)]}'; }
        echo "$key wall $(stat "$ws") | cpu $(stat "$cs")"
    done
rm -f "$out"
