"""Shared helpers of the Parquet end-to-end tests.

They run the test tool `parquet_dump` (see tests/tools/parquet_dump.cc) and
turn pyarrow's view of a file into the typed JSON values the tool prints, so
that both readers can be compared value by value.
"""
import datetime
import json
import math
import os
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]


def bin_dir() -> Path:
    """FRESHET_BIN_DIR, else the build folder of FRESHET_BIN (.../freshet),
    else build/release."""
    default = REPO / "build" / "release"
    if "FRESHET_BIN" in os.environ:
        default = Path(os.environ["FRESHET_BIN"]).parent
    d = Path(os.environ.get("FRESHET_BIN_DIR", default))
    return d if d.is_absolute() else REPO / d


def dump_tool() -> Path:
    return bin_dir() / "tests" / "parquet_dump"


def corpus_dir() -> Path:
    """The parquet-testing corpus, outside the repository."""
    default = REPO.parent / "shared" / "data" / "parquet-testing"
    return Path(os.environ.get("FRESHET_PARQUET_TESTING", default))


def run_dump(*args, timeout=120):
    return subprocess.run([str(dump_tool()), *map(str, args)], capture_output=True, timeout=timeout,
                          text=False)


def read_with_freshet(path, columns=None, extra=()):
    """Returns (rows as dicts, skipped field names); raises on failure."""
    args = ["read", path, *extra]
    if columns is not None:
        args += ["--columns", ",".join(columns)]
    proc = run_dump(*args)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"parquet_dump failed ({proc.returncode}): {stderr}")
    rows = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line]
    skipped = [line.split("'")[1] for line in stderr.splitlines() if line.startswith("skipped column '")]
    return rows, skipped


def _special_double(x):
    if math.isnan(x):
        return {"double": "nan"}
    if math.isinf(x):
        return {"double": "inf" if x > 0 else "-inf"}
    return float(x)


def _bytes_value(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": b.hex()}


def _days_to_text(days):
    """ISO date of a day number; years outside 0000..9999 get a sign (ISO 8601
    expanded form). Shifts by 400-year cycles (146097 days) to use datetime."""
    cycles = 0
    base = datetime.date(1970, 1, 1).toordinal()
    while not 1 <= base + days + 146097 * cycles <= datetime.date.max.toordinal() - 146097:
        cycles += 1 if base + days + 146097 * cycles < 1 else -1
    d = datetime.date.fromordinal(base + days + 146097 * cycles)
    year = d.year - 400 * cycles
    text = f"{abs(year):04d}-{d.month:02d}-{d.day:02d}"
    return text if 0 <= year <= 9999 else ("-" if year < 0 else "+") + text


def is_flat(arrow_type) -> bool:
    """A top-level Arrow field freshet reads (not a struct, list or map)."""
    if isinstance(arrow_type, pa.ExtensionType):
        arrow_type = arrow_type.storage_type
    return not pa.types.is_nested(arrow_type)


def is_list_of_flat(arrow_type) -> bool:
    """A top-level Arrow list of flat values: freshet reads it as a string list."""
    if isinstance(arrow_type, pa.ExtensionType):
        arrow_type = arrow_type.storage_type
    return (pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)) \
        and is_flat(arrow_type.value_type)


def is_readable(arrow_type) -> bool:
    """A top-level Arrow field freshet reads: flat, or a list of flat values."""
    return is_flat(arrow_type) or is_list_of_flat(arrow_type)


def element_text(value):
    """freshet's canonical text of a list element, from its expected JSON value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return value.get("double", value.get("hex"))
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def expected_column(array: pa.ChunkedArray):
    """freshet's documented mapping of one Arrow column, as parquet_dump prints it."""
    t = array.type
    if isinstance(t, pa.ExtensionType):
        array = pa.chunked_array([c.storage for c in array.chunks], type=t.storage_type)
        t = t.storage_type
    if pa.types.is_dictionary(t):
        array = array.cast(t.value_type)
        t = t.value_type
    if pa.types.is_null(t):
        return [None] * len(array)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        # Null lists stay null, null elements are left out (as for JSON arrays).
        out = []
        for chunk in array.chunks:
            for i in range(len(chunk)):
                if not chunk[i].is_valid:
                    out.append(None)
                    continue
                items = expected_column(pa.chunked_array([chunk[i].values], type=t.value_type))
                out.append([element_text(v) for v in items if v is not None])
        return out
    if pa.types.is_timestamp(t) or pa.types.is_time(t) or pa.types.is_duration(t):
        unit = t.unit
        raw = array.cast(pa.int64()).to_pylist()
        scale = {"s": 1_000_000, "ms": 1000, "us": 1, "ns": None}[unit]
        return [None if v is None else (v // 1000 if scale is None else v * scale) for v in raw]
    if pa.types.is_date32(t):
        return [None if v is None else _days_to_text(v) for v in array.cast(pa.int32()).to_pylist()]
    if pa.types.is_decimal(t):
        return [None if v is None else _special_double(float(v)) for v in array.to_pylist()]
    if pa.types.is_floating(t):
        if pa.types.is_float16(t):
            array = array.cast(pa.float32())
        return [None if v is None else _special_double(v) for v in array.to_pylist()]
    if pa.types.is_unsigned_integer(t):
        return [None if v is None else (v if v < 2**63 else float(v)) for v in array.to_pylist()]
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return array.to_pylist()
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return [None if v is None else _bytes_value(v.encode("utf-8")) for v in array.to_pylist()]
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t) \
            or pa.types.is_binary_view(t):
        return [None if v is None else _bytes_value(v) for v in array.to_pylist()]
    raise AssertionError(f"no expected mapping for Arrow type {t}")


def normalize_actual(value):
    if isinstance(value, float):
        return float(value)
    return value


def compare_columns(path, table: pa.Table, rows, names):
    """Asserts that freshet's rows equal pyarrow's table on `names`."""
    assert len(rows) == table.num_rows, f"{path}: {len(rows)} rows, pyarrow has {table.num_rows}"
    for name in names:
        expected = expected_column(table.column(name))
        actual = [r[name] for r in rows]
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert a == e and type(a) is type(e), \
                f"{path}: column {name!r} row {i}: freshet {a!r}, pyarrow {e!r}"


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
