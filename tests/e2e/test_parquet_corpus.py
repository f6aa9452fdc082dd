"""The Apache parquet-testing corpus: every valid file reads to the values
pyarrow gives, and every malformed file is rejected with a clear error.

The corpus lives outside the repository (../shared/data/parquet-testing, or
$FRESHET_PARQUET_TESTING); the tests skip with a reason where it is absent.
"""
import subprocess

import duckdb
import pyarrow.parquet as pq
import pytest

from parquet_helpers import compare_columns, corpus_dir, dump_tool, is_readable, read_with_freshet, run_dump

DATA = corpus_dir() / "data"
BAD = corpus_dir() / "bad_data"

# Files freshet deliberately reads differently from pyarrow. Keep it short.
EXPECTED_ERRORS = {
    # Its page CRCs are wrong on purpose. freshet verifies CRCs (pyarrow does
    # not by default); with checks off it must read like pyarrow.
    "datapage_v1-corrupt-checksum.parquet": "page CRC mismatch",
}
# Where pyarrow is wrong, the corpus's own notes give the values.
EXPECTED_VALUES = {
    # pyarrow overflows the year-290000 timestamp; int96_from_spark.md lists
    # the true microseconds, which freshet gives.
    "int96_from_spark.parquet": {
        "a": [1704141296123456, 1704070800000000, 253402225200000000, 1735599600000000, None,
              9089380393200000000],
    },
}
# Files pyarrow itself cannot open; DuckDB is the reference for them.
PYARROW_REJECTS = {
    "incorrect_map_schema.parquet",  # its map key is not REQUIRED; pyarrow refuses the schema
}


def _pyarrow_flat(path):
    """pyarrow's table of the columns freshet reads (flat ones and lists of flat
    values), their names, and the names of the other nested fields."""
    schema = pq.ParquetFile(path).schema_arrow
    flat = [f.name for f in schema if is_readable(f.type)]
    nested = [f.name for f in schema if not is_readable(f.type)]
    table = pq.read_table(path, columns=flat, coerce_int96_timestamp_unit="us") if flat else None
    return table, flat, nested


def _files(folder):
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".parquet"))


def _require(folder):
    if not folder.is_dir():
        pytest.skip(f"parquet-testing corpus not found at {folder} (set FRESHET_PARQUET_TESTING)")
    if not dump_tool().exists():
        pytest.skip(f"{dump_tool()} not built (scripts/build.sh release)")


def test_corpus_is_present_or_skipped():
    _require(DATA)
    assert _files(DATA), f"no .parquet files in {DATA}"


@pytest.mark.parametrize("name", _files(DATA) or ["<corpus absent>"])
def test_valid_file_matches_pyarrow(name):
    _require(DATA)
    path = DATA / name
    if name in EXPECTED_ERRORS:
        proc = run_dump("read", path)
        assert proc.returncode == 1
        err = proc.stderr.decode()
        assert EXPECTED_ERRORS[name] in err and name in err, err
        rows, _ = read_with_freshet(path, extra=["--no-checksums"])
        table = pq.read_table(path)
        compare_columns(name, table, rows, [f.name for f in table.schema if is_readable(f.type)])
        return
    if name in PYARROW_REJECTS:
        rows, skipped = read_with_freshet(path)
        con = duckdb.connect()
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        nested = {n for n, t, *_ in described if any(k in t for k in ("MAP", "STRUCT", "[]"))}
        count = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
        assert set(skipped) == nested and len(rows) == count
        return
    verify = run_dump("verify", path)
    assert verify.returncode == 0, verify.stderr.decode()
    rows, skipped = read_with_freshet(path)
    table, flat, nested = _pyarrow_flat(path)
    assert sorted(skipped) == sorted(nested), f"{name}: skipped {skipped}, nested in pyarrow {nested}"
    if rows:
        assert list(rows[0].keys()) == flat
    if not flat:
        assert len(rows) == pq.ParquetFile(path).metadata.num_rows
        return
    for column, values in EXPECTED_VALUES.get(name, {}).items():
        assert [r[column] for r in rows] == values
        flat.remove(column)
    compare_columns(name, table, rows, flat)


@pytest.mark.parametrize("name", _files(DATA) or ["<corpus absent>"])
def test_projection_reads_only_asked_columns(name):
    _require(DATA)
    path = DATA / name
    if name in EXPECTED_ERRORS or name in PYARROW_REJECTS:
        pytest.skip("covered above")
    table, flat, nested = _pyarrow_flat(path)
    if flat and flat[-1] not in EXPECTED_VALUES.get(name, {}):
        # Last column first, plus a column the file lacks (reads as null).
        wanted = [flat[-1], "no_such_column"]
        rows, _ = read_with_freshet(path, columns=wanted)
        assert all(r["no_such_column"] is None for r in rows)
        compare_columns(name, table, rows, [flat[-1]])
    if nested:
        proc = run_dump("read", path, "--columns", nested[0])
        err = proc.stderr.decode()
        assert proc.returncode == 1 and "NotSupported" in err and nested[0] in err and name in err, err


@pytest.mark.sanitizer_smoke
@pytest.mark.parametrize("name", _files(BAD) or ["<corpus absent>"])
def test_bad_file_is_rejected(name):
    _require(BAD)
    path = BAD / name
    # Project every top-level field, nested ones included: a file must not be
    # accepted just because its damage sits in a column nobody asked for.
    # Reading the flat columns must fail, or (when the damage sits only in
    # nested columns, which reads skip) verifying every column chunk must.
    read = run_dump("read", path, timeout=60)
    verify = run_dump("verify", path, timeout=60)
    for proc in (read, verify):
        err = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode == 0:
            continue
        last = err.splitlines()[-1]
        assert proc.returncode == 1 and last.startswith("error: ") and name in last, err
        assert "Corruption" in last or "NotSupported" in last, err
    assert read.returncode == 1 or verify.returncode == 1, f"{name} was accepted"
