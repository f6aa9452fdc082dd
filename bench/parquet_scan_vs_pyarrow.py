#!/usr/bin/env python3
"""Parquet read phase (or scan): freshet vs pyarrow on the same generated ads file.

For a file of one row group and a file of many row groups, and for each
thread count, runs bench/parquet_scan_bench (which writes the file with a
fixed seed and times freshet), then times pyarrow.parquet.read_table on the
same file and columns with the same number of threads, in the same run, and
prints both and the ratio, of the medians and of the best runs (on a
shared machine the best runs say more). MB/s counts the uncompressed bytes
of the projected column chunks for both.

--phase read (default) times the pipeline's whole read phase: reading the
file into keyed records and reducing them to the newest per ad_id
(ReadKeyedFile + ReduceNewest, as a batch or build-full does); freeing the
result is printed apart ("teardown"). --phase scan times the reader alone
handing rows to a sink. pyarrow builds Arrow columns and stops there in
both cases.

    .venv/bin/python bench/parquet_scan_vs_pyarrow.py [--rows N] [--iterations K]
        [--columns a,b] [--threads 1,2] [--many-row-group-rows R] [--phase read|scan]
        (FRESHET_BIN_DIR, default build/release)
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]


def time_pyarrow(path, columns, threads, iterations, rows):
    pa.set_cpu_count(threads)
    pa.set_io_thread_count(threads)
    times, cpu = [], []
    for _ in range(iterations):
        c0 = time.process_time()
        t0 = time.perf_counter()
        table = pq.read_table(path, columns=columns, use_threads=threads > 1)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert table.num_rows == rows
        del table
    return statistics.median(times), min(times), statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--columns", default="ad_id,item_id,title,bid,updated_at")
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    ap.add_argument("--many-row-group-rows", type=int, default=65536,
                    help="rows per row group of the many-row-group file")
    ap.add_argument("--phase", choices=("read", "scan"), default="read")
    args = ap.parse_args()
    bin_dir = Path(os.environ.get("FRESHET_BIN_DIR", REPO / "build" / "release"))
    bench = bin_dir / "bench" / "parquet_scan_bench"
    if not bench.exists():
        sys.exit(f"{bench} not found: build first (scripts/build.sh release)")
    columns = args.columns.split(",")
    label = "read + reduce" if args.phase == "read" else "rows to a sink"
    rows_out = []
    for layout, group_rows in (("1 row group", args.rows), ("many row groups", args.many_row_group_rows)):
        for threads in (int(t) for t in args.threads.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                out = subprocess.run(
                    [str(bench), "--rows", str(args.rows), "--iterations", str(args.iterations),
                     "--columns", args.columns, "--threads", str(threads), "--row-group-rows",
                     str(group_rows), "--phase", args.phase, "--dir", tmp, "--keep"],
                    check=True, capture_output=True, text=True).stdout
                print(out, end="")
                result = dict(kv.split("=", 1) for kv in out.strip().splitlines()[-1].split()[1:])
                path = result["file"]
                md = pq.ParquetFile(path).metadata
                names = [md.schema.column(i).name for i in range(md.num_columns)]
                projected = sum(md.row_group(g).column(names.index(c)).total_uncompressed_size
                                for g in range(md.num_row_groups) for c in columns)
                fr_s, fr_best = float(result["seconds"]), float(result["best_seconds"])
                pa_s, pa_best, pa_cpu = time_pyarrow(path, columns, threads, args.iterations,
                                                     args.rows)
                fr_cpu = float(result.get("cpu_seconds", "nan"))
                rows_out.append((f"{layout} ({md.num_row_groups})", threads, fr_s, fr_best,
                                 float(result.get("teardown_seconds", 0)), pa_s, pa_best, projected,
                                 fr_cpu, pa_cpu))
    print()
    print(f"{args.rows} rows, columns {args.columns}; freshet: {label}")
    print("seconds: median (best) of the runs; teardown: freeing freshet's result, not included;")
    print("CPU s: median CPU time of all the process's threads (freshet: read phase only)")
    print(f"{'file':<24}{'threads':>8}{'freshet s':>18}{'teardown s':>12}{'pyarrow s':>18}"
          f"{'freshet MB/s':>14}{'freshet/pyarrow':>20}{'CPU s freshet':>15}{'pyarrow':>9}")
    for (layout, threads, fr_s, fr_best, teardown, pa_s, pa_best, projected, fr_cpu,
         pa_cpu) in rows_out:
        print(f"{layout:<24}{threads:>8}{fr_s:>10.4f} ({fr_best:.4f}){teardown:>12.4f}"
              f"{pa_s:>10.4f} ({pa_best:.4f}){projected / 1e6 / fr_s:>14.1f}"
              f"{fr_s / pa_s:>12.2f}x ({fr_best / pa_best:.2f}x){fr_cpu:>15.4f}{pa_cpu:>9.4f}")


if __name__ == "__main__":
    main()
