# The spectral models quadratic-net and matrix-sensing on the command line: bad input (one line
# naming the parameter and its range, exit 2, before any work, no store), the named quantities
# and their reference values (Bayes-optimal perfect recovery kappa* - kappa*^2/2 and
# min(1, rho (1 + beta - rho)/beta); the nuclear-norm threshold of quadratic-net lies above the
# Bayes-optimal one; alpha_inter -> 1/4 as delta grows).
. "$(dirname "$0")/lib.sh"
expect_usage "kappa_star <= 0" "kappa_star = 0 is out of range; allowed (0, 1000]" theory quadratic-net --kappa_star 0
expect_usage "alpha <= 0" "alpha = 0 is out of range; allowed (0, 1000]" theory quadratic-net --alpha 0
expect_usage "delta < 0" "delta = -0.5 is out of range; allowed [0, 1e+06]" theory quadratic-net --delta -0.5
expect_usage "unknown sensing" "quadratic, goe" simulate quadratic-net --sensing gauss
expect_usage "unknown solver" "apg, gd" simulate quadratic-net --solver adam
expect_usage "sim-only parameter in theory" "--d" theory quadratic-net --d 50
expect_usage "rho above 1" "rho = 1.5 is out of range; allowed (0, 1]" theory matrix-sensing --shape rectangular --rho 1.5
expect_usage "rho = 0" "rho = 0 is out of range; allowed (0, 1]" theory matrix-sensing --rho 0
expect_usage "beta <= 0" "beta = 0 is out of range; allowed (0, 1000]" theory matrix-sensing --beta 0
expect_usage "unknown shape" "symmetric, rectangular" theory matrix-sensing --shape square
expect_usage "ms kappa_star <= 0" "kappa_star = -1 is out of range" theory matrix-sensing --kappa_star -1
expect_usage "ms delta < 0" "delta = -1 is out of range" simulate matrix-sensing --delta -1
expect_usage "recovery rejects delta" "--delta: not a parameter" recovery quadratic-net --delta 1
check "no store created by bad input" test ! -e cavity.db
"$CAV" threshold matrix-sensing --kappa_star 0.25,0.5,2 >bo.csv 2>err.txt
check "BO threshold exits 0" test $? -eq 0
check "BO symmetric alpha_pr = kappa* - kappa*^2/2" awk -F, 'NR > 1 { k = $2; w = k < 1 ? k - k * k / 2 : 0.5; if ($5 < w - 1e-12 || $5 > w + 1e-12) bad = 1 } END { exit bad }' bo.csv
"$CAV" threshold matrix-sensing --shape rectangular --beta 2 --rho 0.2 >rect.csv
check "rectangular alpha_pr = rho (1 + beta - rho)/beta" awk -F, 'NR == 2 { exit !($5 > 0.28 - 1e-12 && $5 < 0.28 + 1e-12) }' rect.csv
"$CAV" mnne matrix-sensing --beta 2 --rho 0.2 >mn.csv
check "alpha_mnne above alpha_pr" awk -F, 'NR == 2 { exit !($3 > 0.28 && $3 < 1) }' mn.csv
"$CAV" recovery quadratic-net --kappa_star 0.5 >rec.csv
check "nuclear-norm recovery above Bayes-optimal" awk -F, 'NR == 2 { exit !($2 > 0.375 && $2 < 0.5) }' rec.csv
"$CAV" threshold quadratic-net --kappa_star 0.5 --delta 1,10000 >int.csv
check "alpha_inter -> 1/4" awk -F, 'NR == 3 { exit !($4 > 0.25 && $4 < 0.2501) }' int.csv
"$CAV" theory quadratic-net --alpha 0.1:1:10 --delta 0.5 >qn.csv
check "quadratic-net theory curve all ok" bash -c "tail -n +2 qn.csv | grep -vc ',ok,' | grep -qx 0"
# The theory's threshold columns (drawn as marks on the compare figures) equal the named
# quantities: alpha_c is the interpolation threshold for delta > 0 and the recovery threshold for
# delta = 0; alpha_bo / alpha_pr the Bayes-optimal perfect recovery (noiseless only).
"$CAV" theory quadratic-net --alpha 0.2 --delta 0,0.5 >marks.csv
"$CAV" threshold quadratic-net --kappa_star 0.5 --delta 0.5 >thr.csv
"$CAV" recovery quadratic-net --kappa_star 0.5 >recm.csv
check "quadratic-net alpha_c = recovery threshold (delta = 0)" bash -c "[ \"\$(awk -F, 'NR == 2 { print \$13 }' marks.csv)\" = \"\$(awk -F, 'NR == 2 { print \$2 }' recm.csv)\" ]"
check "quadratic-net alpha_c = interpolation threshold (delta > 0)" bash -c "[ \"\$(awk -F, 'NR == 3 { print \$13 }' marks.csv)\" = \"\$(awk -F, 'NR == 2 { print \$4 }' thr.csv)\" ]"
check "quadratic-net alpha_bo = kappa* - kappa*^2/2, NaN when noisy" awk -F, 'NR == 2 && $14 != 0.375 { bad = 1 } NR == 3 && $14 != "nan" { bad = 1 } END { exit bad }' marks.csv
"$CAV" theory matrix-sensing --shape rectangular --beta 2 --rho 0.2 --alpha 0.5 >msm.csv
check "matrix-sensing alpha_pr column = the threshold quantity" awk -F, 'NR == 2 { exit !($11 > 0.28 - 1e-12 && $11 < 0.28 + 1e-12) }' msm.csv
check "help states the objective" bash -c "'$CAV' help quadratic-net | grep -q '(1/(4n)) sum (y - Tr(Z S))^2 + (lambda/d) Tr S'"
check "list shows both models" bash -c "'$CAV' list | grep -q '^quadratic-net' && '$CAV' list | grep -q '^matrix-sensing'"
finish
