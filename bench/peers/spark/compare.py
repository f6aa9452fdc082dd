"""Checks that the Spark pipeline's output agrees with a freshet delta.

freshet's side is `freshet inspect --dump` of each delta segment of a
manifest (docs with their group, every term with its doc ids); Spark's is the
docs and postings Parquet one batch of spark_pipeline.py wrote. They agree
when both hold the same docs in the same groups and every (field, term) has
the same set of doc ids. Sets are compared through an order-free digest (the
count and the sum of a 64-bit hash of each id), so a million docs fit in
memory.
"""
import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _id_hash(doc_id):
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=8).digest(), "little")


class Digests:
    """(field, term) -> [count, hash sum mod 2^64], and doc -> group."""

    def __init__(self):
        self.docs = {}
        self.terms = {}
        self._hash = {}

    def hash_of(self, doc_id):
        h = self._hash.get(doc_id)
        if h is None:
            h = self._hash[doc_id] = _id_hash(doc_id)
        return h

    def add(self, key, count, total):
        d = self.terms.setdefault(key, [0, 0])
        d[0] += count
        d[1] = (d[1] + total) % (1 << 64)


def freshet_delta_segments(output):
    """Paths of the delta segments of the manifest CURRENT names, which must
    have one layer (a runner's first batch: the whole window rebuilt)."""
    output = Path(output)
    manifest = json.loads((output / (output / "CURRENT").read_text().strip()).read_text())
    delta = manifest.get("delta", [])
    if any(s.get("layer", 0) != 0 for s in delta):
        raise ValueError("the current delta has several layers; compare a runner's first batch")
    return [output / s["key"] for s in delta]


def read_freshet(freshet_bin, segments):
    d = Digests()
    for seg in segments:
        p = subprocess.Popen([freshet_bin, "inspect", "--dump", str(seg)], stdout=subprocess.PIPE, text=True)
        for line in p.stdout:
            kind, a, b = line.rstrip("\n").split("\t", 2)
            if kind == "doc":
                d.docs[a] = b
            else:
                term, ids = b.split("\t", 1)
                ids = ids.split(" ") if ids else []
                d.add((a, term), len(ids), sum(map(d.hash_of, ids)))
        if p.wait() != 0:
            raise RuntimeError(f"freshet inspect --dump {seg} failed ({p.returncode})")
    return d


def read_spark(batch_output):
    d = Digests()
    docs = pq.read_table(Path(batch_output) / "docs", columns=["ad_id", "item_id"])
    d.docs = dict(zip(docs["ad_id"].to_pylist(), docs["item_id"].to_pylist()))
    post = pq.read_table(Path(batch_output) / "postings").combine_chunks()
    ids = post["doc_ids"].combine_chunks()
    flat = ids.flatten()
    universe = pa.array(sorted(set(d.docs) | set(pc.unique(flat).to_pylist())))
    hashes = np.array([_id_hash(x) for x in universe.to_pylist()], dtype=np.uint64)
    per_id = hashes[pc.index_in(flat, value_set=universe).to_numpy(zero_copy_only=False)]
    offsets = ids.offsets.to_numpy()
    counts = np.diff(offsets)
    sums = np.zeros(len(counts), dtype=np.uint64)
    nonempty = counts > 0
    if per_id.size:
        with np.errstate(over="ignore"):
            sums[nonempty] = np.add.reduceat(per_id, offsets[:-1][nonempty])
    for field, term, c, s in zip(post["field"].to_pylist(), post["term"].to_pylist(), counts, sums):
        d.add((field, term), int(c), int(s))
    return d


def compare(freshet, spark, limit=5):
    """Returns a list of differences (empty when the outputs agree)."""
    diffs = []
    if freshet.docs != spark.docs:
        only_f = sorted(set(freshet.docs) - set(spark.docs))
        only_s = sorted(set(spark.docs) - set(freshet.docs))
        moved = sorted(k for k in set(freshet.docs) & set(spark.docs) if freshet.docs[k] != spark.docs[k])
        diffs.append(f"docs: {len(freshet.docs)} in freshet, {len(spark.docs)} in Spark; only in freshet "
                     f"{only_f[:limit]}, only in Spark {only_s[:limit]}, other group {moved[:limit]}")
    bad = [k for k in freshet.terms.keys() | spark.terms.keys() if freshet.terms.get(k) != spark.terms.get(k)]
    if bad:
        bad.sort()
        shown = [f"{f}:{t} freshet df {freshet.terms.get((f, t), [0])[0]} Spark df {spark.terms.get((f, t), [0])[0]}"
                 for f, t in bad[:limit]]
        diffs.append(f"{len(bad)} of {len(freshet.terms)} terms differ: {shown}")
    return diffs
