#!/usr/bin/env python3
"""Writes the documents of freshet's base build as one TSV file for the index peers.

Input: the snapshot `freshet gen --format parquet` writes (snapshot/ads,
snapshot/items). Output: one line per live ad, the ad's columns, its item's
columns (prefixed `item_`) and the item's aggregates (count, min and max bid
over its ads), tab-separated in the order of COLUMNS: the documents freshet's
`build-full` indexes with examples/ads-pipeline.toml. Absent values are empty.

    export_docs.py SNAPSHOT_DIR OUT.tsv
"""
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

COLUMNS = ["ad_id", "item_id", "campaign_id", "title", "description", "keywords", "bid", "status",
           "item_title", "item_brand", "item_category", "item_price", "item_count", "item_min_bid",
           "item_max_bid"]


def export(snapshot, out):
    snapshot = Path(snapshot)
    ads = pq.read_table(snapshot / "ads")
    ads = ads.filter(pc.not_equal(ads["op"], "delete"))
    items = pq.read_table(snapshot / "items", columns=["item_id", "title", "brand", "category", "price"])
    items = items.rename_columns(["item_id"] + ["item_" + c for c in items.column_names[1:]])
    aggregates = ads.group_by("item_id").aggregate([("bid", "count"), ("bid", "min"), ("bid", "max")])
    aggregates = aggregates.rename_columns(
        ["item_count" if c == "bid_count" else "item_min_bid" if c == "bid_min" else
         "item_max_bid" if c == "bid_max" else c for c in aggregates.column_names])
    docs = (ads.select(COLUMNS[:8]).join(items, "item_id", join_type="left outer")
            .join(aggregates, "item_id", join_type="left outer"))
    docs = docs.sort_by("ad_id").select(COLUMNS)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for batch in docs.to_batches(max_chunksize=65536):
            cols = []
            for c in batch.columns:
                if pa.types.is_floating(c.type) or pa.types.is_integer(c.type):
                    c = pc.cast(c, pa.string())
                cols.append(c.to_pylist())
            for row in zip(*cols):
                line = "\t".join("" if v is None else v for v in row)
                if "\n" in line or line.count("\t") != len(COLUMNS) - 1:
                    sys.exit(f"{out}: a value of ad {row[0]} holds a tab or a newline")
                f.write(line + "\n")
    return docs.num_rows


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n = export(sys.argv[1], sys.argv[2])
    print(f"{n} docs -> {sys.argv[2]}")


if __name__ == "__main__":
    main()
