# Issue 5 from the command line: `cavity theory|compare dmft-gd|amp-wigner` (time-axis models:
# one row per step). References: the documented columns (src/models/dmft_gd.c, amp_wigner.c);
# the square-loss GD stability bound eta < 2/((1+sqrt alpha)^2 + lambda) = 0.343 at alpha 2,
# lambda 0 (top of the Marchenko-Pastur edge; docs/dmft.md).
. "$(dirname "$0")/lib.sh"
"$CAV" theory dmft-gd --steps 20 --ntraj 4096 --no-store >gd.csv 2>err.txt
check "theory dmft-gd exits 0" test $? -eq 0
check "dmft-gd: header + 21 rows (steps 0..20)" test "$(wc -l <gd.csv)" -eq 22
check "dmft-gd: documented columns" bash -c \
    "head -1 gd.csv | grep -q ',step,time,train_loss,test_error,m,q,train_loss_mc,test_error_mc,m_mc,q_mc,status,'"
check "dmft-gd: steps 0..20 in order" awk -F, -v OFS=, \
    'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "step") c = i } NR > 1 { if ($c != NR - 2) bad = 1 } END { exit bad || !c }' gd.csv
check "dmft-gd: every row ok and finite" bash -c "tail -n +2 gd.csv | grep -v nan | grep -c ',ok,' | grep -qx 21"
"$CAV" theory amp-wigner --snr 1.5 --steps 50 --no-store >amp.csv 2>err.txt
check "theory amp-wigner exits 0" test $? -eq 0
check "amp-wigner: columns step, overlap, mse" bash -c "head -1 amp.csv | grep -q ',step,overlap,mse,'"
check "amp-wigner: header + 51 rows" test "$(wc -l <amp.csv)" -eq 52
# compare: x is the time axis (an output column), theory and simulation at the model's parameters
"$CAV" compare dmft-gd --alpha 2 --steps 8 --d 200 --seeds 2 --ntraj 2048 --no-store -o gd.svg \
    >cmp.csv 2>err.txt
check "compare dmft-gd exits 0" test $? -eq 0
check "compare dmft-gd writes an SVG" bash -c "grep -q '<svg' gd.svg && grep -q '</svg>' gd.svg"
check "compare dmft-gd has theory and simulation rows" bash -c \
    "grep -q ',theory,' cmp.csv && grep -q ',simulation,' cmp.csv"
"$CAV" compare amp-wigner --steps 10 --n 300 --seeds 2 --no-store -o amp.svg >/dev/null 2>err.txt
check "compare amp-wigner writes an SVG" bash -c "grep -q '</svg>' amp.svg"
expect_usage "compare: grid of an output-column x" "not a parameter" \
    compare dmft-gd --theory-grid 1:2:2 --no-store -o x.svg
expect_usage "compare: unknown x" "neither a parameter nor an output column" \
    compare dmft-gd --x nothing --no-store -o x.svg
# unstable step: a status and exit 1 (computation failed), rows finite until the blow-up
"$CAV" theory dmft-gd --loss square --alpha 2 --lambda 0 --eta 0.5 --steps 30 --no-store \
    >un.csv 2>err.txt
check "unstable eta exits 1" test $? -eq 1
check "unstable eta: status diverged on the rows" bash -c "tail -1 un.csv | grep -q ',diverged,'"
check "unstable eta: message names the bound" grep -q "stability bound" err.txt
check "unstable eta: train_loss..q finite before the blow-up (steps 0..18)" bash -c \
    "head -1 un.csv | cut -d, -f14-17 | grep -qx 'train_loss,test_error,m,q' && ! sed -n 2,20p un.csv | cut -d, -f14-17 | grep -q nan"
expect_usage "bad eta" "eta = -1 is out of range" theory dmft-gd --eta -1 --no-store
expect_usage "bad batch" "batch = 2 is out of range" theory dmft-gd --batch 2 --no-store
expect_usage "bad start" "q0 > m0^2" theory dmft-gd --m0 0.5 --q0 0.1 --no-store
expect_usage "bad snr" "snr = -1 is out of range" theory amp-wigner --snr -1 --no-store
finish
