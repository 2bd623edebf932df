# MPI: 2 ranks give the same table and the same stored rows as a serial run (only when the
# binary was built with MPI and mpirun exists; otherwise the test passes vacuously).
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
finish
