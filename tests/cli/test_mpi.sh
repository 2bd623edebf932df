# MPI: 2 ranks give the same table and the same stored rows as a serial run (only when the
# binary was built with MPI and mpirun exists; otherwise the test passes vacuously). A failure
# on rank 0 alone (store missing, foreign, damaged, refused name) reaches every rank: the job
# ends with rank 0's exit code and message instead of hanging in a broadcast (it used to).
. "$(dirname "$0")/lib.sh"
if ! command -v mpirun >/dev/null || ! ldd "$CAV" | grep -qi libmpi; then
    echo "skipped: no MPI"; exit 0
fi
A="theory raf --alpha 0.2:3:5 --lambda 0.01,0.1"
"$CAV" $A --store serial.db >serial.csv 2>/dev/null
timeout 100 mpirun --allow-run-as-root --oversubscribe -n 2 "$CAV" $A --store mpi.db >mpi.csv 2>mpi.err
check "mpi table == serial" cmp -s serial.csv mpi.csv
q='select kind, params, seed, obs, status, iterations from results order by params, seed'
check "mpi stored rows == serial" test "$(sqlite3 serial.db "$q")" = "$(sqlite3 mpi.db "$q")"
S="simulate raf --alpha 0.5,1 --d 60 --seeds 3"
"$CAV" $S --no-store >s1.csv 2>/dev/null
timeout 100 mpirun --allow-run-as-root --oversubscribe -n 2 "$CAV" $S --no-store >s2.csv 2>/dev/null
check "mpi simulation == serial" cmp -s s1.csv s2.csv
# Rank 0 fails before the run: exit 2 with its message, on 2 and 3 ranks, well before the timeout.
MPI="timeout -k 5 30 mpirun --allow-run-as-root --oversubscribe"
mpi_refused() { # mpi_refused DESCRIPTION NEEDLE NRANKS ARGS...
    local d=$1 needle=$2 n=$3; shift 3
    $MPI -n "$n" "$CAV" "$@" >o.txt 2>e.txt
    local rc=$?
    if [ $rc -eq 2 ] && grep -q "^cavity: .*$needle" e.txt && [ ! -s o.txt ]; then
        echo "ok   $d (rc=$rc): $(grep '^cavity: ' e.txt)"
    else
        echo "FAIL $d (rc=$rc; 124 is a hang): $(head -3 e.txt)"; fails=$((fails + 1))
    fi
}
mpi_refused "missing directory, 2 ranks" "store /nonexistent/x.db" 2 theory raf --store /nonexistent/x.db
mpi_refused "missing directory, 3 ranks" "store /nonexistent/x.db" 3 theory raf --store /nonexistent/x.db
sqlite3 foreign.db 'create table t(a); insert into t values(1)'
cp foreign.db foreign.orig
mpi_refused "foreign store" "not a cavity store" 2 simulate raf --alpha 0.5 --d 20 --store foreign.db
check "foreign store byte-identical" cmp -s foreign.db foreign.orig
cp mpi.db dmg.db
sqlite3 dmg.db 'pragma journal_mode=delete' >/dev/null
printf 'garbage%.0s' $(seq 1 500) | dd of=dmg.db bs=1 seek=8200 conv=notrunc 2>/dev/null
mpi_refused "damaged store" "damaged" 2 compare raf --store dmg.db
mpi_refused "empty store name" "no-store" 2 theory raf --alpha 0.5 --store ''
finish
