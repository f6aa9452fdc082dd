#!/usr/bin/env python3
"""Query latency of freshet beside Tantivy and Lucene, on the same documents
and the same queries, in the same run.

The documents are the snapshot's (the base freshet builds), exported for the
peers by bench/peers/export_docs.py; the queries are bench/query_set.py's
fixed, seeded set (PER_CLASS of each class: one term, two-term AND, two-term
OR, term + keyword filter, term + numeric range, top 10 by BM25, top 10 by
bid, and a term with a keyword filter or a range on the item's fields). Every engine runs the whole file in-process, single-threaded, warm (a
warm-up pass first, then --passes timed passes), timing each query:

  - freshet: bench/query_bench (C++, IndexView::Search, the API `serve`
    uses) over the base alone, then over the base plus one delta of
    DELTA_PARTITIONS partitions (`freshet run --once`);
  - freshet in segment format 3 (unless --skip format3): the same base
    written with `pipeline.segment_format = 3`, the item's fields copied onto
    every ad, beside format 4's group fields stored once per item;
  - Tantivy and Lucene: the peers' `query` mode (bench/peers/*), which index
    the TSV first (untimed; field norms on, for BM25) and then run the file.

Answers are checked before any figure is shown beside freshet's: for each
query, the peer's hit count must equal freshet's (over the base alone) and
its top 10 must hold freshet's top 10, except where sort keys tie at the
10th place (BM25 scores within TIE_TOLERANCE, equal bids). Each class's
disagreements are counted and listed. Figures: p50 and p99 in µs per class
(over every timed run of the class's queries), and p99 over all classes.

    bench/query_bench.py [--workload tiny|ads-1m] [--dir DIR] [--skip tantivy,lucene,format3]
                         [--total-hits-threshold N]

--total-hits-threshold N (0: not run) runs freshet once more over the base
and over the base + delta with SearchOptions::total_hits_threshold = N:
N matches counted exactly, then runs of docs that cannot enter the page are
passed over uncounted (the total becomes a lower bound). Its pages must
equal the exact runs' and its totals stay between min(N, exact) and the
exact total; both are checked and the mismatches counted. The peers run in
their exact-count mode only.

--dir reuses what an earlier run left there (the generated data, freshet's
index, the TSV, the query file). Results: RESULTS/query-WORKLOAD.json and .md.
bench/run_all.py runs the same comparison (`compare`) in its own work folder.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pipeline_bench as pb  # noqa: E402
import query_set  # noqa: E402
import run_all  # noqa: E402  (the peers' builders; its functions are used only at call time)

ROOT = pb.ROOT
DELTA_PARTITIONS = 3
TIE_TOLERANCE = 1e-3  # relative: BM25 in float32 (the peers) vs double, lossy norms
SHOWN_DIFFERENCES = 5  # disagreements listed per engine and class


class EngineFailed(Exception):
    """An engine that could not run the query file."""


def run_engine(cmd, timeout=None):
    """Runs one engine over the query file: (its header, {query id: answer}, peak RSS MiB).
    The header gains the 1-minute load average before and after the run."""
    load_before = os.getloadavg()[0]
    m = pb.measure(cmd, timeout=timeout)
    lines = [json.loads(l) for l in m.stdout.splitlines() if l.startswith("{")]
    if m.returncode != 0 or not lines:
        raise EngineFailed(f"{' '.join(map(str, cmd[:3]))} failed ({m.returncode}): {m.stderr.strip()[-800:]}")
    lines[0]["load_average_1m"] = [load_before, os.getloadavg()[0]]
    return lines[0], {a["id"]: a for a in lines[1:]}, round(m.peak_rss_mib)


def latency(queries, answers):
    """p50 and p99 (µs) per class and over every class."""
    out, every = {}, []
    for cls in query_set.CLASSES:
        us = [t for q in queries if q["class"] == cls for t in answers[q["id"]]["us"]]
        every += us
        out[cls] = {"p50_us": round(pb.percentile(us, 0.5), 1), "p99_us": round(pb.percentile(us, 0.99), 1)}
    out["all"] = {"p50_us": round(pb.percentile(every, 0.5), 1), "p99_us": round(pb.percentile(every, 0.99), 1)}
    return out


def _settled(hits, keys, sort):
    """The ids of `hits` whose place in a top 10 does not hang on a tie with
    the 10th hit's sort key (all of them when there are fewer than 10)."""
    if sort == "id" or len(hits) < 10:
        return list(hits)
    last = keys[-1]
    tolerance = TIE_TOLERANCE * abs(last) if sort == "score" else 0
    return [h for h, k in zip(hits, keys) if abs(k - last) > tolerance]


def disagreements(queries, reference, answers):
    """Per class: the queries where `answers` differ from `reference` (freshet's)."""
    out = {cls: [] for cls in query_set.CLASSES}
    for q in queries:
        want, got = reference[q["id"]], answers.get(q["id"])
        if got is None:
            out[q["class"]].append({"id": q["id"], "query": q["query"], "missing": True})
            continue
        problem = {}
        if got["total"] != want["total"]:
            problem["total"] = [want["total"], got["total"]]
        if q["sort"] == "id":
            if got["hits"] != want["hits"]:
                problem["hits"] = [want["hits"], got["hits"]]
        else:
            missing = [h for h in _settled(want["hits"], want["keys"], q["sort"]) if h not in got["hits"]]
            if missing:
                problem["top10_missing"] = missing
        if problem:
            out[q["class"]].append({"id": q["id"], "query": q["query"], **problem})
    return out


def publish_delta(f):
    """Over the base in service in `f`'s folder, publishes one delta of
    DELTA_PARTITIONS partitions; returns both generations' manifest keys."""
    current = f.work / "index" / "CURRENT"
    base = current.read_text().strip()
    pb.cold_batch(f, DELTA_PARTITIONS)
    return {"base_manifest": base, "delta_manifest": current.read_text().strip()}


def prepare(f, workload, data):
    """A work folder with the generated data, freshet's base and one delta
    over it (publish_delta), or what an earlier run left there."""
    state = f.work / "query-bench.json"
    if state.exists():
        return json.loads(state.read_text())
    if not (data / "snapshot").exists():
        f.gen(workload, data, DELTA_PARTITIONS + 1)
    f.write_config(data=str(data))
    f.reset_output()
    pb.base_build(f)
    manifests = publish_delta(f)
    state.write_text(json.dumps(manifests) + "\n")
    return manifests


def prepare_format3(f3, data):
    """freshet's base of the same data written in segment format 3 (group
    fields copied onto every doc), in its own folder: the denormalized form
    format 4's group fields are compared with. Returns its manifest key."""
    state = f3.work / "query-bench.json"
    if state.exists():
        return json.loads(state.read_text())["base_manifest"]
    f3.write_config(data=str(data))
    config = Path(f3.config)
    config.write_text(config.read_text().replace("[pipeline]\n", "[pipeline]\nsegment_format = 3\n", 1))
    f3.reset_output()
    pb.base_build(f3)
    base = (f3.work / "index" / "CURRENT").read_text().strip()
    state.write_text(json.dumps({"base_manifest": base}) + "\n")
    return base


def threshold_mismatches(queries, exact, answers, threshold):
    """Per class, the queries whose threshold-mode answer is not the exact
    run's page, or whose total is not between min(threshold, exact) and
    the exact total (equal to it when not marked a lower bound)."""
    out = {cls: 0 for cls in query_set.CLASSES}
    for q in queries:
        e, a = exact[q["id"]], answers[q["id"]]
        low = min(threshold, e["total"]) if a.get("total_is_lower_bound") else e["total"]
        if a["hits"] != e["hits"] or not low <= a["total"] <= e["total"]:
            out[q["class"]] += 1
    return out


def compare(f, manifests, tsv, peers, work, per_class, passes, log, timeout=None, f3=None, threshold=0):
    """The query comparison over freshet's folder `f` (a published base and a
    delta over it, `manifests` as prepare() returns) and the peers (name ->
    command, or the Unavailable exception). Returns the results dict."""
    queries_path = work / "queries.jsonl"
    queries = query_set.generate(tsv, per_class)
    query_set.write(queries, queries_path)
    log(f"query set: {len(queries)} queries ({per_class} per class) -> {queries_path}")
    bench = Path(f.bin).parent / "bench" / "query_bench"
    url = "file://" + str((f.work / "index").resolve())
    res = {"per_class": per_class, "passes": passes, "delta_partitions": DELTA_PARTITIONS,
           "queries_file": queries_path.name, "engines": {}}  # the file is in the work folder
    reference = None
    runs = [("freshet", url, manifests["base_manifest"]), ("freshet+delta", url, manifests["delta_manifest"])]
    if threshold:
        runs += [("freshet-threshold", url, manifests["base_manifest"]),
                 ("freshet+delta-threshold", url, manifests["delta_manifest"])]
        res["total_hits_threshold"] = threshold
    exact = {}
    if f3:
        runs.append(("freshet-format3", "file://" + str((f3.work / "index").resolve()), manifests["format3_manifest"]))
    for name, index_url, manifest in runs:
        log(f"{name}: running the query set")
        extra = ["--total-hits-threshold", str(threshold)] if name.endswith("-threshold") else []
        head, answers, rss = run_engine([str(bench), index_url, str(queries_path), "--passes", str(passes),
                                         "--manifest", manifest, *extra], timeout)
        res["engines"][name] = {"header": head, "latency": latency(queries, answers), "peak_rss_mib": rss}
        if extra:
            res["engines"][name]["mismatches"] = threshold_mismatches(
                queries, exact[name.removesuffix("-threshold")], answers, threshold)
        else:
            exact[name] = answers
        if reference is None:
            reference = answers
        elif name == "freshet-format3":
            diffs = disagreements(queries, reference, answers)
            res["engines"][name]["disagreements"] = {c: len(d) for c, d in diffs.items()}
    for name, cmd in peers.items():
        if isinstance(cmd, Exception):
            res["engines"][name] = {"unavailable": str(cmd)}
            continue
        log(f"{name}: indexing the TSV and running the query set")
        try:
            head, answers, rss = run_engine([*cmd, "query", str(tsv), str(work / f"{name}-query-index"),
                                             str(queries_path), str(passes)], timeout)
        except EngineFailed as e:
            res["engines"][name] = {"unavailable": str(e)}
            continue
        diffs = disagreements(queries, reference, answers)
        res["engines"][name] = {
            "header": head, "latency": latency(queries, answers), "peak_rss_mib": rss,
            "disagreements": {c: len(d) for c, d in diffs.items()},
            "examples": {c: d[:SHOWN_DIFFERENCES] for c, d in diffs.items() if d}}
        log(f"{name}: disagreements per class {res['engines'][name]['disagreements']}")
    res["totals"] = {cls: pb.percentile([reference[q["id"]]["total"] for q in queries if q["class"] == cls], 0.5)
                     for cls in query_set.CLASSES}
    return res


def markdown(r):
    """The comparison as a Markdown section."""
    e = r["engines"]
    fb = e["freshet"]
    out = ["## Query latency beside Tantivy and Lucene", "",
           f"{r['per_class']} queries per class (bench/query_set.py, seed {pb.SEED}), single-threaded, in-process, "
           f"warm: a warm-up pass, then {r['passes']} timed passes; each query timed from its text to its "
           "10 hits with their stored ids, counting every match. freshet: `bench/query_bench` over the base "
           f"({fb['header']['docs']:,} docs), then over the base + a delta of {r['delta_partitions']} partitions "
           f"({e['freshet+delta']['header']['docs']:,} live docs); peers over the same base documents. "
           "p50 / p99 in µs.", ""]
    peers = [n for n in ("tantivy", "lucene") if n in e]
    head = "| class | median hits | freshet | freshet + delta |"
    for n in peers:
        head += f" {n} | {n} ÷ freshet (p50) | {n}: answers differing |"
    out += [head, "|" + " --- |" * (4 + 3 * len(peers))]
    for cls in [*query_set.CLASSES, "all"]:
        title = query_set.CLASS_TITLES.get(cls, "all classes")
        hits = r["totals"].get(cls, "")
        row = f"| {title} | {hits if hits == '' else f'{hits:,}'} | {_pp(fb['latency'][cls])} | " \
              f"{_pp(e['freshet+delta']['latency'][cls])} |"
        for n in peers:
            p = e[n]
            if "unavailable" in p:
                row += " unavailable | | |"
                continue
            d = p["disagreements"].get(cls, sum(p["disagreements"].values()))
            row += f" {_pp(p['latency'][cls])} | {run_all.ratio(p['latency'][cls]['p50_us'], fb['latency'][cls]['p50_us'])} " \
                   f"| {d} of {r['per_class'] * (1 if cls != 'all' else len(query_set.CLASSES))} |"
        out.append(row)
    if "freshet-threshold" in e:
        n = r["total_hits_threshold"]
        ft, fdt = e["freshet-threshold"], e["freshet+delta-threshold"]
        out += ["", f"## freshet with a total-hits threshold of {n:,}", "",
                f"The same queries with `SearchOptions::total_hits_threshold = {n}`: {n:,} matches counted "
                "exactly, then runs of docs that a block bound rules out (BM25 block maxima, the sort field's "
                "block min/max, 64-doc runs of doc ids) are passed over uncounted, the total reported as a lower "
                "bound. Mismatches: pages that differ from the exact run's, or totals outside [min(threshold, "
                "exact), exact]. The peers above count every match. p50 / p99 in µs.", "",
                "| class | freshet exact | freshet, threshold | freshet + delta exact | freshet + delta, threshold "
                "| mismatches |", "| --- | --- | --- | --- | --- | --- |"]
        for cls in [*query_set.CLASSES, "all"]:
            m = sum(ft["mismatches"].values()) + sum(fdt["mismatches"].values()) if cls == "all" else \
                ft["mismatches"][cls] + fdt["mismatches"][cls]
            out.append(f"| {query_set.CLASS_TITLES.get(cls, 'all classes')} | {_pp(fb['latency'][cls])} | "
                       f"{_pp(ft['latency'][cls])} | {_pp(e['freshet+delta']['latency'][cls])} | "
                       f"{_pp(fdt['latency'][cls])} | {m} |")
    if "freshet-format3" in e:
        f3 = e["freshet-format3"]
        out += ["", "## Group fields as parents: format 4 beside format 3", "",
                "The same base written in segment format 3 (`pipeline.segment_format = 3`: the item's fields "
                "copied onto each of its ads, as a doc's own fields) and in format 4 (stored and indexed once "
                "per item, a clause on them expanded to the item's ads). The group classes put a clause on an "
                "item field; the issue's target is format 4 within 1.2x of format 3 there. p50 / p99 in µs.", "",
                "| class | format 4 | format 3 | format 4 ÷ format 3 (p50) | answers differing |",
                "| --- | --- | --- | --- | --- |"]
        for cls in [*query_set.CLASSES, "all"]:
            d = f3.get("disagreements", {})
            differing = d.get(cls, sum(d.values())) if d else 0
            out.append(f"| {query_set.CLASS_TITLES.get(cls, 'all classes')} | {_pp(fb['latency'][cls])} | "
                       f"{_pp(f3['latency'][cls])} | "
                       f"{run_all.ratio(fb['latency'][cls]['p50_us'], f3['latency'][cls]['p50_us'])} | "
                       f"{differing} |")
    loads = [f"{n} {x['header']['load_average_1m'][0]:.1f} → {x['header']['load_average_1m'][1]:.1f}"
             for n, x in e.items() if "load_average_1m" in x.get("header", {})]
    if loads:
        out += ["", "Load average (1 min) before → after each engine's run: " + ", ".join(loads) + "."]
    for n in peers:
        p = e[n]
        if "unavailable" in p:
            out += ["", f"{n}: unavailable ({p['unavailable'][:300]})."]
        elif p["examples"]:
            out += ["", f"{n}: answers that differ from freshet's (first {SHOWN_DIFFERENCES} per class):", ""]
            for cls, xs in p["examples"].items():
                for x in xs:
                    out.append(f"- {cls} `{x['query']}`: " + json.dumps({k: v for k, v in x.items()
                                                                         if k not in ("id", "query")})[:400])
    return "\n".join(out) + "\n"


def _pp(lat):
    return f"{lat['p50_us']:,.0f} / {lat['p99_us']:,.0f}"


def main():
    ap = run_all.argument_parser(__doc__)
    ap.add_argument("--dir", help="work folder, kept and reused (default: a temporary one, removed)")
    ap.add_argument("--results", default=str(ROOT / "bench" / "results"), help="where query-WORKLOAD.json/.md go")
    ap.add_argument("--per-class", type=int, default=200, help="queries per class")
    ap.add_argument("--passes", type=int, default=3, help="timed passes over the query set")
    ap.add_argument("--skip", default="", help="comma-separated: tantivy, lucene, format3 (the format-3 base)")
    ap.add_argument("--total-hits-threshold", type=int, default=0,
                    help="also run freshet counting this many matches exactly, then a lower bound (0: not run)")
    args = ap.parse_args()
    if not Path(args.bin).exists():
        sys.exit(f"{args.bin} is missing: run scripts/build.sh release")
    skip = set(filter(None, args.skip.split(",")))
    work = Path(args.dir or tempfile.mkdtemp(prefix="freshet-query-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {"workload": args.workload, "seed": pb.SEED, "machine": run_all.machine_info()}
    peers = run_all.build_peers(skip, args.jobs)
    f = pb.Freshet(args.bin, work / "freshet")
    data = work / "data"
    run_all.log(f"freshet: data, base and a {DELTA_PARTITIONS}-partition delta in {work}")
    manifests = prepare(f, args.workload, data)
    f3 = None
    if "format3" not in skip:
        f3 = pb.Freshet(args.bin, work / "freshet-format3")
        run_all.log("freshet: the same base in segment format 3")
        manifests["format3_manifest"] = prepare_format3(f3, data)
    tsv = work / "docs.tsv"
    if not tsv.exists():
        subprocess.run([str(run_all.VENV_PYTHON), str(run_all.PEERS / "export_docs.py"), str(data / "snapshot"),
                        str(tsv)], check=True)
    results["query"] = compare(f, manifests, tsv, peers, work, args.per_class, args.passes, run_all.log, f3=f3,
                               threshold=args.total_hits_threshold)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    out = Path(args.results)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"query-{args.workload}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    md = run_all.header_markdown(results, f"bench/query_bench.py --workload {args.workload}") + \
        markdown(results["query"])
    (out / f"query-{args.workload}.md").write_text(md)
    print(md)
    if not args.dir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
