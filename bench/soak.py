#!/usr/bin/env python3
"""Soak: `freshet run` and `freshet serve` side by side for a long time, with a
live producer and queries at a fixed rate; resident memory and open file
descriptors of both processes sampled over time.

Set-up (fixed seed 42, the tiny workload as JSON Lines): a snapshot and a base
generation at START, then three processes on one simulated clock running
--speed times faster than the wall clock (`sim:START:SPEED`):

  - `freshet gen --live` writes each 5-minute partition when its period ends;
  - `freshet run` publishes a batch every `cadence` (60 s of simulated time),
    with garbage collection after each commit (retention 2 min simulated);
  - `freshet serve` follows CURRENT (hot reload) and answers a seeded mix of
    queries (one word, two words, word + keyword filter sorted by bid, `*`)
    sent open-loop at --rate per second by a pool of keep-alive clients.

Every --sample seconds it records each process's VmRSS and open descriptors
(/proc), the generation served and the failed queries so far. At the end it
prints a table over time, the first and last figures with their change, and
writes the samples as JSON and a markdown table into --out.

It fails (exit 1) if a query failed, a process died, resident memory or open
descriptors grew beyond --max-growth from the second quarter of the run to the
last (the first quarter is warm-up: caches fill, the first layers arrive), or
the served generation never moved.

    bench/soak.py [--minutes 60] [--rate 20] [--speed 5] [--out bench/results]
"""
import argparse
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

ROOT = Path(__file__).resolve().parents[1]
START = "2026-05-04T10:00:00Z"
WORDS = ["red", "shoe", "blue", "game", "phone", "case", "lamp", "desk", "wool", "coat",
         "black", "strategy", "kids", "garden", "steel", "camera"]


def proc_figures(pid):
    """(rss_kib, open_fds) of a live process, or None if it is gone."""
    try:
        rss = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build" / "release" / "freshet"))
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--rate", type=float, default=20, help="queries per second")
    ap.add_argument("--speed", type=float, default=5, help="simulated clock speed-up")
    ap.add_argument("--sample", type=float, default=30, help="seconds between samples")
    ap.add_argument("--threads", type=int, default=4, help="client connections")
    ap.add_argument("--max-growth", type=float, default=0.25,
                    help="largest allowed growth of RSS (fraction) and descriptors (absolute "
                    "count x 100) from the second quarter's median to the last quarter's")
    ap.add_argument("--dir", help="work folder (default: a temporary one, removed)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args()

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    work = Path(args.dir or tempfile.mkdtemp(prefix="freshet-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    cfg = (ROOT / "examples" / "ads-pipeline.toml").read_text()
    cfg = cfg.replace('retention = "1h"', 'retention = "2m"')
    config = work / "pipeline.toml"
    config.write_text(cfg)
    clock = f"sim:{START}:{args.speed:g}"
    logs = work / "logs"
    logs.mkdir(exist_ok=True)

    def freshet(*a):
        p = subprocess.run([args.bin, *a], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"freshet {' '.join(a)} failed ({p.returncode}):\n{p.stderr}")
        return p

    # The snapshot of a one-partition workload; the live producer writes every partition.
    freshet("gen", "--workload", "tiny", "--format", "jsonl", "--out", str(work / "seed"),
            "--seed", "42", "--start", START, "--partitions", "1")
    (work / "data").mkdir(exist_ok=True)
    (work / "seed" / "snapshot").rename(work / "data" / "snapshot")
    freshet("build-full", "--config", str(config), "--clock", f"fixed:{START}")

    def spawn(name, *a):
        out = open(logs / f"{name}.log", "w")
        return subprocess.Popen([args.bin, *a], stdout=out, stderr=subprocess.STDOUT, text=True)

    producer = spawn("gen", "gen", "--live", "--workload", "tiny", "--format", "jsonl",
                     "--no-snapshot", "--overwrite", "--seed", "7", "--out",
                     str(work / "data"), "--start", START, "--speed", f"{args.speed:g}",
                     "--partitions", "0")
    runner = spawn("run", "run", "--config", str(config), "--clock", clock, "--log-format",
                   "json")
    server = subprocess.Popen([args.bin, "serve", "--config", str(config), "--listen",
                               "127.0.0.1:0", "--poll", "1s", "--log-format", "json"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        e = json.loads(line) if line.startswith("{") else {}
        if e.get("event") == "serving":
            port = int(e["port"])
            break
    if port is None:
        sys.exit("serve did not start")
    server_log = open(logs / "serve.log", "w")
    threading.Thread(target=lambda: [server_log.write(x) for x in server.stderr],
                     daemon=True).start()
    procs = {"run": runner, "serve": server, "gen": producer}

    rng = random.Random(42)
    kinds = [
        lambda: {"q": rng.choice(WORDS)},
        lambda: {"q": f"{rng.choice(WORDS)} {rng.choice(WORDS)}"},
        lambda: {"q": f"{rng.choice(WORDS)} status:active", "sort": "bid:desc"},
        lambda: {"q": "*", "sort": "id"},
    ]
    stop = threading.Event()
    lock = threading.Lock()
    counts = {"sent": 0, "failed": 0}
    first_failures = []
    next_i = [0]
    t_start = time.perf_counter()
    end_at = t_start + args.minutes * 60

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            with lock:
                i = next_i[0]
                next_i[0] += 1
                params = kinds[i % len(kinds)]()
            at = t_start + i / args.rate
            if at >= end_at:
                break
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            params["limit"] = 10
            path = "/search?" + urllib.parse.urlencode(params)
            ok, why = False, ""
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status == 200 and "hits" in json.loads(body)
                why = f"HTTP {resp.status}: {body[:200]!r}"
            except Exception as e:  # a failed query is a finding, not a crash of the soak
                why = repr(e)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                counts["sent"] += 1
                if not ok:
                    counts["failed"] += 1
                    if len(first_failures) < 5:
                        first_failures.append(f"{path}: {why}")
        conn.close()

    def served_generation():
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/status")
            g = json.loads(c.getresponse().read())["pipelines"][0]["generation"]
            c.close()
            return g.get("version"), g.get("live_docs")
        except Exception:
            return None, None

    clients = [threading.Thread(target=client) for _ in range(args.threads)]
    for t in clients:
        t.start()

    samples = []
    died = []
    while time.perf_counter() < end_at:
        time.sleep(min(args.sample, max(0.0, end_at - time.perf_counter())))
        row = {"t": round(time.perf_counter() - t_start, 1)}
        for name in ("run", "serve"):
            f = proc_figures(procs[name].pid) if procs[name].poll() is None else None
            if f is None:
                if name not in died:
                    died.append(name)
                row[f"{name}_rss_mib"] = row[f"{name}_fds"] = None
            else:
                row[f"{name}_rss_mib"] = round(f[0] / 1024, 1)
                row[f"{name}_fds"] = f[1]
        row["version"], row["live_docs"] = served_generation()
        with lock:
            row["queries"], row["failed"] = counts["sent"], counts["failed"]
        samples.append(row)
        print(json.dumps(row), flush=True)
        if died:
            break

    stop.set()
    for t in clients:
        t.join()
    for name in ("gen", "run", "serve"):
        p = procs[name]
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    codes = {}
    for name in ("gen", "run", "serve"):
        try:
            codes[name] = procs[name].wait(120)
        except subprocess.TimeoutExpired:
            procs[name].kill()
            codes[name] = "killed after 120 s"

    # Verdict: growth from the second quarter's median to the last quarter's.
    def median(xs):
        xs = sorted(x for x in xs if x is not None)
        return xs[len(xs) // 2] if xs else None

    q = max(1, len(samples) // 4)
    head, tail = samples[q:2 * q] or samples[:q], samples[-q:]
    problems = []
    growth = {}
    for name in ("run", "serve"):
        a, b = median(r[f"{name}_rss_mib"] for r in head), median(r[f"{name}_rss_mib"] for r in tail)
        fa, fb = median(r[f"{name}_fds"] for r in head), median(r[f"{name}_fds"] for r in tail)
        growth[name] = {"rss_mib": [a, b], "fds": [fa, fb]}
        if a and b and (b - a) / a > args.max_growth:
            problems.append(f"{name}: resident memory grew from {a} MiB to {b} MiB")
        if fa is not None and fb is not None and fb - fa > args.max_growth * 100:
            problems.append(f"{name}: open descriptors grew from {fa} to {fb}")
    if counts["failed"]:
        problems.append(f"{counts['failed']} of {counts['sent']} queries failed: "
                        + "; ".join(first_failures))
    if died:
        problems.append(f"exited during the soak: {', '.join(died)} (logs in {logs})")
    versions = [r["version"] for r in samples if r["version"] is not None]
    if len(samples) >= 4 and len(set(versions[-q:])) <= 1 and len(set(versions)) <= 1:
        problems.append("the served generation never moved")
    for name, code in codes.items():
        if code != 0:
            problems.append(f"{name} exited with {code} on SIGTERM")

    load = os.getloadavg()
    lines = [
        f"# Soak: {args.minutes:g} min of run + serve + live producer",
        "",
        f"`bench/soak.py --minutes {args.minutes:g} --rate {args.rate:g} --speed {args.speed:g}`"
        f" (binary {args.bin}; checkout at commit {commit} when it started), ended {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, {os.cpu_count()} cores.",
        "",
        f"Queries: {counts['sent']} sent, {counts['failed']} failed. Generations served: "
        f"v{versions[0] if versions else '?'} to v{versions[-1] if versions else '?'}.",
        "",
        "| minute | run RSS MiB | run fds | serve RSS MiB | serve fds | generation | live docs "
        "| queries | failed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    step = max(1, len(samples) // 24)
    shown = samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else [])
    for r in shown:
        lines.append(f"| {r['t'] / 60:.1f} | {r['run_rss_mib']} | {r['run_fds']} | "
                     f"{r['serve_rss_mib']} | {r['serve_fds']} | {r['version']} | "
                     f"{r['live_docs']} | {r['queries']} | {r['failed']} |")
    lines += ["", "Median of the second quarter -> last quarter: " + "; ".join(
        f"{n} RSS {g['rss_mib'][0]} -> {g['rss_mib'][1]} MiB, fds {g['fds'][0]} -> {g['fds'][1]}"
        for n, g in growth.items()), "",
              "Verdict: " + ("pass" if not problems else "FAIL: " + " | ".join(problems))]
    report = "\n".join(lines) + "\n"
    print(report)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime())
    (out / f"soak-{stamp}.md").write_text(report)
    (out / f"soak-{stamp}.json").write_text(json.dumps(
        {"args": vars(args), "samples": samples, "counts": counts, "problems": problems,
         "exit_codes": codes}, indent=1) + "\n")
    if not args.dir and not problems:
        import shutil
        shutil.rmtree(work)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
