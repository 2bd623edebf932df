# Shared helpers of the CLI tests: $CAV is the binary, $W a fresh scratch directory.
set -u
CAV=$(readlink -f "$1")
W=$2
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
fails=0
check() { # check DESCRIPTION COMMAND...: the command must succeed
    local d=$1; shift
    if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fails=$((fails + 1)); fi
}
# expect_usage DESCRIPTION NEEDLE ARGS...: exit 2, exactly one stderr line "cavity: ..." with NEEDLE
expect_usage() {
    local d=$1 needle=$2; shift 2
    "$CAV" "$@" >out.txt 2>err.txt
    local rc=$? n
    n=$(wc -l <err.txt)
    if [ $rc -eq 2 ] && [ "$n" -eq 1 ] && grep -q '^cavity: ' err.txt && grep -qF -- "$needle" err.txt \
        && [ ! -s out.txt ]; then
        echo "ok   $d: $(cat err.txt)"
    else
        echo "FAIL $d (rc=$rc, $n lines): $(cat err.txt)"; fails=$((fails + 1))
    fi
}
finish() { [ $fails -eq 0 ] && echo "all passed" && exit 0; echo "$fails failed"; exit 1; }
