#!/usr/bin/env bash
# The test command: installs what it needs, builds, runs every default suite.
#   scripts/test.sh            release build + ASan/UBSan build, all default suites,
#                              the Python package (installed into .venv) and its suite,
#                              the bounded fuzzing (clang, ASan/UBSan)
#   FRESHET_SLOW=1 scripts/test.sh   also the slow suites (marked "slow"), and the plain
#                              Release builds with GCC and with clang
#   FRESHET_SPARK=1 scripts/test.sh  also the Spark suite (tests/spark) on a throwaway
#                              standalone cluster, and the test of a Delta table written by
#                              Spark with Delta Lake (tests/e2e/test_delta_spark.py, on a
#                              cluster of the Spark in .venv-delta-spark); installs Java 17,
#                              pyspark and delta-spark first
# Suites run beside throwaway PostgreSQL and MinIO servers on loopback
# (scripts/with-postgres.sh, scripts/with-minio.sh; the first run builds MinIO).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[[ -z "${FRESHET_SPARK:-}" ]] || scripts/install-deps.sh --bench
fail=0

for flavour in release asan; do
  echo "== build ($flavour)"
  scripts/build.sh "$flavour"
  echo "== unit tests ($flavour)"
  scripts/with-postgres.sh scripts/with-minio.sh \
    bash -c "cd build/$flavour && ctest --output-on-failure -j2 --timeout 300" \
    || fail=1
done

# The end-to-end suites run under throwaway PostgreSQL and MinIO servers too,
# for the tests of pipelines whose metastore is PostgreSQL or whose stores are S3.
# Tests that set a crash or pause point run freshet-test, built beside freshet
# (tests/e2e/conftest.py); the others, and the check that freshet has no test
# seams, run freshet.
echo "== end-to-end tests (release binary)"
pytest_args=(-q tests/e2e)
[[ -n "${FRESHET_SLOW:-}" ]] || pytest_args+=(-m "not slow")
scripts/with-postgres.sh scripts/with-minio.sh env FRESHET_BIN="$PWD/build/release/freshet" \
  .venv/bin/python -m pytest "${pytest_args[@]}" || fail=1

# The Python package (pyproject.toml, python/), installed into .venv the way a
# user installs it, then its suite. Its build folder (build/python-*) is kept,
# so a second install recompiles only what changed; a fresh clone elsewhere
# still hits ccache (paths are hashed relative to the checkout).
echo "== Python package"
CMAKE_BUILD_PARALLEL_LEVEL="${FRESHET_JOBS:-2}" CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/freshet-ccache}" \
  CCACHE_BASEDIR="$PWD" .venv/bin/pip install -q --disable-pip-version-check --no-build-isolation . \
  || fail=1
scripts/with-postgres.sh scripts/with-minio.sh env FRESHET_BIN="$PWD/build/release/freshet" \
  .venv/bin/python -m pytest -q python/tests || fail=1

# The Spark suite, on demand: freshet-spark on a real standalone cluster (about
# 7 minutes on two cores), its store on MinIO and its metastore on PostgreSQL.
if [[ -n "${FRESHET_SPARK:-}" ]]; then
  echo "== Spark suite"
  scripts/with-minio.sh scripts/with-postgres.sh scripts/with-spark.sh \
    env FRESHET_BIN="$PWD/build/release/freshet" .venv/bin/python -m pytest -q tests/spark || fail=1
  # Delta Lake supports an older Spark than the suite's: its own virtualenv
  # and cluster (about 8 minutes on two cores; the first run also fetches
  # the Delta jars into .cache/ivy).
  echo "== Delta table written by Spark"
  FRESHET_SPARK_VENV=.venv-delta-spark scripts/with-spark.sh \
    env FRESHET_BIN="$PWD/build/release/freshet" .venv-delta-spark/bin/python -m pytest -q \
    tests/e2e/test_delta_spark.py || fail=1
fi

# Randomized fault scenarios against every invariant (on freshet-test); prints the summary
# (violations and docs lost must be 0) and the NAME:SEED replaying a failure.
echo "== fault-injection suite (release binary)"
scripts/fault-suite.sh "${FRESHET_FAULT_SCENARIOS:-200}" "${FRESHET_FAULT_SEED:-1}" || fail=1

echo "== end-to-end smoke tests (ASan/UBSan binary)"
scripts/with-postgres.sh scripts/with-minio.sh env FRESHET_BIN="$PWD/build/asan/freshet" \
  .venv/bin/python -m pytest -q tests/e2e -m "sanitizer_smoke" || fail=1

echo "== fuzzing the parsers (bounded)"
scripts/fuzz.sh "${FRESHET_FUZZ_SECONDS:-60}" || fail=1

# What a user builds: a plain Release configuration (warnings stay warnings,
# no tests), with both supported compilers. On demand: two more builds of
# everything, while the default suite already compiles every source with GCC
# (release, asan) and the engine's library with clang (fuzz), warnings as errors.
if [[ -n "${FRESHET_SLOW:-}" ]]; then
  for flavour in plain-gcc plain-clang; do
    echo "== build ($flavour)"
    scripts/build.sh "$flavour" || fail=1
  done
fi

exit $fail
