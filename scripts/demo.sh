#!/usr/bin/env bash
# The demo on the embedded defaults (local folder + SQLite): installs what it
# needs, builds, generates the tiny workload, builds a base, runs an hour of
# batches in accelerated time (300x) and queries the result. The data is dated
# from the current time, so that `freshet serve -c DEMO_DIR/pipeline.toml`
# afterwards shows a lag of minutes.
#   scripts/demo.sh [DEMO_DIR]     (default: ./demo, recreated)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build
scripts/build.sh release >/dev/null
bin=$PWD/build/release/freshet
dir=${1:-demo}
rm -rf "$dir"
mkdir -p "$dir"
# The data starts 70 minutes before now, on a partition boundary (5 minutes):
# the simulated hour of batches below ends about now, so the lag that status
# and the dashboard of `freshet serve` show is minutes, not months.
period_s=300
start_s=$(( $(date -u +%s) / period_s * period_s - 70 * 60 ))
start=$(date -u -d "@$start_s" +%Y-%m-%dT%H:%M:%SZ)

echo "== generating the tiny workload (12 partitions of 5 minutes, with late files and missing markers)"
"$bin" gen --workload tiny --format jsonl --out "$dir/data" --seed 42 --start "$start" --partitions 12 \
  --late-files 0.2 --missing-markers 0.2 --malformed 0.002
cp examples/ads-pipeline.toml "$dir/pipeline.toml"

echo "== building the base generation from the snapshot"
"$bin" build-full --config "$dir/pipeline.toml" --clock "fixed:$start"

echo "== running batches: one simulated hour at 300x (a batch every simulated minute)"
"$bin" run --config "$dir/pipeline.toml" --clock "sim:$start:300" --max-uptime 70m

echo "== status"
"$bin" status --config "$dir/pipeline.toml" --batches 5

echo "== query: shoes AND status:active"
"$bin" query --config "$dir/pipeline.toml" 'shoes AND status:active' --limit 3
echo "== query: bid:[2 TO *] -status:paused"
"$bin" query --config "$dir/pipeline.toml" 'bid:[2 TO *] -status:paused' --limit 3
