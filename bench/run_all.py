#!/usr/bin/env python3
"""freshet beside its peers, on the same inputs, in the same run.

One command for every comparison the README's Benchmarks section shows:

  1. freshet's pipeline (bench/pipeline_bench.py's functions): base build,
     cold window rebuild, steady-state batches by phase, peak RSS, bytes per
     doc, and a steady batch's cost as the window grows;
  2. the Spark Structured Streaming pipeline (bench/peers/spark) on the same
     Parquet partitions: its cold batch's output is first checked against
     freshet's cold delta (same docs in the same groups, same doc ids for
     every term); its timings are reported only if they agree;
  3. index builds of the snapshot's documents by Tantivy and Lucene
     (bench/peers/tantivy, bench/peers/lucene) on one and two threads, beside
     freshet's build-full of the same snapshot on one and two threads;
  4. query latency over those documents (bench/query_bench.py's comparison):
     the same seeded query set, single-threaded and warm, by freshet (its
     base alone, then with a delta) and both peers, answers checked.

A peer that cannot be built or started is reported as unavailable, with the
reason, and the rest still runs. Writes RESULTS/WORKLOAD.json and
RESULTS/WORKLOAD.md (with the machine: CPU, cores, RAM, load, versions).

    bench/run_all.py                          # ads-1m, every peer (about 35 minutes on 2 cores)
    bench/run_all.py --workload tiny          # a quick check (a few minutes, most of it Spark start-up)
    bench/run_all.py --skip spark,lucene      # leave peers out (or the query comparison: --skip query)

Spark comes from `scripts/install-deps.sh --bench` (pyspark into .venv);
Tantivy and Lucene are built here with cargo and mvn (crates.io and Maven
Central), outputs under their target/ folders.
"""
import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "peers" / "spark"))
import pipeline_bench as pb  # noqa: E402
import query_bench  # noqa: E402

ROOT = pb.ROOT
PEERS = ROOT / "bench" / "peers"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
GROWTH = {"ads-1m": [1, 5, 15, 30, 60], "tiny": [1, 4, 8, 12]}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def first_line(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return re.sub(r"\x1b\[[0-9;]*m", "", (p.stdout or p.stderr)).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def machine_info():
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    lock = (PEERS / "tantivy" / "Cargo.lock").read_text()
    tantivy = re.search(r'name = "tantivy"\nversion = "([^"]+)"', lock)
    lucene = re.search(r"<lucene.version>([^<]+)<", (PEERS / "lucene" / "pom.xml").read_text())
    pyspark = subprocess.run([str(VENV_PYTHON), "-c", "import pyspark; print(pyspark.__version__)"],
                             capture_output=True, text=True)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}", "load_average_at_start": os.getloadavg(),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "freshet_commit": commit.stdout.strip() or None,
        "python": platform.python_version(),
        "java": first_line(["java", "-version"]), "maven": first_line(["mvn", "-B", "-v"]),
        "rustc": first_line(["rustc", "--version"]),
        "tantivy": tantivy.group(1) if tantivy else None, "lucene": lucene.group(1) if lucene else None,
        "pyspark": pyspark.stdout.strip() if pyspark.returncode == 0 else None,
    }


class Unavailable(Exception):
    """A peer that cannot be built or started on this machine."""


def build_tantivy(jobs):
    if not shutil.which("cargo"):
        raise Unavailable("cargo is not installed")
    p = subprocess.run(["cargo", "build", "--release", "--locked", "-j", str(jobs)], cwd=PEERS / "tantivy",
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise Unavailable("cargo build failed: " + p.stderr.strip()[-500:])
    return [str(PEERS / "tantivy" / "target" / "release" / "tantivy-peer")]


def build_lucene():
    if not shutil.which("mvn") or not shutil.which("java"):
        raise Unavailable("mvn or java is not installed")
    p = subprocess.run(["mvn", "-q", "-B", "package", "-DskipTests"], cwd=PEERS / "lucene", capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise Unavailable("mvn package failed: " + (p.stdout + p.stderr).strip()[-500:])
    return ["java", "-Xmx4g", "-jar", str(PEERS / "lucene" / "target" / "lucene-peer.jar")]


def build_peers(skip, jobs):
    """name -> the command that runs the peer, or the Unavailable reason."""
    peers = {}
    for name, build in [("tantivy", lambda: build_tantivy(jobs)), ("lucene", build_lucene)]:
        if name in skip:
            continue
        log(f"{name}: building")
        try:
            peers[name] = build()
        except Unavailable as e:
            log(f"{name}: unavailable: {e}")
            peers[name] = e
    return peers


def check_spark():
    if not shutil.which("java"):
        raise Unavailable("java is not installed")
    p = subprocess.run([str(VENV_PYTHON), "-c", "import pyspark, numpy"], capture_output=True, text=True)
    if p.returncode != 0:
        raise Unavailable("pyspark is not in .venv (scripts/install-deps.sh --bench installs it)")


def ratio(a, b):
    return round(a / b, 2) if a and b else None


# ---------------------------------------------------------------- the three parts

def freshet_pipeline(f, workload, steady, speed, growth, dump_cold):
    window = pb.WINDOW[workload]
    out = {"window_partitions": window}
    log("freshet: base build")
    out["base"] = pb.base_build(f)
    log(f"freshet: cold window rebuild over {window} partitions")
    out["cold"] = pb.cold_batch(f, window)
    cold_digest = None
    if dump_cold:
        import compare
        cold_digest = compare.read_freshet(f.bin, compare.freshet_delta_segments(f.work / "index"))
    log(f"freshet: {steady} steady batches")
    out["steady"], m = pb.steady_batches(f, window, steady, speed)
    out["steady_peak_rss_mib"] = round(m.peak_rss_mib)
    log(f"freshet: window growth {growth}")
    out["growth"] = pb.window_growth(f, growth, speed)
    return out, cold_digest


def spark_pipeline(data, work, window, steady, freshet_cold, freshet_digest, timeout):
    import compare
    check_spark()
    cmd = [str(VENV_PYTHON), str(PEERS / "spark" / "spark_pipeline.py"), "--data", str(data), "--work", str(work),
           "--window", str(window), "--steady", str(steady)]
    log("spark: " + " ".join(cmd[1:]))
    m = pb.measure(cmd, timeout=timeout)
    lines = [json.loads(l) for l in m.stdout.splitlines() if l.startswith("{")]
    if m.returncode != 0 or not lines or not lines[-1].get("summary"):
        raise Unavailable(f"the Spark job failed ({m.returncode}): " + m.stderr.strip()[-800:])
    info, summary = lines[0], lines[-1]
    diffs = compare.compare(freshet_digest, compare.read_spark(summary["cold_output"]))
    res = {"spark": info["spark"], "master": info["master"], "agrees": not diffs, "differences": diffs,
           "docs_checked": len(freshet_digest.docs), "terms_checked": len(freshet_digest.terms)}
    if diffs:
        log("spark: output DISAGREES with freshet's, no figures: " + "; ".join(diffs))
        return res
    log(f"spark: output agrees ({len(freshet_digest.docs)} docs, {len(freshet_digest.terms)} terms)")
    res.update({"base_load_seconds": info["base_load_seconds"], "cold_seconds": summary["cold_seconds"],
                "steady_seconds": summary["steady_seconds"], "freshness_seconds": summary["freshness_seconds"],
                "peak_rss_mib": round(m.peak_rss_mib), "wall_seconds": round(m.seconds, 1),
                "cold_docs": freshet_cold["docs"]})
    return res


def index_builds(f1, data, tsv, peers, threads_list, timeout):
    """freshet build-full with 1 thread (f1's folder) and the peers on 1 and 2 threads."""
    rows = []
    input_bytes = tsv.stat().st_size
    log("freshet: build-full with 1 thread")
    f1.write_config(threads=1, data=str(data))
    f1.reset_output()
    b = pb.base_build(f1)
    rows.append({"engine": "freshet", "threads": 1, **_build_row(b, input_bytes)})
    for name, cmd in peers.items():
        if isinstance(cmd, Unavailable):
            rows.append({"engine": name, "unavailable": str(cmd)})
            continue
        for t in threads_list:
            log(f"{name}: index build, {t} thread(s)")
            index_dir = f1.work / f"{name}-index"
            m = pb.measure([*cmd, str(tsv), str(index_dir), str(t)], timeout=timeout)
            if m.returncode != 0:
                rows.append({"engine": name, "threads": t, "unavailable": f"failed ({m.returncode}): {m.stderr[-500:]}"})
                continue
            r = json.loads(m.stdout.strip().splitlines()[-1])
            rows.append({"engine": name, "threads": t, "docs": r["docs"], "seconds": r["seconds"],
                         "docs_per_s": round(r["docs"] / r["seconds"]),
                         "mb_per_s": round(input_bytes / 1e6 / r["seconds"], 1),
                         "peak_rss_mib": round(m.peak_rss_mib), "index_bytes": r["index_bytes"],
                         "bytes_per_doc": round(r["index_bytes"] / r["docs"])})
            shutil.rmtree(index_dir, ignore_errors=True)
    return rows


def _build_row(b, input_bytes):
    return {"docs": b["docs"], "seconds": b["seconds"], "docs_per_s": b["docs_per_s"],
            "mb_per_s": round(input_bytes / 1e6 / b["seconds"], 1), "peak_rss_mib": b["peak_rss_mib"],
            "index_bytes": b["bytes"], "bytes_per_doc": b["bytes_per_doc"], "phases_s": b["phases_s"]}


# ---------------------------------------------------------------- the table

def header_markdown(r, command):
    """The title, the command and the machine (load at start, and at the end if recorded)."""
    m = r["machine"]
    end = m.get("load_average_at_end")
    end = f", at the end {', '.join(f'{x:.1f}' for x in end)}" if end else ""
    return "\n".join([
        f"# freshet beside its peers: workload `{r['workload']}`", "",
        f"`{command}` (seed {pb.SEED}), {m['date']}, freshet {m['freshet_commit']}.", "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}{end} (shared with other work: expect ±30 %). "
        f"Peers: Spark (pyspark) {m['pyspark']}, Tantivy {m['tantivy']} ({m['rustc']}), Lucene {m['lucene']} "
        f"({m['java']}), Python {m['python']}.", "", ""])


def markdown(r):
    out = [header_markdown(r, f"bench/run_all.py --workload {r['workload']}").rstrip("\n"), ""]
    if r.get("note"):
        out += [r["note"], ""]
    p = r.get("freshet")
    if p:
        out += ["## freshet pipeline", "", "| figure | value |", "| --- | --- |"]
        b, c = p["base"], p["cold"]
        out.append(f"| base build ({b['docs']:,} docs) | {b['seconds']:.1f} s, {b['docs_per_s']:,} docs/s, "
                   f"{b['bytes_per_doc']} bytes/doc, peak RSS {b['peak_rss_mib']:,} MiB ({pb.fmt_phases(b['phases_s'])}) |")
        out.append(f"| cold window rebuild ({p['window_partitions']} partitions, {c['records']:,} records, "
                   f"{c['docs']:,} docs, {c['groups']:,} groups) | {c['seconds']:.1f} s, peak RSS {c['peak_rss_mib']:,} MiB "
                   f"({pb.fmt_phases(c['phases_s'])}) |")
        for i, s in enumerate(p["steady"]):
            out.append(f"| steady batch {i + 1} (window {s['partitions_read'] // 2}, files read {s['files_read']}, "
                       f"cached {s['files_cached']}, {s['docs']:,} docs) | {s['seconds']:.1f} s ({pb.fmt_phases(s['phases_s'])}) |")
        out.append(f"| peak RSS of the steady runner | {p['steady_peak_rss_mib']:,} MiB |")
        out += ["", "A batch's cost as the window grows (a steady batch: the window's earlier files cached):", "",
                "| window (partitions) | batch | docs | list | read | build | publish | commit |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for g in p["growth"]:
            ph = g["phases_s"]
            out.append(f"| {g['window']} | {g['seconds']:.2f} s | {g['docs']:,} | " +
                       " | ".join(f"{ph[k]:.2f}" for k in ("list", "read", "build", "publish", "commit")) + " |")
    s = r.get("spark")
    if s is not None:
        out += ["", "## Spark Structured Streaming, same partitions", ""]
        if "unavailable" in s:
            out.append(f"Spark: unavailable ({s['unavailable']}).")
        elif not s["agrees"]:
            out.append(f"Spark's output DISAGREES with freshet's, so no figures: {'; '.join(s['differences'])}")
        else:
            fc = p["cold"]["seconds"]
            fs = [x["seconds"] for x in p["steady"]]
            out += [f"Output checked first: the cold batch's {s['docs_checked']:,} docs (with their groups) and "
                    f"{s['terms_checked']:,} terms' doc ids are the same as freshet's cold delta.", "",
                    "| figure | Spark (local[2]) | freshet | Spark / freshet |", "| --- | --- | --- | --- |",
                    f"| cold window rebuild | {s['cold_seconds']:.1f} s | {fc:.1f} s (whole process) | {ratio(s['cold_seconds'], fc)}x |",
                    f"| steady batch (median) | {_median(s['steady_seconds']):.1f} s | {_median(fs):.1f} s | "
                    f"{ratio(_median(s['steady_seconds']), _median(fs))}x |",
                    f"| new partition landed → output written (median) | {_median(s['freshness_seconds']):.1f} s "
                    f"(trigger 2 s) | {_median(fs):.1f} s + cadence | |",
                    f"| snapshot load (cached in memory) | {s['base_load_seconds']:.1f} s | (base index, built once) | |",
                    f"| peak RSS (driver + JVM) | {s['peak_rss_mib']:,} MiB | {p['steady_peak_rss_mib']:,} MiB | "
                    f"{ratio(s['peak_rss_mib'], p['steady_peak_rss_mib'])}x |"]
            if s.get("note"):
                out += ["", s["note"]]
    rows = r.get("index_build")
    if rows:
        f2 = next(x for x in rows if x["engine"] == "freshet" and x.get("threads") == 2)
        out += ["", "## Index build of the snapshot's documents", "",
                "MB/s over the documents as TSV (the same bytes for every engine). freshet's figure is "
                "`build-full`: it reads the Parquet snapshot, joins items onto ads and computes the aggregates "
                "itself; the peers get the joined documents as TSV read into memory before their clock starts.", "",
                "| engine | threads | docs/s | MB/s | peak RSS | index bytes/doc | freshet docs/s ÷ this |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for x in rows:
            if "unavailable" in x:
                out.append(f"| {x['engine']} | {x.get('threads', '')} | unavailable: {x['unavailable'][:200]} | | | | |")
                continue
            same = next((y for y in rows if y["engine"] == "freshet" and y.get("threads") == x["threads"]), f2)
            out.append(f"| {x['engine']} | {x['threads']} | {x['docs_per_s']:,} | {x['mb_per_s']} | "
                       f"{x['peak_rss_mib']:,} MiB | {x['bytes_per_doc']} | {ratio(same['docs_per_s'], x['docs_per_s'])} |")
    if r.get("query"):
        out += ["", query_bench.markdown(r["query"]).rstrip("\n")]
    return "\n".join(out) + "\n"


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0


def argument_parser(doc):
    """The options bench/run_all.py and bench/query_bench.py share: --workload, --bin, --jobs."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="ads-1m", choices=sorted(pb.WINDOW))
    ap.add_argument("--bin", default=str(ROOT / "build" / "release" / "freshet"))
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("FRESHET_JOBS", "2")), help="cargo build jobs")
    return ap


def main():
    ap = argument_parser(__doc__)
    ap.add_argument("--work", help="work folder (default: a temporary one, removed at the end)")
    ap.add_argument("--results", default=str(ROOT / "bench" / "results"), help="where WORKLOAD.json and .md go")
    ap.add_argument("--steady", type=int, default=3, help="steady batches (freshet and Spark)")
    ap.add_argument("--speed", type=float, default=10, help="simulated clock speed of freshet's steady loop")
    ap.add_argument("--skip", default="", help="comma-separated: spark, tantivy, lucene, query")
    ap.add_argument("--queries-per-class", type=int, default=200, help="the query comparison's queries per class")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds one peer run may take")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if not Path(args.bin).exists():
        sys.exit(f"{args.bin} is missing: run scripts/build.sh release")
    work = Path(args.work or tempfile.mkdtemp(prefix="freshet-peers-"))
    for sub in ("data", "freshet", "freshet-1", "spark", "docs.tsv", "queries.jsonl", "tantivy-query-index",
                "lucene-query-index"):  # what an earlier run left
        path = work / sub
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    results = {"workload": args.workload, "seed": pb.SEED, "machine": machine_info()}
    log(f"machine {results['machine']}")

    peers = build_peers(skip, args.jobs)

    window = pb.WINDOW[args.workload]
    f = pb.Freshet(args.bin, work / "freshet")
    data = work / "data"
    log(f"gen {args.workload} -> {data}")
    f.gen(args.workload, data, window + args.steady + 1)
    f.write_config(threads=2, data=str(data))
    want_spark = "spark" not in skip
    results["freshet"], digest = freshet_pipeline(f, args.workload, args.steady, args.speed, GROWTH[args.workload],
                                                  dump_cold=want_spark)
    if want_spark:
        try:
            results["spark"] = spark_pipeline(data, work / "spark", window, args.steady, results["freshet"]["cold"],
                                              digest, args.timeout)
        except Unavailable as e:
            log(f"spark: unavailable: {e}")
            results["spark"] = {"unavailable": str(e)}
        shutil.rmtree(work / "spark", ignore_errors=True)

    log("exporting the snapshot's documents as TSV for the index peers")
    tsv = work / "docs.tsv"
    subprocess.run([str(VENV_PYTHON), str(PEERS / "export_docs.py"), str(data / "snapshot"), str(tsv)], check=True)
    rows = [{"engine": "freshet", "threads": 2, **_build_row(results["freshet"]["base"], tsv.stat().st_size)}]
    f1 = pb.Freshet(args.bin, work / "freshet-1")
    rows += index_builds(f1, data, tsv, peers, [1, 2], args.timeout)
    results["index_build"] = sorted(rows, key=lambda x: (x["engine"] != "freshet", x["engine"], x.get("threads", 0)))
    if "query" not in skip:
        log(f"freshet: a delta of {query_bench.DELTA_PARTITIONS} partitions over the 1-thread base")
        manifests = query_bench.publish_delta(f1)
        results["query"] = query_bench.compare(f1, manifests, tsv, peers, work, args.queries_per_class, 3, log,
                                               args.timeout)
    results["machine"]["load_average_at_end"] = os.getloadavg()

    out = Path(args.results)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.workload}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    md = markdown(results)
    (out / f"{args.workload}.md").write_text(md)
    print(md)
    log(f"wrote {out / (args.workload + '.json')} and .md")
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
