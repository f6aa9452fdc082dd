#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build/fuzz and runs
# each for a bounded time on a seed corpus made at run time from the Parquet
# compatibility corpus (../shared/data/parquet-testing, if present) and from
# files freshet writes itself. Nothing is copied into the repository.
#   scripts/fuzz.sh [seconds]     (default 60: the reader gets 3/4, Thrift 1/4)
#   (the S3 response parsers get seconds/6 more, at least 5)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/freshet-ccache}
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFRESHET_FUZZ=ON -DFRESHET_SANITIZE=ON -DFRESHET_WERROR=ON >/dev/null
cmake --build build/fuzz -j "${FRESHET_JOBS:-2}" --target parquet_reader_fuzz parquet_thrift_fuzz engine_parsers_fuzz \
  s3_responses_fuzz parquet_dump

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

reader_time=$((seconds / 2))
thrift_time=$((seconds / 4))
engine_time=$((seconds - reader_time - thrift_time))
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
echo "== parquet_reader_fuzz for ${reader_time}s"
build/fuzz/tests/parquet_reader_fuzz -max_total_time="$reader_time" -max_len=1048576 -timeout=20 \
  -rss_limit_mb=2560 -malloc_limit_mb=1024 -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "$work/reader" 2>&1 | tail -n 15
echo "== parquet_thrift_fuzz for ${thrift_time}s"
build/fuzz/tests/parquet_thrift_fuzz -max_total_time="$thrift_time" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/thrift" 2>&1 \
  | tail -n 15
echo "== engine_parsers_fuzz (JSON Lines, config, manifest, query, segment, sort, address) for ${engine_time}s"
build/fuzz/tests/engine_parsers_fuzz -max_total_time="$engine_time" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/engine" 2>&1 \
  | tail -n 15
s3_time=$(( seconds / 6 > 5 ? seconds / 6 : 5 ))
echo "== s3_responses_fuzz (S3 XML, percent-encoding, s3:// URLs) for ${s3_time}s"
mkdir -p "$work/s3"
printf '\000<ListBucketResult><Contents><Key>a%%20b</Key><Size>1</Size><ETag>"e"</ETag></Contents><IsTruncated>false</IsTruncated></ListBucketResult>' \
  >"$work/s3/list"
printf '\004s3://bucket/prefix?endpoint=http://127.0.0.1:9000&addressing=virtual' >"$work/s3/url"
build/fuzz/tests/s3_responses_fuzz -max_total_time="$s3_time" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/s3" 2>&1 \
  | tail -n 15
if compgen -G "$work/artifacts/*" >/dev/null; then
  mkdir -p build/fuzz/crashes && cp "$work"/artifacts/* build/fuzz/crashes/
  echo "fuzz: failures saved in build/fuzz/crashes" >&2
  exit 1
fi
echo "fuzz: no failures"
