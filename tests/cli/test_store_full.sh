# A full disk: the store on small loop-mounted file systems (8 MiB ext4 with 1 KiB blocks, where the
# -shm file of the WAL index used to be a source of SIGBUS, ext2, tmpfs) filled to a few KiB.
# Every command must end with an error naming the store, never a signal; a sweep whose store
# fills up prints the points it computed (each identical to the uninterrupted table's line)
# before exiting 1; once space is freed, a re-run completes the table.
# Needs root and mount; otherwise skipped (the write failure itself is also covered without
# privileges by tests/unit/run/test_store_faults.c).
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v mkfs.ext4 >/dev/null; then
    echo "skipped: needs root and mkfs.ext4"; exit 0
fi
mkdir -p mnt
if ! mount -t tmpfs -o size=64k tmpfs mnt 2>/dev/null; then
    echo "skipped: cannot mount here"; exit 0
fi
umount mnt
cleanup() { mountpoint -q "$W/mnt" && umount "$W/mnt"; }
trap cleanup EXIT
ARGS="theory raf --alpha 0.1:5:150 --lambda 0.01,0.1 --jobs 2"
"$CAV" $ARGS --no-store >ref.csv 2>/dev/null
sigs=0
for cfg in ext4:1024:8 ext4:1024:60 ext4:1024:160 ext2:1024:40 tmpfs:0:100; do
    IFS=: read -r fs bs free <<<"$cfg"
    rm -f fs.img
    if [ "$fs" = tmpfs ]; then
        mount -t tmpfs -o size=16m tmpfs mnt
    else
        truncate -s 8M fs.img && mkfs."$fs" -q -b "$bs" fs.img && mount -o loop fs.img mnt
    fi || { echo "FAIL mount $cfg"; fails=$((fails + 1)); continue; }
    avail=$(df -k --output=avail mnt | tail -1)
    dd if=/dev/zero of=mnt/fill bs=1k count=$((avail - free)) 2>/dev/null
    S=mnt/s.db
    "$CAV" $ARGS --store $S >a.csv 2>a.err; rc=$?
    [ $rc -ge 128 ] && sigs=$((sigs + 1))
    check "$cfg: sweep fails with exit 1 (rc=$rc)" test $rc -eq 1
    check "$cfg: message names the store" grep -q "^cavity: store $S: .*\(full\|No space\)" a.err
    n=$(tail -n +2 a.csv | wc -l)
    echo "     $cfg: $n of 300 points printed"
    check "$cfg: computed points printed" test "$n" -ge 1
    check "$cfg: header printed" cmp -s <(head -1 a.csv) <(head -1 ref.csv)
    check "$cfg: each printed point equals the uninterrupted one" \
        test "$(tail -n +2 a.csv | grep -vxFf ref.csv | wc -l)" -eq 0
    for cmd in "$ARGS --store $S" "export $S" "simulate raf --alpha 0.5 --d 40 --seeds 2 --store $S"; do
        "$CAV" $cmd >o.txt 2>e.txt; rc=$?
        [ $rc -ge 128 ] && sigs=$((sigs + 1))
        check "$cfg: '${cmd%% *} ...' ends without a signal (rc=$rc)" test $rc -lt 128
        [ $rc -ne 0 ] && check "$cfg: ... and names the store" grep -q "store $S" e.txt
    done
    rm -f mnt/fill
    "$CAV" $ARGS --store $S >b.csv 2>b.err; rc=$?
    check "$cfg: space freed, the re-run completes the table (rc=$rc)" cmp -s ref.csv b.csv
    check "$cfg: store passes integrity_check" test "$(sqlite3 $S 'pragma integrity_check')" = ok
    umount mnt
done
check "no signal in any configuration ($sigs)" test $sigs -eq 0
# Under MPI: rank 0's write fails, every rank stops, the job exits 1 with the computed points.
if command -v mpirun >/dev/null && ldd "$CAV" | grep -qi libmpi; then
    rm -f fs.img && truncate -s 8M fs.img && mkfs.ext4 -q -b 1024 fs.img && mount -o loop fs.img mnt
    avail=$(df -k --output=avail mnt | tail -1)
    dd if=/dev/zero of=mnt/fill bs=1k count=$((avail - 60)) 2>/dev/null
    timeout -k 5 60 mpirun --allow-run-as-root --oversubscribe -n 2 "$CAV" $ARGS --jobs 1 \
        --store mnt/s.db >m.csv 2>m.err
    rc=$?
    check "mpi: exit 1, no hang (rc=$rc)" test $rc -eq 1
    check "mpi: message names the store" grep -q "^cavity: store mnt/s.db: write failed" m.err
    n=$(tail -n +2 m.csv | wc -l)
    check "mpi: $n computed points printed, each as uninterrupted" \
        test "$n" -ge 1 -a "$(tail -n +2 m.csv | grep -vxFf ref.csv | wc -l)" -eq 0
    umount mnt
fi
finish
