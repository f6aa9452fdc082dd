"""The query files of tests/queries/ (format: tests/queries/README.md), each run
through the real `freshet build-full` and `freshet query --json`.

A file is a small corpus and cases: a query, its options and the hits expected
in order, with their BM25 scores where ranked (to 1e-9), or the error
expected. The expectations are written by hand (scores by an independent
computation, see the README there), never produced by freshet."""
import json
from pathlib import Path

import pytest

from conftest import run

QUERIES = Path(__file__).resolve().parents[1] / "queries"
SCORE_TOLERANCE = 1e-9

CONFIG = """
[pipeline]
name = "q"
output = "index"
metastore = "sqlite:meta.db"
shards = {shards}

[source]
url = "data"
period = "5m"

[columns]
doc_id = "id"
group_key = "group"
version = "v"
text = ["title", "body"]
keyword = ["status", "brand"]
numeric = ["price", "rank"]
stored = ["title", "status", "price"]

[base]
snapshot = "snapshot"
docs = "docs"
"""


class Case:
    def __init__(self, path, line, options, text):
        self.where = f"{path.name}:{line}"
        self.options = options
        self.text = text
        self.total = None
        self.hits = []  # (id, score or None)
        self.error = None


def parse(path):
    """(corpus lines, [shard counts], [Case]) of a query file; raises on a
    malformed one."""
    lines = path.read_text().split("\n")
    corpus, cases, shards = [], [], [1]
    i = 0

    def fail(msg):
        raise ValueError(f"{path.name}:{i + 1}: {msg}")

    while i < len(lines):
        line = lines[i].rstrip()
        if not line or line.startswith("#"):
            i += 1
        elif line == "corpus" or line.startswith("corpus "):
            if line.startswith("corpus file "):
                corpus += (path.parent / line[len("corpus file "):]).read_text().splitlines()
                i += 1
                continue
            i += 1
            while i < len(lines) and lines[i].strip():
                corpus.append(lines[i])
                i += 1
        elif line.startswith("shards "):
            shards = [int(n) for n in line.split()[1:]]
            i += 1
        elif line == "query" or line.startswith("query "):
            options = {}
            for opt in line.split()[1:]:
                key, sep, value = opt.partition("=")
                if not sep or key not in ("sort", "limit", "offset"):
                    fail(f"unknown query option '{opt}' (sort=, limit=, offset=)")
                options[key] = value
            if i + 2 >= len(lines) or lines[i + 2].strip() != "----":
                fail("a query is one line of text, then '----'")
            case = Case(path, i + 1, options, lines[i + 1])
            i += 3
            while i < len(lines) and lines[i].strip():
                words = lines[i].split()
                if words[0] == "total":
                    case.total = int(words[1])
                elif words[0] == "error":
                    case.error = lines[i].strip()[len("error "):]
                elif len(words) in (1, 2):
                    case.hits.append((words[0], float(words[1]) if len(words) == 2 else None))
                else:
                    fail(f"expected 'ID [SCORE]', 'total N' or 'error TEXT', got '{lines[i]}'")
                i += 1
            cases.append(case)
        else:
            fail(f"expected 'corpus', 'shards N', 'query ...' or a comment, got '{line}'")
    if not corpus:
        raise ValueError(f"{path.name}: no corpus")
    return corpus, shards, cases


def build(tmp, corpus, shards):
    """A base index of `corpus` in `shards` segments; returns its config."""
    (tmp / "snapshot" / "docs").mkdir(parents=True)
    (tmp / "snapshot" / "docs" / "part-0.jsonl").write_text("\n".join(corpus) + "\n")
    (tmp / "snapshot" / "CUT").write_text("2026-05-04T10:00:00Z")
    (tmp / "data").mkdir()
    config = tmp / "pipeline.toml"
    config.write_text(CONFIG.format(shards=shards))
    run(["build-full", "--config", str(config), "--clock", "fixed:2026-05-04T10:00:00Z"])
    return config


def check(config, case):
    args = ["query", "--config", str(config), "--json",
            "--sort", case.options.get("sort", "id"),
            "--limit", case.options.get("limit", "100"),
            "--offset", case.options.get("offset", "0"), case.text]
    proc = run(args, check=False)
    if case.error is not None:
        assert proc.returncode != 0, f"{case.where}: `{case.text}` should fail, got {proc.stdout}"
        assert case.error in proc.stderr, f"{case.where}: expected error '{case.error}', got {proc.stderr}"
        return
    assert proc.returncode == 0, f"{case.where}: `{case.text}` failed: {proc.stderr}"
    answer = json.loads(proc.stdout)
    got = [h["id"] for h in answer["hits"]]
    want = [h for h, _ in case.hits]
    assert got == want, f"{case.where}: `{case.text}` {case.options}: hits {got}, expected {want}"
    if case.total is not None:
        assert answer["total"] == case.total, f"{case.where}: total {answer['total']}, expected {case.total}"
    for hit, (doc, score) in zip(answer["hits"], case.hits):
        if score is not None:
            assert "score" in hit, f"{case.where}: {doc} has no score (sort by score)"
            assert abs(hit["score"] - score) <= SCORE_TOLERANCE, (
                f"{case.where}: {doc} scored {hit['score']!r}, expected {score!r}")


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.test")), ids=lambda p: p.stem)
def test_query_file(path, tmp_path):
    corpus, shard_counts, cases = parse(path)
    assert cases, f"{path.name}: no query"
    failures = []
    for shards in shard_counts:
        config = build(tmp_path / f"shards-{shards}", corpus, shards)
        for case in cases:
            try:
                check(config, case)
            except AssertionError as e:
                failures.append(f"(shards {shards}) {e}")
    assert not failures, "\n".join(failures)
