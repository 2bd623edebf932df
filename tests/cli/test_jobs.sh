# --jobs 1 and --jobs 2 give identical tables (theory chains and simulation seeds), and a
# simulation sweep killed with SIGKILL and re-run ends with the uninterrupted table.
. "$(dirname "$0")/lib.sh"
T="theory raf --alpha 0.2:3:6 --lambda 0.01,0.1 --loss square,hinge --no-store"
"$CAV" $T --jobs 1 >t1.csv 2>/dev/null
"$CAV" $T --jobs 2 >t2.csv 2>/dev/null
check "theory jobs 1 == jobs 2" cmp -s t1.csv t2.csv
check "theory table has 24 rows" test "$(tail -n +2 t1.csv | wc -l)" -eq 24
S="simulate raf --alpha 0.5,1,2 --d 60 --seeds 3 --no-store"
"$CAV" $S --jobs 1 >s1.csv 2>/dev/null
"$CAV" $S --jobs 2 >s2.csv 2>/dev/null
check "simulation jobs 1 == jobs 2" cmp -s s1.csv s2.csv
check "simulation has se and seeds columns" bash -c "head -1 s1.csv | grep -q 'egen,egen_se,.*,seeds,status'"
# Kill a sweep halfway, re-run: same table as uninterrupted, one store row per (point, seed).
K="simulate raf --alpha 0.5:3:6 --lambda 0.01,0.1 --d 300 --seeds 4 --jobs 2"
"$CAV" $K --no-store >ref.csv 2>/dev/null
"$CAV" $K --store k.db >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 200); do
    n=$(sqlite3 k.db 'select count(*) from results' 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 5 ] && break
    sleep 0.02
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
n=$(sqlite3 k.db 'select count(*) from results')
echo "killed with $n of 48 rows stored"
check "killed part-way" test "$n" -lt 48
"$CAV" $K --store k.db >resumed.csv 2>/dev/null
check "resumed table == uninterrupted" cmp -s ref.csv resumed.csv
check "48 rows, no duplicates" test "$(sqlite3 k.db 'select count(*), count(distinct params||seed) from results')" = "48|48"
# A chain longer than the runner's segment (64 points) runs in parallel segments from seams:
# the table is the same for any number of workers, and a resume from a store with holes gives
# the same table again.
L="theory raf --loss logistic --alpha 0.1:4:200"
"$CAV" $L --jobs 1 --no-store >l1.csv 2>/dev/null
"$CAV" $L --jobs 3 --no-store >l3.csv 2>/dev/null
check "long chain: jobs 1 == jobs 3" cmp -s l1.csv l3.csv
"$CAV" $L --jobs 2 --store l.db >/dev/null 2>&1
sqlite3 l.db 'delete from results where id % 3 = 0'
"$CAV" $L --jobs 2 --store l.db >lr.csv 2>/dev/null
check "long chain: resumed with holes == uninterrupted" cmp -s l1.csv lr.csv
check "long chain: 200 rows" test "$(tail -n +2 l1.csv | wc -l)" -eq 200
finish
