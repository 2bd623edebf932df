# Model quantities as subcommands: `cavity threshold raf`. Reference: Cover (1965),
# alpha_c = 2 for labels independent of the inputs (eps = 1); labels from a noiseless rule are
# always separable (eps = 0: inf); alpha_c decreases with eps.
. "$(dirname "$0")/lib.sh"
"$CAV" threshold raf --eps 0,0.2,0.5,1 >th.csv 2>err.txt
check "threshold exits 0" test $? -eq 0
check "threshold header" bash -c "head -1 th.csv | grep -qx 'eps,alpha_c,status'"
check "eps = 0 is separable at every alpha" grep -qx '0,inf,ok' th.csv
check "Cover: alpha_c(eps = 1) = 2" \
    awk -F, '$1 == 1 { exit !($2 > 2 - 1e-9 && $2 < 2 + 1e-9) }' th.csv
check "alpha_c decreasing in eps" \
    awk -F, 'NR > 2 { if (prev != "" && $2 >= prev) bad = 1; prev = $2 } END { exit bad }' th.csv
expect_usage "threshold eps out of range" "eps = 2 is out of range; allowed [0, 1]" threshold raf --eps 2
expect_usage "threshold rejects simulation parameter" "--d: not a parameter of \`cavity threshold raf\`; its parameters: eps" threshold raf --d 10
expect_usage "threshold rejects a parameter it does not use" "--alpha: not a parameter" threshold raf --alpha 1
expect_usage "threshold unknown model" "models: raf" threshold nomodel
check "threshold --help lists raf" bash -c "'$CAV' threshold --help | grep -q raf"
finish
