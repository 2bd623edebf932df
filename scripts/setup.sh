#!/usr/bin/env bash
# Install the Debian packages cavity needs (as root, or with sudo) and build it into ./build.
# Usage: scripts/setup.sh            (idempotent; skips apt when everything is installed)
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="build-essential cmake pkg-config libopenblas-dev liblapacke-dev libgsl-dev libsqlite3-dev
      libcjson-dev libcmocka-dev gnuplot-nox libopenmpi-dev openmpi-bin python3 python3-numpy
      python3-sklearn sqlite3 openssh-client python3-pandas python3-matplotlib python3-pytest
      python3-venv python3-pip python3-setuptools python3-wheel"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "cavity setup: installing$missing" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${CAVITY_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$(nproc)" >&2
