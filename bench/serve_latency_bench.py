#!/usr/bin/env python3
"""Query latency of `freshet serve` at a fixed request rate over ads-1m: a
1 M-doc base plus a delta.

Set-up (fixed seed 42): `freshet gen --workload ads-1m` (Parquet) with
--partitions partitions after the snapshot's cut, `build-full` (1 M ads), one
`run --once` publishing the delta of the whole window, then `freshet serve`.
Queries (seeded): one title word, two words, and a word with a keyword filter
sorted by a numeric field (top-k by bid), drawn from the index's own stored
titles.

The load comes from `serve_load_client` (bench/serve_load_client.cc, built
with the benchmarks): open loop, request i scheduled at i / --rate seconds,
sent on the first free of --connections keep-alive connections (one thread
each), its latency measured from its scheduled time, so a server that falls
behind is charged for the queue it causes. A C++ client rather than Python
threads, by measurement: against `/healthz` at 200 req/s the 8-thread Python
client spent 0.36 ms of CPU per request under one interpreter lock, and its
p50 was 0.47 ms against the C++ client's 0.22 ms, a floor paid by every
figure; on a busy machine a thread woken on schedule also waits for the lock.

Prints, per kind, the latency seen by the client and the time the server
spent in the request (`took_ms`: parsing, the query, the JSON), so that the
transport and queueing are the difference; then the same schedule against
`/healthz` (the floor of the client, HTTP and the machine's scheduling, no
query); then the server's resident memory beside the bytes of the segments it
serves. Record the machine's load average beside the figures.

    bench/serve_latency_bench.py [--rate 50] [--seconds 30] [--dir DIR] [--keep] [--total-hits N]
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from pipeline_bench import percentile, ts

ROOT = Path(__file__).resolve().parents[1]
START = "2026-05-04T10:00:00Z"
START_S = 1777888800
PERIOD_S = 300


def resident_memory(pid):
    """VmRSS, VmHWM, RssAnon and RssFile of a process, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[name] = int(value.split()[0]) * 1024
    return out


def served_segment_bytes(index):
    """Bytes and count of the segments the current manifest names."""
    manifest = json.loads((index / (index / "CURRENT").read_text().strip()).read_text())
    refs = {}

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("key"), str) and node["key"].startswith("segments/"):
                refs[node["key"]] = node["bytes"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(manifest)
    return sum(refs.values()), len(refs)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build" / "release" / "freshet"))
    ap.add_argument("--workload", default="ads-1m", choices=["ads-1m", "tiny"])
    ap.add_argument("--partitions", type=int, default=12, help="partitions in the delta's window")
    ap.add_argument("--rate", type=float, default=50, help="requests per second")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--client", default=str(ROOT / "build" / "release" / "bench" /
                                             "serve_load_client"),
                    help="the load client (bench/serve_load_client.cc)")
    ap.add_argument("--connections", type=int, default=8, help="client keep-alive connections")
    ap.add_argument("--server-threads", type=int, default=32)
    ap.add_argument("--dir", help="work folder; reused if it already holds a published index")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--total-hits", type=int,
                    help="send total_hits=N with every search: count N matches exactly, then a "
                         "lower bound (default: every match counted)")
    args = ap.parse_args()
    if not Path(args.client).is_file():
        sys.exit(f"{args.client}: no such program (scripts/build.sh release builds it with the "
                 f"other benchmarks)")
    work = Path(args.dir or tempfile.mkdtemp(prefix="freshet-latency-"))
    work.mkdir(parents=True, exist_ok=True)
    config = work / "pipeline.toml"

    def freshet(*a):
        t0 = time.perf_counter()
        p = subprocess.run([args.bin, *a], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"freshet {' '.join(a)} failed:\n{p.stderr}")
        return time.perf_counter() - t0, p

    clock = f"fixed:{ts(START_S + args.partitions * PERIOD_S + 60)}"
    if not (work / "index" / "CURRENT").exists():
        cfg = (ROOT / "examples" / "ads-pipeline.toml").read_text()
        cfg = cfg.replace('format = "jsonl"', 'format = "parquet"').replace(
            'delay = "2m"', 'delay = "1m"')
        config.write_text(cfg)
        t, _ = freshet("gen", "--workload", args.workload, "--out", str(work / "data"), "--seed",
                       "42", "--start", START, "--partitions", str(args.partitions))
        print(f"gen {t:.1f} s", flush=True)
        t, _ = freshet("build-full", "--config", str(config), "--clock", f"fixed:{START}")
        print(f"build-full {t:.1f} s", flush=True)
        t, _ = freshet("run", "--config", str(config), "--once", "--clock", clock)
        print(f"run --once {t:.1f} s", flush=True)
    status = json.loads(freshet("status", "--config", str(config), "--json", "--clock",
                                clock)[1].stdout)

    proc = subprocess.Popen([args.bin, "serve", "--config", str(config), "--listen", "127.0.0.1:0",
                             "--threads", str(args.server_threads), "--log-format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = None
    t0 = time.perf_counter()
    for line in proc.stderr:
        e = json.loads(line) if line.startswith("{") else {}
        if e.get("event") == "serving":
            port = int(e["port"])
            break
    load_s = time.perf_counter() - t0
    memory_at_start = resident_memory(proc.pid)
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()

    def get(conn, path):
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    code, body = get(conn, "/status")
    gen = json.loads(body)["pipelines"][0]["generation"]
    # Query words: the words of stored titles, drawn with a fixed seed.
    _, body = get(conn, "/search?" + urllib.parse.urlencode({"q": "*", "limit": 1000,
                                                               "sort": "id"}))
    words = sorted({w.lower() for h in json.loads(body)["hits"]
                    for w in re.findall(r"[A-Za-z]{4,}", h["fields"].get("title") or "")})
    rng = random.Random(42)
    kinds = {
        "one word": lambda: {"q": rng.choice(words)},
        "two words": lambda: {"q": f"{rng.choice(words)} {rng.choice(words)}"},
        "word + filter, top-k by bid": lambda: {"q": f"{rng.choice(words)} status:active",
                                                 "sort": "bid:desc"},
    }
    names = list(kinds)
    n = int(args.rate * args.seconds)
    plan = []
    for i in range(n):
        kind = names[i % len(names)]
        params = kinds[kind]()
        params["limit"] = 10
        if args.total_hits is not None:
            params["total_hits"] = args.total_hits
        plan.append((i / args.rate, kind, "/search?" + urllib.parse.urlencode(params)))
    # Warm-up: each query once (not measured).
    for _, _, path in plan[: min(len(plan), 60)]:
        get(conn, path)
    conn.close()

    def run_client(paths):
        """(status, latency ms, server ms) of each path, sent at --rate."""
        p = subprocess.run([args.client, "--port", str(port), "--rate", str(args.rate),
                            "--connections", str(args.connections)],
                           input="".join(path + "\n" for path in paths), capture_output=True,
                           text=True)
        if p.returncode != 0:
            sys.exit(f"{args.client} failed:\n{p.stderr}")
        rows = [line.split() for line in p.stdout.splitlines()]
        return [(int(r[1]), int(r[2]) / 1000, float(r[3])) for r in rows]

    outcomes = run_client([path for _, _, path in plan])
    # The last answer's arrival, from the start of the schedule.
    elapsed = max(at + latency / 1000 for (at, _, _), (_, latency, _) in zip(plan, outcomes))
    results = [(kind, latency, server, status == 200)
               for (_, kind, _), (status, latency, server) in zip(plan, outcomes)]
    floor = run_client(["/healthz"] * min(n, int(args.rate * 10)))
    memory = resident_memory(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)

    errors = sum(1 for r in results if not r[3])
    print(f"index: {gen['live_docs']:,} live docs, generation v{gen['version']} "
          f"({gen['base_segments']} base + {gen['delta_segments']} delta segments; delta window "
          f"{args.partitions} partitions, {status['batches'][0]['docs']:,} docs); "
          f"serve startup {load_s:.1f} s")
    print(f"fixed rate {args.rate:g} req/s for {args.seconds:g} s ({n} requests, achieved "
          f"{n / elapsed:.1f} req/s), {args.connections} client connections, server threads "
          f"{args.server_threads}, errors {errors}; load average {os.getloadavg()[0]:.2f}")
    print(f"  {'':30s} {'client latency (ms)':^30s} {'in the server (took_ms)':^26s}")

    def row(name, lat, took):
        line = (f"  {name:30s} n={len(lat):5d}  p50 {percentile(lat, .5):7.2f}  "
                f"p99 {percentile(lat, .99):7.2f}  max {max(lat):7.1f}")
        if took:
            line += f"  p50 {percentile(took, .5):6.2f}  p99 {percentile(took, .99):6.2f}"
        print(line)
    for kind in names + [None]:
        ok = [r for r in results if r[3] and (kind is None or r[0] == kind)]
        row(kind or "all", [r[1] for r in ok], [r[2] for r in ok])
    row("/healthz, same schedule", [r[1] for r in floor if r[0] == 200], [])
    index_bytes, segments = served_segment_bytes(work / "index")
    mib = 1 << 20
    print(f"the index served: {index_bytes / mib:.0f} MiB in {segments} segments; serve's "
          f"resident memory (anonymous + mapped file pages, clean and reclaimable):")
    for when, m in (("after start-up", memory_at_start), ("after the run", memory)):
        print(f"  {when:15s} {m['VmRSS'] / mib:5.0f} MiB = {m['RssAnon'] / mib:.0f} + "
              f"{m['RssFile'] / mib:.0f}, {m['VmRSS'] / index_bytes:.2f} of the index; "
              f"peak {m['VmHWM'] / mib:.0f} MiB")
    if not args.keep and not args.dir:
        import shutil
        shutil.rmtree(work)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
