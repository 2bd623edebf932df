#!/usr/bin/env bash
# Paired, alternating runs of a peer (numpy / scipy / scikit-learn) and cavity on the same work,
# for the rows of bench/README.md ("Against the peers"). The machine is shared, so every row
# alternates the two sides (peer first on odd repetitions, cavity first on even ones), reports
# min / median / max of each side and the ratio of the medians (peer / cavity), and the load
# average (`uptime`) before and after the row.
#
# Usage (from the repository root, after a Release build in build/):
#   bench/paired.sh [REPS] [ROW ...]
# Rows: logistic-4000x2000-1 logistic-4000x2000-0.01 logistic-20000x1000-1
#       logistic-20000x1000-0.01 hinge-4000x2000-1 hinge-4000x2000-0.01 hinge-20000x1000-1
#       hinge-20000x1000-0.01 gd dmft-exact dmft-sampled main-job (default: all but the hinge
#       rows at lambda = 0.01, whose peer runs take minutes; see README).
# The hinge rows use the LinearSVC tolerances calibrated in bench/README.md (LINEARSVC_TOL_1 for
# lambda = 1, LINEARSVC_TOL_001 for lambda = 0.01).
set -u
REPS=${1:-5}
shift || true
ROWS=${*:-"logistic-4000x2000-1 logistic-4000x2000-0.01 logistic-20000x1000-1 \
logistic-20000x1000-0.01 hinge-4000x2000-1 hinge-20000x1000-1 gd dmft-exact dmft-sampled main-job"}
PY=/usr/bin/python3
B=${CAVITY_BUILD:-build}

# numpy's OpenBLAS takes the machine's defaults, as cavity's does.
unset OPENBLAS_NUM_THREADS OPENBLAS_CORETYPE 2>/dev/null || true
# OpenMP threads wait passively (futex) instead of spinning at barriers. On this shared machine a
# spinning barrier burns the time slices the working thread needs: at load 12 a 4000 x 2000
# logistic fit took 4.5 s with libgomp's default policy and 1.5 s with this one (1 thread: 1.5 s).
# It changes no result (cavity's kernels give the same bits for any thread count or schedule)
# and does not concern numpy (OpenBLAS pthreads). Override by setting it before the call.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

stats() { # stdin: numbers; prints "min median max"
    $PY -c 'import sys,statistics as s; v=sorted(float(x) for x in sys.stdin.read().split());
print("%.4g %.4g %.4g" % (v[0], s.median(v), v[-1]))'
}

field() { # $1: regex with one group; stdin: text
    $PY -c 'import re,sys; m=re.search(sys.argv[1], sys.stdin.read()); print(m.group(1) if m else "nan")' "$1"
}

# pair NAME PEER_CMD PEER_REGEX CAVITY_CMD CAVITY_REGEX
pair() {
    local name=$1 pcmd=$2 preg=$3 ccmd=$4 creg=$5 p="" c="" k
    local load0 load1
    load0=$(uptime | sed 's/.*load average: //')
    for ((k = 1; k <= REPS; k++)); do
        if ((k % 2)); then
            p+=" $(eval "$pcmd" 2>&1 | field "$preg")"
            c+=" $(eval "$ccmd" 2>&1 | field "$creg")"
        else
            c+=" $(eval "$ccmd" 2>&1 | field "$creg")"
            p+=" $(eval "$pcmd" 2>&1 | field "$preg")"
        fi
    done
    load1=$(uptime | sed 's/.*load average: //')
    local ps cs
    ps=$(echo "$p" | stats)
    cs=$(echo "$c" | stats)
    local ratio
    ratio=$($PY -c "print('%.2f' % ($(echo "$ps" | cut -d' ' -f2) / $(echo "$cs" | cut -d' ' -f2)))")
    printf '| %s | %s | %s | %s | load %s -> %s |\n' "$name" "$ps" "$cs" "$ratio" "$load0" "$load1"
}

# single NAME CMD REGEX (no peer)
single() {
    local name=$1 cmd=$2 reg=$3 c="" k load0 load1
    load0=$(uptime | sed 's/.*load average: //')
    for ((k = 1; k <= REPS; k++)); do
        c+=" $(eval "$cmd" 2>&1 | field "$reg")"
    done
    load1=$(uptime | sed 's/.*load average: //')
    printf '| %s | | %s | | load %s -> %s |\n' "$name" "$(echo "$c" | stats)" "$load0" "$load1"
}

LINEARSVC_TOL_1=${LINEARSVC_TOL_1:-1e-6}
LINEARSVC_TOL_001=${LINEARSVC_TOL_001:-1e-7}

echo "| row | peer min / median / max (s) | cavity min / median / max (s) | ratio of medians | load |"
echo "|---|---|---|---|---|"
for row in $ROWS; do
    case $row in
    logistic-*)
        IFS=x read -r n rest <<<"${row#logistic-}"
        d=${rest%%-*} lam=${rest#*-}
        pair "$row (generate + fit)" "$PY bench/peer_logistic.py $n $d $lam" 'total ([0-9.]+) s' \
            "$B/bench_erm_peer logistic $n $d $lam" 'total ([0-9.]+) s'
        ;;
    hinge-*)
        IFS=x read -r n rest <<<"${row#hinge-}"
        d=${rest%%-*} lam=${rest#*-}
        tol=$LINEARSVC_TOL_1
        [ "$lam" != 1 ] && tol=$LINEARSVC_TOL_001
        pair "$row (generate + fit)" "$PY bench/peer_svm.py $n $d $lam $tol" 'total ([0-9.]+) s' \
            "$B/bench_erm_peer hinge $n $d $lam" 'total ([0-9.]+) s'
        ;;
    gd)
        pair "gd pair of products, 8000 x 4000, median of 21 (ms)" "$PY bench/peer_gd.py" \
            'median ([0-9.]+) ms' "$B/bench_gd" 'fused \(one pass\) +min +[0-9.]+ ms median +([0-9.]+) ms'
        pair "gd, two separate passes (ms)" "$PY bench/peer_gd.py" 'median ([0-9.]+) ms' \
            "$B/bench_gd" 'pair  \(gemv_n \+ gemv_t\) min +[0-9.]+ ms median +([0-9.]+) ms'
        ;;
    dmft-exact)
        for T in 1000 3200 10000; do
            single "dmft exact path, $T steps (s)" "$B/bench_dmft exact $T" 'steps: ([0-9.]+) s'
        done
        ;;
    dmft-sampled)
        single "dmft sampled path, logistic, 400 steps (s)" "$B/bench_dmft logistic 400" \
            'whole solve: ([0-9.]+) s'
        ;;
    main-job)
        single "main job: cavity compare raf --no-store (s)" \
            "/usr/bin/time -f 'wall %e' $B/cavity compare raf --no-store -o /tmp/raf_paired.svg >/dev/null" \
            'wall ([0-9.]+)'
        ;;
    *) echo "paired.sh: unknown row $row" >&2 ;;
    esac
done
