# The typed model contract changed no result: every model's `compare` table (defaults, reduced
# simulation sizes) is byte-identical to the one the previous version printed, and a store that
# version wrote resumes without recomputing anything (tests/ref/compat/README.md).
# With CAVITY_COMPAT_FULL=1 (the slow test) the unreduced compare defaults are compared too.
REF=$(dirname "$(readlink -f "$0")")/../ref/compat
. "$(dirname "$0")/lib.sh"
# Drop the gamma column of the direct adversarial model's old tables (the parameter was unused
# and is gone).
drop_gamma() { python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
g = rows[0].index("gamma") if "gamma" in rows[0] else -1
w = csv.writer(sys.stdout, lineterminator="\n")
for r in rows: w.writerow(r[:g] + r[g + 1:] if g >= 0 else r)' "$1"; }
same_table() { # same_table DESCRIPTION REFERENCE NEW (the reference's gamma column dropped
    # when NEW is a table of the direct adversarial model)
    if head -1 "$3" | grep -q '^alpha,eps_train,'; then drop_gamma "$2" >ref.csv; else cp "$2" ref.csv; fi
    check "$1" cmp -s ref.csv "$3"
}
"$CAV" compare raf --d 100 --seeds 2 --no-store -o a.svg >raf.csv 2>/dev/null
same_table "raf compare unchanged" "$REF/raf.csv" raf.csv
"$CAV" compare adversarial --d 100 --ntest 500 --seeds 2 --no-store -o a.svg >adv.csv 2>/dev/null
same_table "adversarial compare unchanged" "$REF/adversarial.csv" adv.csv
"$CAV" compare adversarial-latent --d 100 --ntest 500 --seeds 2 --no-store -o a.svg >lat.csv 2>/dev/null
same_table "adversarial-latent compare unchanged" "$REF/adversarial-latent.csv" lat.csv
"$CAV" compare dmft-gd --d 200 --seeds 2 --no-store -o a.svg >dmft.csv 2>/dev/null
same_table "dmft-gd compare unchanged" "$REF/dmft-gd.csv" dmft.csv
"$CAV" compare amp-wigner --n 200 --seeds 2 --no-store -o a.svg >amp.csv 2>/dev/null
same_table "amp-wigner compare unchanged" "$REF/amp-wigner.csv" amp.csv

# The old store resumes: the same tables, no row added or recomputed.
cp "$REF/v1.db" v1.db
rows0=$(sqlite3 v1.db 'select count(*) from results')
ids0=$(sqlite3 v1.db 'select group_concat(id) from (select id from results order by id)')
i=0
while read -r args; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$CAV" $args --store v1.db >s$i.csv 2>/dev/null
    same_table "resumed run $i ($args)" "$REF/s$i.csv" s$i.csv
done <<'LIST'
theory raf --alpha 0.5,1 --learner linear,bayes
simulate raf --alpha 1 --d 60 --seeds 2 --learner linear,kernel
theory adversarial --alpha 0.5,1 --attack_norm 2,inf
simulate adversarial --alpha 1 --d 60 --ntest 200 --seeds 2
theory adversarial-latent --gamma 0.5,2
simulate adversarial-latent --gamma 0.5 --d 60 --ntest 200 --seeds 2
theory dmft-gd --loss square --steps 10
simulate dmft-gd --loss square --steps 10 --d 60 --seeds 2
theory amp-wigner --steps 5
simulate amp-wigner --steps 5 --n 60 --seeds 2
LIST
check "no row added" test "$(sqlite3 v1.db 'select count(*) from results')" -eq "$rows0"
check "no row recomputed (ids unchanged)" test \
    "$(sqlite3 v1.db 'select group_concat(id) from (select id from results order by id)')" = "$ids0"
check "retired gamma=1 gone from the adversarial keys" test \
    "$(sqlite3 v1.db "select count(*) from results where model='adversarial' and params like '%gamma=%'")" -eq 0

if [ "${CAVITY_COMPAT_FULL:-0}" = 1 ]; then
    for m in raf adversarial adversarial-latent dmft-gd amp-wigner; do
        "$CAV" compare $m --no-store -o a.svg >full_$m.csv 2>/dev/null
        same_table "$m compare defaults unchanged (full size)" "$REF/full/$m.csv" full_$m.csv
    done
fi
finish
