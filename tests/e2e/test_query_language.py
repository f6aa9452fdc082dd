"""The query language as docs/query-language.md documents it, rule by rule,
over six hand-written ads whose answers are evident from the data: every
expected set below is written by hand, not produced by freshet. Also the
command line: a query word starting with '-' needs no '--'."""
import json

import pytest

from conftest import run

CONFIG = """
[pipeline]
name = "ql"
output = "index"
metastore = "sqlite:meta.db"
shards = 1

[source]
url = "data/ads"
layout = "dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}"
period = "5m"
format = "jsonl"

[columns]
doc_id = "ad_id"
group_key = "item_id"
version = "updated_at"
text = ["title", "tags"]
keyword = ["status", "tags"]
numeric = ["bid"]
stored = ["ad_id", "title", "status", "bid"]

[base]
snapshot = "data/snapshot"
docs = "ads"
"""

ADS = [
    {"ad_id": "a1", "item_id": "i1", "updated_at": 1, "title": "Red running shoes",
     "tags": "sale", "status": "active", "bid": 1.5},
    {"ad_id": "a2", "item_id": "i1", "updated_at": 1, "title": "blue shoes for running",
     "tags": "x86-64", "status": "paused", "bid": 0.25},
    {"ad_id": "a3", "item_id": "i2", "updated_at": 1, "title": "red scarf, and a hat",
     "tags": "AND", "status": "active", "bid": 3},
    {"ad_id": "a4", "item_id": "i2", "updated_at": 1, "title": "x86-64 laptop (python inside)",
     "status": "Active", "bid": 2},
    {"ad_id": "a5", "item_id": "i3", "updated_at": 1, "title": "green \"quoted\" hat",
     "tags": "a:b", "status": "active"},
    {"ad_id": "a6", "item_id": "i3", "updated_at": 1, "title": "*", "tags": "-python",
     "status": "paused", "bid": -1},
]
ALL = {"a1", "a2", "a3", "a4", "a5", "a6"}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("ql")
    (root / "pipeline.toml").write_text(CONFIG)
    snap = root / "data" / "snapshot" / "ads"
    snap.mkdir(parents=True)
    (snap / "part-0.jsonl").write_text("".join(json.dumps(a) + "\n" for a in ADS))
    (root / "data" / "snapshot" / "CUT").write_text("2026-05-04T10:00:00Z\n")
    (root / "data" / "ads").mkdir(parents=True)
    run(["build-full", "--config", str(root / "pipeline.toml"), "--clock",
         "fixed:2026-05-04T10:00:00Z"])
    return root


def query(index, *words, check=True, limit=("--limit", "100")):
    p = run(["query", "--config", str(index / "pipeline.toml"), "--json", *limit, *words],
            check=check)
    if not check:
        return p
    return {h["id"] for h in json.loads(p.stdout)["hits"]}


def error(index, q):
    p = query(index, "--", q, check=False)
    assert p.returncode != 0, q
    return p.stderr


@pytest.mark.parametrize("q, want", [
    # Words: case-insensitive in text fields, every token in one field.
    ("red", {"a1", "a3"}),
    ("RED shoes", {"a1"}),
    ("running shoes", {"a1", "a2"}),
    # AND / OR / NOT are operators only in upper case.
    ("red AND hat", {"a3"}),
    ("red and hat", {"a3"}),  # 'and' is a word, and a3's title holds it
    ("red OR blue", {"a1", "a2", "a3"}),
    ("red or blue", set()),
    # Precedence: NOT > AND (written or implied) > OR.
    ("red OR blue shoes", {"a1", "a2", "a3"}),
    ("hat OR red running", {"a1", "a3", "a5"}),
    ("(red OR blue) shoes", {"a1", "a2"}),
    ("NOT red", ALL - {"a1", "a3"}),
    ("-red", ALL - {"a1", "a3"}),
    ("shoes -red", {"a2"}),
    ("-red -hat", {"a2", "a4", "a6"}),
    ("NOT NOT red", {"a1", "a3"}),
    ("NOT red OR hat", {"a2", "a3", "a4", "a5", "a6"}),
    # A '-' inside a word is not an operator; the text analyzer splits there.
    ("x86-64", {"a2", "a4"}),
    ("64 x86", {"a2", "a4"}),
    # Fields: text fields analyze the value, keyword fields match it whole.
    ("title:x86-64", {"a4"}),
    ("tags:x86-64", {"a2"}),
    ("status:active", {"a1", "a3", "a5"}),
    ("status:Active", {"a4"}),
    ("status:ACTIVE", set()),
    ("tags:AND", {"a3"}),  # after 'field:' a word is a value
    ('tags:"AND"', {"a3"}),
    ('tags:"a:b"', {"a5"}),
    ("tags:-python", {"a6"}),
    ('tags:"-python"', {"a6"}),
    # Quotes: one value, a phrase on text fields: its terms one after the
    # other in one field; \" and \\ escape.
    ('"red running shoes"', {"a1"}),
    ('"running shoes"', {"a1"}),
    ('"red shoes"', set()),  # a1 has "running" between them
    ('"shoes red"', set()),
    ('"shoes running"', set()),  # order counts: a2 has "shoes for running"
    ('"shoes for running"', {"a2"}),
    ('title:"RED, Running"', {"a1"}),  # analyzed as the text: case and ',' do not count
    ('"scarf and a hat"', {"a3"}),  # "scarf, and": the comma takes no position
    ('"red hat"', set()),
    ('"x86-64"', {"a2", "a4"}),  # x86 then 64: title of a4, tags of a2
    ('"64 x86"', set()),
    ('"laptop python"', {"a4"}),  # "(" takes no position either
    ('"hat" red', {"a3"}),  # a one-term phrase is the term
    ('title:"green \\"quoted\\" hat"', {"a5"}),
    # Keyword fields match the whole value exactly, quoted or not.
    ('status:"Active"', {"a4"}),
    ('tags:"x86 64"', {"a2"}),  # tags is also text: x86 then 64 (as a keyword: "x86-64")
    # A phrase and a word: both.
    ('"running shoes" -red', set()),
    ('"running shoes" OR "blue shoes"', {"a1", "a2"}),
    # Numbers: equality and inclusive ranges, '*' for an open end.
    ("bid:2", {"a4"}),
    ("bid:[1.5 TO 3]", {"a1", "a3", "a4"}),
    ("bid:[* TO 0.25]", {"a2", "a6"}),
    ("bid:[2 TO *]", {"a3", "a4"}),
    ("bid:[-1 TO -1]", {"a6"}),
    # '*' alone is every doc; as a field value it is a value like any other.
    ("*", ALL),
    ("* -status:paused", {"a1", "a3", "a4", "a5"}),
    ("title:*", set()),  # '*' has no letters or digits: no term
    # A word without letters or digits matches nothing.
    ("red ,", set()),
])
def test_documented_rule(index, q, want):
    assert query(index, "--", q) == want, q


@pytest.mark.parametrize("q, message", [
    ('"red', "query: unclosed quote at offset 0"),
    ("bid:[1 TO 2", "query: unclosed '[' at offset 4"),
    ("(red", "query: expected ')' but found end of query at offset 4"),
    ("red)", "query: unexpected ')' at offset 3"),
    ("[1 TO 2]", "query: expected a term but found '1 TO 2' at offset 0"),
    ("bid:[1 2]", "query: expected '[LOW TO HIGH]' but found '1 2' at offset 4"),
    ("bid:[a TO 2]", "range bounds must be numbers (as JSON writes them) or '*'"),
    ("bid:cheap", "query: field 'bid' is numeric; 'cheap' is not a number"),
    ("title:[1 TO 2]", "query: range on 'title', which is not a numeric field"),
    ("price:1", "query: unknown field 'price' (searchable fields: title, tags, status, bid)"),
    ("title:(red OR blue)", "query: expected a value for field 'title' but found '('"),
    ("red OR", "query: expected a term but found end of query at offset 6"),
    ("", "give a QUERY or --doc ID"),
])
def test_bad_query_is_named_with_its_offset(index, q, message):
    assert message in error(index, q)


def test_limits(index):
    assert "more than 1024 terms" in error(index, " ".join(["red"] * 1025))
    assert "nested deeper than 64 levels" in error(index, "(" * 70 + "red" + ")" * 70)
    assert "exceeds the limit of 65536" in error(index, "r" * 65537)


def test_a_query_word_starting_with_a_dash_needs_no_separator(index):
    # As a user types it: no quotes around the whole query, no '--'.
    assert query(index, "-red") == ALL - {"a1", "a3"}
    assert query(index, "shoes", "-red") == {"a2"}
    assert query(index, "-n", "100", "shoes", "-red", limit=()) == {"a2"}
    assert query(index, "--limit=100", "-hat", "--sort", "bid:desc", "-red",
                 limit=()) == {"a2", "a4", "a6"}
    # A bracket is not read as a list of arguments.
    assert "expected a term but found '1 TO 2'" in query(index, "[1 TO 2]", check=False).stderr
    # Words already behind '--' keep their order after the others.
    assert query(index, "shoes", "--", "-red") == {"a2"}
    # The options themselves still work, and `--help` still answers.
    help_text = run(["query", "--help"]).stdout
    assert "a word starting with '-' that is not an option" in help_text


def test_a_phrase_scores_as_the_and_of_its_terms(index):
    def scores(q):
        p = run(["query", "--config", str(index / "pipeline.toml"), "--json", "--sort", "score",
                 "--", q])
        return {h["id"]: h["score"] for h in json.loads(p.stdout)["hits"]}
    phrase, words = scores('"running shoes"'), scores("running shoes")
    assert set(phrase) == {"a1"} and set(words) == {"a1", "a2"}
    assert phrase["a1"] == words["a1"] > 0


def test_a_delta_that_rewords_a_doc_ends_its_phrase_match(tmp_path):
    """Base + delta: a partition rewrites a1's title; the phrase follows the
    newest text (the delta's positions), the words alone still match. With
    positions off, the stored text answers alike."""
    for positions in ("true", "false"):
        root = tmp_path / positions
        root.mkdir()
        (root / "pipeline.toml").write_text(
            CONFIG.replace('numeric = ["bid"]', f'numeric = ["bid"]\npositions = {positions}'))
        snap = root / "data" / "snapshot" / "ads"
        snap.mkdir(parents=True)
        (snap / "part-0.jsonl").write_text("".join(json.dumps(a) + "\n" for a in ADS))
        (root / "data" / "snapshot" / "CUT").write_text("2026-05-04T10:00:00Z\n")
        run(["build-full", "--config", str(root / "pipeline.toml"), "--clock",
             "fixed:2026-05-04T10:00:00Z"])
        assert query(root, "--", '"red running shoes"') == {"a1"}
        part = root / "data" / "ads" / "dt=2026-05-04" / "hour=10" / "minute=00"
        part.mkdir(parents=True)
        reworded = dict(ADS[0], updated_at=2, title="Running shoes, red")
        moved = dict(ADS[1], updated_at=2, title="blue running shoes", tags=["red", "shoes"])
        (part / "part-0.jsonl").write_text(json.dumps(reworded) + "\n" + json.dumps(moved) + "\n")
        (part / "_SUCCESS").write_text("")
        run(["run", "--config", str(root / "pipeline.toml"), "--clock",
             "fixed:2026-05-04T10:08:00Z", "--once"])
        assert query(root, "--", '"red running shoes"') == set(), positions
        # Words, each in any text field: a2's "red" is in its tags.
        assert query(root, "--", "red running shoes") == {"a1", "a2"}, positions
        assert query(root, "--", '"running shoes"') == {"a1", "a2"}, positions
        assert query(root, "--", '"shoes red"') == {"a1"}, positions
        assert query(root, "--", 'title:"blue running"') == {"a2"}, positions
        # The strings of a list field are separate values.
        assert query(root, "--", 'tags:"red shoes"') == set(), positions
        assert query(root, "--", "tags:red tags:shoes") == {"a2"}, positions
