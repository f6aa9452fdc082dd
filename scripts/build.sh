#!/usr/bin/env bash
# Configures and builds one flavour of freshet.
#   scripts/build.sh release   -> build/release (RelWithDebInfo, -Werror)
# Each flavour builds `freshet` and `freshet-test` (the same with its test
# seams, for the fault-injection suite) from one compile of the library.
#   scripts/build.sh asan      -> build/asan    (ASan + UBSan, -Werror)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRESHET_WERROR=ON) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DFRESHET_SANITIZE=ON -DCMAKE_CXX_FLAGS=-O1 -DFRESHET_WERROR=ON) ;;
  *) echo "unknown flavour '$flavour' (release, asan)" >&2; exit 2 ;;
esac
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/freshet-ccache}
cmake -S . -B "build/$flavour" -G Ninja "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "${FRESHET_JOBS:-2}"
