"""Delta Lake tables as sources (source.format = "delta"): tables written by
delta-rs (the `deltalake` package, see delta_tables.py), discovered from
their transaction log, checked against the independent oracle."""
import json
import shutil
from pathlib import Path

import pytest

from conftest import PERIOD_S, S3_BUCKET, START_S, clock_after, requires_s3, s3_client, s3_url
from test_oracle import CUT_S, check_against_oracle, watermark_s

pytest.importorskip("deltalake", reason="pip install -r requirements-test.txt")
from deltalake import DeltaTable, write_deltalake  # noqa: E402

from delta_tables import (DELTA_RS, PARTITION_COLUMNS, STREAMS, append_partitions,  # noqa: E402
                          generate, last_version, oracle_data, partition_folder, table_path,
                          write_delta_config)


def setup(ws, partitions, written, pieces=1):
    """Config, generated data (all `partitions`), base, and the first
    `written` partitions in the tables (`pieces` commits each)."""
    write_delta_config(ws)
    generate(ws, partitions, 11)
    append_partitions(ws, 0, written, pieces)
    ws.cli("build-full")


def run_through(ws, partitions, reader=DELTA_RS):
    """Runs a batch once `partitions` partitions are ready; checks that it
    published the newest against the oracle (the tables as `reader` reads
    them) and recorded the tables' versions. Returns the status."""
    ws.cli("run", "--once", clock=clock_after(partitions))
    target = CUT_S + (partitions - 1) * PERIOD_S
    assert watermark_s(ws) == target
    check_against_oracle(ws, target, data_dir=oracle_data(ws, reader))
    st = ws.status(clock=clock_after(partitions))
    assert st["source_version"] == last_version(ws, "ads", reader)
    assert st["group_source_version"] == last_version(ws, "items", reader)
    return st


@pytest.mark.sanitizer_smoke
def test_appends_over_several_commits_match_the_oracle_and_record_the_versions(ws):
    setup(ws, partitions=6, written=4)
    assert run_through(ws, 4)["source_version"] == 3
    # Two more partitions arrive as two more commits per table.
    append_partitions(ws, 4, 2)
    st = run_through(ws, 6)
    assert st["source_version"] == 5
    # The batch log says which versions each batch read.
    assert [b.get("source_version") for b in st["batches"] if b["kind"] == "delta"] == [5, 3]


@pytest.mark.sanitizer_smoke
def test_optimize_vacuum_and_a_checkpoint_do_not_change_what_is_published(ws):
    setup(ws, partitions=6, written=6, pieces=3)
    ws.cli("run", "--once")
    before, _ = ws.all_docs()
    for stream in STREAMS:
        table = DeltaTable(table_path(ws, stream))
        # OPTIMIZE folds each partition's three files into one (remove + add,
        # dataChange = false).
        metrics = table.optimize.compact()
        assert metrics["numFilesRemoved"] > metrics["numFilesAdded"] > 0, metrics
        table.create_checkpoint()
        # VACUUM deletes the files OPTIMIZE removed.
        table.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    ads_log = table_path(ws, "ads") / "_delta_log"
    assert list(ads_log.glob("*.checkpoint.parquet"))
    version = ws.status()["manifest_version"]
    ws.cli("run", "--once")
    # Republished from the files OPTIMIZE wrote (those it replaced are gone),
    # with the same docs.
    assert ws.status()["manifest_version"] == version + 1
    after, _ = ws.all_docs()
    assert after == before
    check_against_oracle(ws, CUT_S + 5 * PERIOD_S, data_dir=oracle_data(ws))
    assert ws.status()["source_version"] == last_version(ws, "ads")


def test_an_overwrite_replaces_the_records_of_the_window(ws):
    setup(ws, partitions=4, written=4)
    ws.cli("run", "--once")
    # Overwrite the ads table with its first partition only: the records of
    # the other partitions' files no longer count.
    folders = partition_folder(START_S)
    first = DeltaTable(table_path(ws, "ads")).to_pyarrow_table(
        filters=[(c, "=", f.split("=", 1)[1]) for c, f in zip(PARTITION_COLUMNS, folders)])
    assert first.num_rows > 0
    write_deltalake(table_path(ws, "ads"), first, partition_by=PARTITION_COLUMNS,
                    mode="overwrite")
    ws.cli("run", "--once")
    expected = check_against_oracle(ws, CUT_S + 3 * PERIOD_S, data_dir=oracle_data(ws))
    assert expected
    assert ws.status()["source_version"] == last_version(ws, "ads")


def committed(ws):
    st = ws.status()
    return st["manifest_key"], ws.all_docs()[0]


def failed_run(ws, clock=None):
    p = ws.cli("run", "--once", check=False, clock=clock)
    assert p.returncode == 1, (p.returncode, p.stderr)
    return p.stderr


def test_a_table_needing_deletion_vectors_is_refused_by_name(ws):
    setup(ws, partitions=3, written=3)
    ws.cli("run", "--once")
    published = committed(ws)
    DeltaTable(table_path(ws, "ads")).alter.set_table_properties(
        {"delta.enableDeletionVectors": "true"})
    protocol = DeltaTable(table_path(ws, "ads")).protocol()
    assert "deletionVectors" in (protocol.reader_features or []), protocol
    err = failed_run(ws)
    assert "deletionVectors" in err, err
    assert "not read" in err, err
    assert committed(ws) == published


def test_a_table_with_column_mapping_is_refused_by_name(ws):
    setup(ws, partitions=3, written=3)
    ws.cli("run", "--once")
    published = committed(ws)
    # A commit by a writer that maps column names to physical ones.
    log = table_path(ws, "ads") / "_delta_log"
    metadata = next(json.loads(line) for line in (log / f"{0:020d}.json").read_text().splitlines()
                    if '"metaData"' in line)
    metadata["metaData"]["configuration"]["delta.columnMapping.mode"] = "name"
    version = last_version(ws, "ads") + 1
    (log / f"{version:020d}.json").write_text(
        json.dumps({"protocol": {"minReaderVersion": 2, "minWriterVersion": 5}}) + "\n" +
        json.dumps(metadata) + "\n")
    err = failed_run(ws)
    assert "columnMapping" in err, err
    assert committed(ws) == published


def test_a_damaged_commit_stops_the_batch_naming_the_file_and_nothing_published_is_lost(ws):
    setup(ws, partitions=4, written=3)
    ws.cli("run", "--once", clock=clock_after(3))
    published = committed(ws)
    log = table_path(ws, "ads") / "_delta_log"
    version = last_version(ws, "ads") + 1
    good = json.dumps({"commitInfo": {"operation": "WRITE"}})
    damaged = log / f"{version:020d}.json"
    damaged.write_text(good + "\n" + '{"add": {"path": "x.parquet", "size": \n')
    err = failed_run(ws, clock=clock_after(3))
    assert damaged.name in err, err
    assert f"line 2 (byte offset {len(good) + 1})" in err, err
    assert committed(ws) == published
    # Once the commit is whole, the next partitions are published.
    damaged.write_text(good + "\n")
    append_partitions(ws, 3, 1)
    ws.cli("run", "--once", clock=clock_after(4))
    assert ws.status()["source_version"] == version + 1
    check_against_oracle(ws, CUT_S + 3 * PERIOD_S, data_dir=oracle_data(ws))


def test_a_folder_that_is_not_a_delta_table_is_a_clear_error(ws):
    setup(ws, partitions=2, written=2)
    shutil.rmtree(table_path(ws, "ads") / "_delta_log")
    err = failed_run(ws)
    assert "not a Delta table" in err, err
    assert str(Path("tables") / "ads") in err, err


def upload_tables(ws, prefix):
    """Copies the tables' new objects into the bucket under `prefix`: data
    files first, then the log in version order, as a writer commits."""
    client = s3_client()
    for stream in STREAMS:
        root = table_path(ws, stream)
        files = sorted(p for p in root.rglob("*") if p.is_file())
        for p in sorted(files, key=lambda p: ("_delta_log" in p.parts, str(p))):
            key = f"{prefix}/tables/{stream}/{p.relative_to(root)}"
            client.upload_file(str(p), S3_BUCKET, key)


@requires_s3
def test_tables_in_the_bucket_are_read_through_their_log(ws, s3_prefix):
    setup(ws, partitions=6, written=4, pieces=2)
    text = ws.config.read_text()
    for stream in STREAMS:
        text = text.replace(f'url = "tables/{stream}"',
                            f'url = "{s3_url(s3_prefix + "/tables/" + stream)}"')
    ws.config.write_text(text)
    upload_tables(ws, s3_prefix)
    assert run_through(ws, 4)["source_version"] == 7
    append_partitions(ws, 4, 2, pieces=2)
    DeltaTable(table_path(ws, "ads")).create_checkpoint()
    upload_tables(ws, s3_prefix)
    assert run_through(ws, 6)["source_version"] == 11


def test_a_table_replaced_by_one_of_an_older_version_stops_the_batch(ws):
    setup(ws, partitions=3, written=3, pieces=2)
    ws.cli("run", "--once")
    published = committed(ws)
    recorded = ws.status()["source_version"]
    # The table is dropped and written again: fewer commits than were read.
    shutil.rmtree(table_path(ws, "ads"))
    append_partitions(ws, 0, 1)
    assert last_version(ws, "ads") < recorded
    err = failed_run(ws)
    assert f"older than version {recorded}" in err, err
    assert committed(ws) == published
