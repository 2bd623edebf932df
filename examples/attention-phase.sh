#!/bin/sh
# Phase diagram of the two weak-recovery thresholds of 2-layer tied attention (Troiani, Cui,
# Dandi, Krzakala, Zdeborova, arXiv:2502.00901; M = 2, beta = 1) against the skip strength c:
#  - alpha_1 (the last layer, stability of Q = 0; Monte Carlo over 20000 draws of Z) for
#    c = 0, 0.5, ..., 4, from `cavity threshold attention` (seconds);
#  - alpha_2 (the first layer given the last) for c = 1, 2, 3, 4 as the root of
#    f(alpha) = alpha lambda_max(F_1(q2*(alpha))) - 1, evaluated by `bench_mi alpha2` at
#    alpha = 0.66 and 0.76 (2000 samples, 12-node posterior, seed 1) and interpolated linearly;
#    the error bar is the Monte-Carlo error of f propagated to the root (about 2 minutes per c on
#    idle cores). The 12-node rule puts alpha_2 about 0.007 low (docs/attention.md).
#  - the Jensen bound 1/(M(M+1)) = 1/6 and the published alpha_1 = 0.1436 at c = 1.
# For c < 1 the fibre weight 1/|det A(z_1)| of the engine is singular on a curve through z_1 = 0
# (det(softmax + c I) = 0 at s_11 + s_22 = 1 - c): the values there are not trustworthy and are
# drawn open. Writes attention-phase-a1.csv, attention-phase-a2.csv and attention-phase.png in the
# current directory (docs/attention-phase.png is this figure).
set -e
BUILD="${BUILD:-$(dirname "$0")/../build}"
"$BUILD/cavity" threshold attention --c 0:4:9 --thresholds first >attention-phase-a1.csv
echo "c,alpha_2,se" >attention-phase-a2.csv
for c in 1 2 3 4; do
    "$BUILD/bench_mi" alpha2 "$c" 2000 12 1 0.66 0.76 2 |
        awk -v c="$c" '{for (i = 1; i <= NF; i++) { if ($i == "alpha") a[NR] = $(i + 1);
                        if ($i == "f") { f[NR] = $(i + 1); s[NR] = $(i + 3) } } }
            END { r = a[1] + (a[2] - a[1]) * (-f[1]) / (f[2] - f[1]);
                  d = (a[2] - a[1]) / (f[2] - f[1]);
                  e = d * sqrt(((r - a[2]) / (a[2] - a[1]))^2 * s[1]^2 + ((r - a[1]) / (a[2] - a[1]))^2 * s[2]^2);
                  printf "%s,%.4f,%.4f\n", c, r, e }' >>attention-phase-a2.csv
done
gnuplot <<'EOF'
set terminal pngcairo size 820,540 font ",11"
set output "attention-phase.png"
set datafile separator ","
set key right center
set xlabel "skip strength c"
set ylabel "alpha = N/D"
set title "2-layer tied attention, M = 2, beta = 1: weak-recovery thresholds"
set xrange [-0.1:4.1]
set yrange [0:0.9]
plot "attention-phase-a1.csv" every ::1 using ($3 >= 1 ? $3 : 1/0):8 with linespoints pt 7 lw 2 \
         lc rgb "blue" title "alpha_1 (last layer, stability of Q = 0)", \
     "attention-phase-a1.csv" every ::1 using ($3 < 1.01 ? $3 : 1/0):8 with linespoints pt 6 \
         dt 3 lc rgb "blue" title "alpha_1 for c < 1 (singular fibre weight)", \
     "attention-phase-a2.csv" every ::1 using 1:2:3 with yerrorlines pt 5 lw 2 lc rgb "dark-green" \
         title "alpha_2 (first layer given the last)", \
     1.0/6 with lines dt 2 lc rgb "gray40" title "Jensen bound 1/(M(M+1)) = 1/6", \
     "<echo '1,0.1436'" using 1:2 with points pt 6 ps 2 lc rgb "red" \
         title "published alpha_1 at c = 1 (0.1436)"
EOF
