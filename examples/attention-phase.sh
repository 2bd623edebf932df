#!/bin/sh
# Phase diagram of the two weak-recovery thresholds of 2-layer tied attention (Troiani, Cui,
# Dandi, Krzakala, Zdeborova, arXiv:2502.00901) against the skip strength c: alpha_1 (the last
# layer, from the stability of Q = 0; seconds) for c = 0, 0.5, ..., 4 and alpha_2 (the first
# layer given the last: the conditional search, 1 to 5 minutes per value of c at the model's
# 2000 samples) for c = 0, 1, ..., 4; the Jensen bound 1/(M(M+1)) = 1/6 as a line.
# Writes attention-phase-a1.csv, attention-phase-a2.csv and attention-phase.png in the current
# directory (docs/attention-phase.png is this figure). Extra arguments go to both runs
# (e.g. --nsamples 4000).
set -e
CAVITY="${CAVITY:-$(dirname "$0")/../build/cavity}"
"$CAVITY" threshold attention --c 0:4:9 --thresholds first "$@" >attention-phase-a1.csv
"$CAVITY" threshold attention --c 0:4:5 --thresholds both "$@" >attention-phase-a2.csv
gnuplot <<'EOF'
set terminal pngcairo size 800,520 font ",11"
set output "attention-phase.png"
set datafile separator ","
set key top right
set xlabel "skip strength c"
set ylabel "alpha = N/D"
set title "2-layer tied attention, M = 2, beta = 1: weak-recovery thresholds"
set xrange [-0.1:4.1]
set yrange [0:1.2]
plot "attention-phase-a1.csv" every ::1 using 3:8 with linespoints pt 7 lw 2 \
         title "alpha_1 (last layer, stability of Q = 0)", \
     "attention-phase-a2.csv" every ::1 using 3:9 with linespoints pt 5 lw 2 \
         title "alpha_2 (first layer given the last)", \
     1.0/6 with lines dt 2 lc rgb "gray40" title "Jensen bound 1/(M(M+1)) = 1/6", \
     "<echo '1 0.1436'" using 1:2 with points pt 6 ps 2 lc rgb "red" \
         title "published alpha_1 at c = 1 (0.1436)"
EOF
