# Command-line hardening: each case below failed on the version before this one (it printed an
# empty table with exit 0, spun, ran for minutes before refusing, stored the same point twice,
# echoed control bytes, or lost its output silently). Every refusal is exit 2, one escaped line,
# before any work.
. "$(dirname "$0")/lib.sh"
T() { timeout 20 "$CAV" "$@"; }

# Grid sizes: a product past the point limit (or past 2^64) is refused with the count.
expect_usage "grid of 1e14 points refused" "more than the limit" \
    theory raf --alpha 0.1:1:10000000 --eps 0:1:10000000 --no-store
expect_usage "grid past 2^64 refused" "more than the limit" theory raf --alpha 0.1:1:10000000 \
    --eps 0:1:10000000 --lambda 0:1:10000000 --mu1 0.1:1:10000000 --mustar 0:1:10000000 --no-store
# Memory: estimated before work.
expect_usage "simulation too large for memory refused" "needs about" \
    simulate raf --d 1000000 --alpha 1000 --seeds 1 --no-store
expect_usage "--max-memory sets the limit" "allowed by --max-memory" \
    theory dmft-gd --steps 20000 --max-memory 1 --no-store
"$CAV" theory raf --alpha 1 --max-memory 0 --no-store >/dev/null 2>&1
check "--max-memory 0 disables the check" test $? -eq 0
# A large grid parses fast, so a later bad option is refused at once.
start=$(date +%s)
expect_usage "large grid then a bad option refused fast" "eps = 2" \
    theory raf --alpha 0.1:1:10000000 --eps 2 --no-store
check "... within 10 s" test $(($(date +%s) - start)) -lt 10

# compare: --x=NAME is --x NAME; -o and --y are checked before any work.
T compare raf --eps 0:1:3 --x=eps --learner linear --d 50 --seeds 2 --no-store -o x.svg \
    >cx.csv 2>/dev/null
check "compare --x=eps sweeps eps" test "$(awk -F, 'NR > 1 && $NF != "" {print $4}' cx.csv | sort -u | wc -l)" -eq 3
check "compare --x=eps keeps alpha fixed" test "$(awk -F, 'NR > 1 {print $3}' cx.csv | sort -u | wc -l)" -eq 1
expect_usage "compare -o into a missing directory refused before work" "cannot write the figure" \
    compare raf --d 50 --seeds 2 --no-store -o /nonexistent/dir/f.svg
expect_usage "compare unknown --y refused" "unknown observable" compare raf --y nope --no-store

# Simulation-only constraints up front.
expect_usage "simulate bayes refused" "learner = bayes has no simulation" \
    simulate raf --learner bayes --no-store
expect_usage "n = round(alpha d) = 0 refused" "gives n = 0" \
    simulate raf --alpha 0.001 --d 100 --no-store
expect_usage "logistic at lambda 0 simulation refused" "lambda = 0 with the logistic loss" \
    simulate raf --loss logistic --lambda 0 --no-store
expect_usage "amp-wigner n above its stated limit refused" "[2, 60000]" \
    simulate amp-wigner --n 70000 --no-store
expect_usage "adversarial n = 0 refused" "training samples" \
    simulate adversarial --alpha 0.001 --d 100 --no-store

# Strict, canonical parsing.
"$CAV" theory raf --alpha 1 --lambda 0 --store k.db >k1.csv 2>/dev/null
"$CAV" theory raf --alpha 1 --lambda -0 --store k.db >k2.csv 2>/dev/null
check "-0 and 0 are one point (one stored row)" test "$(sqlite3 k.db 'select count(*) from results')" -eq 1
check "-0 and 0 print the same table" cmp -s k1.csv k2.csv
expect_usage "underflow shows what was typed" "lambda = 1e-400 underflows" theory raf --lambda 1e-400
expect_usage "leading space refused" "not a number" theory raf --alpha ' 1'
expect_usage "trailing space refused" "not a number" theory raf --alpha '1 '
expect_usage "empty range field refused" "empty field" theory raf --alpha 1:2::5
expect_usage "empty leading field refused" "empty field" theory raf --alpha :1:2:3
expect_usage "empty list item refused" "empty item" theory raf --alpha 1,,2
expect_usage "duplicate list value refused" "appears twice" theory raf --alpha 1,2,1
expect_usage "duplicate after rounding refused" "more points than integers" simulate raf --d 10:12:5
expect_usage "a parameter given twice refused" "given twice" theory raf --alpha 1 --alpha 2
expect_usage "list takes no argument" "unexpected 'extra'" list extra
expect_usage "help takes one model" "unexpected 'extra'" help raf extra

# Echoed text is escaped: one line, no raw control byte.
"$CAV" theory raf --alpha "$(printf '1\n\033[31mcavity: forged')" >o.txt 2>e.txt
check "control characters: exit 2" test $? -eq 2
check "control characters: one stderr line" test "$(wc -l <e.txt)" -eq 1
check "control characters: no raw ESC" bash -c "! grep -q $'\033' e.txt"
check "control characters: shown escaped" grep -qF '\x0a\x1b[31m' e.txt
"$CAV" theory "$(printf 'r\377f')" >o.txt 2>e.txt
check "invalid UTF-8 in a model name escaped" grep -qF 'r\xfff' e.txt

# Output that cannot be written is a failure.
"$CAV" threshold raf --eps 0.5 >/dev/full 2>e.txt
check "threshold > /dev/full exits non-zero" test $? -ne 0
check "... and says why" grep -q 'writing the output failed' e.txt
"$CAV" list >/dev/full 2>/dev/null
check "list > /dev/full exits non-zero" test $? -ne 0
"$CAV" help raf >/dev/full 2>/dev/null
check "help > /dev/full exits non-zero" test $? -ne 0
finish
