#!/usr/bin/env python3
"""The query benchmark's query set: one fixed, seeded file every engine runs.

Reads the documents bench/peers/export_docs.py writes (the TSV of the docs
freshet's base indexes) and writes QUERIES.jsonl: PER_CLASS queries of each
class in CLASSES, one JSON object a line:

  {"id": 7, "class": "term_keyword", "query": "leather status:\\"active\\"", "sort": "id",
   "terms": ["leather"], "op": "and", "keyword": {"field": "status", "value": "active"},
   "range": null}

`query` and `sort` are freshet's (`freshet query QUERY --sort SORT`); the
rest is the structured form the peers translate into their own query API:
`terms` combined by `op`, each term searched in every text field (as a
freshet term without a field), AND the `keyword` filter (an exact value)
AND the `range` filter (inclusive). `sort`: "id" (ad_id ascending, the
first 10 matches), "score" (BM25) or "bid:desc" (top 10 by bid).

Terms are drawn from the docs' titles and descriptions, tokenized as
freshet's analyzer does (runs of letters and digits, lowercased): half of
them by occurrence (a random token of a random doc: frequent terms come up
as often as they occur), half uniformly from the distinct terms (mostly
rare ones). Keyword values are a random doc's `status` or `campaign_id`;
a bid range lies between two random docs' bids. The two group classes do
the same on the item's fields (a doc holds its item's): a keyword filter on
`item_brand` or `item_category`, a range on `item_price`.

    query_set.py DOCS.tsv QUERIES.jsonl [--per-class 200] [--seed 42]
"""
import argparse
import json
import random
import re

# The classes, in the order tables show them.
CLASSES = ["term", "and2", "or2", "term_keyword", "term_range", "top10_bm25", "top10_bid",
           "term_group_keyword", "term_group_range"]
CLASS_TITLES = {
    "term": "one term", "and2": "two-term AND", "or2": "two-term OR", "term_keyword": "term + keyword filter",
    "term_range": "term + numeric range", "top10_bm25": "top 10 by BM25 (two-term OR)",
    "top10_bid": "top 10 by bid (one term)",
    "term_group_keyword": "term + group keyword filter", "term_group_range": "term + group numeric range",
}
COLUMN = {"ad_id": 0, "campaign_id": 2, "title": 3, "description": 4, "bid": 6, "status": 7,
          "item_brand": 9, "item_category": 10, "item_price": 11}
SAMPLE_DOCS = 50_000  # docs whose tokens the terms are drawn from
TOKEN = re.compile(r"[^\W_]+")


def tokens(text):
    return TOKEN.findall(text.lower())


def _term_query(terms, op):
    return (" OR " if op == "or" else " ").join(terms)


def _quote(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(docs_tsv, per_class=200, seed=42):
    """The query set (a list of dicts, as written one a line)."""
    rng = random.Random(seed)
    with open(docs_tsv, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    sample = rng.sample(rows, min(SAMPLE_DOCS, len(rows)))
    doc_tokens = [t for t in (tokens(r[COLUMN["title"]] + " " + r[COLUMN["description"]]) for r in sample) if t]
    vocabulary = sorted({t for ts in doc_tokens for t in ts})

    def term():
        if rng.random() < 0.5:
            return rng.choice(rng.choice(doc_tokens))
        return rng.choice(vocabulary)

    def two_terms():
        a = term()
        b = term()
        while b == a:
            b = term()
        return [a, b]

    def value(column):
        while True:
            v = rng.choice(rows)[COLUMN[column]]
            if v:
                return v

    queries = []
    for cls in CLASSES:
        for _ in range(per_class):
            q = {"id": len(queries), "class": cls, "sort": "id", "op": "and", "keyword": None, "range": None}
            q["terms"] = two_terms() if cls in ("and2", "or2", "top10_bm25") else [term()]
            if cls in ("or2", "top10_bm25"):
                q["op"] = "or"
            text = _term_query(q["terms"], q["op"])
            if cls in ("term_keyword", "term_group_keyword"):
                field = rng.choice(["status", "campaign_id"] if cls == "term_keyword"
                                   else ["item_brand", "item_category"])
                q["keyword"] = {"field": field, "value": value(field)}
                text += f" {field}:{_quote(q['keyword']['value'])}"
            elif cls in ("term_range", "term_group_range"):
                field = "bid" if cls == "term_range" else "item_price"
                lo, hi = sorted(float(value(field)) for _ in range(2))
                q["range"] = {"field": field, "lo": lo, "hi": hi}
                text += f" {field}:[{lo!r} TO {hi!r}]"
            elif cls == "top10_bm25":
                q["sort"] = "score"
            elif cls == "top10_bid":
                q["sort"] = "bid:desc"
            q["query"] = text
            queries.append(q)
    return queries


def write(queries, path):
    with open(path, "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs")
    ap.add_argument("out")
    ap.add_argument("--per-class", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    queries = generate(args.docs, args.per_class, args.seed)
    write(queries, args.out)
    print(f"{len(queries)} queries -> {args.out}")


if __name__ == "__main__":
    main()
