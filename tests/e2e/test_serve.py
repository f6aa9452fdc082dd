"""`freshet serve` against the real binary on the tiny workload: endpoints,
ranking shared with `freshet query`, limits and their 4xx errors, metrics,
hot reload, shutdown; and `freshet run --metrics-addr`."""
import datetime as dt
import json
import re
import urllib.parse

import pytest

from conftest import wait_for
from serve_helpers import Server, serve


@pytest.fixture
def published(ws):
    ws.gen(partitions=6)
    ws.cli("build-full")
    ws.cli("run", "--once")
    return ws


@pytest.fixture
def server(published):
    s = serve([published.config])
    yield s
    s.kill()


def cli_json(ws, *args):
    return json.loads(ws.cli("query", *args, "--json").stdout)


@pytest.mark.sanitizer_smoke
def test_search_matches_the_query_command(published, server):
    ws = published
    assert server.get("/healthz") == (200, "ok\n")
    assert server.get("/readyz") == (200, "ready\n")
    code, r = server.get("/search", q="smartphone OR blender", sort="id", limit=1000)
    assert code == 200
    cli = cli_json(ws, "smartphone OR blender", "--limit", "1000")
    assert [h["id"] for h in r["hits"]] == [h["id"] for h in cli["hits"]]
    assert r["total"] == cli["total"] and r["version"] == ws.status()["manifest_version"]
    # BM25 by default: the same order and scores as `query --sort score`.
    code, ranked = server.get("/search", q="golouga smartphone", limit=50)
    assert code == 200 and ranked["sort"] == "score"
    cli = cli_json(ws, "golouga smartphone", "--sort", "score", "--limit", "50")
    assert [(h["id"], h["score"]) for h in ranked["hits"]] == \
        [(h["id"], h["score"]) for h in cli["hits"]]
    scores = [h["score"] for h in ranked["hits"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    # Pages concatenate to the full ranking.
    pages = []
    for offset in range(0, 50, 7):
        _, page = server.get("/search", q="golouga smartphone", limit=7, offset=offset)
        pages += [h["id"] for h in page["hits"]]
    assert pages == [h["id"] for h in ranked["hits"]]
    # Top-k by a numeric field, with a keyword filter.
    code, by_bid = server.get("/search", q="status:active", sort="bid:desc", limit=20)
    bids = [h["fields"]["bid"] for h in by_bid["hits"]]
    assert code == 200 and bids == sorted(bids, reverse=True)
    assert all(h["fields"]["status"] == "active" for h in by_bid["hits"])
    # A long query by POST.
    code, posted = server.request("POST", "/search?sort=id&limit=1000", body="smartphone OR blender",
                                  headers={"Content-Type": "text/plain"})
    assert code == 200 and posted["total"] == r["total"]
    # One doc, as `query --doc` shows it.
    doc_id = r["hits"][0]["id"]
    code, doc = server.get("/doc/" + urllib.parse.quote(doc_id))
    assert code == 200
    assert doc["doc"] == json.loads(ws.cli("query", "--doc", doc_id, "--json").stdout)


def test_errors_are_clear_4xx(server):
    def error(path, **params):
        code, body = server.get(path, **params)
        return code, body["error"] if isinstance(body, dict) else body

    assert error("/search") == (400, "q: missing (the query, e.g. q=red+shoes or q=*)")
    code, msg = error("/search", q="(red")
    assert code == 400 and "expected ')'" in msg and "offset 4" in msg
    assert error("/search", q="smartphone", limit=5000) == (
        400, "limit: 5000 exceeds the maximum of 1000")
    assert error("/search", q="smartphone", limit="ten") == (
        400, "limit: 'ten' is not a non-negative integer")
    assert error("/search", q="smartphone", offset=99999, limit=10) == (
        400, "offset + limit: exceeds the maximum of 100000")
    assert error("/search", q="smartphone", sort="bid:up") == (
        400, "sort 'bid:up': expected score, id, FIELD, FIELD:asc or FIELD:desc")
    assert error("/search", q="smartphone", sort="title") == (400, "sort: 'title' is not a numeric field")
    code, msg = error("/search", q="colour:red")
    assert code == 400 and msg.startswith("query: unknown field 'colour' (searchable fields: ")
    assert error("/search", q=" OR ".join(f"w{i}" for i in range(300))) == (
        400, "query: 300 terms exceed the maximum of 256")
    assert error("/doc/no-such-ad") == (404, "doc 'no-such-ad' not found")
    assert error("/search", q="smartphone", pipeline="other") == (404, "pipeline: no pipeline named 'other'")
    assert error("/nope") == (404, "no such endpoint: /nope")
    code, body = server.request("POST", "/search", body="x" * (200 * 1024),
                                headers={"Content-Type": "text/plain"})
    assert code == 413
    code, _ = server.get("/search", q="a" * 9000)
    assert code == 414
    # The server is still fine.
    assert server.get("/search", q="smartphone")[0] == 200


def parse_metrics(text):
    """{(name, frozenset(labels)): value} from Prometheus text; checks HELP/TYPE."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#") or not line:
            continue
        m = re.fullmatch(r'([a-z_]+)(?:\{(.*)\})? (\S+)', line)
        assert m, f"bad sample line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        assert m.group(1) in typed or base in typed, f"sample without TYPE: {line}"
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def test_metrics_status_and_hot_reload(published, server):
    ws = published
    server.get("/search", q="smartphone")
    server.get("/search")
    _, status = server.get("/status")
    p = status["pipelines"][0]
    v = ws.status()["manifest_version"]
    assert p["name"] == "ads" and p["generation"]["version"] == v
    assert p["generation"]["manifest"] == ws.status()["current"]
    code, text = server.get("/metrics")
    assert code == 200
    m = parse_metrics(text)
    ads = frozenset({("pipeline", "ads")})
    assert m[("freshet_serve_generation_version", ads)] == v
    assert m[("freshet_serve_ready", ads)] == 1
    assert m[("freshet_serve_requests_total",
              frozenset({("endpoint", "/search"), ("code", "200")}))] >= 1
    assert m[("freshet_serve_requests_total",
              frozenset({("endpoint", "/search"), ("code", "400")}))] >= 1
    assert m[("freshet_serve_request_duration_seconds_count",
              frozenset({("endpoint", "/search")}))] >= 2
    # A newer generation is picked up without a restart.
    (ws.path / "data").rename(ws.path / "data-old")
    ws.gen(partitions=9)
    ws.cli("run", "--once")
    v2 = ws.status()["manifest_version"]
    assert v2 > v
    assert wait_for(lambda: server.get("/search", q="*")[1]["version"] == v2, timeout=10)
    _, r = server.get("/search", q="*", sort="id", limit=5)
    assert r["manifest"] == ws.status()["current"]
    # The dashboard's batch log.
    code, batches = server.get("/api/batches", n=10)
    assert code == 200 and batches[0]["manifest_version"] == v2
    assert server.stop() == 0
    assert any('"event":"stopping"' in line for line in server.log)


def test_binds_loopback_unless_told(published):
    s = Server(["serve", "--config", str(published.config), "--listen", "0"])
    try:
        assert s.address == f"127.0.0.1:{s.port}"
    finally:
        assert s.stop() == 0


def test_serves_several_pipelines_and_needs_a_name(published, tmp_path):
    s = serve([published.config, f"copy={published.path / 'index'}"])
    try:
        assert s.get("/search", q="smartphone")[1]["error"] == \
            "pipeline: required with several pipelines (ads, copy)"
        a = s.get("/search", q="smartphone", pipeline="ads", sort="id")[1]
        b = s.get("/search", q="smartphone", pipeline="copy", sort="id")[1]
        assert a["hits"] == b["hits"] and a["total"] > 0
        assert s.get("/api/batches", pipeline="copy")[0] == 404  # no config, no batch log
    finally:
        assert s.stop() == 0


def test_run_exposes_metrics_and_health(ws):
    ws.gen(partitions=6)
    ws.cli("build-full")
    # The continuous loop on a clock running at wall speed: one batch, then it waits.
    runner = Server(["run", "--config", str(ws.config), "--clock", "sim:2026-05-04T10:31:00Z:1",
                     "--metrics-addr", "127.0.0.1:0"], ready_event="metrics_listening",
                    port_key="address")
    try:
        assert wait_for(lambda: "freshet_run_last_batch_records" in runner.get("/metrics")[1],
                        timeout=30)
        m = parse_metrics(runner.get("/metrics")[1])
        ads = frozenset({("pipeline", "ads")})
        st = ws.status(clock="fixed:2026-05-04T10:31:00Z")
        assert m[("freshet_run_lease_state", ads | {("state", "held")})] == 1
        assert m[("freshet_run_epoch", ads)] == st["epoch"]
        assert m[("freshet_run_manifest_version", ads)] == st["manifest_version"]
        assert m[("freshet_run_batches_total", ads | {("outcome", "committed")})] == 1
        batch = st["batches"][0]
        assert m[("freshet_run_records_total", ads)] == batch["records"]
        assert m[("freshet_run_bad_records_total", ads)] == batch["bad_records"]
        assert m[("freshet_run_publications_skipped_total", ads)] == batch["publications_skipped"]
        assert m[("freshet_run_last_batch_phase_seconds", ads | {("phase", "build")})] == \
            pytest.approx(batch["phases_ms"]["build"] / 1000, abs=1e-3)
        wm = dt.datetime.fromisoformat(st["watermark"].replace("Z", "+00:00")).timestamp()
        assert m[("freshet_run_watermark_seconds", ads)] == wm
        assert m[("freshet_run_lag_seconds", ads)] > 0
        code, body = runner.get("/healthz")
        assert code == 200 and body.startswith("ok: lease held")
    finally:
        assert runner.stop() == 0


def test_search_answers_phrases_as_the_query_command(published, server):
    ws = published
    # "bundle deal" ends many generated titles; reversed, it is in none.
    code, r = server.get("/search", q='"bundle deal" OR title:"deal bundle"', sort="score",
                         limit=1000)
    assert code == 200 and r["hits"]
    cli = cli_json(ws, '"bundle deal" OR title:"deal bundle"', "--sort", "score", "--limit", "1000")
    assert [(h["id"], h["score"]) for h in r["hits"]] == \
        [(h["id"], h["score"]) for h in cli["hits"]]
    assert all("bundle deal" in h["fields"]["title"].lower() for h in r["hits"]
               if "title" in h["fields"])
    assert server.get("/search", q='title:"deal bundle"')[1]["total"] == 0


def test_inspect_shows_the_format_written_with_field_lengths(published):
    seg = sorted((published.path / "index" / "segments").glob("*.seg"))[0]
    out = published.cli("inspect", str(seg)).stdout
    assert re.search(r"\(\d+ bytes, format 5\), checksums OK", out)
    title = next(line for line in out.splitlines() if line.strip().startswith("title "))
    assert " text" in title and re.search(r"\(avg \d+\.\d tokens/doc\)", title)
    status = next(line for line in out.splitlines() if line.strip().startswith("status "))
    assert "tokens/doc" not in status  # keyword fields have no lengths


def test_sigterm_under_load_finishes_requests_in_flight(server):
    """Clients query without pause; SIGTERM. Every response that arrives is a
    whole 200 answer; the only failures are connections closed or refused
    after the signal; the process exits 0."""
    import http.client
    import threading
    import time
    stop_sent = threading.Event()
    complete, bad, early_failures, late_failures = [], [], [], []

    def client():
        conn = server.connection()
        while True:
            try:
                conn.request("GET", "/search?q=smartphone&limit=50")
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200 or len(json.loads(body)["hits"]) != 50:
                    bad.append((resp.status, body[:100]))
                complete.append(1)
            except (ConnectionError, http.client.HTTPException, OSError) as e:
                (late_failures if stop_sent.is_set() else early_failures).append(repr(e))
                conn.close()
                if stop_sent.is_set():
                    return
                conn = server.connection()

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    before = len(complete)
    stop_sent.set()
    assert server.stop() == 0
    for t in threads:
        t.join(30)
    assert before > 20
    assert bad == [] and early_failures == []
    assert any('"event":"stopping"' in line for line in server.log)


def test_keep_alive_requests_are_answered_without_a_delayed_ack_stall(server):
    """Requests one after another on one keep-alive connection: each answer
    arrives at once. The server writes the headers and the body of a response
    as two sends; with Nagle's algorithm the body would wait for the client's
    delayed acknowledgement of the headers, 40 ms per request."""
    import time
    conn = server.connection()
    took = []
    for path in ["/healthz", "/search?q=smartphone&limit=10"] * 15:
        t0 = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        took.append(time.perf_counter() - t0)
        assert resp.status == 200
    conn.close()
    took.sort()
    assert took[len(took) // 2] < 0.020, f"median {took[len(took) // 2] * 1000:.1f} ms"


def test_load_client_reports_each_request_in_order(server):
    """bench/serve_load_client, which the serve latency benchmark drives:
    one line per request in request order, with the HTTP code, a latency and
    the server's took_ms (-1 when the body has none)."""
    import subprocess
    from pathlib import Path
    from conftest import FRESHET
    client = Path(FRESHET).parent / "bench" / "serve_load_client"
    if not client.exists():
        pytest.skip(f"{client} not built (benchmarks off)")
    paths = ["/search?q=smartphone&limit=10", "/healthz", "/search?limit=10",
             "/no-such-endpoint"] * 5
    out = subprocess.run([str(client), "--port", str(server.port), "--rate", "200",
                          "--connections", "3"], input="\n".join(paths) + "\n",
                         capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [line.split() for line in out.splitlines()]
    assert [int(r[0]) for r in rows] == list(range(len(paths)))
    assert [int(r[1]) for r in rows] == [200, 200, 400, 404] * 5
    assert all(int(r[2]) > 0 for r in rows)
    assert all(float(r[3]) > 0 for r in rows[0::4])  # /search reports took_ms
    assert all(float(r[3]) == -1 for r in rows[1::4])
    # Nothing listening: refused with a message, exit code 2.
    server.kill()
    gone = subprocess.run([str(client), "--port", str(server.port), "--rate", "10"],
                          input="/healthz\n", capture_output=True, text=True, timeout=60)
    assert gone.returncode == 2 and "cannot connect" in gone.stderr

def test_total_hits_threshold_keeps_the_page_and_bounds_the_total(published, server):
    """`total_hits=N` (serve) and `--total-hits N` (query): the same page as an
    exact search, a total that is exact ("eq") or at least N ("gte") and never
    above the exact one; without it the output has no total_relation."""
    ws = published
    relations = []
    for q, sort in [("status:active", "bid:desc"), ("smartphone OR blender", "score"),
                    ("smartphone", "id")]:
        code, exact = server.get("/search", q=q, sort=sort, limit=5)
        assert code == 200 and "total_relation" not in exact
        assert exact["total"] > 5, (q, exact["total"])
        code, bounded = server.get("/search", q=q, sort=sort, limit=5, total_hits=3)
        assert code == 200
        assert [h["id"] for h in bounded["hits"]] == [h["id"] for h in exact["hits"]]
        assert bounded["total_relation"] in ("eq", "gte")
        relations.append(bounded["total_relation"])
        if bounded["total_relation"] == "eq":
            assert bounded["total"] == exact["total"]
        else:
            assert 3 <= bounded["total"] <= exact["total"]
        cli = cli_json(ws, q, "--sort", sort, "--limit", "5", "--total-hits", "3")
        assert [h["id"] for h in cli["hits"]] == [h["id"] for h in exact["hits"]]
        assert cli["total_relation"] in ("eq", "gte") and cli["total"] <= exact["total"]
        # A threshold above the matches counts them all.
        code, all_counted = server.get("/search", q=q, sort=sort, limit=5,
                                       total_hits=exact["total"] + 1)
        assert all_counted["total_relation"] == "eq" and all_counted["total"] == exact["total"]
    # Top-k by a field and a BM25 union pass over docs here (tiny workload).
    assert "gte" in relations
    assert "total_relation" not in cli_json(ws, "smartphone", "--limit", "5")
    code, err = server.get("/search", q="smartphone", total_hits="-1")
    assert code == 400 and "total_hits" in err["error"]
