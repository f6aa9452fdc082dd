#!/usr/bin/env python3
"""The Spark Structured Streaming pipeline freshet replaces, on freshet's data.

A file-source stream over the ads partitions (Parquet, as `freshet gen`
writes them), a ProcessingTime trigger and a foreachBatch sink doing the work
of one freshet batch over the window (every partition from the snapshot's cut
to the newest one seen):

  1. newest version of each ad over the window (updated_at; `freshet gen`
     never writes two versions of an ad with the same updated_at);
  2. touched groups: the base group of each window ad that beats its base
     version, the new group of each that is not a delete, every item updated
     in the window;
  3. every doc of each touched group: the base snapshot's docs the window does
     not decide, plus the window's upserts; the newest item record and the
     aggregates (count, min and max bid) joined onto each doc;
  4. tokenization as freshet's analyzer does it (runs of ASCII letters and
     digits and non-ASCII characters, ASCII lowercased, cut to 64), keyword
     fields as exact values;
  5. term -> doc ids, and the docs, written as Parquet under OUT/batch-N/.

The job feeds itself: it moves the first WINDOW ads partitions into the
stream's folder before starting (the first micro-batch is the cold window
rebuild), then, after each batch, moves the next partition in (a folder
rename, so the stream never sees half a partition) and waits for the batch
that picks it up. Items are not streamed: each batch reads the window's item
partitions. It prints one JSON object per batch and a summary.

    spark_pipeline.py --data GEN_OUT --work DIR --window 60 --steady 3
"""
import argparse
import datetime as dt
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

PERIOD_S = 300
DOC_TEXT = ["title", "description", "keywords"]
DOC_KEYWORD = ["status", "campaign_id"]
ITEM_TEXT = ["title", "brand", "category"]
ITEM_KEYWORD = ["brand", "category"]
ITEM_PREFIX = "item_"
MAX_TOKEN = 64
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

ADS_SCHEMA = T.StructType([
    T.StructField("ad_id", T.StringType()),
    T.StructField("item_id", T.StringType()),
    T.StructField("campaign_id", T.StringType()),
    T.StructField("title", T.StringType()),
    T.StructField("description", T.StringType()),
    T.StructField("keywords", T.StringType()),
    T.StructField("bid", T.DoubleType()),
    T.StructField("status", T.StringType()),
    T.StructField("updated_at", T.LongType()),
    T.StructField("op", T.StringType()),
    # Partition columns, filled from the folder names.
    T.StructField("dt", T.StringType()),
    T.StructField("hour", T.StringType()),
    T.StructField("minute", T.StringType()),
])
AD_COLUMNS = [f.name for f in ADS_SCHEMA.fields[:10]]
ITEM_COLUMNS = ["item_id", "title", "brand", "category", "price", "updated_at", "op"]


def partition_folder(start_s):
    t = dt.datetime.fromtimestamp(start_s, dt.timezone.utc)
    return f"dt={t:%Y-%m-%d}/hour={t:%H}/minute={t:%M}"


def tokens(col):
    """freshet's analyzer (src/index/analyzer.h) on a string column."""
    lowered = F.translate(col, UPPER, UPPER.lower())
    parts = F.split(lowered, r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
    return F.transform(F.filter(parts, lambda t: t != ""), lambda t: F.substring(t, 1, MAX_TOKEN))


def field_terms(docs, field, column, text, keyword):
    """(field, term, ad_id) rows of one searchable field."""
    out = []
    if text:
        out.append(docs.select(F.lit(field).alias("field"), F.explode(tokens(F.col(column))).alias("term"), "ad_id"))
    if keyword:
        out.append(docs.where(F.col(column).isNotNull()).select(F.lit(field).alias("field"), F.col(column).alias("term"), "ad_id"))
    return out


class Pipeline:
    def __init__(self, spark, data, stream, out, cut_s):
        self.spark = spark
        self.data = Path(data)
        self.stream = Path(stream)
        self.out = Path(out)
        self.cut_s = cut_s
        self.target_s = None  # newest partition start seen
        self.batches = []
        self.batch_done = threading.Condition()
        self.failure = None
        snap = self.data / "snapshot"
        self.base_ads = spark.read.parquet(str(snap / "ads")).select(*AD_COLUMNS).persist()
        self.base_items = spark.read.parquet(str(snap / "items")).select(*ITEM_COLUMNS).persist()
        self.base_ads.count()
        self.base_items.count()

    def window_folders(self, root):
        folders = []
        s = self.cut_s
        while s <= self.target_s:
            f = root / partition_folder(s)
            if f.is_dir() and any(p.suffix == ".parquet" for p in f.iterdir()):
                folders.append(str(f))
            s += PERIOD_S
        return folders

    def on_batch(self, batch_df, batch_id):
        try:
            self.run_batch(batch_df, batch_id)
        except Exception as e:  # reported by the feeder, which stops the query
            self.failure = e
            with self.batch_done:
                self.batch_done.notify_all()
            raise

    def run_batch(self, batch_df, batch_id):
        t0 = time.perf_counter()
        arrived = batch_df.select("dt", "hour", "minute").distinct().collect()
        if not arrived:
            return
        for r in arrived:
            s = int(dt.datetime.strptime(f"{r.dt} {r.hour}:{r.minute}", "%Y-%m-%d %H:%M")
                    .replace(tzinfo=dt.timezone.utc).timestamp())
            self.target_s = s if self.target_s is None else max(self.target_s, s)
        spark = self.spark
        ads = spark.read.parquet(*self.window_folders(self.stream / "ads")).select(*AD_COLUMNS)
        item_folders = self.window_folders(self.data / "items")
        items = (spark.read.parquet(*item_folders).select(*ITEM_COLUMNS) if item_folders
                 else self.base_items.limit(0))

        # 1. Newest version of each ad over the window.
        newest = (ads.groupBy("ad_id").agg(F.max(F.struct("updated_at", *[c for c in AD_COLUMNS if c not in ("ad_id", "updated_at")])).alias("r"))
                  .select("ad_id", "r.*"))
        base_loc = self.base_ads.select("ad_id", F.col("item_id").alias("base_item"), F.col("updated_at").alias("base_version"))
        winners = (newest.join(base_loc, "ad_id", "left")
                   .where(F.col("base_version").isNull() | (F.col("updated_at") >= F.col("base_version")))
                   .persist())
        # 2. Touched groups.
        touched = (winners.where(F.col("base_item").isNotNull()).select(F.col("base_item").alias("item_id"))
                   .union(winners.where(F.col("op") != "delete").select("item_id"))
                   .union(items.select("item_id"))
                   .distinct())
        # 3. Every doc of each touched group, the group record and aggregates.
        siblings = (self.base_ads.join(touched, "item_id", "left_semi")
                    .join(winners.select("ad_id"), "ad_id", "left_anti"))
        docs = (siblings.select(*AD_COLUMNS)
                .union(winners.where(F.col("op") != "delete").select(*AD_COLUMNS)))
        item_state = (self.base_items.join(touched, "item_id", "left_semi").union(items)
                      .groupBy("item_id").agg(F.max(F.struct("updated_at", "title", "brand", "category", "price", "op")).alias("r"))
                      .select("item_id", *[F.when(F.col("r.op") != "delete", F.col(f"r.{c}")).alias(ITEM_PREFIX + c)
                                           for c in ("title", "brand", "category", "price")]))
        aggregates = docs.groupBy("item_id").agg(F.count("*").alias(ITEM_PREFIX + "count"),
                                                 F.min("bid").alias(ITEM_PREFIX + "min_bid"),
                                                 F.max("bid").alias(ITEM_PREFIX + "max_bid"))
        full = docs.join(item_state, "item_id", "left").join(aggregates, "item_id", "left").persist()
        # 4-5. Terms -> doc ids.
        parts = []
        for c in DOC_TEXT + DOC_KEYWORD:
            parts += field_terms(full, c, c, c in DOC_TEXT, c in DOC_KEYWORD)
        for c in dict.fromkeys(ITEM_TEXT + ITEM_KEYWORD):
            parts += field_terms(full, ITEM_PREFIX + c, ITEM_PREFIX + c, c in ITEM_TEXT, c in ITEM_KEYWORD)
        terms = parts[0]
        for p in parts[1:]:
            terms = terms.union(p)
        postings = terms.groupBy("field", "term").agg(F.array_sort(F.collect_set("ad_id")).alias("doc_ids"))
        out = self.out / f"batch-{batch_id}"
        full.write.mode("overwrite").parquet(str(out / "docs"))
        postings.write.mode("overwrite").parquet(str(out / "postings"))
        ndocs = full.count()
        winners.unpersist()
        full.unpersist()
        record = {"batch": batch_id, "target": partition_folder(self.target_s),
                  "partitions_arrived": len(arrived), "docs": ndocs,
                  "seconds": round(time.perf_counter() - t0, 3), "output": str(out),
                  "finished_at": time.time()}
        print(json.dumps(record), flush=True)
        with self.batch_done:
            self.batches.append(record)
            self.batch_done.notify_all()

    def wait_batches(self, n, timeout):
        deadline = time.time() + timeout
        with self.batch_done:
            while len(self.batches) < n and self.failure is None:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"no batch {n} after {timeout} s")
                self.batch_done.wait(left)
        if self.failure is not None:
            raise self.failure


def land_partition(data, stream, start_s):
    """Links one ads partition's files into the stream folder, then renames it into place."""
    src = Path(data) / "ads" / partition_folder(start_s)
    dst = Path(stream) / "ads" / partition_folder(start_s)
    tmp = dst.parent / ("_landing-" + dst.name)
    tmp.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.suffix == ".parquet":
            os.link(f, tmp / f.name)
    tmp.rename(dst)
    return time.time()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="what `freshet gen --format parquet` wrote")
    ap.add_argument("--work", required=True, help="folder for the stream's input, checkpoint and output")
    ap.add_argument("--window", type=int, default=60, help="partitions in the first (cold) batch")
    ap.add_argument("--steady", type=int, default=3, help="batches after the cold one, one new partition each")
    ap.add_argument("--trigger", default="2 seconds", help="ProcessingTime trigger interval")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="6g")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds to wait for one batch")
    args = ap.parse_args()

    work = Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    stream, out = work / "stream", work / "out"
    (stream / "ads").mkdir(parents=True)
    cut = (Path(args.data) / "snapshot" / "CUT").read_text().strip()
    cut_s = int(dt.datetime.fromisoformat(cut.replace("Z", "+00:00")).timestamp())

    spark = (SparkSession.builder.master(args.master).appName("freshet-peer")
             .config("spark.driver.memory", args.driver_memory)
             .config("spark.sql.shuffle.partitions", "8")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.session.timeZone", "UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    t0 = time.perf_counter()
    pipeline = Pipeline(spark, args.data, stream, out, cut_s)
    print(json.dumps({"spark": spark.version, "master": args.master,
                      "base_load_seconds": round(time.perf_counter() - t0, 3)}), flush=True)
    for k in range(args.window):
        land_partition(args.data, stream, cut_s + k * PERIOD_S)
    query = (spark.readStream.schema(ADS_SCHEMA).parquet(str(stream / "ads"))
             .writeStream.foreachBatch(pipeline.on_batch)
             .trigger(processingTime=args.trigger)
             .option("checkpointLocation", str(work / "checkpoint"))
             .start())
    freshness = []
    try:
        pipeline.wait_batches(1, args.timeout)
        for k in range(args.steady):
            landed = land_partition(args.data, stream, cut_s + (args.window + k) * PERIOD_S)
            pipeline.wait_batches(k + 2, args.timeout)
            freshness.append(round(pipeline.batches[-1]["finished_at"] - landed, 3))
    finally:
        query.stop()
    progress = [p["durationMs"].get("triggerExecution") for p in query.recentProgress
                if p.get("numInputRows", 0) > 0]
    summary = {"summary": True, "cold_seconds": pipeline.batches[0]["seconds"],
               "steady_seconds": [b["seconds"] for b in pipeline.batches[1:]],
               "freshness_seconds": freshness, "trigger_execution_ms": progress,
               "cold_output": pipeline.batches[0]["output"]}
    print(json.dumps(summary), flush=True)
    spark.stop()


if __name__ == "__main__":
    sys.exit(main())
