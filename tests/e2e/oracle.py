"""An independent reference computation of what freshet must publish.

Written from DESIGN.md and the README's semantics, from the raw generated
files, without any of the engine's code: newest version per doc (ties: the
record read later in (partition, file, line) order wins; snapshot records come
before window records), deletions, group records expanded onto each doc,
aggregates over each group's docs.
"""
import json
import math
import re
from pathlib import Path

MAX_RECORD_BYTES = 8 << 20  # the documented per-record limit
TOKEN = re.compile(rb"[0-9A-Za-z\x80-\xff]+")


def tokens(text):
    """The engine's analyzer, restated: alnum ASCII runs and non-ASCII bytes, lowercased, cut at 64 bytes."""
    if isinstance(text, list):
        out = []
        for t in text:
            out += tokens(t)
        return out
    if text is None:
        return []
    if isinstance(text, bool):
        text = "true" if text else "false"
    if not isinstance(text, str):
        text = repr(text) if isinstance(text, float) else str(text)
    return [t.lower()[:64].decode("utf-8", "replace") for t in TOKEN.findall(text.encode())]


def value_tokens(text, analyze=None):
    """The terms of each value of a field, one list per value (per string of a
    list field): a phrase never spans two values."""
    analyze = analyze or tokens
    if isinstance(text, list):
        return [analyze(v) for v in text]
    return [analyze(text)]


def holds_phrase(text, phrase, analyze=None):
    """True when one value of `text` holds the terms of `phrase` one after the
    other (what a quoted value on a text field matches): positions count terms
    only, so punctuation between two words does not part them."""
    analyze = analyze or tokens
    want = analyze(phrase)
    if not want:
        return False
    for got in value_tokens(text, analyze):
        for i in range(len(got) - len(want) + 1):
            if got[i:i + len(want)] == want:
                return True
    return False


def _reject_constant(name):
    raise ValueError(name)


def parse_line(raw):
    """A JSON object or None (the engine quarantines what this rejects)."""
    try:
        text = raw.decode("utf-8")
        obj = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):  # too deep: the engine rejects it too
        return None
    return obj if isinstance(obj, dict) else None


# README "Numbers": a value is a number iff it is an integer or a finite float
# (not a boolean), or a string that is, entirely, a JSON number whose double is
# finite.
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def number_of(v):
    """The number a stored value holds under the README's rule, else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return float(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, str) and JSON_NUMBER.fullmatch(v):
        d = float(v)
        return d if math.isfinite(d) else None
    return None


def key_text(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, str) and v:
        return v
    if isinstance(v, int):
        return str(v)
    return None


def version_of(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v) and abs(v) < 9.0e18 and v == math.floor(v):
        return int(v)
    return None  # version_format = "integer": strings (even RFC 3339) are bad records


def read_records(files, id_col, group_col=None):
    """Yields (id, group, version, deleted, record) from files in the given order."""
    for f in files:
        for raw in Path(f).read_bytes().split(b"\n"):
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if not raw.strip(b" \t"):
                continue
            if len(raw) > MAX_RECORD_BYTES:
                continue
            obj = parse_line(raw)
            if obj is None:
                continue
            if any(isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v))
                   for k, v in obj.items() if k in COLUMNS_ALL):
                continue
            rid = key_text(obj.get(id_col))
            version = version_of(obj.get("updated_at"))
            if rid is None or version is None:
                continue
            deleted = obj.get("op") == "delete"
            group = None
            if group_col:
                group = key_text(obj.get(group_col))
                if group is None and not deleted:
                    continue
            yield rid, group, version, deleted, obj


COLUMNS_ALL = {"ad_id", "item_id", "campaign_id", "title", "description", "keywords", "bid",
               "status", "updated_at", "op", "brand", "category", "price"}


def partition_files(root, stream, start_s, target_s, period_s=300):
    """Data files of partitions with start in [start_s, target_s], in (partition, key) order."""
    import datetime as dt
    out = []
    t = start_s
    while t <= target_s:
        d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
        folder = Path(root) / stream / f"dt={d:%Y-%m-%d}" / f"hour={d:%H}" / f"minute={d:%M}"
        if folder.is_dir():
            out += sorted(str(p) for p in folder.iterdir()
                          if p.is_file() and p.name.endswith((".jsonl", ".json", ".ndjson"))
                          and not p.name.startswith(("_", ".")))
        t += period_s
    return out


def newest(records):
    best = {}
    for rid, group, version, deleted, obj in records:
        cur = best.get(rid)
        if cur is None or version >= cur[1]:
            best[rid] = (group, version, deleted, obj)
    return best


AD_STORED = ["ad_id", "item_id", "campaign_id", "title", "bid", "status"]
ITEM_STORED = ["title", "brand", "category", "price"]


def newest_records(data_dir, cut_s, target_s):
    """(ads, items): the newest record of each ad and item id, {id: (group, version,
    deleted, record)}, over the snapshot and the partitions [cut_s, target_s]."""
    data = Path(data_dir)
    snap_ads = sorted(str(p) for p in (data / "snapshot" / "ads").glob("*.jsonl"))
    snap_items = sorted(str(p) for p in (data / "snapshot" / "items").glob("*.jsonl"))
    ads = newest(list(read_records(snap_ads, "ad_id", "item_id")) +
                 list(read_records(partition_files(data, "ads", cut_s, target_s), "ad_id", "item_id")))
    items = newest(list(read_records(snap_items, "item_id")) +
                   list(read_records(partition_files(data, "items", cut_s, target_s), "item_id")))
    return ads, items


def expected_index(data_dir, cut_s, target_s):
    """{doc id: {"group":..., "fields": {...}, "text": {...}, "keyword": {...}}} at `target_s`."""
    ads, items = newest_records(data_dir, cut_s, target_s)
    groups = {}
    for aid, (group, version, deleted, obj) in ads.items():
        if not deleted:
            groups.setdefault(group, []).append(aid)
    out = {}
    for group, members in groups.items():
        members.sort()
        item = items.get(group)
        item_obj = item[3] if item and not item[2] else None
        bids = [number_of(ads[a][3].get("bid")) for a in members]
        bids = [b for b in bids if b is not None]
        aggregates = {"item_count": float(len(members)),
                      "item_min_bid": min(bids) if bids else None,
                      "item_max_bid": max(bids) if bids else None}
        for aid in members:
            obj = ads[aid][3]
            fields = {c: obj.get(c) for c in AD_STORED}
            for c in ITEM_STORED:
                fields["item_" + c] = item_obj.get(c) if item_obj else None
            fields.update(aggregates)
            text = {c: tokens(obj.get(c)) for c in ("title", "description", "keywords")}
            values = {c: obj.get(c) for c in ("title", "description", "keywords")}
            for c in ("title", "brand", "category"):
                text["item_" + c] = tokens(item_obj.get(c)) if item_obj else []
                values["item_" + c] = item_obj.get(c) if item_obj else None
            keyword = {"status": obj.get("status"), "campaign_id": obj.get("campaign_id"),
                       "item_brand": item_obj.get("brand") if item_obj else None,
                       "item_category": item_obj.get("category") if item_obj else None}
            out[aid] = {"group": group, "version": ads[aid][1], "fields": fields, "text": text,
                        "values": values, "keyword": keyword, "bid": obj.get("bid")}
    return out


def same_value(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def diff_docs(expected, actual_hits, limit=10):
    """Human-readable differences between the oracle and `freshet query --json` hits."""
    problems = []
    missing = sorted(set(expected) - set(actual_hits))
    extra = sorted(set(actual_hits) - set(expected))
    if missing:
        problems.append(f"{len(missing)} docs missing, e.g. {missing[:5]}")
    if extra:
        problems.append(f"{len(extra)} unexpected docs, e.g. {extra[:5]}")
    for aid in sorted(set(expected) & set(actual_hits)):
        e, a = expected[aid], actual_hits[aid]
        if e["group"] != a["group"]:
            problems.append(f"{aid}: group {a['group']} != expected {e['group']}")
        for name, value in e["fields"].items():
            if not same_value(value, a["fields"].get(name)):
                problems.append(f"{aid}.{name}: {a['fields'].get(name)!r} != expected {value!r}")
        if len(problems) > limit:
            break
    return problems


# Fixed queries with their meaning restated over the oracle's docs.
def _any_text(d, term):
    return any(term in toks for toks in d["text"].values())


def _any_phrase(d, phrase):
    return any(holds_phrase(v, phrase) for v in d["values"].values())


QUERIES = [
    ("shoes", lambda d: _any_text(d, "shoes")),
    ("title:red", lambda d: "red" in d["text"]["title"]),
    ("status:active", lambda d: d["keyword"]["status"] == "active"),
    ("status:paused OR item_title:pro", lambda d: d["keyword"]["status"] == "paused" or "pro" in d["text"]["item_title"]),
    ("* -status:active", lambda d: d["keyword"]["status"] != "active"),
    ("bid:[1 TO 2.5]", lambda d: number_of(d["bid"]) is not None and 1 <= number_of(d["bid"]) <= 2.5),
    ("item_count:[5 TO *]", lambda d: d["fields"]["item_count"] >= 5),
    ('"bundle deal"', lambda d: _any_phrase(d, "bundle deal")),
    ('"deal bundle" OR title:"off bundle"', lambda d: _any_phrase(d, "deal bundle")
     or holds_phrase(d["values"]["title"], "off bundle")),
]


def phrases_from_data(expected):
    """Phrase queries with their meaning, from the data: the most frequent pair
    of consecutive title terms, the same pair reversed, unfielded; and two
    neighbouring keywords of one ad, which are two values of a list field
    (apart), and the pair of the description's first two terms."""
    pairs = {}
    for d in expected.values():
        toks = d["text"]["title"]
        for a, b in zip(toks, toks[1:]):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    out = []
    if pairs:
        (a, b), _ = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        out.append((f'title:"{a} {b}"', lambda d, p=f"{a} {b}": holds_phrase(
            d["values"]["title"], p)))
        out.append((f'"{b} {a}"', lambda d, p=f"{b} {a}": _any_phrase(d, p)))
    for d in sorted(expected.values(), key=lambda d: d["version"]):
        kws = d["values"]["keywords"]
        desc = d["text"]["description"]
        if isinstance(kws, list) and len(kws) >= 2 and len(desc) >= 2:
            p = f"{tokens(kws[0])[0]} {tokens(kws[1])[0]}" if tokens(kws[0]) and tokens(
                kws[1]) else None
            if p:
                out.append((f'keywords:"{p}"', lambda d, p=p: holds_phrase(
                    d["values"]["keywords"], p)))
            q = f"{desc[0]} {desc[1]}"
            out.append((f'description:"{q}"', lambda d, q=q: holds_phrase(
                d["values"]["description"], q)))
            break
    return out


def query_terms_from_vocabulary(expected, n=6):
    """A few frequent and rare title terms from the data, so queries always have hits."""
    counts = {}
    for d in expected.values():
        for t in set(d["text"]["title"]):
            counts[t] = counts.get(t, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked:
        return []
    picks = ranked[:n // 2] + ranked[-(n - n // 2):]
    return [t for t, _ in picks]


# --- Ranking, restated from the README's "Ranking" paragraph -------------------

TEXT_FIELDS = ["title", "description", "keywords", "item_title", "item_brand", "item_category"]
K1, B = 1.2, 0.75
MAX_FIELD_LENGTH = 65535  # token counts are kept up to this


def _matches(d, clause):
    field, word = clause
    toks = tokens(word)
    fields = [field] if field else TEXT_FIELDS
    return bool(toks) and any(all(t in d["text"][f] for t in toks) for f in fields)


def bm25_scores(expected, query):
    """{doc id: BM25 score} of the live docs `expected` (as expected_index gives
    them) matching `query`: words, optionally `field:word`, all required, or
    separated by ` OR ` (any). Over the live docs: N is their number, df the
    live docs holding a term in a field, the average length that of the field
    over them."""
    any_of = " OR " in query
    clauses = []
    for word in query.split(" OR ") if any_of else query.split():
        field, _, value = word.strip().rpartition(":")
        clauses.append((field or None, value))
    docs = expected.values()
    n = len(expected)
    lengths = {f: [min(len(d["text"][f]), MAX_FIELD_LENGTH) for d in docs] for f in TEXT_FIELDS}
    average = {f: sum(v) / n if n else 0.0 for f, v in lengths.items()}
    scoring = [(f, t) for field, word in clauses for f in TEXT_FIELDS
               if field in (None, f) for t in tokens(word)]
    idf = {}
    for f, t in scoring:
        df = sum(1 for d in docs if t in d["text"][f])
        idf[(f, t)] = math.log(1 + (n - df + 0.5) / (df + 0.5))
    out = {}
    for aid, d in expected.items():
        hits = [_matches(d, c) for c in clauses]
        if not (any(hits) if any_of else all(hits)):
            continue
        score = 0.0
        for f, t in scoring:
            tf = d["text"][f].count(t)
            if tf == 0:
                continue
            length = min(len(d["text"][f]), MAX_FIELD_LENGTH)
            norm = 1 - B + B * length / average[f] if average[f] > 0 else 1.0
            score += idf[(f, t)] * tf * (K1 + 1) / (tf + K1 * norm)
        out[aid] = score
    return out
