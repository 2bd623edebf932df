# Bad input of the adversarial models: one line "cavity: ..." naming the parameter,
# exit 2, before any work; and a good point runs.
. "$(dirname "$0")/lib.sh"
expect_usage "negative eps" "eps = -1 is out of range" theory adversarial --eps -1
expect_usage "negative eps_train" "eps_train = -0.5 is out of range" theory adversarial --eps_train -0.5
expect_usage "unknown attack norm" "2, inf" theory adversarial --attack_norm 1
expect_usage "gamma zero" "gamma = 0 is out of range" theory adversarial-latent --gamma 0
expect_usage "gamma negative" "gamma = -1 is out of range" theory adversarial-latent --gamma -1
expect_usage "unknown loss" "logistic, hinge, square" theory adversarial --loss foo
check "square with eps_train (robust square loss)" "$CAV" theory adversarial --loss square --eps_train 0.1
check "good theory point" "$CAV" theory adversarial-latent --gamma 0.5 --eps_train 0.2
finish
