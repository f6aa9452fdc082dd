#!/usr/bin/env bash
# Installs what freshet needs to build and test on Debian 12, idempotently:
# Debian packages (only those missing; apt-get update only if one is), a
# project virtualenv (.venv) with the Python test tools, and the browser
# driver of the dashboard test (playwright-core, from npm into tests/browser;
# it drives Debian's chromium, no browser download).
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --build    build dependencies only
#   scripts/install-deps.sh --bench    also the benchmark peers' tools: Java 17 and Maven
#                                      (Lucene peer, Spark) and pyspark in .venv; not
#                                      needed by the default tests. The Tantivy peer needs cargo
#                                      (rustup's; tantivy needs Rust 1.88, Debian 12 has 1.63).
#                                      And a second virtualenv, .venv-delta-spark, with the
#                                      Spark a Delta Lake release supports (pyspark and
#                                      delta-spark, requirements-delta-spark.txt) for the
#                                      on-demand test of a table written by Spark; its jars
#                                      are resolved from Maven Central at its first run
#                                      and cached in .cache/ivy.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake ninja-build ccache pkg-config clang-format
  libfmt-dev libcli11-dev libtomlplusplus-dev libsimdjson-dev
  libxxhash-dev libzstd-dev libsqlite3-dev libpq-dev libgtest-dev libbenchmark-dev
  libsnappy-dev zlib1g-dev liblz4-dev libbrotli-dev clang libclang-rt-14-dev
  libcurl4-openssl-dev libssl-dev libcpp-httplib-dev libicu-dev)
test_pkgs=(python3 python3-venv postgresql chromium nodejs)
# Debian's nodejs comes without npm; another nodejs build may bundle it.
command -v npm >/dev/null 2>&1 || test_pkgs+=(npm)

bench_pkgs=(openjdk-17-jdk-headless maven)

want=("${build_pkgs[@]}")
[[ "${1:-}" == "--build" ]] || want+=("${test_pkgs[@]}")
[[ "${1:-}" == "--bench" ]] && want+=("${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[[ "${1:-}" == "--build" ]] && exit 0

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
stamp=.venv/.freshet-requirements
if [[ ! -f $stamp ]] || ! cmp -s requirements-test.txt "$stamp"; then
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-test.txt
  cp requirements-test.txt "$stamp"
fi

# playwright-core for tests/e2e/test_serve_dashboard.py, pinned by package-lock.json.
browser_stamp=tests/browser/node_modules/.freshet-lock
if [[ ! -f $browser_stamp ]] || ! cmp -s tests/browser/package-lock.json "$browser_stamp"; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
  cp tests/browser/package-lock.json "$browser_stamp"
fi

if [[ "${1:-}" == "--bench" ]]; then
  stamp=.venv/.freshet-bench-requirements
  if [[ ! -f $stamp ]] || ! cmp -s requirements-bench.txt "$stamp"; then
    .venv/bin/pip install -q --disable-pip-version-check -r requirements-bench.txt
    cp requirements-bench.txt "$stamp"
  fi
  [[ -x .venv-delta-spark/bin/python ]] || python3 -m venv .venv-delta-spark
  stamp=.venv-delta-spark/.freshet-requirements
  if [[ ! -f $stamp ]] || ! cmp -s requirements-delta-spark.txt "$stamp"; then
    .venv-delta-spark/bin/pip install -q --disable-pip-version-check -r requirements-delta-spark.txt
    cp requirements-delta-spark.txt "$stamp"
  fi
  command -v cargo >/dev/null || echo "cargo not found: bench/run_all.py will report the Tantivy peer as unavailable"
fi
