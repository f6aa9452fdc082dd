"""Delta Lake tables for the tests (test_delta_source.py, test_delta_spark.py,
the fault suite): the generated workload appended to one table per stream by
delta-rs (the `deltalake` package; test_delta_spark.py writes it with Spark),
one or more commits per partition, partitioned by string columns dt, hour
and minute (the default layout's folders), and the oracle's view of them:
what an independent reader (delta-rs here, Spark there) says each table
holds, written out as JSON Lines partition folders, never freshet's reading
of the log."""
import datetime as dt
import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake

from conftest import PERIOD_S, START_S

STREAMS = ("ads", "items")
PARTITION_COLUMNS = ["dt", "hour", "minute"]


def partition_folder(t):
    d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    return f"dt={d:%Y-%m-%d}", f"hour={d:%H}", f"minute={d:%M}"


def table_path(ws, stream):
    return ws.path / "tables" / stream


def partition_pieces(ws, first, count, pieces=1):
    """The rows of generated partitions first .. first + count - 1 (Parquet,
    under data/) as the tables hold them (the partition columns added), cut
    into `pieces` shares per partition: (stream, pyarrow table) in the order
    they are appended."""
    for stream in STREAMS:
        for i in range(first, first + count):
            folders = partition_folder(START_S + i * PERIOD_S)
            files = sorted((ws.path / "data" / stream).joinpath(*folders).glob("*.parquet"))
            if not files:
                continue
            table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
            for name, folder in zip(PARTITION_COLUMNS, folders):
                value = folder.split("=", 1)[1]
                table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
            step = -(-table.num_rows // pieces)
            for start in range(0, table.num_rows, step):
                yield stream, table.slice(start, step)


def append_partitions(ws, first, count, pieces=1):
    """Appends generated partitions first .. first + count - 1 to the tables
    with delta-rs, `pieces` commits per partition and stream (each a share of
    its rows)."""
    for stream, rows in partition_pieces(ws, first, count, pieces):
        write_deltalake(table_path(ws, stream), rows, partition_by=PARTITION_COLUMNS,
                        mode="append")


def write_delta_config(ws, **config):
    """The workspace's config (Workspace.write_config's `config`) with both
    streams read from the tables."""
    ws.write_config(fmt="parquet", **config)
    text = ws.config.read_text()
    text = text.replace('format = "parquet"', 'format = "delta"')
    text = text.replace('url = "data/ads"', 'url = "tables/ads"')
    text = text.replace('url = "data/items"', 'url = "tables/items"')
    ws.config.write_text(text)


def generate(ws, partitions, seed):
    """The workload as Parquet (data/, what the tables are written from) and
    its snapshot as JSON Lines for the oracle (oracle-snapshot/)."""
    ws.gen(partitions, seed, fmt="parquet")
    ws.gen(partitions, seed, fmt="jsonl", out=ws.path / "oracle-snapshot")


class DeltaRsReader:
    """What delta-rs says a table (its root folder) holds."""

    def rows(self, path):
        """The rows of the table's newest version, as dicts."""
        return DeltaTable(path).to_pyarrow_table().to_pylist()

    def version(self, path):
        """The table's newest version."""
        return DeltaTable(path).version()


DELTA_RS = DeltaRsReader()


def oracle_data(ws, reader=DELTA_RS):
    """The oracle's input folder: the snapshot as generated, and each table's
    rows as `reader` (DeltaRsReader's interface) reads them, written as JSON
    Lines partition folders."""
    out = ws.path / "oracle-data"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ws.path / "oracle-snapshot" / "snapshot", out / "snapshot")
    for stream in STREAMS:
        rows = reader.rows(table_path(ws, stream))
        for row in rows:
            folder = out / stream / "/".join(f"{c}={row.pop(c)}" for c in PARTITION_COLUMNS)
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / "part-0.jsonl", "a") as f:
                f.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")
    return out


def last_version(ws, stream, reader=DELTA_RS):
    return reader.version(table_path(ws, stream))
