"""The pipeline with input and output in an S3 bucket (a real MinIO server),
checked against the same independent oracle as the local runs."""
import hashlib
import json

import pytest

from conftest import S3_BUCKET, requires_s3, s3_client, s3_url, use_s3_urls
from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s

pytestmark = requires_s3


def gen_both(ws, prefix, partitions, seed=7, fmt="jsonl"):
    """Generates the workload locally as JSON Lines (for the oracle) and, in
    `fmt`, straight into the bucket (same seed: same records)."""
    ws.gen(partitions, seed, fmt="jsonl")
    ws.gen(partitions, seed, fmt=fmt, out=s3_url(prefix + "/data"))


def bucket_listing(client, prefix):
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=S3_BUCKET, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"][len(prefix):]] = (o["Size"], o["ETag"].strip('"'))
    return out


def test_generated_data_in_the_bucket_equals_the_local_files(ws, s3_prefix):
    gen_both(ws, s3_prefix, partitions=3)
    client = s3_client()
    remote = bucket_listing(client, s3_prefix + "/data/")
    local = {}
    for p in sorted((ws.path / "data").rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            local[str(p.relative_to(ws.path / "data"))] = (len(data), hashlib.md5(data).hexdigest())
    assert remote == local


@pytest.mark.sanitizer_smoke
def test_latest_batch_reads_and_publishes_in_the_bucket(ws, s3_prefix):
    gen_both(ws, s3_prefix, partitions=12)
    use_s3_urls(ws, s3_prefix)
    ws.cli("build-full")
    ws.cli("run", "--once")
    last = CUT_S + 11 * PERIOD_S
    assert watermark_s(ws) == last
    check_against_oracle(ws, last)
    assert not (ws.path / "index").exists(), "nothing published locally"
    keys = bucket_listing(s3_client(), s3_prefix + "/index/")
    assert "CURRENT" in keys
    assert sum(k.startswith("segments/") for k in keys) == 4  # 2 base + 2 delta shards
    current = s3_client().get_object(Bucket=S3_BUCKET, Key=s3_prefix + "/index/CURRENT")
    assert current["Body"].read().decode().strip() == ws.status()["manifest_key"]


@pytest.mark.sanitizer_smoke
def test_parquet_input_in_the_bucket_matches_the_oracle(ws, s3_prefix):
    # The Parquet reader fetches footers and column chunks with ranged GETs.
    ws.write_config(fmt="parquet")
    gen_both(ws, s3_prefix, partitions=6, seed=11, fmt="parquet")
    assert any(k.endswith(".parquet") for k in bucket_listing(s3_client(), s3_prefix + "/data/"))
    use_s3_urls(ws, s3_prefix)
    ws.cli("build-full")
    ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S + 5 * PERIOD_S
    check_against_oracle(ws, CUT_S + 5 * PERIOD_S, data_dir=ws.path / "data")


def test_sequential_batches_and_a_late_file_in_the_bucket(ws, s3_prefix):
    ws.write_config(policy="sequential", retention="1h")
    gen_both(ws, s3_prefix, partitions=4)
    use_s3_urls(ws, s3_prefix)
    ws.cli("build-full")
    for i in range(4):
        ws.cli("run", "--once")
        assert watermark_s(ws) == CUT_S + i * PERIOD_S
    check_against_oracle(ws, CUT_S + 3 * PERIOD_S)

    # A late file lands in an already published partition, locally and in the
    # bucket: its ETag is new, the next batch republishes with it.
    hits, _ = ws.all_docs()
    victim = sorted(hits)[0]
    late = {"ad_id": victim, "item_id": hits[victim]["group"], "campaign_id": "camp-late",
            "title": "zyzzyva late edit", "description": "", "keywords": [], "bid": 9.99,
            "status": "active", "updated_at": hits[victim]["version"] + 1, "op": "upsert"}
    rel = "ads/dt=2026-05-04/hour=10/minute=05/part-late.jsonl"
    body = (json.dumps(late) + "\n").encode()
    (ws.path / "data" / rel).write_bytes(body)
    s3_client().put_object(Bucket=S3_BUCKET, Key=f"{s3_prefix}/data/{rel}", Body=body)
    before = ws.status()["manifest_version"]
    ws.cli("run", "--once")
    assert ws.status()["manifest_version"] == before + 1
    assert ws.query_ids("zyzzyva") == [victim]
    check_against_oracle(ws, CUT_S + 3 * PERIOD_S)

    # Collection two hours later (retention 1h): only what CURRENT serves and
    # what it served before (a reader may have just read it) are left.
    served = ws.status()["batches"][:2]
    ws.cli("gc", clock="fixed:2026-05-04T13:00:00Z")
    client = s3_client()
    keys = bucket_listing(client, s3_prefix + "/index/")
    assert sorted(k for k in keys if k.startswith("manifests/")) == \
        sorted(b["manifest_key"] for b in served)
    referenced = set()
    for b in served:
        body = client.get_object(Bucket=S3_BUCKET, Key=f"{s3_prefix}/index/{b['manifest_key']}")
        manifest = json.loads(body["Body"].read())
        referenced |= {r["key"] for r in manifest["base"] + manifest.get("delta", [])}
    assert {k for k in keys if k.startswith("segments/")} == referenced
    assert len(referenced) > 4
