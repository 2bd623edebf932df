#!/usr/bin/env bash
# Build and run the test suite (everything but the tests labelled "slow").
#   scripts/test.sh              release build in ./build, all fast tests
#   scripts/test.sh --sanitize   ASan+UBSan build in ./build-asan: unit and CLI tests
#                                (the CLI fuzz test included), leak detection on
#   scripts/test.sh --tsan       ThreadSanitizer build in ./build-tsan: multi-threaded sweeps of
#                                every model (the test labelled tsan)
#   scripts/test.sh --slow       also the slow statistical tests (takes long)
# CAVITY_WERROR=ON turns warnings into errors (CI does this).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
jobs="$(nproc)"
case "$mode" in
  --sanitize)
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCAVITY_SANITIZE=ON -DCAVITY_MPI=OFF \
      -DCAVITY_WERROR="${CAVITY_WERROR:-OFF}" >/dev/null
    cmake --build build-asan -j"$jobs"
    ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan -LE 'slow|models|compat' --output-on-failure -j"$jobs"
    ;;
  --tsan)
    cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAVITY_TSAN=ON -DCAVITY_MPI=OFF \
      -DCAVITY_TESTS=ON -DCAVITY_WERROR="${CAVITY_WERROR:-OFF}" >/dev/null
    cmake --build build-tsan -j"$jobs" --target cavity_cli
    ctest --test-dir build-tsan -L tsan --output-on-failure
    ;;
  --slow)
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCAVITY_WERROR="${CAVITY_WERROR:-OFF}" >/dev/null
    cmake --build build -j"$jobs"
    ctest --test-dir build --output-on-failure
    ;;
  "")
    scripts/setup.sh
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCAVITY_WERROR="${CAVITY_WERROR:-OFF}" >/dev/null
    cmake --build build -j"$jobs"
    ctest --test-dir build -LE slow --output-on-failure -j"$jobs"
    ;;
  *) echo "usage: scripts/test.sh [--sanitize|--tsan|--slow]" >&2; exit 2 ;;
esac
