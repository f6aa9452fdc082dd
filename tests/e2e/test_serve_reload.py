"""Hot reload under load: clients query `freshet serve` while `freshet run`
publishes 60 generations one after the other. Every generation rewrites every
doc with a marker of its batch (b0000, b0001, ...; the base says 'base'), so a
response mixing two generations (base and delta, or two deltas' shards) would
carry two markers, or a marker that does not match the version it reports."""
import json
import threading
import time
import urllib.parse

import pytest

from conftest import run
from serve_helpers import fixed_clock_after, make_marker_pipeline, serve

SWAPS = 60
CLIENTS = 4


@pytest.mark.sanitizer_smoke
def test_hot_reload_under_load_no_errors_no_mixed_generations(tmp_path):
    config = make_marker_pipeline(tmp_path, partitions=SWAPS)
    clock = fixed_clock_after(SWAPS)
    run(["build-full", "--config", str(config), "--clock", clock])
    server = serve([config])
    stop = threading.Event()
    errors, mixed, backwards = [], [], []
    version_marker = {}  # version -> marker, across every client
    counts = [0] * CLIENTS
    lock = threading.Lock()

    def client(n):
        conn = server.connection()
        last = -1
        queries = ["*", "shoes", "marker:b0030 OR shoes"]
        i = 0
        while not stop.is_set():
            q = queries[i % len(queries)]
            i += 1
            path = "/search?" + urllib.parse.urlencode({"q": q, "limit": 100, "sort": "id"})
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    errors.append((resp.status, body[:200]))
                    continue
                r = json.loads(body)
            except Exception as e:  # a failed request: counted, never retried silently
                errors.append(repr(e))
                conn.close()
                conn = server.connection()
                continue
            markers = {h["fields"]["marker"] for h in r["hits"]}
            if r["total"] != 40 or len(r["hits"]) != 40 or len(markers) != 1:
                mixed.append((r["version"], sorted(markers), r["total"]))
                continue
            (marker,) = markers
            with lock:
                if version_marker.setdefault(r["version"], marker) != marker:
                    mixed.append((r["version"], marker, version_marker[r["version"]]))
            if r["version"] < last:
                backwards.append((last, r["version"]))
            last = r["version"]
            counts[n] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        for p in range(SWAPS):
            run(["run", "--config", str(config), "--clock", clock, "--once"])
            # Wait until the server serves this batch's generation (version p + 2).
            deadline = time.time() + 10
            while time.time() < deadline:
                _, status = server.get("/status")
                gen = status["pipelines"][0]["generation"]
                if gen and gen["version"] >= p + 2:
                    break
                time.sleep(0.01)
            else:
                raise AssertionError(f"the server never loaded version {p + 2}")
        time.sleep(0.2)  # a last round of queries on the newest generation
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    _, status = server.get("/status")
    pipeline = status["pipelines"][0]
    assert server.stop() == 0
    assert errors == []
    assert mixed == []
    assert backwards == []
    # Every generation went through the server: the base plus SWAPS deltas.
    assert pipeline["reloads"] == SWAPS + 1
    assert pipeline["generation"]["version"] == SWAPS + 1
    assert version_marker[SWAPS + 1] == f"b{SWAPS - 1:04d}"
    assert version_marker.get(1, "base") == "base"
    # The clients queried throughout, across many generations.
    assert sum(counts) >= 2 * SWAPS
    assert len(version_marker) >= SWAPS // 2, sorted(version_marker)
    # Old generations were released once their queries ended.
    assert pipeline["open_generations"] == 1
