"""Round trips between freshet, pyarrow and DuckDB.

- Files written by pyarrow (data pages v1 and v2, dictionary on and off,
  every codec, nulls, empty row groups, long strings, many row groups, the
  delta and byte-stream-split encodings) and by DuckDB read in freshet as in
  pyarrow.
- Files written by freshet's writer read identically in pyarrow and DuckDB,
  with correct statistics.
"""
import datetime
import decimal
import json
import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parquet_helpers import compare_columns, dump_tool, read_with_freshet, run_dump, write_jsonl

pytestmark = pytest.mark.skipif(not dump_tool().exists(),
                                reason="parquet_dump not built (scripts/build.sh release)")

CODECS = ["none", "snappy", "gzip", "zstd", "lz4", "brotli"]
WORDS = ["red", "shoe", "ünïcödé", "日本語", "ad", "campaign", "", "x" * 40, "emoji 🎉", "tab\tquote\""]


def _maybe(rng, value, null_rate=0.15):
    return None if rng.random() < null_rate else value


def sample_table(n=3000, seed=7):
    rng = random.Random(seed)
    epoch = datetime.datetime(1970, 1, 1)
    cols = {
        "id": pa.array(range(n), pa.int64()),
        "i32": pa.array([_maybe(rng, rng.randint(-2**31, 2**31 - 1)) for _ in range(n)], pa.int32()),
        "u32": pa.array([_maybe(rng, rng.randint(0, 2**32 - 1)) for _ in range(n)], pa.uint32()),
        "i64": pa.array([_maybe(rng, rng.choice([-2**63, 2**63 - 1, 0, rng.randint(-10**12, 10**12)]))
                         for _ in range(n)], pa.int64()),
        "f32": pa.array([_maybe(rng, rng.uniform(-1e6, 1e6)) for _ in range(n)], pa.float32()),
        "f64": pa.array([_maybe(rng, rng.choice([float("nan"), float("inf"), -0.0, rng.gauss(0, 1e9)]))
                         for _ in range(n)], pa.float64()),
        "flag": pa.array([_maybe(rng, rng.random() < 0.5) for _ in range(n)], pa.bool_()),
        "name": pa.array([_maybe(rng, " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4))))
                          for _ in range(n)], pa.string()),
        "category": pa.array([rng.choice(WORDS) for _ in range(n)], pa.string()),  # required-ish, low cardinality
        "blob": pa.array([_maybe(rng, bytes(rng.randrange(256) for _ in range(rng.randint(0, 12))))
                          for _ in range(n)], pa.binary()),
        "ts_us": pa.array([_maybe(rng, epoch + datetime.timedelta(microseconds=rng.randint(-10**15, 10**16)))
                           for _ in range(n)], pa.timestamp("us", tz="UTC")),
        "ts_ms": pa.array([_maybe(rng, rng.randint(-10**12, 10**13)) for _ in range(n)], pa.timestamp("ms")),
        "ts_ns": pa.array([_maybe(rng, rng.randint(-10**18, 10**18)) for _ in range(n)], pa.timestamp("ns")),
        "day": pa.array([_maybe(rng, rng.randint(-800000, 2900000)) for _ in range(n)], pa.date32()),
        "price": pa.array([_maybe(rng, decimal.Decimal(rng.randint(-10**9, 10**9)) / 100) for _ in range(n)],
                          pa.decimal128(12, 2)),
        "big_dec": pa.array([_maybe(rng, decimal.Decimal(rng.randint(-10**30, 10**30)).scaleb(-5))
                             for _ in range(n)], pa.decimal128(38, 5)),
    }
    schema = pa.schema([pa.field(k, v.type, nullable=(k != "id")) for k, v in cols.items()])
    return pa.table(cols, schema=schema)


def check_file(path, **read_kwargs):
    rows, skipped = read_with_freshet(path)
    assert skipped == []
    table = pq.read_table(path, **read_kwargs)
    compare_columns(str(path), table, rows, table.column_names)
    verify = run_dump("verify", path)
    assert verify.returncode == 0, verify.stderr.decode()
    return rows


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("dictionary", [True, False], ids=["dict", "plain"])
@pytest.mark.parametrize("page_version", ["1.0", "2.0"], ids=["v1", "v2"])
def test_pyarrow_matrix(tmp_path, codec, dictionary, page_version):
    path = tmp_path / "t.parquet"
    pq.write_table(sample_table(), path, compression=codec, use_dictionary=dictionary,
                   data_page_version=page_version, row_group_size=1100, data_page_size=2048,
                   write_page_checksum=True)
    check_file(path)


@pytest.mark.parametrize("page_version", ["1.0", "2.0"], ids=["v1", "v2"])
def test_pyarrow_delta_and_split_encodings(tmp_path, page_version):
    t = sample_table(2000, seed=3)
    path = tmp_path / "delta.parquet"
    pq.write_table(t, path, use_dictionary=False, data_page_version=page_version, data_page_size=1024,
                   compression="snappy",
                   column_encoding={"id": "DELTA_BINARY_PACKED", "i32": "DELTA_BINARY_PACKED",
                                    "i64": "DELTA_BINARY_PACKED", "ts_ns": "DELTA_BINARY_PACKED",
                                    "name": "DELTA_BYTE_ARRAY", "category": "DELTA_LENGTH_BYTE_ARRAY",
                                    "blob": "DELTA_BYTE_ARRAY", "f32": "BYTE_STREAM_SPLIT",
                                    "f64": "BYTE_STREAM_SPLIT", "u32": "BYTE_STREAM_SPLIT",
                                    "price": "BYTE_STREAM_SPLIT"})
    check_file(path)


def test_pyarrow_dictionary_fallback_mid_chunk(tmp_path):
    rng = random.Random(11)
    t = pa.table({"s": [f"value-{rng.randrange(10**9)}" for _ in range(20000)],
                  "n": [rng.randrange(10**12) for _ in range(20000)]})
    path = tmp_path / "fallback.parquet"
    pq.write_table(t, path, dictionary_pagesize_limit=4096, data_page_size=4096)
    encodings = pq.ParquetFile(path).metadata.row_group(0).column(0).encodings
    assert "PLAIN" in encodings and any("DICTIONARY" in e for e in encodings)
    check_file(path)


def test_pyarrow_empty_and_many_row_groups(tmp_path):
    t = sample_table(700, seed=5)
    path = tmp_path / "groups.parquet"
    with pq.ParquetWriter(path, t.schema) as w:
        w.write_table(t.slice(0, 0), row_group_size=10)  # writes nothing or an empty group
        w.write_table(t, row_group_size=7)  # 100 row groups
        w.write_table(t.slice(0, 0), row_group_size=10)
    assert pq.ParquetFile(path).metadata.num_row_groups >= 100
    check_file(path)
    # An explicitly empty row group, and an empty file.
    empty = tmp_path / "empty.parquet"
    pq.write_table(t.slice(0, 0), empty)
    rows, _ = read_with_freshet(empty)
    assert rows == []


def test_pyarrow_long_strings(tmp_path):
    rng = random.Random(2)
    values = ["".join(rng.choice("abcdefghij") for _ in range(rng.choice([0, 10, 100_000, 1_500_000])))
              for _ in range(40)]
    values[3] = None
    path = tmp_path / "long.parquet"
    pq.write_table(pa.table({"s": values}), path, compression="zstd")
    check_file(path)


@pytest.mark.parametrize("codec", ["uncompressed", "snappy", "zstd", "gzip", "lz4", "brotli"])
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_duckdb_written(tmp_path, codec, version):
    path = tmp_path / "duck.parquet"
    duckdb.sql(f"""
        COPY (SELECT i AS id,
                     CASE WHEN i % 7 = 0 THEN NULL ELSE 'title ' || (i % 113) END AS title,
                     CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1.5 END AS bid,
                     i % 3 = 0 AS flag,
                     (i * 37)::INTEGER AS small,
                     TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS updated_at,
                     DATE '2020-02-29' + (i % 1000)::INTEGER AS day,
                     (i / 100)::DECIMAL(10, 2) AS price,
                     md5(i::VARCHAR) AS hash
              FROM range(5000) t(i))
        TO '{path}' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 2048,
                     PARQUET_VERSION {version})""")
    check_file(path)


# --- freshet's writer ---------------------------------------------------------

SCHEMA = "ad_id:int64:required,title:string,bid:double,active:bool,views:int64,note:string"


def freshet_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append({
            "ad_id": i * 3 + 1,
            "title": _maybe(rng, " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5)))),
            "bid": _maybe(rng, rng.choice([0.0, -0.0, 1e300, -2.5e-300, round(rng.uniform(0, 100), 4)])),
            "active": _maybe(rng, rng.random() < 0.3),
            "views": _maybe(rng, rng.choice([-2**63, 2**63 - 1, rng.randint(0, 10**6)])),
            "note": _maybe(rng, f"note-{rng.randrange(10**9)}" * rng.randint(1, 3), 0.5),
        })
    return rows


def write_with_freshet(tmp_path, rows, *options):
    src = tmp_path / "in.jsonl"
    out = tmp_path / "out.parquet"
    write_jsonl(src, rows)
    proc = run_dump("write", src, out, "--schema", SCHEMA, *options)
    assert proc.returncode == 0, proc.stderr.decode()
    return out


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b and str(a) == str(b)  # also tells -0.0 from 0.0
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("codec", ["none", "snappy", "zstd", "gzip"])
@pytest.mark.parametrize("dictionary", ["on", "off"])
def test_freshet_written_reads_in_pyarrow_and_duckdb(tmp_path, codec, dictionary):
    rows = freshet_rows(5000, seed=len(codec) + len(dictionary))
    path = write_with_freshet(tmp_path, rows, "--codec", codec, "--dictionary", dictionary,
                              "--row-group-rows", "1500", "--page-bytes", "4096",
                              "--dictionary-max-bytes", "2048")
    names = list(rows[0].keys())
    # pyarrow
    table = pq.read_table(path)
    assert table.column_names == names
    assert str(table.schema.field("ad_id").type) == "int64" and not table.schema.field("ad_id").nullable
    assert str(table.schema.field("title").type) == "string"
    got = table.to_pylist()
    for i, (want, have) in enumerate(zip(rows, got)):
        for k in names:
            assert _same(want[k], have[k]), f"pyarrow row {i} column {k}: wrote {want[k]!r}, read {have[k]!r}"
    assert len(got) == len(rows)
    # DuckDB
    duck = duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()
    assert len(duck) == len(rows)
    for i, (want, have) in enumerate(zip(rows, duck)):
        for k, v in zip(names, have):
            assert _same(want[k], v), f"duckdb row {i} column {k}: wrote {want[k]!r}, read {v!r}"
    # freshet itself
    mine, _ = read_with_freshet(path)
    assert mine == rows
    # Statistics, as pyarrow reads them.
    md = pq.ParquetFile(path).metadata
    assert md.num_row_groups == 4
    offset = 0
    for g in range(md.num_row_groups):
        group_rows = rows[offset:offset + md.row_group(g).num_rows]
        offset += md.row_group(g).num_rows
        for c, name in enumerate(names):
            stats = md.row_group(g).column(c).statistics
            values = [r[name] for r in group_rows if r[name] is not None]
            assert stats.null_count == len(group_rows) - len(values)
            if values:
                assert stats.has_min_max
                if name == "title" or name == "note":
                    assert stats.min == min(values, key=lambda s: s.encode()) and \
                        stats.max == max(values, key=lambda s: s.encode())
                else:
                    assert stats.min == min(values) and stats.max == max(values)
    assert offset == len(rows)


def test_freshet_writer_rejects_bad_rows(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [{"ad_id": 1, "title": "ok"}, {"ad_id": None, "title": "x"}])
    proc = run_dump("write", src, tmp_path / "o.parquet", "--schema", SCHEMA)
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "row 2: column 'ad_id' is required" in err, err
    write_jsonl(src, [{"ad_id": 1, "title": 5}])
    proc = run_dump("write", src, tmp_path / "o.parquet", "--schema", SCHEMA)
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "column 'title' is string but the value is int64" in err, err


def test_freshet_written_empty_file(tmp_path):
    path = write_with_freshet(tmp_path, [])
    assert pq.read_table(path).num_rows == 0
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0] == 0
    assert read_with_freshet(path)[0] == []


def test_describe(tmp_path):
    path = write_with_freshet(tmp_path, freshet_rows(100, 1), "--codec", "zstd")
    proc = run_dump("describe", path)
    out = proc.stdout.decode()
    assert proc.returncode == 0
    assert "rows: 100" in out and "ad_id: INT64 required" in out and "title: BYTE_ARRAY STRING optional" in out
    assert "ZSTD" in out and "RLE_DICTIONARY" in out
