# Bad input of the adversarial models: one line "cavity: ..." naming the parameter,
# exit 2, before any work; and a good point runs.
. "$(dirname "$0")/lib.sh"
expect_usage "negative eps" "eps = -1 is out of range" theory adversarial --eps -1
expect_usage "negative eps_train" "eps_train = -0.5 is out of range" theory adversarial --eps_train -0.5
expect_usage "unknown attack norm" "2, inf" theory adversarial --attack_norm 1
expect_usage "gamma zero" "gamma = 0 is out of range" theory adversarial-latent --gamma 0
expect_usage "gamma negative" "gamma = -1 is out of range" theory adversarial-latent --gamma -1
expect_usage "unknown loss" "logistic, hinge, square" theory adversarial --loss foo
# training attacks: the norm (train_norm) and, in the latent model, the space (attack_space)
expect_usage "unknown train norm" "same, 2, inf" theory adversarial --train_norm 1
expect_usage "unknown attack space" "latent, features" theory adversarial-latent --attack_space x
expect_usage "unknown attack space (simulate)" "latent, features" simulate adversarial-latent --attack_space z --seeds 2
expect_usage "unknown norm among several" "2, inf" simulate adversarial --attack_norm 2,1 --seeds 2
expect_usage "attack_space is latent-model only" "unknown parameter 'attack_space'" theory adversarial --attack_space features
expect_usage "unknown train norm (compare)" "same, 2, inf" compare adversarial-latent --train_norm l1
# both new fields stay out of keys and tables at their defaults (same, latent): old stores resume
"$CAV" theory adversarial-latent --gamma 0.5 --store s.db >a.csv 2>/dev/null
"$CAV" theory adversarial-latent --gamma 0.5 --train_norm same --attack_space latent --store s.db >b.csv 2>/dev/null
check "defaults: same table, no column" cmp -s a.csv b.csv
check "defaults: same key, one row" test "$(sqlite3 s.db 'select count(*) from results')" -eq 1
check "defaults: the key of earlier versions" test \
    "$(sqlite3 s.db 'select params from results')" = \
    "alpha=1,gamma=0.5,eps_train=0,eps=1,attack_norm=2,loss=logistic,lambda=0.001,lambda_opt=none,reg_norm=2"
"$CAV" theory adversarial-latent --gamma 0.5 --eps_train 0.3 --attack_norm 2 --train_norm inf --attack_space features --store s.db >c.csv 2>/dev/null
check "new values: in the key" test "$(sqlite3 s.db "select count(*) from results where params like '%attack_norm=2,train_norm=inf,attack_space=features,%'")" -eq 1
check "new values: columns" grep -q '^alpha,gamma,eps_train,eps,attack_norm,train_norm,attack_space,loss,' c.csv
check "square with eps_train (robust square loss)" "$CAV" theory adversarial --loss square --eps_train 0.1
check "good theory point" "$CAV" theory adversarial-latent --gamma 0.5 --eps_train 0.2
finish
