# What the store must not do to a user's data (regressions, each failed before the fix):
#  - a -wal file of another database beside the store: refused, store and -wal byte-identical,
#    every row still there (the refusal used to checkpoint the foreign WAL into the store);
#  - two overwritten pages: export / plot / simulate refuse with a message naming the store and
#    print no partial table (export used to print 257 of 480 rows with exit 0);
#  - "", ":memory:" and file: URIs refused with exit 2 (they used to store nothing, or turn an
#    unrelated database into a store);
#  - a stored failure caused by the environment (status enomem) is recomputed, not reused;
#  - tampered rows (obs '{}', malformed JSON, absurd nrows) are reported and recomputed: the
#    table equals the original one and the rows are repaired.
. "$(dirname "$0")/lib.sh"
P=/usr/bin/python3
[ -x $P ] || P=python3
ARGS="theory raf --alpha 0.5:2:4 --lambda 0.01,0.1"
"$CAV" $ARGS --store s.db >ref.csv 2>/dev/null
check "reference store has 8 rows" test "$(sqlite3 s.db 'select count(*) from results')" -eq 8

# 1. A foreign -wal beside the store (made by a writer that exits without closing).
$P -c "
import sqlite3, os
c = sqlite3.connect('other.db'); c.execute('pragma journal_mode=wal')
c.execute('create table t(x)'); c.executemany('insert into t values(?)', [(i,) for i in range(50)])
c.commit(); os._exit(0)"
check "foreign WAL made" test -s other.db-wal
cp s.db w.db && cp other.db-wal w.db-wal && cp w.db w.orig && cp w.db-wal wal.orig
expect_usage "foreign WAL refused" "not a cavity store" $ARGS --store w.db
check "message names the -wal file" grep -qF "w.db-wal" err.txt
check "store byte-identical" cmp -s w.db w.orig
check "-wal byte-identical" cmp -s w.db-wal wal.orig
mv w.db-wal aside.wal && rm -f w.db-shm
check "all 8 rows still there" test "$(sqlite3 w.db 'select count(*) from results')" -eq 8

# 2. Two damaged pages in the middle of a 480-row store.
"$CAV" simulate raf --alpha 0.5:2:48 --d 20 --seeds 10 --store big.db >/dev/null 2>&1
check "480-row store" test "$(sqlite3 big.db 'select count(*) from results')" -eq 480
sqlite3 big.db 'pragma journal_mode=delete' >/dev/null
np=$(sqlite3 big.db 'pragma page_count')
ps=$(sqlite3 big.db 'pragma page_size')
$P -c "
import random; random.seed(5)
f = open('big.db', 'r+b')
for pg in ($np // 2, $np // 2 + 1):
    f.seek(pg * $ps + 100); f.write(bytes(random.randrange(256) for _ in range($ps - 200)))"
cp big.db big.orig
"$CAV" export big.db >e.csv 2>e.err; rc=$?
check "export of a damaged store fails (rc=$rc)" test $rc -ne 0
check "export names the store, one line" grep -q "^cavity: store big.db: damaged" e.err
check "one line" test "$(wc -l <e.err)" -eq 1
check "export prints no partial table" test ! -s e.csv
"$CAV" export big.db --format json >e.json 2>/dev/null
check "json export prints nothing either" test ! -s e.json
"$CAV" simulate raf --alpha 0.5:2:48 --d 20 --seeds 10 --store big.db >sim.csv 2>sim.err; rc=$?
check "simulate into it refuses (rc=$rc)" test $rc -ne 0 -a $rc -lt 128
check "simulate names the store" grep -q "big.db.*damaged" sim.err
check "damaged store not written" cmp -s big.db big.orig
# The recovery of docs/store.md: the rows SQLite can read, then a re-run completes the table.
"$CAV" simulate raf --alpha 0.5:2:48 --d 20 --seeds 10 --no-store >big.ref 2>/dev/null
sqlite3 big.db .dump 2>/dev/null | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 rec.db
sqlite3 rec.db "pragma application_id=1128355412; pragma user_version=1" >/dev/null
n=$(sqlite3 rec.db 'select count(*) from results')
check "recovery keeps most rows ($n of 480)" test "$n" -ge 400 -a "$n" -lt 480
"$CAV" simulate raf --alpha 0.5:2:48 --d 20 --seeds 10 --store rec.db >rec.csv 2>/dev/null
check "recovered store + re-run = undamaged table" cmp -s rec.csv big.ref
check "recovered store complete" test "$(sqlite3 rec.db 'select count(*) from results')" -eq 480
if command -v gnuplot >/dev/null; then
    "$CAV" plot big.db --model raf --x alpha -o p.svg >/dev/null 2>p.err; rc=$?
    check "plot refuses (rc=$rc)" test $rc -ne 0 -a $rc -lt 128
fi

# 3. Names that are not plain files.
expect_usage "empty store name refused" "--no-store" $ARGS --store ''
expect_usage ":memory: refused" "--no-store" $ARGS --store :memory:
sqlite3 plain.db 'create table t(a); insert into t values(1)'
cp plain.db plain.orig
expect_usage "file: URI refused" "URI" $ARGS --store file:plain.db
check "URI target untouched" cmp -s plain.db plain.orig
expect_usage "file: URI with mode refused" "URI" $ARGS --store 'file:m.db?mode=memory'
check "no file made for the URI" test ! -e 'file:m.db?mode=memory' -a ! -e m.db

# 5. A failure caused by the environment is recomputed (as an older cavity stored it).
cp s.db e5.db
sqlite3 e5.db "update results set status='enomem', status_code=2, message='out of memory'
               where id = (select min(id) from results)"
"$CAV" $ARGS --store e5.db >e5.csv 2>e5.err; rc=$?
check "stored enomem recomputed: exit 0 (rc=$rc)" test $rc -eq 0
check "stored enomem recomputed: same table" cmp -s ref.csv e5.csv
check "row now ok" test "$(sqlite3 e5.db "select count(*) from results where status='ok'")" -eq 8

# 6. Tampered rows.
cp s.db t6.db
sqlite3 t6.db "update results set obs='{}' where id = (select min(id) from results);
               update results set obs='not json' where id = (select min(id) + 1 from results);
               update results set nrows=2000000000 where id = (select min(id) + 2 from results);
               update results set nrows=-3 where id = (select min(id) + 3 from results)"
"$CAV" $ARGS --store t6.db >t6.csv 2>t6.err; rc=$?
check "tampered rows: exit 0 (rc=$rc)" test $rc -eq 0
check "tampered rows: same table as the original" cmp -s ref.csv t6.csv
check "tampered rows reported" grep -q "t6.db: damaged row.*4 damaged row" t6.err
check "tampered rows repaired" test "$(sqlite3 t6.db "select count(*) from results where nrows=1 and obs like '{\"egen\":%'")" -eq 8
"$CAV" $ARGS --store t6.db >t6b.csv 2>t6b.err
check "then nothing to report" test ! -s t6b.err
finish
