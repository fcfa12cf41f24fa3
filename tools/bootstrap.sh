#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks, then configures and builds
# sslpp. Usage: tools/bootstrap.sh [BUILD_DIR] [extra cmake arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build}
shift || true

packages=(cmake ninja-build g++ ccache libssl-dev libidn2-dev openssl libgtest-dev libgmock-dev googletest
          libbenchmark-dev nlohmann-json3-dev python3 gnutls-bin ca-certificates
          valgrind clang libclang-rt-14-dev libasio-dev libboost-dev pkg-config doxygen curl wget)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" -G Ninja -DSSLPP_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir"
