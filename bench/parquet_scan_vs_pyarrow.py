#!/usr/bin/env python3
"""Parquet scan: freshet vs pyarrow on the same generated ads file.

Runs bench/parquet_scan_bench (which writes the file with a fixed seed and
times freshet's reader on projected columns), then times
pyarrow.parquet.read_table on the same file and columns, in the same run, and
prints both and the ratio. MB/s counts the uncompressed bytes of the projected
column chunks for both.

Note the work differs: freshet hands every row to a RowSink as freshet Values
(what the engine needs); pyarrow builds Arrow columns and stops there.

    .venv/bin/python bench/parquet_scan_vs_pyarrow.py [--rows N] [--iterations K]
        [--columns a,b] [--threads T]      (FRESHET_BIN_DIR, default build/release)
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--columns", default="ad_id,title,bid,updated_at")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    bin_dir = Path(os.environ.get("FRESHET_BIN_DIR", REPO / "build" / "release"))
    bench = bin_dir / "bench" / "parquet_scan_bench"
    if not bench.exists():
        sys.exit(f"{bench} not found: build first (scripts/build.sh release)")
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([str(bench), "--rows", str(args.rows), "--iterations", str(args.iterations),
                              "--columns", args.columns, "--threads", str(args.threads), "--dir", tmp,
                              "--keep"], check=True, capture_output=True, text=True).stdout
        print(out, end="")
        result = dict(kv.split("=", 1) for kv in out.strip().splitlines()[-1].split()[1:])
        path, columns = result["file"], args.columns.split(",")
        md = pq.ParquetFile(path).metadata
        names = [md.schema.column(i).name for i in range(md.num_columns)]
        projected = sum(md.row_group(g).column(names.index(c)).total_uncompressed_size
                        for g in range(md.num_row_groups) for c in columns)
        print(f"{'reader':<28}{'median s':>10}{'rows/s':>14}{'MB/s':>10}")
        fr_s = float(result["seconds"])
        print(f"{'freshet (rows to a sink)':<28}{fr_s:>10.4f}{args.rows / fr_s:>14,.0f}{projected / 1e6 / fr_s:>10.1f}")
        for threads in (True, False):
            times = []
            for _ in range(args.iterations):
                t0 = time.perf_counter()
                table = pq.read_table(path, columns=columns, use_threads=threads)
                times.append(time.perf_counter() - t0)
                assert table.num_rows == args.rows
            s = statistics.median(times)
            label = f"pyarrow read_table ({'threads' if threads else '1 thread'})"
            print(f"{label:<28}{s:>10.4f}{args.rows / s:>14,.0f}{projected / 1e6 / s:>10.1f}"
                  f"   freshet/pyarrow speed: {s / fr_s:.2f}x")


if __name__ == "__main__":
    main()
