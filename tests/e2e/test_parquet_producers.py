"""Parquet as real producers write it: files from pyarrow, DuckDB, pandas,
polars and fastparquet go through the real pipeline (`build-full`, `run`),
and what `query --json` returns equals what pyarrow reads from the same files
(the independent oracle), list<string> and list<int> columns and nulls
included. Files the reader cannot take are quarantined or named."""
import json
import re

import duckdb
import fastparquet
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run
from parquet_helpers import expected_column

CONFIG = """
[pipeline]
name = "producers"
output = "index"
metastore = "sqlite:meta.db"
bad_records = "{bad_records}"
shards = 1
max_shrink = 1.0

[source]
url = "data/ads"
layout = "dt={{yyyy}}-{{MM}}-{{dd}}/hour={{HH}}/minute={{mm}}"
period = "5m"
format = "parquet"

[columns]
doc_id = "ad_id"
group_key = "item_id"
version = "updated_at"
text = ["title", "keywords"]
keyword = ["keywords", "status"]
numeric = ["bid"]
stored = ["ad_id", "item_id", "title", "keywords", "slots", "bid", "status"]

[base]
snapshot = "data/snapshot"
docs = "ads"
"""

# The snapshot's cut; the clock is late enough for the partition of 11:00.
CUT = "2026-05-04T10:00:00Z"
CLOCK = "fixed:2026-05-04T12:00:00Z"
STORED = ["ad_id", "item_id", "title", "keywords", "slots", "bid", "status"]

# Nulls around and inside lists, empty lists, a null title: every shape a
# producer writes.
ROWS = {
    "ad_id": ["ad-1", "ad-2", "ad-3", "ad-4", "ad-5", "ad-6"],
    "item_id": ["item-1", "item-1", "item-2", "item-2", "item-3", "item-3"],
    "updated_at": [10, 11, 12, 13, 14, 15],
    "title": ["red running shoes", None, "blue denim jacket", "green hat", "red scarf", "old boot"],
    "keywords": [["red", "shoes", "sale"], None, [], ["green", None, "hat"], ["scarf"], [None]],
    "slots": [[1, 2], [3], None, [], [-7, 2**40], [0]],
    "bid": [1.5, 0.25, None, 3.0, 2.0, 0.5],
    "status": ["active", "paused", "active", None, "active", "active"],
}
STRING_ROWS = {k: v for k, v in ROWS.items() if k not in ("keywords", "slots")}


def arrow_table():
    return pa.table({
        "ad_id": pa.array(ROWS["ad_id"], pa.string()),
        "item_id": pa.array(ROWS["item_id"], pa.string()),
        "updated_at": pa.array(ROWS["updated_at"], pa.int64()),
        "title": pa.array(ROWS["title"], pa.string()),
        "keywords": pa.array(ROWS["keywords"], pa.list_(pa.string())),
        "slots": pa.array(ROWS["slots"], pa.list_(pa.int64())),
        "bid": pa.array(ROWS["bid"], pa.float64()),
        "status": pa.array(ROWS["status"], pa.string()),
    })


def write_pyarrow(path):
    pq.write_table(arrow_table(), path)


def write_pyarrow_legacy(path):
    # Legacy 2-level lists, v1 data pages, no dictionary, gzip.
    pq.write_table(arrow_table(), path, use_compliant_nested_type=False, data_page_version="1.0",
                   use_dictionary=False, compression="gzip")


def write_pyarrow_v2_pages(path):
    # Data pages v2 of a few values each: lists span many pages.
    pq.write_table(arrow_table(), path, data_page_version="2.0", data_page_size=16,
                   write_batch_size=2, compression="zstd")


def write_duckdb(path):
    con = duckdb.connect()
    con.register("ads", arrow_table())
    con.execute(f"COPY (SELECT * FROM ads) TO '{path}' (FORMAT parquet)")


def write_pandas(path):
    arrow_table().to_pandas().to_parquet(path)


def write_polars(path):
    pl.from_arrow(arrow_table()).write_parquet(path)


def write_fastparquet(path):
    # fastparquet writes no list columns; its files carry empty Thrift lists
    # of element type 0, which freshet once refused.
    fastparquet.write(str(path), pd.DataFrame(STRING_ROWS), compression="SNAPPY",
                      stats=False)


WRITERS = {
    "pyarrow": write_pyarrow,
    "pyarrow-legacy-lists": write_pyarrow_legacy,
    "pyarrow-v2-pages": write_pyarrow_v2_pages,
    "duckdb": write_duckdb,
    "pandas": write_pandas,
    "polars": write_polars,
    "fastparquet": write_fastparquet,
}


def oracle(path):
    """{ad_id: {field: value}} of the stored fields as pyarrow reads them,
    mapped as freshet documents (lists: element text, null elements left out)."""
    table = pq.read_table(path)
    names = [n for n in STORED if n in table.column_names]
    columns = {n: expected_column(table.column(n)) for n in names}
    return {columns["ad_id"][i]: {n: columns[n][i] for n in names} for i in range(table.num_rows)}


def setup(tmp_path, bad_records="skip"):
    (tmp_path / "pipeline.toml").write_text(CONFIG.format(bad_records=bad_records))
    (tmp_path / "data" / "snapshot" / "ads").mkdir(parents=True)
    (tmp_path / "data" / "ads").mkdir(parents=True)
    return tmp_path / "data" / "snapshot" / "ads" / "part-0.parquet"


def cli(tmp_path, *args, check=True):
    args = list(args)
    if args[0] == "build-full":
        args += ["--cut", CUT]
    if args[0] in ("run", "build-full", "status"):
        args += ["--config", str(tmp_path / "pipeline.toml"), "--clock", CLOCK]
    else:
        args += ["--config", str(tmp_path / "pipeline.toml")]
    return run(args, check=check)


def query(tmp_path, q):
    out = json.loads(cli(tmp_path, "query", q, "--json", "--limit", "1000").stdout)
    return {h["id"]: h for h in out["hits"]}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_producer_file_builds_the_index_pyarrow_reads(tmp_path, writer):
    path = setup(tmp_path)
    WRITERS[writer](path)
    expected = oracle(path)
    run(["inspect", str(path), "--verify"])
    cli(tmp_path, "build-full")
    docs = query(tmp_path, "*")
    assert sorted(docs) == sorted(expected)
    for ad_id, fields in expected.items():
        stored = docs[ad_id]["fields"]
        for name, value in fields.items():
            assert stored.get(name) == value, \
                f"{writer}: {ad_id}.{name}: freshet {stored.get(name)!r}, pyarrow {value!r}"
    # Lists are searchable: as text (tokens) and as keywords (whole values).
    has_list = isinstance(expected["ad-1"].get("keywords"), list)
    text_hits = {a for a, f in expected.items()
                 if "sale" in (f.get("keywords") or []) or "sale" in (f.get("title") or "").split()}
    assert sorted(query(tmp_path, "sale")) == sorted(text_hits)
    if has_list:
        green = {a for a, f in expected.items() if "green" in (f.get("keywords") or [])}
        assert sorted(query(tmp_path, "keywords:green")) == sorted(green) == ["ad-4"]


def test_list_shapes_read_as_pyarrow_reads_them(tmp_path):
    """The nulls-around-and-inside cases, checked field by field in one file."""
    path = setup(tmp_path)
    write_pyarrow(path)
    cli(tmp_path, "build-full")
    docs = query(tmp_path, "*")
    assert docs["ad-1"]["fields"]["keywords"] == ["red", "shoes", "sale"]
    assert docs["ad-1"]["fields"]["slots"] == ["1", "2"]
    assert docs["ad-2"]["fields"].get("keywords") is None
    assert docs["ad-3"]["fields"]["keywords"] == []
    assert docs["ad-4"]["fields"]["keywords"] == ["green", "hat"]
    assert docs["ad-5"]["fields"]["slots"] == ["-7", str(2**40)]
    assert docs["ad-6"]["fields"]["keywords"] == []


def write_partition_file(tmp_path, name, table):
    folder = tmp_path / "data" / "ads" / "dt=2026-05-04" / "hour=11" / "minute=00"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name)
    (folder / "_SUCCESS").write_text("")
    return folder / name


def test_unsupported_file_is_quarantined_in_skip_mode(tmp_path):
    path = setup(tmp_path)
    write_pyarrow(path)
    cli(tmp_path, "build-full")
    nested = arrow_table().drop_columns(["keywords"]).append_column(
        "keywords", pa.array([[["a"]]] * 6, pa.list_(pa.list_(pa.string()))))
    write_partition_file(tmp_path, "part-nested.parquet", nested)
    good = arrow_table().slice(0, 1).set_column(
        3, "title", pa.array(["fresh title"], pa.string())).set_column(
        2, "updated_at", pa.array([99], pa.int64()))
    write_partition_file(tmp_path, "part-good.parquet", good)
    cli(tmp_path, "run", "--once")
    batch = json.loads(cli(tmp_path, "status", "--json").stdout)["batches"][0]
    listed = [q for q in batch["quarantine"] if "part-nested.parquet" in q]
    assert len(listed) == 1, batch["quarantine"]
    assert "unsupported file" in listed[0] and "column 'keywords'" in listed[0], listed[0]
    assert batch["bad_records"] >= 1
    assert query(tmp_path, "fresh").keys() == {"ad-1"}


def test_unsupported_file_stops_the_batch_in_stop_mode(tmp_path):
    path = setup(tmp_path, bad_records="stop")
    write_pyarrow(path)
    cli(tmp_path, "build-full")
    nested = arrow_table().drop_columns(["keywords"]).append_column(
        "keywords", pa.array([[["a"]]] * 6, pa.list_(pa.list_(pa.string()))))
    write_partition_file(tmp_path, "part-nested.parquet", nested)
    p = cli(tmp_path, "run", "--once", check=False)
    assert p.returncode == 1, p.stderr
    assert re.search(r"part-nested\.parquet: column 'keywords' is a nested group",
                     p.stderr), p.stderr


def test_key_column_of_the_wrong_type_is_named_with_its_type(tmp_path):
    path = setup(tmp_path, bad_records="stop")
    table = arrow_table().set_column(0, "ad_id", pa.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    pq.write_table(table, path)
    p = cli(tmp_path, "build-full", check=False)
    assert p.returncode == 1, p.stderr
    assert "key column 'ad_id' holds a double (1)" in p.stderr, p.stderr
    assert "missing or empty" not in p.stderr


def test_inspect_verify_names_the_bad_page(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(arrow_table(), path, compression="snappy", use_dictionary=False,
                   write_page_checksum=True)
    ok = run(["inspect", str(path), "--verify"])
    assert "verified: every page of every column decodes" in ok.stdout
    # Damage the values of the data page of `title` (not its header).
    meta = pq.ParquetFile(path).metadata.row_group(0)
    col = next(meta.column(i) for i in range(meta.num_columns)
               if meta.column(i).path_in_schema == "title")
    data = bytearray(path.read_bytes())
    end = col.data_page_offset + col.total_compressed_size
    for i in range(end - 8, end):
        data[i] ^= 0x5A
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    plain = run(["inspect", str(bad)])  # the footer alone looks fine
    assert plain.returncode == 0
    p = run(["inspect", str(bad), "--verify"], check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    assert re.search(r"bad\.parquet: column 'title', row group 0, page at byte \d+",
                     p.stderr), p.stderr
    assert f"page at byte {col.data_page_offset}: page CRC mismatch" in p.stderr, p.stderr
