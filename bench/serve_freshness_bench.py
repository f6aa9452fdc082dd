#!/usr/bin/env python3
"""End-to-end freshness of `freshet serve`: how long after an ad update lands
in the store does /search return the new version?

Set-up (fixed seed 42): the tiny workload's snapshot and first partition
(`freshet gen`), a base (`build-full`), then `freshet run` (policy latest) on
a simulated clock running SPEED times faster than the wall clock, and
`freshet serve` following CURRENT every --poll. As each 5-minute partition
closes on that clock, this script writes it: --updates ad updates, among them
--probes ads whose new title carries a token never seen before, then the
_SUCCESS marker. For each probe it polls /search?q=title:TOKEN and records
the time from the marker's write to the first response holding the probe's
new version. Prints p50/p99/max over every probe, with the cadence used.

    bench/serve_freshness_bench.py [--partitions 30] [--speed 60] [--cadence 60s]
"""
import argparse
import datetime as dt
import http.client
import json
import os
import random
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
START_S = 1777888800  # 2026-05-04T10:00:00Z
PERIOD_S = 300


def start_logged(cmd, event):
    """Starts `cmd` (JSON logs on stderr); returns (process, the `event` log line)."""
    proc = subprocess.Popen(cmd + ["--log-format", "json"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    found = {}
    ready = threading.Event()

    def read():
        for line in proc.stderr:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") == event and not ready.is_set():
                found.update(e)
                ready.set()
            if e.get("event") == "batch_failed":
                print("batch_failed:", e.get("error"), file=sys.stderr)

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(60):
        proc.kill()
        sys.exit(f"{' '.join(cmd)}: no '{event}' log line")
    return proc, found


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build" / "release" / "freshet"))
    ap.add_argument("--partitions", type=int, default=30, help="partitions written live")
    ap.add_argument("--speed", type=float, default=60, help="simulated clock speed")
    ap.add_argument("--cadence", default="60s", help="pipeline cadence (simulated time)")
    ap.add_argument("--poll", default="100ms", help="serve's CURRENT polling interval")
    ap.add_argument("--updates", type=int, default=500, help="ad updates per partition")
    ap.add_argument("--probes", type=int, default=5, help="probed updates per partition")
    ap.add_argument("--dir", help="work folder (default: a temporary one)")
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="freshet-fresh-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    cfg = (ROOT / "examples" / "ads-pipeline.toml").read_text()
    cfg = cfg.replace('cadence = "60s"', f'cadence = "{args.cadence}"')
    (work / "pipeline.toml").write_text(cfg)
    config = str(work / "pipeline.toml")

    def freshet(*a):
        p = subprocess.run([args.bin, *a], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"freshet {' '.join(a)} failed:\n{p.stderr}")
        return p

    freshet("gen", "--workload", "tiny", "--out", str(work / "data"), "--seed", "42",
            "--start", ts(START_S), "--partitions", "1", "--format", "jsonl")
    freshet("build-full", "--config", config, "--clock", f"fixed:{ts(START_S)}")
    ads = []
    for f in sorted((work / "data" / "snapshot" / "ads").glob("*.jsonl")):
        ads += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]

    # The runner's simulated clock starts at the end of partition 0 + 1 s.
    sim_start = START_S + PERIOD_S + 1
    runner, _ = start_logged([args.bin, "run", "--config", config, "--clock",
                              f"sim:{ts(sim_start)}:{args.speed:g}"], "lease_acquired")
    wall_start = time.time()
    server, serving = start_logged([args.bin, "serve", "--config", config, "--listen",
                                    "127.0.0.1:0", "--poll", args.poll], "serving")
    port = int(serving["port"])

    def sim_now():
        return sim_start + (time.time() - wall_start) * args.speed

    latencies = []
    pending = []  # (token, ad_id, version, written_at)
    lock = threading.Lock()
    done = threading.Event()

    conn = [http.client.HTTPConnection("127.0.0.1", port, timeout=30)]

    def search(path):
        # The server closes keep-alive connections idle for 2 s: reconnect once.
        for attempt in (0, 1):
            try:
                conn[0].request("GET", path)
                return json.loads(conn[0].getresponse().read())
            except (http.client.RemoteDisconnected, ConnectionError):
                conn[0].close()
                conn[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                if attempt:
                    raise

    def prober():
        while not done.is_set() or pending:
            with lock:
                batch = list(pending)
            for token, ad_id, version, written in batch:
                q = urllib.parse.urlencode({"q": f"title:{token}", "sort": "id"})
                r = search("/search?" + q)
                if any(h["id"] == ad_id and h["version"] == version for h in r.get("hits", [])):
                    with lock:
                        latencies.append(time.time() - written)
                        pending.remove((token, ad_id, version, written))
            time.sleep(0.005)
            if done.is_set() and time.time() > deadline[0]:
                break

    deadline = [float("inf")]
    t = threading.Thread(target=prober)
    t.start()
    versions = {}
    try:
        for p in range(1, args.partitions + 1):
            start = START_S + p * PERIOD_S
            while sim_now() < start + PERIOD_S:  # the partition closes
                time.sleep(0.01)
            d = work / "data" / "ads" / dt.datetime.fromtimestamp(start, dt.timezone.utc).strftime(
                "dt=%Y-%m-%d/hour=%H/minute=%M")
            d.mkdir(parents=True, exist_ok=True)
            chosen = rng.sample(ads, args.updates)
            lines, probes = [], []
            for i, ad in enumerate(chosen):
                version = max(versions.get(ad["ad_id"], ad["updated_at"]),
                              start * 1000 + i) + 1
                versions[ad["ad_id"]] = version
                new = dict(ad, updated_at=version, op="upsert")
                if i < args.probes:
                    token = f"probe{p:04d}x{i}"
                    new["title"] = f"{ad['title']} {token}"
                    probes.append((token, ad["ad_id"], version))
                lines.append(json.dumps(new))
            (d / "part-0.jsonl").write_text("\n".join(lines) + "\n")
            (d / "_SUCCESS").write_text("")
            written = time.time()
            with lock:
                pending.extend((tok, ad_id, v, written) for tok, ad_id, v in probes)
        deadline[0] = time.time() + 60
    finally:
        done.set()
        t.join(90)
        for proc in (server, runner):
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    if pending:
        print(f"{len(pending)} probes never became visible", file=sys.stderr)
    status = json.loads(freshet("status", "--config", config, "--json", "--batches", "1000",
                                "--clock", f"fixed:{ts(int(sim_now()))}").stdout)
    deltas = [b for b in status["batches"] if b["kind"] == "delta"]
    durations = sorted(sum(b["phases_ms"].values()) / 1000 for b in deltas)
    wall_cadence = float(args.cadence.rstrip("s")) / args.speed if args.cadence.endswith("s") \
        and args.cadence[:-1].isdigit() else float("nan")
    print(f"tiny workload, seed 42: {args.partitions} partitions of {args.updates} ad updates "
          f"({args.probes} probed each), written as each closes on a clock {args.speed:g}x wall")
    print(f"cadence {args.cadence} simulated = {wall_cadence:.2f} s wall; partition every "
          f"{PERIOD_S / args.speed:.2f} s wall; serve polls CURRENT every {args.poll}")
    print(f"batches committed {len(deltas)}, batch duration p50 {percentile(durations, .5):.3f} s "
          f"max {durations[-1]:.3f} s")
    print(f"freshness (marker written -> /search returns the new version), {len(latencies)} "
          f"probes: p50 {percentile(latencies, .5):.3f} s  p99 {percentile(latencies, .99):.3f} s  "
          f"max {max(latencies):.3f} s")
    if not args.dir:
        import shutil
        shutil.rmtree(work)
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
