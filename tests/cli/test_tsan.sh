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
    help=$("$CAV" help "$m")
    th="" sim=""
    for kv in d=30 n=40 ntest=100 steps=5 ntraj=512 nsamples=200 iters=5; do
        k=${kv%%=*}
        line=$(echo "$help" | grep "^  --$k ")
        [ -n "$line" ] || continue
        # each run gets only the parameters its kind uses (a run refuses the other kind's)
        echo "$line" | grep -q "simulation only" || th="$th --$k ${kv#*=}"
        echo "$line" | grep -q "theory only" || sim="$sim --$k ${kv#*=}"
    done
    x=$(echo "$help" | sed -n 's/^compare defaults: --x \([a-z_0-9]*\) .*/\1/p')
    grid=""
    # x swept when it is a parameter (not a per-row axis such as step or t)
    if [ -n "$x" ] && echo "$help" | grep -q "^  --$x "; then
        lo=$(echo "$help" | grep "^  --$x " | sed -n 's/.*default \([0-9.e+-]*\),.*/\1/p')
        grid="--$x $lo,$(awk "BEGIN {print $lo * 1.5}")"
    fi
    # attention: the state evolution costs seconds per point above alpha ~ 0.65 (minutes under
    # the sanitizers); two points below it exercise the same threads
    [ "$m" = attention ] && grid="--alpha 0.25,0.375"
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
