# Bad input: one line "cavity: ..." naming the parameter and its allowed range, exit 2, before
# any work, and the store untouched.
. "$(dirname "$0")/lib.sh"
expect_usage "unknown model lists models" "models: raf" theory nosuchmodel
expect_usage "unknown parameter" "unknown parameter 'beta'" theory raf --beta 1
expect_usage "out of range names range" "alpha = -1 is out of range" theory raf --alpha -1
expect_usage "eps above 1" "[0, 1]" theory raf --eps 1.5
expect_usage "NaN rejected" "finite" theory raf --lambda nan
expect_usage "malformed grid" "malformed grid" theory raf --alpha 1:2
expect_usage "malformed grid count" "n >= 1" theory raf --alpha 1:2:0
expect_usage "malformed list" "empty" theory raf --alpha 1,,2
expect_usage "unknown choice lists choices" "square, hinge, logistic" theory raf --loss squared
expect_usage "unknown choice in list" "linear, kernel, rf, bayes" theory raf --learner linear,nn
expect_usage "sim-only parameter in theory" "--d" theory raf --d 100
expect_usage "bad jobs" "--jobs" theory raf --jobs 0
expect_usage "bad format" "csv, json" theory raf --format xml
expect_usage "unwritable store" "nonexistent-dir" theory raf --store /nonexistent-dir/x.db
expect_usage "unsupported figure format" "unsupported format" compare raf --d 50 --seeds 1 -o fig.gif
expect_usage "unknown command" "unknown command" frobnicate
expect_usage "unknown option" "unknown parameter 'nope'" simulate raf --nope 3
expect_usage "seeds not integer" "--seeds" simulate raf --seeds 2.5
# The multi-index models: every range named, refused before any work.
expect_usage "rbm k out of range" "k = 4 is out of range" theory rbm --k 4
expect_usage "rbm r out of range" "r = 0 is out of range" simulate rbm --r 0
expect_usage "rbm negative ratio" "ratio = -0.5 is out of range" theory rbm --ratio -0.5
expect_usage "rbm negative lambda" "lambda = -1 is out of range" simulate rbm --lambda -1
expect_usage "rbm unknown method" "bo, pca, gd, amp" theory rbm --method svd
expect_usage "rbm gd needs k = r" "k = r" theory rbm --method gd --k 3 --r 2
expect_usage "attention layers not 2 or 3" "layers = 4 is out of range" theory attention --layers 4
expect_usage "attention M below 2" "M = 0 is out of range" theory attention --M 0
expect_usage "attention layers x M" "layers x M" theory attention --layers 3 --M 6
expect_usage "attention unknown method" "gamp, gd" simulate attention --method sgd
# No store was created by any of the above.
check "no store created by bad input" test ! -e cavity.db
# Foreign store: refused, exit 2, byte-identical.
head -c 4096 /dev/urandom >foreign.db
cp foreign.db foreign.orig
expect_usage "foreign store refused" "not a cavity store" theory raf --alpha 1 --store foreign.db
check "foreign store byte-identical" cmp -s foreign.db foreign.orig
check "no WAL left beside foreign store" test ! -e foreign.db-wal
# Help and list.
check "list shows raf" bash -c "'$CAV' list | grep -q '^raf'"
check "help raf lists parameters with ranges" bash -c "'$CAV' help raf | grep -q -- '--alpha'"
check "help raf lists choices" bash -c "'$CAV' help raf | grep -q 'square, hinge, logistic'"
check "help raf lists observables" bash -c "'$CAV' help raf | grep -q '^  egen'"
check "theory --help" bash -c "'$CAV' theory raf --help | grep -q -- '--store'"
check "simulate --help" bash -c "'$CAV' simulate --help | grep -q -- '--seeds'"
check "compare --help" bash -c "'$CAV' compare raf --help | grep -q -- '--theory-grid'"
check "plot --help" bash -c "'$CAV' plot --help | grep -q -- '--where'"
check "export --help" bash -c "'$CAV' export --help | grep -q -- '--format'"
finish
