# Results store through the CLI: rows stored, re-run skips them (same table), --recompute,
# --no-store, export, newer schema refused byte-identical.
. "$(dirname "$0")/lib.sh"
ARGS="theory raf --alpha 0.5:2:4 --lambda 0.01,0.1 --eps 0.2"
"$CAV" $ARGS --store s.db >a.csv 2>a.err; rc=$?
check "theory sweep exit 0 or 3" test $rc -eq 0 -o $rc -eq 3
check "8 rows + header" test "$(wc -l <a.csv)" -eq 9
check "status column" bash -c "head -1 a.csv | grep -q ',status,residual,iterations$'"
check "store has 8 rows" test "$(sqlite3 s.db 'select count(*) from results')" -eq 8
check "application id" test "$(sqlite3 s.db 'pragma application_id')" -eq 1128355412
check "schema version 1" test "$(sqlite3 s.db 'pragma user_version')" -eq 1
"$CAV" $ARGS --store s.db >b.csv 2>/dev/null
check "re-run gives the same table" cmp -s a.csv b.csv
check "re-run adds no rows" test "$(sqlite3 s.db 'select count(*) from results')" -eq 8
t1=$(sqlite3 s.db 'select max(id) from results')
"$CAV" $ARGS --store s.db --recompute >c.csv 2>/dev/null
check "recompute gives the same table" cmp -s a.csv c.csv
check "recompute replaced rows (ids moved)" test "$(sqlite3 s.db 'select min(id) from results')" -gt "$t1"
check "recompute keeps 8 rows" test "$(sqlite3 s.db 'select count(*) from results')" -eq 8
"$CAV" $ARGS --no-store >d.csv 2>/dev/null
check "--no-store same table" cmp -s a.csv d.csv
check "--no-store creates no default store" test ! -e cavity.db
"$CAV" export s.db >e.csv
check "export csv has 8 rows" test "$(tail -n +2 e.csv | wc -l)" -eq 8
"$CAV" export s.db --format json >e.json
check "export json parses" python3 -c "import json; assert len(json.load(open('e.json'))) == 8"
"$CAV" $ARGS --no-store --format json >a.json
check "table json parses, 8 rows" python3 -c "import json; d=json.load(open('a.json')); assert len(d)==8 and 'status' in d[0]"
# Newer schema: refused, file byte-identical.
cp s.db newer.db
sqlite3 newer.db 'pragma journal_mode=delete; pragma user_version=7' >/dev/null
cp newer.db newer.orig
expect_usage "newer store refused" "schema version 7" theory raf --alpha 1 --store newer.db
check "newer store byte-identical" cmp -s newer.db newer.orig
finish
