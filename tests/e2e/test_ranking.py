"""BM25 over live docs: scores equal the README's formula computed by the
independent oracle over its own model of the live docs, and do not drift as
delta layers accumulate: each generation of a layered delta scores exactly as
the whole-window delta with the same live docs."""
import json
import shutil

from conftest import Workspace
from oracle import bm25_scores, expected_index, query_terms_from_vocabulary
from test_oracle import CUT_S, PERIOD_S

BATCHES = 5


def scores(ws, query, manifest):
    out = json.loads(ws.cli("query", query, "--json", "--sort", "score", "--limit", "100000000",
                            "--manifest", manifest).stdout)
    assert out["total"] == len(out["hits"])
    ranked = [(h["id"], h["score"]) for h in out["hits"]]
    # Best first; equal scores by doc id.
    assert ranked == sorted(ranked, key=lambda x: (-x[1], x[0])), query
    return dict(ranked)


def generations(ws):
    """Manifest keys of the delta batches, oldest first."""
    batches = sorted((b for b in ws.status()["batches"] if b["kind"] == "delta"),
                     key=lambda b: b["batch_id"])
    return [b["manifest_key"] for b in batches]


def layers(ws, manifest_key):
    manifest = json.loads((ws.path / "index" / manifest_key).read_text())
    return 1 + max((s.get("layer", 0) for s in manifest["delta"]), default=0)


def assert_close(actual, expected, what):
    assert set(actual) == set(expected), f"{what}: hits differ"
    worst = max((abs(actual[a] - expected[a]) for a in expected), default=0.0)
    assert worst <= 1e-9, f"{what}: scores differ by up to {worst}"


def test_layered_scores_equal_a_whole_window_delta_and_the_oracle(tmp_path):
    layered = Workspace(tmp_path / "layered")
    whole = Workspace(tmp_path / "whole")
    for w, n in ((layered, 8), (whole, 1)):
        w.path.mkdir()
        w.write_config(policy="sequential", delta_layers=n)
    layered.gen(partitions=BATCHES)
    shutil.copytree(layered.path / "data", whole.path / "data")
    whole.clock = layered.clock
    for w in (layered, whole):
        w.cli("build-full")
        w.cli("run", "--max-batches", str(BATCHES))
    gens_layered, gens_whole = generations(layered), generations(whole)
    assert len(gens_layered) == len(gens_whole) == BATCHES
    # One runner: every batch after its first added a layer; delta_layers = 1
    # rebuilt the whole window each time.
    assert [layers(layered, m) for m in gens_layered] == list(range(1, BATCHES + 1))
    assert [layers(whole, m) for m in gens_whole] == [1] * BATCHES

    for k in range(BATCHES):
        expected = expected_index(layered.path / "data", CUT_S, CUT_S + k * PERIOD_S)
        terms = query_terms_from_vocabulary(expected, n=4)
        queries = terms + [f"{terms[0]} {terms[-1]}", f"{terms[1]} OR {terms[-2]}",
                           f"title:{terms[0]}"]
        for q in queries:
            want = bm25_scores(expected, q)
            assert want or " " in q, q  # a single term from the data has hits
            got_layered = scores(layered, q, gens_layered[k])
            got_whole = scores(whole, q, gens_whole[k])
            # Same live docs, same statistics: the very same scores.
            assert got_layered == got_whole, (k, q)
            assert_close(got_layered, want, f"batch {k + 1}, {layers(layered, gens_layered[k])} "
                                            f"layers, query {q!r}")
