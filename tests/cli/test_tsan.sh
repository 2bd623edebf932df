# Multi-threaded sweeps of every model (theory chains and simulation seeds on 4 workers, with a
# store) for the ThreadSanitizer build (scripts/test.sh --tsan): any data race reported fails
# the test. In the other builds it checks that the same sweeps run and give the tables of one
# worker.
. "$(dirname "$0")/lib.sh"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
# The runner's threads are what is under test. OpenMP threads inside one computation are off:
# libgomp is not built with ThreadSanitizer, whose reports on its fork/join are false alarms.
export OMP_NUM_THREADS=1
models=$("$CAV" list | awk '{print $1}')
check "cavity list runs and names models" test -n "$models"
for m in $models; do
    small=""
    help=$("$CAV" help "$m")
    for kv in d=30 n=40 ntest=100 steps=5 ntraj=512; do
        k=${kv%%=*}
        echo "$help" | grep -q "^  --$k " && small="$small --$k ${kv#*=}"
    done
    x=$(echo "$help" | sed -n 's/^compare defaults: --x \([a-z_0-9]*\) .*/\1/p')
    grid=""
    # x swept when it is a parameter (not a per-row axis such as step or t)
    if [ -n "$x" ] && echo "$help" | grep -q "^  --$x "; then
        lo=$(echo "$help" | grep "^  --$x " | sed -n 's/.*default \([0-9.e+-]*\),.*/\1/p')
        grid="--$x $lo,$(awk "BEGIN {print $lo * 1.5}")"
    fi
    th=$(echo "$small" | sed 's/--d [0-9]*//; s/--n [0-9]*//; s/--ntest [0-9]*//')
    # theory refuses simulation-only parameters (steps is one in some models)
    echo "$help" | grep "^  --steps " | grep -q "simulation only" && th=$(echo "$th" | sed 's/--steps [0-9]*//')
    sim=$(echo "$small" | sed 's/--ntraj [0-9]*//')
    # shellcheck disable=SC2086
    "$CAV" theory "$m" $grid $th --jobs 4 --store t.db >t4.csv 2>err.txt
    rc=$?
    check "$m theory on 4 workers: ran, no race (rc $rc)" \
        bash -c "[ $rc -eq 0 -o $rc -eq 3 ] && ! grep -q 'ThreadSanitizer' err.txt"
    # a model with a theory only (autoencoder-flow) has no simulation to run
    echo "$help" | grep -q "^entry points:.*simulate" || continue
    # shellcheck disable=SC2086
    "$CAV" simulate "$m" $grid $sim --seeds 4 --jobs 4 --store t.db >s4.csv 2>err.txt
    rc=$?
    check "$m simulation on 4 workers: ran, no race (rc $rc)" \
        bash -c "[ $rc -eq 0 -o $rc -eq 3 ] && ! grep -q 'ThreadSanitizer' err.txt"
    # shellcheck disable=SC2086
    "$CAV" simulate "$m" $grid $sim --seeds 4 --jobs 1 --no-store >s1.csv 2>/dev/null
    check "$m simulation: 4 workers = 1 worker" cmp -s s4.csv s1.csv
done
finish
