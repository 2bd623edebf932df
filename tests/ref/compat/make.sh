#!/bin/bash
C=${1:?usage: make.sh CAVITY_BINARY}
cd "$(dirname "$0")"
$C compare raf --d 100 --seeds 2 --no-store -o /tmp/raf.svg > raf.csv 2>/dev/null
$C compare adversarial --d 100 --ntest 500 --seeds 2 --no-store -o /tmp/a.svg > adversarial.csv 2>/dev/null
$C compare adversarial-latent --d 100 --ntest 500 --seeds 2 --no-store -o /tmp/b.svg > adversarial-latent.csv 2>/dev/null
$C compare dmft-gd --d 200 --seeds 2 --no-store -o /tmp/c.svg > dmft-gd.csv 2>/dev/null
$C compare amp-wigner --n 200 --seeds 2 --no-store -o /tmp/d.svg > amp-wigner.csv 2>/dev/null
# A store written by this version, for the resume test.
rm -f v1.db
$C theory raf --alpha 0.5,1 --learner linear,bayes --store v1.db > s1.csv 2>/dev/null
$C simulate raf --alpha 1 --d 60 --seeds 2 --learner linear,kernel --store v1.db > s2.csv 2>/dev/null
$C theory adversarial --alpha 0.5,1 --attack_norm 2,inf --store v1.db > s3.csv 2>/dev/null
$C simulate adversarial --alpha 1 --d 60 --ntest 200 --seeds 2 --store v1.db > s4.csv 2>/dev/null
$C theory adversarial-latent --gamma 0.5,2 --store v1.db > s5.csv 2>/dev/null
$C simulate adversarial-latent --gamma 0.5 --d 60 --ntest 200 --seeds 2 --store v1.db > s6.csv 2>/dev/null
$C theory dmft-gd --loss square --steps 10 --store v1.db > s7.csv 2>/dev/null
$C simulate dmft-gd --loss square --steps 10 --d 60 --seeds 2 --store v1.db > s8.csv 2>/dev/null
$C theory amp-wigner --steps 5 --store v1.db > s9.csv 2>/dev/null
$C simulate amp-wigner --steps 5 --n 60 --seeds 2 --store v1.db > s10.csv 2>/dev/null
sqlite3 v1.db 'pragma wal_checkpoint(truncate); pragma journal_mode=delete;' >/dev/null
echo done
# Full-size compare tables for the slow test.
for m in raf adversarial adversarial-latent dmft-gd amp-wigner; do
  $C compare $m --no-store -o /tmp/$m.svg > full/$m.csv 2>/dev/null
done
