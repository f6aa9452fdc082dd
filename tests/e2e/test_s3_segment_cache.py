"""Readers of an S3 output fetch segments into a local disk cache, verify them
against the manifest, then map them: a later reader (or a restarted runner)
does not fetch them again, a damaged cached copy is fetched again, the cache
stays under its size limit, and a cache folder that cannot be written only
costs the caching."""
import json

import pytest

from conftest import S3_BUCKET, requires_s3, s3_client
from test_oracle import CUT_S, PERIOD_S, check_against_oracle
from test_s3_pipeline import bucket_listing, gen_both
from conftest import use_s3_urls

pytestmark = requires_s3
LAST = CUT_S + 5 * PERIOD_S


def published(ws, s3_prefix, cache, monkeypatch):
    monkeypatch.setenv("FRESHET_SEGMENT_CACHE", str(cache))
    gen_both(ws, s3_prefix, partitions=6)
    use_s3_urls(ws, s3_prefix)
    ws.cli("build-full")
    ws.cli("run", "--once")
    key = ws.status()["manifest_key"]
    obj = s3_client().get_object(Bucket=S3_BUCKET, Key=f"{s3_prefix}/index/{key}")
    manifest = json.loads(obj["Body"].read())
    ws.all_docs()  # a reader fills the cache (the runner cached the base it read)
    return {s["key"].rsplit("/", 1)[1]: s["bytes"] for s in manifest["base"] + manifest["delta"]}


def test_segments_are_served_from_the_cache(ws, s3_prefix, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    segments = published(ws, s3_prefix, cache, monkeypatch)
    cached = {p.name: p.stat().st_size for p in cache.iterdir() if not p.name.startswith(".")}
    assert segments.items() <= cached.items()
    # With the segments gone from the bucket, readers still answer, from the cache.
    client = s3_client()
    for name in segments:
        client.delete_object(Bucket=S3_BUCKET, Key=f"{s3_prefix}/index/segments/{name}")
    assert not any(k.startswith("segments/") for k in bucket_listing(client, s3_prefix + "/index/"))
    check_against_oracle(ws, LAST)
    # Without the cache, the same read fails, naming the missing segment.
    monkeypatch.setenv("FRESHET_SEGMENT_CACHE", "off")
    proc = ws.cli("query", "*", check=False)
    assert proc.returncode != 0
    assert "segments/" in proc.stderr


def test_a_damaged_cached_copy_is_fetched_again(ws, s3_prefix, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    segments = published(ws, s3_prefix, cache, monkeypatch)
    for name in segments:
        path = cache / name
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF  # same size, other content
        path.write_bytes(bytes(data))
    proc = ws.cli("query", "*", "--json", "--limit", "1")
    assert proc.stderr.count("segment_cache_refetch") == len(segments), proc.stderr
    check_against_oracle(ws, LAST)
    after = {p.name: p.stat().st_size for p in cache.iterdir() if not p.name.startswith(".")}
    assert segments.items() <= after.items()
    assert "segment_cache_refetch" not in ws.cli("query", "*", "--limit", "1").stderr


def test_the_cache_stays_under_its_limit(ws, s3_prefix, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    segments = published(ws, s3_prefix, cache, monkeypatch)
    limit = max(segments.values())  # room for the largest segment only
    monkeypatch.setenv("FRESHET_SEGMENT_CACHE_BYTES", str(limit))
    for p in cache.iterdir():
        p.unlink()
    ws.all_docs()
    check_against_oracle(ws, LAST)
    sizes = [p.stat().st_size for p in cache.iterdir() if not p.name.startswith(".")]
    assert 1 <= len(sizes) < len(segments), sizes
    assert sum(sizes) <= limit + max(sizes), sizes


def test_an_unwritable_cache_folder_only_costs_the_caching(ws, s3_prefix, tmp_path, monkeypatch):
    published(ws, s3_prefix, tmp_path / "cache", monkeypatch)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FRESHET_SEGMENT_CACHE", str(blocker / "cache"))
    proc = ws.cli("query", "*", "--limit", "1")
    assert "segment_cache_unusable" in proc.stderr
    check_against_oracle(ws, LAST)
