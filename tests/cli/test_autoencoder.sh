# The hidden-factor models `autoencoder` and `autoencoder-flow` at the command line: bad input
# (one line naming the parameter and its range, exit 2, before any work, no store written), the
# PCA closed form, the weak-recovery quantity and the time axis of the flow.
. "$(dirname "$0")/lib.sh"
expect_usage "autoencoder unknown activation" "linear, relu, tanh" theory autoencoder \
    --activation swish
expect_usage "autoencoder unknown latent law" "k1, k2, k3, indep, mix" simulate autoencoder \
    --latent k4
expect_usage "autoencoder beta_u < 0" "beta_u = -1 is out of range" theory autoencoder \
    --beta_u -1
expect_usage "autoencoder beta_v < 0" "beta_v = -0.5 is out of range" simulate autoencoder \
    --beta_v -0.5
expect_usage "autoencoder alpha = 0" "alpha = 0 is out of range" theory autoencoder --alpha 0
expect_usage "autoencoder alpha < 0" "alpha = -2 is out of range" simulate autoencoder --alpha -2
expect_usage "autoencoder mixture over 1" "delta = 0.8 outside [0, 1 - gamma" theory \
    autoencoder --latent mix --gamma 0.5 --delta 0.8
expect_usage "autoencoder no sample" "n = round(alpha d)" simulate autoencoder --alpha 0.01 --d 10
expect_usage "autoencoder pca with weight decay" "pca has no weight decay" theory autoencoder \
    --learner pca --lambda 0.1
expect_usage "autoencoder pca theory at k* = 1" "needs E[lam nu] = 0" theory autoencoder \
    --learner pca --latent k1
expect_usage "autoencoder sim-only in theory" "--epochs" theory autoencoder --epochs 10
expect_usage "autoencoder-flow dt = 0" "dt = 0 is out of range" theory autoencoder-flow --dt 0
expect_usage "autoencoder-flow unknown activation" "linear, relu" theory autoencoder-flow \
    --activation swish
expect_usage "autoencoder-flow compare needs a simulation" "lacks a simulation" compare \
    autoencoder-flow -o f.svg
expect_usage "autoencoder bo with weight decay" "bo has no weight decay" theory autoencoder \
    --learner bo --lambda 0.1
expect_usage "autoencoder bo without spike" "bo needs a spike" theory autoencoder --learner bo \
    --beta_u 0 --beta_v 0
expect_usage "autoencoder bo no sample" "n = round(alpha d)" simulate autoencoder --learner bo \
    --alpha 0.01 --d 10
expect_usage "threshold autoencoder beta_u < 0" "beta_u = -1 is out of range" threshold \
    autoencoder --beta_u -1
expect_usage "threshold autoencoder reads no alpha" "not a parameter" threshold autoencoder \
    --alpha 2
check "no store created by bad input" test ! -e cavity.db
# Bayes-optimal at independent latents: the u* problem is a spiked covariance and the overlap is
# the PCA cosine, theta_u^2 = 0.6 at alpha = 4 (docs); v* is not learned.
check "bo indep theta_u = sqrt(0.6)" bash -c \
    "'$CAV' theory autoencoder --learner bo --latent indep --alpha 4 --no-store | grep -q '^bo,relu,indep,0,0,1,2,4,0,0.77459666[0-9]*,0,'"
# BBP threshold of u* from the engine's stability at k* = 2, beta_u = 2: 1/beta_u^2 = 0.25.
check "threshold autoencoder: BBP" bash -c \
    "'$CAV' threshold autoencoder --beta_u 2 | grep -q '^k2,0,0,2,2,0.2500000[0-9]*,0.2500000[0-9]*,'"
# PCA closed form at alpha = 4, beta_u = 1: theta_u^2 = (1 - 1/4)/(1 + 1/4) = 0.6 (docs).
check "pca theta_u = sqrt(0.6)" bash -c \
    "'$CAV' theory autoencoder --learner pca --alpha 4 --no-store | grep -q '^pca,relu,k2,0,0,1,2,4,0,0.7745966692414834,0,'"
check "pca below BBP: theta_u = 0" bash -c \
    "'$CAV' theory autoencoder --learner pca --alpha 0.5 --no-store | grep -q ',0.5,0,0,0,'"
check "flow rows: steps + 1" bash -c \
    "test \$('$CAV' theory autoencoder-flow --steps 4 --no-store | wc -l) -eq 6"
check "recovery quantity finite" bash -c \
    "'$CAV' recovery autoencoder-flow --d 100 --steps 300 --dt 0.1 | grep -q ',ok'"
check "list shows autoencoder" bash -c "'$CAV' list | grep -q '^autoencoder '"
finish
