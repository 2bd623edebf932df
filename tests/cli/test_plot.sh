# compare writes a figure and stores both kinds; plot draws from the store.
. "$(dirname "$0")/lib.sh"
"$CAV" compare raf --theory-grid 0.25:3:6 --sim-grid 0.5,2 --d 60 --seeds 2 --store c.db -o cmp.svg >cmp.csv 2>cmp.err
rc=$?
check "compare exit 0 or 3" test $rc -eq 0 -o $rc -eq 3
check "compare table has kind column" bash -c "head -1 cmp.csv | grep -q ',kind,'"
check "compare table has theory and simulation rows" bash -c "grep -q ',theory,' cmp.csv && grep -q ',simulation,' cmp.csv"
check "compare figure is SVG" bash -c "grep -q '<svg' cmp.svg"
"$CAV" plot c.db --model raf --x alpha --y egen --by learner -o p.svg 2>p.err
check "plot exit 0" test $? -eq 0
check "plot output is SVG" bash -c "head -c 400 p.svg | grep -q '<svg'"
"$CAV" plot c.db --model raf --x alpha --y egen,emem --where learner=linear -o p.png 2>/dev/null
check "plot png with --where" bash -c "head -c 8 p.png | grep -q PNG"
expect_usage "plot unknown where parameter" "unknown parameter" plot c.db --model raf --x alpha --where nope=1 -o q.svg
expect_usage "plot missing store" "no such file" plot missing.db --model raf --x alpha -o q.svg
check "missing store not created" test ! -e missing.db
finish
