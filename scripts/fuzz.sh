#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build/fuzz and runs
# each for a bounded time on a seed corpus made at run time from the Parquet
# compatibility corpus (../shared/data/parquet-testing, if present) and from
# files freshet writes itself. Nothing is copied into the repository.
#   scripts/fuzz.sh [seconds]     (default 60: the reader gets 1/2, Thrift 1/4, the
#                                  engine's parsers 1/4; the S3 parsers and the Delta log
#                                  reader seconds/6 more each, >= 5)
#   scripts/fuzz.sh --runs N      the long run: every target for N executions, no time limit
#                                  (the README's evidence uses N = 10000000)
#   ... --only T[,T]              only these targets (to run two at once on two cores)
# Each target prints libFuzzer's final statistics (executions, exec/s, peak RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=
only=
seconds=60
while (($#)); do
  case "$1" in
    --runs) runs=${2:?--runs needs a number of executions}; seconds=0; shift 2 ;;
    --only) only=,${2:?--only needs target names},; shift 2 ;;
    *) seconds=$1; shift ;;
  esac
done
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/freshet-ccache}
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFRESHET_FUZZ=ON -DFRESHET_SANITIZE=ON -DFRESHET_WERROR=ON >/dev/null
cmake --build build/fuzz -j "${FRESHET_JOBS:-2}" --target parquet_reader_fuzz parquet_thrift_fuzz engine_parsers_fuzz \
  s3_responses_fuzz delta_log_fuzz parquet_dump

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/reader" "$work/thrift" "$work/engine" "$work/artifacts"
# Seeds of the engine's parsers: selector byte, then the input.
printf '\x00{"id": "a", "title": "red shoe", "bid": 1.5, "tags": ["x", 2]}\n[1]\n{"id":\n' \
  > "$work/engine/jsonl"
printf '\x01[pipeline]\nname = "p"\noutput = "o"\n[source]\nurl = "s"\n[columns]\ndoc_id = "i"\ngroup_key = "g"\nversion = "v"\n' \
  > "$work/engine/toml"
printf '\x02{"format": 1, "pipeline": "p", "version": 2, "epoch": 1, "created_at": "2026-05-04T10:00:00Z", "base_cut": "2026-05-04T10:00:00Z", "base": [{"key": "segments/a.seg", "bytes": 1, "checksum": "00", "docs": 1, "groups": 1}]}' \
  > "$work/engine/manifest"
printf '\x03(red OR "blue shoe") AND -status:paused bid:[1 TO *] g_brand:acme' > "$work/engine/query"
printf '\x04\x10\x00\x00\x00\x41' > "$work/engine/segment"
# Chain records and manifests from the golden files: raw (selector 8, 2) and as
# bodies the target seals with a valid checksum (18, 12), so that mutations reach
# the members' parser. Then a partition layout and keys (9).
chain=tests/golden/chain-record/format-2.json
manifest=tests/golden/segment-v5/index/manifests/00000000000000000003-e2.json
{ printf '\x08'; cat "$chain"; } > "$work/engine/chain"
printf '\x12%s' "$(sed 's/,"checksum":"[0-9a-f]*"}$//' "$chain")" > "$work/engine/chain-body"
printf '\x0c%s\n' "$(sed '/^  "checksum": /,$d' "$manifest")" > "$work/engine/manifest-body"
# A supersession object from the golden files: raw (selector 15) and as a body
# the target seals with a valid checksum (25).
sup=$(ls tests/golden/supersession/supersessions/r1/*.sup | sort | tail -1)
{ printf '\x0f'; cat "$sup"; } > "$work/engine/supersession"
{ printf '\x19'; head -c -8 "$sup"; } > "$work/engine/supersession-body"
printf '\x09dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}\ndt=2026-05-04/hour=10/minute=05/part-0.jsonl\ndt=2026-13-04/hour=10/x\n' \
  > "$work/engine/layout"
testing=${FRESHET_PARQUET_TESTING:-../shared/data/parquet-testing}
if [[ -d $testing ]]; then
  find "$testing" -name '*.parquet' -size -1M -exec cp {} "$work/reader/" \;
else
  echo "note: $testing not found; seeding with freshet-written files only"
fi
# A few files of freshet's own writer.
printf '{"id": 1, "s": "a", "d": 1.5, "b": true}\n{"id": 2, "s": null, "d": null, "b": false}\n' \
  > "$work/in.jsonl"
for codec in none snappy zstd gzip; do
  build/fuzz/tests/parquet_dump write "$work/in.jsonl" "$work/reader/freshet-$codec.parquet" \
    --schema id:int64:required,s:string,d:double,b:bool --codec "$codec"
done
# Thrift seeds: the footers of the reader seeds.
python3 - "$work/reader" "$work/thrift" <<'PY'
import pathlib, struct, sys
src, dst = map(pathlib.Path, sys.argv[1:])
for p in src.iterdir():
    b = p.read_bytes()
    if len(b) >= 12 and b[-4:] == b"PAR1":
        n = struct.unpack("<I", b[-8:-4])[0]
        if n <= len(b) - 12:
            (dst / p.name).write_bytes(b[-8 - n:-8])
PY

# limit SECONDS: libFuzzer's stopping rule for one target.
limit() { if [[ -n $runs ]]; then echo "-runs=$runs"; else echo "-max_total_time=$1"; fi; }
budget() { if [[ -n $runs ]]; then echo "$runs executions"; else echo "${1}s"; fi; }
reader_time=$((seconds / 2))
thrift_time=$((seconds / 4))
engine_time=$((seconds - reader_time - thrift_time))
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
# fuzz TARGET SECONDS CORPUS [libFuzzer flags...]: runs one target; its whole
# report goes to build/fuzz/logs/TARGET.log, the summary to stdout. A failure
# is remembered and the next target still runs; the inputs that failed are
# kept in build/fuzz/crashes.
mkdir -p build/fuzz/logs
failed=()
wants() { [[ -z $only || $only == *",$1,"* ]]; }
fuzz() {
  local target=$1 time=$2 corpus=$3
  shift 3
  wants "$target" || return 0
  local log=build/fuzz/logs/$target.log
  if ! build/fuzz/tests/"$target" "$(limit "$time")" "$@" -artifact_prefix="$work/artifacts/" \
    -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    failed+=("$target")
    grep -E -A 30 '^==[0-9]+==ERROR|^SUMMARY|ALARM|deadly signal' "$log" | head -n 60 || true
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || tail -n 5 "$log"
}
if wants parquet_reader_fuzz; then echo "== parquet_reader_fuzz for $(budget "$reader_time")"; fi
fuzz parquet_reader_fuzz "$reader_time" "$work/reader" -max_len=1048576 -timeout=20 \
  -rss_limit_mb=2560 -malloc_limit_mb=1024
if wants parquet_thrift_fuzz; then echo "== parquet_thrift_fuzz for $(budget "$thrift_time")"; fi
fuzz parquet_thrift_fuzz "$thrift_time" "$work/thrift" -max_len=65536 -timeout=10 -rss_limit_mb=2048
if wants engine_parsers_fuzz; then echo "== engine_parsers_fuzz (JSON Lines, config, manifest, query, segment, sort, address, chain record, supersession object, partition layout) for $(budget "$engine_time")"; fi
fuzz engine_parsers_fuzz "$engine_time" "$work/engine" -max_len=65536 -timeout=10 -rss_limit_mb=2048
s3_time=$(( seconds / 6 > 5 ? seconds / 6 : 5 ))
if wants s3_responses_fuzz; then echo "== s3_responses_fuzz (S3 XML, percent-encoding, s3:// URLs) for $(budget "$s3_time")"; fi
mkdir -p "$work/s3"
printf '\000<ListBucketResult><Contents><Key>a%%20b</Key><Size>1</Size><ETag>"e"</ETag></Contents><IsTruncated>false</IsTruncated></ListBucketResult>' \
  >"$work/s3/list"
printf '\004s3://bucket/prefix?endpoint=http://127.0.0.1:9000&addressing=virtual' >"$work/s3/url"
fuzz s3_responses_fuzz "$s3_time" "$work/s3" -max_len=65536 -timeout=10 -rss_limit_mb=2048
if wants delta_log_fuzz; then echo "== delta_log_fuzz (Delta commits, logs, checkpoints) for $(budget "$s3_time")"; fi
mkdir -p "$work/delta"
# Seeds: the commits (selector 0), the whole log (1) and the checkpoint (2)
# of the Delta table that delta-rs wrote for the unit tests.
golden=tests/golden/delta/table/_delta_log
for f in "$golden"/*.json; do
  { printf '\000'; cat "$f"; } >"$work/delta/commit-$(basename "$f")"
done
{ printf '\001'; for f in "$golden"/*.json; do cat "$f"; printf '\n--\n'; done; } >"$work/delta/log"
{ printf '\002'; cat "$golden"/*.checkpoint.parquet; } >"$work/delta/checkpoint"
fuzz delta_log_fuzz "$s3_time" "$work/delta" -max_len=65536 -timeout=10 -rss_limit_mb=2048
if compgen -G "$work/artifacts/*" >/dev/null; then
  mkdir -p build/fuzz/crashes && cp "$work"/artifacts/* build/fuzz/crashes/
  echo "fuzz: failing inputs saved in build/fuzz/crashes" >&2
fi
if ((${#failed[@]})); then
  echo "fuzz: failures in ${failed[*]} (reports in build/fuzz/logs)" >&2
  exit 1
fi
echo "fuzz: no failures"
