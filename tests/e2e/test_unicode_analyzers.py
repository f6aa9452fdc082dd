"""The Unicode analyzers through the real pipeline (`build-full`, `run`,
`query`) on multilingual ads, against an independent oracle
(unicode_oracle.py: Python's `regex` word boundaries and `str.casefold`, not
ICU): accents, Greek, Cyrillic, Turkish, German ß, CJK, Hangul, emoji,
apostrophes, hyphens, numbers. Also a generation whose base was built with
`ascii` and whose delta with `unicode`: each segment answers with its own
analyzer, and a new base makes them uniform."""
import json

import pytest

import oracle
import unicode_oracle
from conftest import run

CONFIG = """
[pipeline]
name = "uni"
output = "index"
metastore = "sqlite:meta.db"
lag_policy = "sequential"
shards = 2

[source]
url = "data/ads"
period = "5m"
format = "jsonl"

[columns]
doc_id = "ad_id"
group_key = "item_id"
version = "updated_at"
text = ["title", "description"]
keyword = ["status"]
stored = ["title"]
{doc_analyzers}
[group]
url = "data/items"
key = "item_id"
version = "updated_at"
prefix = "item_"
text = ["name"]
{group_analyzers}
[base]
snapshot = "data/snapshot"
docs = "ads"
groups = "items"
"""
UNICODE = {"doc_analyzers": 'analyzer = "unicode"\n[columns.analyzers]\n'
                            'description = "unicode_fold"\n',
           "group_analyzers": 'analyzer = "unicode"\n'}
ASCII = {"doc_analyzers": "", "group_analyzers": ""}

# CJK words are written apart and share no character with one another: ICU
# splits a run of ideographs or kana with its dictionary where the default
# rules of the oracle make each ideograph a word; on such data both find the
# same docs.
ADS = [
    ("a01", "i-phys", "SCHRÖDINGER’s Cat — a thought experiment", "Quantenmechanik für Anfänger"),
    ("a02", "i-phys", "schrödinger equation solver", "Crème brûlée recipes, 3.14 servings"),
    ("a03", "i03", "GNOME’s new desktop", "l’interface élégante"),
    ("a04", "i04", "gnome garden statue", "Gartenzwerg aus Straßburg"),
    ("a05", "i05", "ØMQ messaging library", "brokerless, 1,000 msgs"),
    ("a06", "i06", "ΟΔΥΣΣΕΙΑ του Ομήρου", "Ελληνική έκδοση"),
    ("a07", "i07", "Москва ночью", "ФОТОАЛЬБОМ"),
    ("a08", "i08", "İstanbul guide", "ıspanak tarifleri ISTANBUL"),
    ("a09", "i09", "東京 タワー model", "ミニチュア 模型"),
    ("a10", "i10", "大阪 poster", "서울 여행"),
    ("a11", "i11", "x86-64 laptop 🎉", "fast — really fast!!!"),
    ("a12", "i12", "Straße des 17. Juni", "STRASSE map"),
    ("a13", "i13", "ＦＵＬＬＷＩＤＴＨ ﬁle", "café CAFE\u0301"),
    ("a14", "i14", "e-mail marketing", "résumé RESUME Résumé"),
    ("a15", "i15", "Οδυσσεύς returns", "Odysseus"),
]
ITEMS = [("i-phys", "Physik Bücher"), ("i03", "Maison Dupré"), ("i05", "ÉCLAIR Labs"),
         ("i09", "日本 Souvenir"), ("i12", "Berliner Straßen")]
QUERIES = ["schrödinger", "SCHRÖDINGER", "gnome", "GNOME’s", "ømq", "ØMQ", "οδυσσεια",
           "ΟΔΥΣΣΕΎΣ", "οδυσσευς", "москва", "фотоальбом", "strasse", "straße", "straßburg",
           "istanbul", "İstanbul", "ıspanak", "東京", "タワー", "ミニチュア", "大阪", "日本", "서울",
           "3.14", "1,000", "x86-64", "64", "—", "🎉", "creme", "crème", "brulee", "resume",
           "résumé", "fullwidth", "file", "cafe", "café", "dupre", "dupré", "éclair", "ECLAIR",
           "bücher", "schrödinger equation", "e-mail", "mail", "17", "s", "l", "interface",
           "elegante", "fur", "für"]


def write_index(root, config):
    (root / "pipeline.toml").write_text(CONFIG.format(**config))


@pytest.fixture
def workspace(tmp_path):
    snap = tmp_path / "data" / "snapshot"
    (snap / "ads").mkdir(parents=True)
    (snap / "items").mkdir(parents=True)
    (snap / "ads" / "part-0.jsonl").write_text("".join(
        json.dumps({"ad_id": a, "item_id": i, "updated_at": 1, "title": t, "description": d,
                    "status": "active"}, ensure_ascii=False) + "\n"
        for a, i, t, d in ADS), encoding="utf-8")
    (snap / "items" / "part-0.jsonl").write_text("".join(
        json.dumps({"item_id": i, "updated_at": 1, "name": n}, ensure_ascii=False) + "\n"
        for i, n in ITEMS), encoding="utf-8")
    (snap / "CUT").write_text("2026-05-04T10:00:00Z\n")
    (tmp_path / "data" / "ads").mkdir(parents=True)
    (tmp_path / "data" / "items").mkdir(parents=True)
    return tmp_path


def build_full(root):
    run(["build-full", "--config", str(root / "pipeline.toml"), "--clock",
         "fixed:2026-05-04T10:00:00Z"])


def query(root, q):
    p = run(["query", "--config", str(root / "pipeline.toml"), "--json", "--limit", "100",
             "--", *q.split()])
    out = json.loads(p.stdout)
    assert out["total"] == len(out["hits"])
    return {h["id"] for h in out["hits"]}


def ascii_terms(text):
    return oracle.tokens(text)


def unicode_terms(text):
    return unicode_oracle.terms(text)


def folded_terms(text):
    return unicode_oracle.terms(text, fold_accents=True)


ASCII_FIELDS = {"title": ascii_terms, "description": ascii_terms, "item_name": ascii_terms}
UNICODE_FIELDS = {"title": unicode_terms, "description": folded_terms, "item_name": unicode_terms}


def expected(q, analyzers_of):
    """Ads matching every word of `q` in some text field (a word matches a field
    holding every one of its terms, and none when it has no terms);
    `analyzers_of(ad_id)`: the field -> analyzer map of the ad's segment."""
    names = dict(ITEMS)
    hits = set()
    for ad, item, title, description in ADS:
        fields = {"title": title, "description": description, "item_name": names.get(item)}
        analyzers = analyzers_of(ad)
        held = {f: set(analyzers[f](v)) for f, v in fields.items()}

        def matches(word):
            for f, analyze in analyzers.items():
                wanted = analyze(word)
                if wanted and set(wanted) <= held[f]:
                    return True
            return False

        if all(matches(w) for w in q.split()):
            hits.add(ad)
    return hits


def test_unicode_analyzers_find_what_the_oracle_finds(workspace):
    write_index(workspace, UNICODE)
    build_full(workspace)
    wrong = {q: (got, want) for q in QUERIES
             if (got := query(workspace, q)) != (want := expected(q, lambda _: UNICODE_FIELDS))}
    assert not wrong, wrong
    # What a user relies on, stated outright (the oracle agrees above).
    assert query(workspace, "gnome") == {"a03", "a04"}
    assert query(workspace, "schrödinger") == {"a01", "a02"}
    assert query(workspace, "—") == set()


def test_segments_record_their_analyzers_and_inspect_shows_them(workspace):
    write_index(workspace, UNICODE)
    build_full(workspace)
    segments = sorted((workspace / "index" / "segments").glob("*.seg"))
    assert segments
    out = run(["inspect", str(segments[0])]).stdout
    # Positions are on by default: shown after the analyzer.
    assert " title                    text:unicode positions stored" in out
    assert " description              text:unicode_fold positions" in out
    assert " item_name                text:unicode positions" in out


def test_a_base_built_with_ascii_and_a_delta_with_unicode_each_answer_with_their_own(workspace):
    write_index(workspace, ASCII)
    build_full(workspace)
    # The config switches to unicode; a partition rewrites a01 and a04, which
    # the delta holds, analyzed with unicode (segment format 5: their
    # siblings, a02 included, stay in the base with ascii).
    write_index(workspace, UNICODE)
    part = workspace / "data" / "ads" / "dt=2026-05-04" / "hour=10" / "minute=00"
    part.mkdir(parents=True)
    changed = {"a01", "a04"}
    (part / "part-0.jsonl").write_text("".join(
        json.dumps({"ad_id": a, "item_id": i, "updated_at": 2, "title": t, "description": d,
                    "status": "active"}, ensure_ascii=False) + "\n"
        for a, i, t, d in ADS if a in changed), encoding="utf-8")
    (part / "_SUCCESS").write_text("")
    run(["run", "--config", str(workspace / "pipeline.toml"), "--clock",
         "fixed:2026-05-04T10:08:00Z", "--once"])
    in_delta = changed

    def mixed(ad):
        return UNICODE_FIELDS if ad in in_delta else ASCII_FIELDS

    wrong = {q: (got, want) for q in QUERIES
             if (got := query(workspace, q)) != (want := expected(q, mixed))}
    assert not wrong, wrong
    # SCHRÖDINGER’s (a01, delta) is found, a02's and GNOME’s (a03) in the
    # base (ascii) not.
    assert query(workspace, "gnome") == {"a04"}
    assert query(workspace, "SCHRÖDINGER") == {"a01"}
    # Compaction makes the generation uniform without reading a snapshot: it
    # analyzes the text it folds with the configured analyzers.
    run(["compact", "--config", str(workspace / "pipeline.toml")])
    wrong = {q: (got, want) for q in QUERIES
             if (got := query(workspace, q)) != (want := expected(q, lambda ad: UNICODE_FIELDS))}
    assert not wrong, wrong
    assert query(workspace, "gnome") == {"a03", "a04"}
    # So does a new base.
    run(["build-full", "--config", str(workspace / "pipeline.toml"), "--clock",
         "fixed:2026-05-04T10:09:00Z"])
    assert query(workspace, "gnome") == {"a03", "a04"}


# Phrases (quoted values): their terms one after the other in one field, by
# the field's analyzer; what the analyzer drops (—, ’, !) takes no position.
PHRASES = ['"schrödinger’s cat"', '"SCHRÖDINGER S CAT"', '"cat a thought"', '"cat thought"',
           '"crème brûlée"', '"creme brulee recipes"', '"brulee creme"', '"東京 タワー"',
           '"タワー 東京"', '"ΟΔΥΣΣΕΙΑ ΤΟΥ"', '"του οδυσσεια"', '"Москва ночью"',
           '"straße des 17"', '"des 17 juni"', '"x86 64 laptop"', '"laptop x86"',
           '"fast really fast"', '"gnome’s new"', '"gnome s new desktop"', '"l interface"',
           'title:"e mail"', 'description:"résumé resume"', '"physik bücher"',
           '"bücher physik"', 'item_name:"maison dupré"', '"서울 여행"']


def phrase_expected(q, analyzers):
    """Ads whose text field (the one named, or any) holds the phrase."""
    field, _, phrase = q.rpartition(":")
    phrase = phrase.strip('"')
    names = dict(ITEMS)
    hits = set()
    for ad, item, title, description in ADS:
        fields = {"title": title, "description": description, "item_name": names.get(item)}
        if any(oracle.holds_phrase(v, phrase, analyzers[f]) for f, v in fields.items()
               if field in ("", f)):
            hits.add(ad)
    return hits


def phrase_query(root, q):
    p = run(["query", "--config", str(root / "pipeline.toml"), "--json", "--limit", "100", "--",
             q])
    return {h["id"] for h in json.loads(p.stdout)["hits"]}


@pytest.mark.parametrize("positions", ["true", "false"])
def test_phrases_on_multilingual_text_match_the_oracle(workspace, positions):
    (workspace / "pipeline.toml").write_text(
        CONFIG.format(**UNICODE).replace('stored = ["title"]',
                                        f'stored = ["title"]\npositions = {positions}'))
    build_full(workspace)
    segments = sorted((workspace / "index" / "segments").glob("*.seg"))
    shown = run(["inspect", str(segments[0])]).stdout
    assert (" title                    text:unicode positions stored" in shown) == (
        positions == "true")
    # `--sections` lists each section's id and size: POSITIONS (25) only with
    # positions; GROUP_POSITIONS (26) either way (group.positions is on).
    ids = {}
    for seg in segments:
        line = next(ln for ln in run(["inspect", "--sections", str(seg)]).stdout.splitlines()
                    if ln.startswith("sections (id:bytes):"))
        for pair in line.split(":", 2)[2].split():
            sid, size = pair.split(":")
            ids[int(sid)] = ids.get(int(sid), 0) + int(size)
    assert (25 in ids) == (positions == "true") and ids[26] > 0 and ids[12] > 0, ids
    wrong = {q: (got, want) for q in PHRASES
             if (got := phrase_query(workspace, q)) != (want := phrase_expected(q, UNICODE_FIELDS))}
    assert not wrong, wrong
    # What a user relies on, stated outright (the oracle agrees above).
    assert phrase_query(workspace, '"schrödinger’s cat"') == {"a01"}
    assert phrase_query(workspace, '"東京 タワー"') == {"a09"}
    assert phrase_query(workspace, '"cat thought"') == set()
