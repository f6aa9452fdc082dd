#!/usr/bin/env bash
# Configures and builds one flavour of freshet.
#   scripts/build.sh release   -> build/release (RelWithDebInfo, -Werror)
# Each flavour builds `freshet` and `freshet-test` (the same with its test
# seams, for the fault-injection suite) from one compile of the library.
#   scripts/build.sh asan      -> build/asan    (ASan + UBSan, -Werror)
#   scripts/build.sh plain-gcc -> build/plain-gcc, plain-clang -> build/plain-clang:
#     what a user's plain `cmake -DCMAKE_BUILD_TYPE=Release` builds (no -Werror,
#     no tests, no benchmarks), with each compiler
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRESHET_WERROR=ON) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DFRESHET_SANITIZE=ON -DCMAKE_CXX_FLAGS=-O1 -DFRESHET_WERROR=ON) ;;
  plain-gcc | plain-clang)
    compiler=${flavour#plain-}
    [[ $compiler == gcc ]] && cxx=g++ || cxx=clang++
    args=(-DCMAKE_BUILD_TYPE=Release -DFRESHET_BUILD_TESTS=OFF -DFRESHET_BUILD_BENCHMARKS=OFF
          -DCMAKE_C_COMPILER="$compiler" -DCMAKE_CXX_COMPILER="$cxx") ;;
  *) echo "unknown flavour '$flavour' (release, asan, plain-gcc, plain-clang)" >&2; exit 2 ;;
esac
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/freshet-ccache}
cmake -S . -B "build/$flavour" -G Ninja "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "${FRESHET_JOBS:-2}"
