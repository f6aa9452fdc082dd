"""Writes the Delta tables the log reader's unit tests read (delta_log_test.cc).

Run once, by hand, with the `deltalake` package (delta-rs) of
requirements-test.txt; the tables are then kept as they are (never
regenerated: they are what a real writer wrote).

  table/      four versions by delta-rs: 0 and 1 append the partitions
              minute=00 (a1, a2) and minute=05 (a3), 2 deletes a3 (its file is
              removed), a checkpoint at version 2, then 3 appends minute=10 (a4)
  multipart/  the same log with the checkpoint split into two parts
              (rows 0..1 and the rest) and the commits before it removed:
              only the checkpoint holds versions 0 to 2
"""
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake

here = Path(__file__).resolve().parent
table = here / "table"
if table.exists():
    sys.exit(f"{table} exists: these files are kept as written, never regenerated")


def partition(minute, ids):
    n = len(ids)
    return pa.table({"ad_id": [f"a{i}" for i in ids], "updated_at": pa.array(ids, pa.int64()),
                     "dt": ["2026-05-04"] * n, "hour": ["10"] * n, "minute": [minute] * n})


cols = ["dt", "hour", "minute"]
write_deltalake(table, partition("00", [1, 2]), partition_by=cols)
write_deltalake(table, partition("05", [3]), partition_by=cols, mode="append")
DeltaTable(table).delete("ad_id = 'a3'")
DeltaTable(table).create_checkpoint()
write_deltalake(table, partition("10", [4]), partition_by=cols, mode="append")

multipart = here / "multipart" / "_delta_log"
multipart.mkdir(parents=True)
log = table / "_delta_log"
shutil.copy(log / "00000000000000000003.json", multipart)
checkpoint = pq.read_table(log / "00000000000000000002.checkpoint.parquet")
for part, rows in ((1, checkpoint.slice(0, 2)), (2, checkpoint.slice(2))):
    pq.write_table(rows, multipart / f"00000000000000000002.checkpoint.{part:010d}.0000000002.parquet")
(multipart / "_last_checkpoint").write_text('{"version":2,"size":%d,"parts":2}' % checkpoint.num_rows)
