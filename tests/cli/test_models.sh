# Every registered model through the command line: `cavity help MODEL` renders (exit 0, every
# parameter and observable listed), and a parameter value just outside its range is refused with
# exit 2 and one line before any work. The library-level checks of every model are in
# tests/unit/models/test_registry.c.
. "$(dirname "$0")/lib.sh"
models=$("$CAV" list | awk 'NR > 0 && $1 !~ /:$/ {print $1}')
check "cavity list names models" test -n "$models"
for m in $models; do
    "$CAV" help "$m" >help.txt 2>err.txt
    check "help $m exits 0" test $? -eq 0
    check "help $m writes nothing on stderr" test ! -s err.txt
    check "help $m lists parameters and observables" grep -q '^observables:' help.txt
    for p in $(sed -n 's/^  --\([a-z0-9_]*\) .*/\1/p' help.txt); do
        range=$(grep "^  --$p " help.txt)
        case "$range" in
        *"one of: "*) expect_usage "$m --$p unknown choice" "$p" theory "$m" --"$p" no-such-value \
            --no-store ;;
        *) expect_usage "$m --$p not a number" "$p" theory "$m" --"$p" x1 --no-store ;;
        esac
    done
done
finish
