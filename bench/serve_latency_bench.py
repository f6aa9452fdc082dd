#!/usr/bin/env python3
"""Query latency of `freshet serve` at a fixed request rate over ads-1m: a
1 M-doc base plus a delta.

Set-up (fixed seed 42): `freshet gen --workload ads-1m` (Parquet) with
--partitions partitions after the snapshot's cut, `build-full` (1 M ads), one
`run --once` publishing the delta of the whole window, then `freshet serve`.
The client is open-loop: requests are scheduled at exactly --rate per second
for --seconds, sent by a pool of threads with keep-alive connections, and each
latency is measured from the request's scheduled time (so a stalled server
is charged for the queue it causes). Queries (seeded): one title word, two
words, and a word with a keyword filter sorted by a numeric field (top-k by
bid), drawn from the index's own stored titles. Prints p50/p99/max per kind,
and the server's resident memory at the end (and its peak) beside the bytes
of the segments it serves.

    bench/serve_latency_bench.py [--rate 50] [--seconds 30] [--dir DIR] [--keep]
"""
import argparse
import http.client
import json
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
    ap.add_argument("--threads", type=int, default=8, help="client threads (connections)")
    ap.add_argument("--server-threads", type=int, default=32)
    ap.add_argument("--dir", help="work folder; reused if it already holds a published index")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
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
        plan.append((i / args.rate, kind, "/search?" + urllib.parse.urlencode(params)))
    # Warm-up: each query once (not measured).
    for _, _, path in plan[: min(len(plan), 60)]:
        get(conn, path)
    conn.close()

    results = []  # (kind, latency, ok)
    lock = threading.Lock()
    next_i = [0]
    start = time.perf_counter() + 0.2

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= n:
                break
            at, kind, path = plan[i]
            delay = start + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                code, _ = get(c, path)
                ok = code == 200
            except Exception:
                ok = False
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            with lock:
                results.append((kind, time.perf_counter() - (start + at), ok))
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    memory = resident_memory(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)

    errors = sum(1 for r in results if not r[2])
    print(f"index: {gen['live_docs']:,} live docs, generation v{gen['version']} "
          f"({gen['base_segments']} base + {gen['delta_segments']} delta segments; delta window "
          f"{args.partitions} partitions, {status['batches'][0]['docs']:,} docs); "
          f"serve startup {load_s:.1f} s")
    print(f"fixed rate {args.rate:g} req/s for {args.seconds:g} s ({n} requests, achieved "
          f"{n / elapsed:.1f} req/s), {args.threads} client connections, server threads "
          f"{args.server_threads}, errors {errors}")
    for kind in names + [None]:
        lat = [r[1] * 1000 for r in results if r[2] and (kind is None or r[0] == kind)]
        print(f"  {kind or 'all':30s} n={len(lat):5d}  p50 {percentile(lat, .5):7.1f} ms  "
              f"p99 {percentile(lat, .99):7.1f} ms  max {max(lat):7.1f} ms")
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
