#!/usr/bin/env python3
"""freshet's own pipeline figures on a reference workload, with a fixed seed.

Generates the workload (default ads-1m: 1 M ads, 100 k items, 60 partitions
of 5 minutes plus one more per steady batch), builds the base, then measures:
  - base build: wall time, docs/s, bytes per doc, peak RSS;
  - cold window rebuild: the first batch over the 60-partition window;
  - steady state: a batch after one new partition arrives (window of 61,
    earlier files served from the cache), repeated --steady times in one
    runner process (the loop of `freshet run`);
  - restart (--restart): after the steady batches, a new `freshet run --once`
    process for the next partition (generated, then held back from the
    steady runner, which cannot run ahead of it under load), as after a
    restart or a takeover: its wall time (process start, lease, the
    committed generation opened cold, the files added since its chain
    record read, a layer added over it) beside the steady median, and the
    ratio (the target is at most 2);
  - compaction (--compact, instead of the steady, restart and growth
    figures): after the cold window rebuild (the whole window as the
    runner's first batch builds it: one delta layer), `freshet compact`
    folds base + delta into a new base; its wall time and peak RSS beside
    the base build's, the delta's size (docs, bytes, layers), the new base's
    segments and the ratio compaction / base build (issue 15's target: at
    most 0.5 at ads-1m); with --memory-budget SIZE, the compaction alone
    runs under pipeline.memory_budget = SIZE (writing each shard in parts);
  - memory budget (--memory-budget SIZE, instead of the later figures): the
    base build again under `pipeline.memory_budget = SIZE` (spilling to a
    folder in the work folder): its wall time, docs/s and peak RSS beside
    the unbounded build's, and the ratio (issue 15's targets: ads-1m under
    256MiB within 1.3x; ads-10m under 1GiB at most 2 GiB peak RSS, at 80 %
    of ads-1m's docs/s: --workload ads-10m --skip-unbounded, which builds
    only under the budget, as the unbounded build needs about 20 GiB);
  - window growth (--growth 1,5,15,30,60): the cost of a steady batch whose
    window holds W partitions (a runner whose first batch covers W-1
    partitions, then the measured batch with one new partition; W=1 is a
    first batch over one partition);
and prints each phase (list, read, build, publish, commit) from the batch log.
bench/run_all.py uses the same functions and writes the figures to a table.

    bench/pipeline_bench.py [--workload ads-1m|tiny] [--scale F] [--dir DIR] [--keep]
                            [--restart] [--growth 1,5,15,30,60] [--compact [--memory-budget SIZE]]
                            [--memory-budget SIZE [--skip-unbounded]]
"""
import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START = "2026-05-04T10:00:00Z"
PERIOD_S = 300
SEED = 42
WINDOW = {"ads-1m": 60, "ads-10m": 12, "tiny": 12}


def ts(seconds):
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def percentile(values, q):
    """The q-quantile (0..1) of `values`, nearest rank."""
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def start_seconds():
    return int(dt.datetime.fromisoformat(START.replace("Z", "+00:00")).timestamp())


def _sample_tree(pid, hwm):
    """Updates hwm[p] with the peak resident KiB (VmHWM) of pid and each of
    its descendants; returns the sum of their current resident KiB (VmRSS)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    todo, rss = [pid], 0
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm[p] = max(hwm.get(p, 0), int(line.split()[1]))
                    elif line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return rss


class Measured:
    """A finished command: seconds, peak RSS (MiB), stdout, stderr, exit code."""

    def __init__(self, seconds, peak_rss_mib, stdout, stderr, returncode):
        self.seconds, self.peak_rss_mib = seconds, peak_rss_mib
        self.stdout, self.stderr, self.returncode = stdout, stderr, returncode


def measure(cmd, cwd=None, env=None, timeout=None):
    """Runs cmd. Its peak RSS: for one process, its peak resident size
    (VmHWM); for a tree of processes (a JVM and Python workers started by
    Python, say), the largest sum of their resident sizes seen in the samples
    taken every 50 ms while it runs (adding up each one's peak would count
    pages that forked workers share many times). The kernel's ru_maxrss is no
    use here: a child forked from this Python process starts with its peak."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        hwm, tree_peak = {}, 0
        deadline = None if timeout is None else time.time() + timeout
        while True:
            # Sample while the process exists (a zombie's /proc entry has no VmHWM).
            tree_peak = max(tree_peak, _sample_tree(p.pid, hwm))
            pid, status = os.waitpid(p.pid, os.WNOHANG)
            if pid:
                break
            if deadline and time.time() > deadline:
                p.kill()
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        peak = max(hwm.values(), default=0) if len(hwm) == 1 else max(tree_peak, max(hwm.values(), default=0))
        return Measured(seconds, peak / 1024, out.read(), err.read(), p.returncode)


class Freshet:
    """The freshet binary on one pipeline folder (config, data, output, metastore)."""

    def __init__(self, binary, work):
        self.bin = str(binary)
        self.work = Path(work)
        self.config = str(self.work / "pipeline.toml")

    def __call__(self, *args, clock=None, check=True):
        cmd = [self.bin, *args]
        if clock:
            cmd += ["--clock", clock]
        m = measure(cmd)
        if check and m.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({m.returncode}):\n{m.stderr}")
        return m

    def write_config(self, threads=0, data="data", memory_budget=None):
        cfg = (ROOT / "examples" / "ads-pipeline.toml").read_text()
        if memory_budget:
            cfg = cfg.replace('bad_records = "skip"', f'bad_records = "skip"\nmemory_budget = "{memory_budget}"\n'
                              f'spill_dir = "{self.work / "spill"}"')
        for old, new in [('format = "jsonl"', 'format = "parquet"'), ('delay = "2m"', 'delay = "1m"'),
                         ('retention = "1h"', 'retention = "100d"'),
                         ('bad_records = "skip"', f'bad_records = "skip"\nthreads = {threads}')]:
            assert old in cfg, old
            cfg = cfg.replace(old, new)
        cfg = cfg.replace('"data/', f'"{data}/')
        self.work.mkdir(parents=True, exist_ok=True)
        Path(self.config).write_text(cfg)

    def reset_output(self):
        for p in [self.work / "index", self.work / "freshet.db"]:
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    def gen(self, workload, out, partitions, scale=1):
        scaled = [] if scale == 1 else ["--scale", f"{scale:g}"]
        return self("gen", "--workload", workload, "--format", "parquet", "--out", str(out), "--seed", str(SEED),
                    "--start", START, "--partitions", str(partitions), *scaled)

    def batches(self, clock):
        return json.loads(self("status", "--config", self.config, "--json", "--batches", "100",
                               clock=clock).stdout)["batches"]


def phases_s(batch):
    return {k: round(v / 1000, 3) for k, v in batch["phases_ms"].items()}


def base_build(f):
    """build-full on the snapshot: figures of the base batch."""
    clock = f"fixed:{START}"
    m = f("build-full", "--config", f.config, clock=clock)
    b = f.batches(clock)[0]
    return {"seconds": round(m.seconds, 3), "docs": b["docs"], "docs_per_s": round(b["docs"] / m.seconds),
            "bytes": b["bytes_written"], "bytes_per_doc": round(b["bytes_written"] / max(b["docs"], 1)),
            "peak_rss_mib": round(m.peak_rss_mib), "phases_s": phases_s(b)}


def window_clock(window):
    """A time at which exactly `window` partitions are ready: a minute before
    the end of partition window-1, whose marker `gen` has written (the next
    one has not started)."""
    return ts(start_seconds() + window * PERIOD_S - 60)


def cold_batch(f, window):
    """The first batch over `window` partitions (fixed clock, one process)."""
    clock = f"fixed:{window_clock(window)}"
    m = f("run", "--config", f.config, "--once", clock=clock)
    b = f.batches(clock)[0]
    assert b["partitions_read"] == 2 * window, f"expected {window} partitions in the window: {b}"
    return {"seconds": round(m.seconds, 3), "records": b["records"], "docs": b["docs"], "groups": b["groups"],
            "peak_rss_mib": round(m.peak_rss_mib), "phases_s": phases_s(b)}


def steady_batches(f, window, count, speed):
    """A runner process after a committed first batch over `window`
    partitions, on a simulated clock `speed` times faster than real time: one
    new partition per batch. Its first batch reads the whole window (the file
    cache lives in the process); the `count` batches after it are measured."""
    clock = f"sim:{window_clock(window)}:{speed:g}"
    m = f("run", "--config", f.config, "--max-batches", str(count + 1), clock=clock)
    st = [x for x in f.batches(clock) if x["kind"] == "delta"][:count]
    out = []
    for x in reversed(st):
        out.append({"seconds": round(sum(x["phases_ms"].values()) / 1000, 3), "target": x["target_partition"],
                    "partitions_read": x["partitions_read"], "files_read": x["files_read"],
                    "files_cached": x["files_cached"], "docs": x["docs"], "groups": x["groups"],
                    "ads_in_partition": ads_in_partition(f, x["target_partition"]), "phases_s": phases_s(x)})
    return out, m


STREAMS = ("ads", "items")


def partition_folder(f, stream, start):
    """The folder of partition `start` (epoch seconds) of `stream` under the data."""
    t = dt.datetime.fromtimestamp(start, dt.timezone.utc)
    return f.work / "data" / stream / t.strftime("dt=%Y-%m-%d/hour=%H/minute=%M")


def hold_back(f, start):
    """Moves partition `start` (epoch seconds) of both streams out of the data,
    so that no runner reads it before restart_batch places it."""
    for stream in STREAMS:
        held = f.work / "held" / stream
        held.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(partition_folder(f, stream, start)), str(held))


def place_held(f, start):
    """Puts the held-back partition at partition `start` (epoch seconds), the
    one after the newest published: where it was generated, or later when the
    steady runner, overtaking the generated partitions under load, published
    empty ones past it."""
    for stream in STREAMS:
        folder = partition_folder(f, stream, start)
        if folder.exists():
            sys.exit(f"restart: {folder} exists: the held-back partition cannot be the next one")
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(f.work / "held" / stream), str(folder))
    (f.work / "held").rmdir()


def ads_in_partition(f, target):
    """Distinct ad ids in the ad files of partition `target` (RFC 3339): at
    most the docs its batch changes."""
    import pyarrow.parquet as pq
    t = dt.datetime.fromisoformat(target.replace("Z", "+00:00"))
    folder = partition_folder(f, "ads", int(t.timestamp()))
    ids = set()
    for path in sorted(folder.glob("*.parquet")):
        ids.update(pq.read_table(path, columns=["ad_id"]).column("ad_id").to_pylist())
    return len(ids)


def restart_batch(f, held):
    """A new process's first batch after the committed ones: `run --once` when
    the partition after the newest published one is ready. That partition is
    the one held back (hold_back, partition `held`, epoch seconds), placed
    after the newest published: no runner before can have read it."""
    last = f.batches(f"fixed:{START}")[0]["target_partition"]
    seconds = int(dt.datetime.fromisoformat(last.replace("Z", "+00:00")).timestamp())
    if seconds + PERIOD_S != held:
        print(f"note: the steady runner published up to {last}, past the generated partitions "
              f"(it overtook them under load): the held-back partition is placed after it")
    place_held(f, seconds + PERIOD_S)
    clock = f"fixed:{ts(seconds + 2 * PERIOD_S - 60)}"
    m = f("run", "--config", f.config, "--once", clock=clock)
    b = f.batches(clock)[0]
    if b["target_partition"] == last:
        sys.exit(f"restart: no partition after {last} was generated, or none was published")
    chain = re.search(r"batch_committed .*\bchain=(\w+) chain_(?:from|reason)=(\w+)", m.stderr)
    return {"seconds": round(m.seconds, 3), "target": b["target_partition"],
            "batch_seconds": round(sum(b["phases_ms"].values()) / 1000, 3), "docs": b["docs"],
            "groups": b["groups"], "files_read": b["files_read"],
            "chain": " ".join(chain.groups()) if chain else "not logged",
            "peak_rss_mib": round(m.peak_rss_mib), "phases_s": phases_s(b)}


def committed_manifest(f):
    """The committed generation's manifest, as published under the output."""
    index = f.work / "index"
    return json.loads((index / (index / "CURRENT").read_text().strip()).read_text())


def compaction(f, window):
    """`freshet compact` of the committed base + delta, with the delta's
    size (from the manifest: docs and bytes summed over its segments, layers)
    and the figures the compaction logs."""
    before = committed_manifest(f)
    delta = before.get("delta", [])
    clock = f"fixed:{window_clock(window)}"
    m = f("compact", "--config", f.config, clock=clock)
    line = re.search(r"compaction_committed (.*)", m.stderr)
    if not line:
        sys.exit(f"compact published nothing:\n{m.stderr}")
    logged = dict(re.findall(r"(\w+)=(\S+)", line.group(1)))
    after = committed_manifest(f)
    assert "delta" not in after and after["base_cut"] == ts(start_seconds() + window * PERIOD_S), after
    return {"seconds": round(m.seconds, 3), "peak_rss_mib": round(m.peak_rss_mib),
            "delta_docs": sum(x["docs"] for x in delta), "delta_bytes": sum(x["bytes"] for x in delta),
            "delta_layers": 1 + max((x.get("layer", 0) for x in delta), default=-1),
            "delta_segments": len(delta), "base_bytes": sum(x["bytes"] for x in before["base"]),
            "segments": len(after["base"]),
            "docs": int(logged["docs"]), "bytes": int(logged["bytes"]),
            "phases_s": {k: int(logged[f"{k}_ms"]) / 1000 for k in ("merge", "publish", "commit")}}


def window_growth(f, sizes, speed):
    """Steady-batch cost against window size W (partitions)."""
    rows = []
    for w in sizes:
        f("admin", "set-watermark", "--config", f.config, "--clear", "--force", clock=f"fixed:{START}")
        if w == 1:
            b = cold_batch(f, 1)
            rows.append({"window": 1, "seconds": sum(b["phases_s"].values()), "docs": b["docs"],
                         "phases_s": b["phases_s"], "note": "first batch"})
            continue
        batches, _ = steady_batches(f, w - 1, 1, speed)
        b = batches[-1]
        rows.append({"window": w, "seconds": b["seconds"], "docs": b["docs"], "phases_s": b["phases_s"],
                     "files_read": b["files_read"], "files_cached": b["files_cached"]})
    return rows


def budget_builds(f, args):
    """The base build unbounded (unless --skip-unbounded), then under the budget."""
    def show(name, b):
        print(f"{name:19} {b['seconds']:8.2f} s wall  ({b['docs']} docs, {b['docs_per_s']:,} docs/s, "
              f"{b['segments']} segments, peak RSS {b['peak_rss_mib']} MiB)  phases s {fmt_phases(b['phases_s'])}")

    def build():
        b = base_build(f)
        index = f.work / "index"
        manifest = json.loads((index / (index / "CURRENT").read_text().strip()).read_text())
        b["segments"] = len(manifest["base"])
        return b

    unbounded = None
    if not args.skip_unbounded:
        unbounded = build()
        show("base build", unbounded)
        f.reset_output()
    f.write_config(memory_budget=args.memory_budget)
    budgeted = build()
    show(f"under {args.memory_budget}", budgeted)
    if unbounded:
        print(f"budget / unbounded  {budgeted['seconds'] / unbounded['seconds']:8.2f} x     (wall; peak RSS "
              f"{budgeted['peak_rss_mib']} against {unbounded['peak_rss_mib']} MiB)")
    print(f"load average        {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) at the end")


def fmt_phases(p):
    return " ".join(f"{k} {v:.2f}" for k, v in p.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="ads-1m", choices=sorted(WINDOW))
    ap.add_argument("--bin", default=str(ROOT / "build" / "release" / "freshet"))
    ap.add_argument("--dir", help="work folder (default: a temporary one)")
    ap.add_argument("--steady", type=int, default=3, help="steady-state batches to measure")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--restart", action="store_true",
                    help="after the steady batches, time a new `run --once` process for the next "
                         "partition against the steady median")
    ap.add_argument("--compact", action="store_true",
                    help="after the cold window rebuild, time `freshet compact` of base + delta against "
                         "the base build (no steady, restart or growth figures)")
    ap.add_argument("--memory-budget", metavar="SIZE",
                    help="after the base build, build it again under pipeline.memory_budget = SIZE "
                         "(e.g. 256MiB) and compare (no other figures); with --compact, the "
                         "compaction alone runs under it")
    ap.add_argument("--skip-unbounded", action="store_true",
                    help="with --memory-budget: build only under the budget")
    ap.add_argument("--scale", type=float, default=1,
                    help="the workload's size factor (`freshet gen --scale`; 0.1 = a tenth of the ads and items)")
    ap.add_argument("--growth", default="", help="window sizes for the growth figures, e.g. 1,5,15,30,60")
    ap.add_argument("--speed", type=float, default=10,
                    help="simulated clock speed of the steady-state loop; a batch must take less "
                         "than one period (300 s) of simulated time to see one new partition each")
    args = ap.parse_args()
    if args.skip_unbounded and not args.memory_budget:
        ap.error("--skip-unbounded goes with --memory-budget")
    if args.compact and (args.restart or args.growth):
        ap.error("--compact measures the base build, the cold window rebuild and the compaction alone")
    window = WINDOW[args.workload]
    work = Path(args.dir or tempfile.mkdtemp(prefix="freshet-bench-"))
    f = Freshet(args.bin, work)
    f.write_config()
    scaled = "" if args.scale == 1 else f" at scale {args.scale:g}"
    print(f"workload {args.workload}{scaled} (Parquet, snappy), seed {SEED}, window {window} partitions of 5 min, "
          f"in {work}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    later = 0 if args.compact or args.memory_budget else args.steady + 1 + int(args.restart)
    t = f.gen(args.workload, work / "data", window + later, args.scale).seconds
    print(f"gen                 {t:8.2f} s")
    # The restart's partition, the last one generated, is held back until the
    # restart: the steady runner cannot read it, however far it runs ahead.
    held = start_seconds() + (window + later - 1) * PERIOD_S
    if args.restart:
        hold_back(f, held)
    if args.memory_budget and not args.compact:
        budget_builds(f, args)
        if not args.keep and not args.dir:
            shutil.rmtree(work)
        return
    b = base_build(f)
    print(f"base build          {b['seconds']:8.2f} s wall  ({b['docs']} docs, {b['docs_per_s']:,} docs/s, "
          f"{b['bytes_per_doc']} bytes/doc, peak RSS {b['peak_rss_mib']} MiB)  phases s {fmt_phases(b['phases_s'])}")
    c = cold_batch(f, window)
    print(f"cold window rebuild {c['seconds']:8.2f} s wall  ({c['records']} records, {c['docs']} docs, "
          f"{c['groups']} groups, peak RSS {c['peak_rss_mib']} MiB)  phases s {fmt_phases(c['phases_s'])}")
    if args.compact:
        if args.memory_budget:
            f.write_config(memory_budget=args.memory_budget)
        k = compaction(f, window)
        print(f"delta               {k['delta_docs']} docs, {k['delta_bytes']:,} bytes in {k['delta_segments']} "
              f"segments, {k['delta_layers']} layer(s) (base {k['base_bytes']:,} bytes)")
        budget = f", under {args.memory_budget}" if args.memory_budget else ""
        print(f"compaction          {k['seconds']:8.2f} s wall  ({k['docs']} docs, {k['bytes']:,} bytes in "
              f"{k['segments']} segments{budget}, peak RSS "
              f"{k['peak_rss_mib']} MiB)  phases s {fmt_phases(k['phases_s'])}")
        print(f"compaction / base   {k['seconds'] / b['seconds']:8.2f} x     (wall {k['seconds']:.2f} s against "
              f"the base build's {b['seconds']:.2f} s; peak RSS {k['peak_rss_mib']} against {b['peak_rss_mib']} "
              f"MiB; target <= 0.5)")
        print(f"load average        {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) at the end")
        if not args.keep and not args.dir:
            shutil.rmtree(work)
        return
    steady, m = steady_batches(f, window, args.steady, args.speed)
    for x in steady:
        print(f"steady batch        {x['seconds']:8.2f} s        (target {x['target']}, files read "
              f"{x['files_read']}, cached {x['files_cached']}, {x['docs']} docs written, {x['groups']} groups; "
              f"{x['ads_in_partition']} ads in the new partition: {x['docs'] / max(x['ads_in_partition'], 1):.2f} "
              f"written per ad, target <= 2)  phases s {fmt_phases(x['phases_s'])}")
    print(f"steady median       {percentile([x['seconds'] for x in steady], 0.5):8.2f} s        (target <= 0.5 s; "
          f"mean {sum(x['seconds'] for x in steady) / len(steady):.2f} s, max {max(x['seconds'] for x in steady):.2f} s)")
    # Folds (a batch finding pipeline.delta_layers layers rewrites the top
    # ones) make some batches write more: the mean counts them.
    per_ad = [x["docs"] / max(x["ads_in_partition"], 1) for x in steady]
    print(f"docs written per ad {percentile(per_ad, 0.5):8.2f} median, {sum(per_ad) / len(per_ad):.2f} mean over "
          f"{len(steady)} batches (target <= 2)")
    print(f"peak RSS (runner)   {m.peak_rss_mib:8.0f} MiB")
    if args.restart:
        r = restart_batch(f, held)
        median = percentile([x["seconds"] for x in steady], 0.5)
        print(f"restart batch       {r['seconds']:8.2f} s wall  (batch {r['batch_seconds']:.2f} s, target "
              f"{r['target']}, chain {r['chain']}, files read {r['files_read']}, {r['docs']} docs, "
              f"{r['groups']} groups, peak RSS {r['peak_rss_mib']} MiB)  phases s {fmt_phases(r['phases_s'])}")
        print(f"restart / steady    {r['seconds'] / median:8.2f} x     (wall {r['seconds']:.2f} s against the "
              f"steady median {median:.2f} s; batch alone {r['batch_seconds'] / median:.2f} x; target <= 2)")
    if args.growth:
        for r in window_growth(f, [int(x) for x in args.growth.split(",")], args.speed):
            print(f"window {r['window']:3d} partitions {r['seconds']:8.2f} s  ({r['docs']} docs)  "
                  f"phases s {fmt_phases(r['phases_s'])}")
    if not args.keep and not args.dir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
