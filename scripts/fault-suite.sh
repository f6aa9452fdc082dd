#!/usr/bin/env bash
# The fault-injection suite (tests/faults/fault_suite.py) against the release
# build's freshet-test (the freshet binary with its test seams: crash and pause
# points, safeguard switches), beside throwaway PostgreSQL and MinIO servers:
#   scripts/fault-suite.sh [N [SEED]]     N randomized scenarios (default 200, seed 1)
#   scripts/fault-suite.sh --safeguards   each safeguard disabled in turn: the
#                                         scenario that catches it, as a table
# Other arguments go to fault_suite.py (--help). Prints scenarios run, faults
# injected, invariant violations, docs lost and the NAME:SEED replaying a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  args+=(--scenarios "$1")
  shift
  if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
    args+=(--seed "$1")
    shift
  fi
else
  args+=(--scenarios "${FRESHET_FAULT_SCENARIOS:-200}")
fi
[[ -x build/release/freshet && -x build/release/freshet-test ]] || scripts/build.sh release
exec scripts/with-postgres.sh scripts/with-minio.sh env FRESHET_BIN="$PWD/build/release/freshet" \
  .venv/bin/python tests/faults/fault_suite.py "${args[@]}" "$@"
