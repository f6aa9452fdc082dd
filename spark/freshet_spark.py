"""freshet-spark: freshet's sharded base build and compaction on Apache Spark.

    spark-submit [SPARK OPTIONS] spark/freshet_spark.py build-full -c CONFIG [--cut TIME]
        [--holder NAME] [--allow-shrink]
    spark-submit [SPARK OPTIONS] spark/freshet_spark.py compact -c CONFIG [--holder NAME]

The driver reads the pipeline config and takes the pipeline's writer lease.
Spark tasks read the snapshot's files (one task per file, through freshet's
store: a local folder or s3://), give each record the shard of its group key
(freshet's own hash, `Config.shard_of`) and shuffle the records to one task
per shard (a partitioner that is the shard number). Each shard task builds its
segment with `freshet.ShardBuilder` and writes it with `Store.put_segment`
under its content-derived name, create-if-absent: a retried or speculative
task writes the same bytes. The driver publishes the segments in shard order
and commits under its epoch (`Publisher.publish_base`): the same manifest,
collapse guard, batch log and `CURRENT` as `freshet build-full`, whose shards
these are byte for byte.

Records reach freshet as its own readers produce them: a JSON Lines record is
parsed by Python's json module (integers stay integers, decimals doubles, as
freshet's reader keeps them; Spark's JSON schema inference would widen a
column to doubles) and handed over as a mapping; a Parquet file is read with
pyarrow and handed over as Arrow batches. Bad records follow
`pipeline.bad_records`: counted and listed (`FILE:LINE: reason`) in the batch
log under `skip`, the job fails naming the first one under `stop`. A shard
that fails after Spark's task retries fails the job; nothing is published.

`compact` folds the committed generation (base and delta layers) into a new
base, as `freshet compact` does, shard by shard: the generation's segments
are sharded by the same hash (a base built under a memory budget has several
segments a shard, a delta layer one per shard it touches). A first stage
opens each segment (one task each) to find the shards it holds groups of;
then one task per shard merges that shard's segments with freshet's merge
(`freshet.compact_shard`) and writes the shard's new base segment under its
content-derived name, create-if-absent, the bytes `freshet compact` writes
for it. The driver, holding the lease from the start, publishes the segments
in shard order and commits a base cut at the end of the delta's newest
partition under its epoch (`Publisher.publish_compaction`); the watermark
stays. A shard that fails after Spark's retries fails the job; nothing is
published.

Every executor needs the `freshet` package (`pip install .` of this
repository) in the Python that runs its tasks (PYSPARK_PYTHON).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

import freshet

try:
    import tomllib  # Python 3.11
except ImportError:  # pragma: no cover
    import tomli as tomllib

DOCS, GROUPS = 0, 1  # the two streams, in the order build-full reads them

# Extensions of the data files of each format, as freshet lists a snapshot.
_EXTENSIONS = {"jsonl": (".jsonl", ".json", ".ndjson"), "parquet": (".parquet",)}


@dataclass(frozen=True)
class SnapshotFile:
    """One data file of the snapshot: its stream (DOCS or GROUPS), its
    position in build-full's order (listing order, docs before groups), its
    key in the snapshot store, its format and the column its group key is in."""
    stream: int
    index: int
    key: str
    fmt: str
    key_column: str


@dataclass
class PipelineText:
    """The pipeline config as the driver read it: its path and text, so that
    an executor parses the very same."""
    config_path: str
    config_text: str
    config_dir: str

    def config(self) -> freshet.Config:
        return freshet.Config.from_toml(self.config_text, self.config_dir, self.config_path)


def read_pipeline(config_path: str) -> PipelineText:
    """The config file's text (freshet's errors for a bad or missing config)."""
    freshet.Config.load(config_path)
    with open(config_path, "rb") as f:
        text = f.read().decode("utf-8")
    return PipelineText(config_path, text, os.path.dirname(os.path.abspath(config_path)))


@dataclass
class Job(PipelineText):
    """What the driver hands to build-full's tasks: the config, the
    snapshot's URL and files."""
    snapshot: str = ""
    shards: int = 1
    files: list[SnapshotFile] = field(default_factory=list)


@dataclass
class CompactionJob(PipelineText):
    """What the driver hands to compact's tasks: the config and the committed
    generation (its manifest key and number of segments, base then delta)."""
    manifest_key: str = ""
    segments: int = 0


@dataclass
class ShardResult:
    """What a shard task returns to the driver."""
    shard: int
    ref: freshet.SegmentRef
    records: list[int]  # good records per stream (DOCS, GROUPS)
    bad_records: list[int]  # bad records per stream
    quarantine: list[tuple[int, int, str]]  # (file index, line, "FILE:LINE: reason")


class BuildError(Exception):
    """A build-full that cannot go on (the message says why); nothing is published."""


def _data_file(name: str, fmt: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(("_", ".")) and base.endswith(_EXTENSIONS[fmt])


def plan(config_path: str) -> Job:
    """Reads the config and lists the snapshot as build-full does.
    BuildError without a snapshot or without doc files; freshet's errors for
    a bad config or an unreachable store."""
    pipeline = read_pipeline(config_path)
    config = pipeline.config()
    text = pipeline.config_text
    # The few settings the binding does not expose: where the streams'
    # snapshot files are, their format and the group stream's key column.
    raw = tomllib.loads(text)
    source, group, base = raw.get("source", {}), raw.get("group", {}), raw.get("base", {})
    doc_fmt = source.get("format", "jsonl")
    if not config.snapshot:
        raise BuildError(f"{config_path}: base.snapshot: required by build-full but not set")
    job = Job(pipeline.config_path, text, pipeline.config_dir, config.snapshot, config.shards)
    store = freshet.Store.open(config.snapshot)
    streams = [(DOCS, base.get("docs", "docs"), doc_fmt, config.group_key)]
    if config.has_groups:
        streams.append((GROUPS, base.get("groups", "groups"), group.get("format", doc_fmt),
                        group.get("key", "")))
    index = 0
    for stream, prefix, fmt, key_column in streams:
        keys = sorted(k for k in store.list(f"{prefix}/" if prefix else "") if _data_file(k, fmt))
        if stream == DOCS and not keys:
            raise BuildError(f"snapshot {config.snapshot}: no {fmt} files under '{prefix}/'")
        for key in keys:
            job.files.append(SnapshotFile(stream, index, key, fmt, key_column))
            index += 1
    return job


def cut_of(job: Job, cut: Optional[str]) -> str:
    """`cut`, else the snapshot's CUT file. BuildError when neither is there."""
    if cut:
        return cut
    try:
        return freshet.Store.open(job.snapshot).get("CUT").decode("utf-8").strip()
    except freshet.NotFoundError as e:
        raise BuildError(f"no cut time: pass --cut or write it to {job.snapshot}/CUT ({e})")


# ------------------------------------------------------------------ tasks


def _shard_of(config: freshet.Config, key: Any, shards: int) -> int:
    """The shard of a record's group key. freshet takes a non-empty string or
    an integer (as its decimal text); a record with any other key is bad, and
    is sent to shard 0 whose builder reports it."""
    if isinstance(key, str) and key:
        return config.shard_of(key, shards)
    if isinstance(key, int) and not isinstance(key, bool):
        return config.shard_of(str(key), shards)
    return 0


def _json_lines(data: bytes) -> Iterator[tuple[int, Any]]:
    """(line number, record) of each non-blank line, as freshet's JSON Lines
    reader numbers them: the parsed value, or the line itself when it is not
    JSON (the binding reports anything but a mapping as a bad record)."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line.strip(b" \t"):
            continue
        try:
            yield number, json.loads(line)
        except ValueError:
            yield number, line.decode("utf-8", errors="replace")


def split_file(job: Job, file: SnapshotFile) -> Iterator[tuple[int, tuple]]:
    """Reads one snapshot file and yields (shard, (stream, file index, rows))
    once for every shard, even one without records of it (a shard task
    checks it got every file's part), records holding only the columns the
    build reads: `rows` is a list of (line, record)
    for JSON Lines, None or Arrow IPC bytes of the shard's rows (in file
    order) plus their row numbers for Parquet, or for shard 0 the quarantine
    entry of a Parquet file that cannot be read (under bad_records = "skip";
    CorruptionError naming it under "stop")."""
    config = job.config()
    # Only the columns the build reads are shuffled (the builder reads no
    # other), and the key's.
    columns = config.doc_columns if file.stream == DOCS else config.group_columns
    columns = columns + [file.key_column] * (file.key_column not in columns)
    data = freshet.Store.open(job.snapshot).get(file.key)
    if file.fmt == "jsonl":
        by_shard: dict[int, list] = {}
        for number, record in _json_lines(data):
            key = None
            if isinstance(record, dict):
                key = record.get(file.key_column)
                record = {c: record[c] for c in columns if c in record}
            by_shard.setdefault(_shard_of(config, key, job.shards), []).append((number, record))
        for shard in range(job.shards):
            yield shard, (file.stream, file.index, by_shard.get(shard, []))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq
    try:
        present = set(pq.read_schema(pa.BufferReader(data)).names)
        table = pq.read_table(pa.BufferReader(data), columns=[c for c in columns if c in present])
    except (pa.ArrowException, OSError) as e:
        # A file that cannot be read at all: the job stops on it, or it is
        # quarantined whole, reported once (by shard 0), as build-full does.
        reason = f"{file.key}: unreadable file: {e}"
        if config.bad_records == "stop":
            raise freshet.CorruptionError(reason) from None
        for shard in range(job.shards):
            yield shard, (file.stream, file.index, reason if shard == 0 else None)
        return
    keys = (table.column(file.key_column).to_pylist() if file.key_column in table.column_names
            else [None] * table.num_rows)
    by_row: dict[int, list[int]] = {}
    for row, key in enumerate(keys):
        by_row.setdefault(_shard_of(config, key, job.shards), []).append(row)
    for shard in range(job.shards):
        rows = by_row.get(shard)
        if not rows:
            yield shard, (file.stream, file.index, None)
            continue
        part = table.take(pa.array(rows, type=pa.int64()))
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, part.schema) as writer:
            writer.write_table(part)
        yield shard, (file.stream, file.index, (sink.getvalue().to_pybytes(), [r + 1 for r in rows]))


def _relocate(message: str, source: str, lines: list[int]) -> str:
    """`message` with each `SOURCE:ROW` (ROW counted among the rows handed
    to the builder) turned into `SOURCE:LINE`, the line of the whole file."""
    def line_of(m: re.Match) -> str:
        row = int(m.group(1))
        return f"{source}:{lines[row - 1] if 0 < row <= len(lines) else row}"
    return re.sub(re.escape(source) + r":(\d+)", line_of, message, count=1)


def build_shard(job: Job, shard: int, parts: Iterable[tuple[int, tuple]]) -> Iterator[ShardResult]:
    """The task of shard `shard`: builds its segment from the records of
    every file (in build-full's file order), writes it to the output and
    yields its ShardResult. Raises freshet's CorruptionError naming the file
    and line of the first bad record under bad_records = "stop"."""
    config = job.config()
    chunks = []
    for got, chunk in parts:
        if got != shard:  # the partitioner is the shard number: never
            raise BuildError(f"shard task {shard} was given records of shard {got}")
        chunks.append(chunk)
    chunks.sort(key=lambda c: c[1])
    # A task whose shuffle input was cut short (an executor lost while it
    # fetched) must not write a segment of part of the shard.
    if [c[1] for c in chunks] != list(range(len(job.files))):
        raise BuildError(f"shard task {shard} got the records of {len(chunks)} parts, expected "
                         f"one of each of the snapshot's {len(job.files)} files")
    builder = freshet.ShardBuilder(config, shard, job.shards)
    records, bad = [0, 0], [0, 0]
    quarantine = []
    for stream, index, rows in chunks:
        file = job.files[index]
        if isinstance(rows, str):  # an unreadable file, quarantined whole
            bad[stream] += 1
            quarantine.append((index, 0, rows))
            continue
        before = (builder.records, builder.bad_records, len(builder.quarantine))
        try:
            if file.fmt == "jsonl" and rows:
                lines = [number for number, _ in rows]
                builder.add_records([record for _, record in rows], groups=stream == GROUPS,
                                    source=file.key)
            elif rows is not None:
                import pyarrow as pa
                ipc, lines = rows
                builder.add_arrow(pa.ipc.open_stream(ipc), groups=stream == GROUPS,
                                  source=file.key)
        except freshet.CorruptionError as e:
            raise freshet.CorruptionError(_relocate(str(e), file.key, lines)) from None
        records[stream] += builder.records - before[0]
        bad[stream] += builder.bad_records - before[1]
        for entry in builder.quarantine[before[2]:]:
            entry = _relocate(entry, file.key, lines)
            line = int(re.match(re.escape(file.key) + r":(\d+)", entry).group(1))
            quarantine.append((index, line, entry))
    ref = freshet.Store.open(config.output).put_segment(builder.build())
    yield ShardResult(shard, ref, records, bad, quarantine)


def build_shards(spark, job: Job) -> list[ShardResult]:
    """Runs the read, shuffle and shard tasks on the cluster; the shards'
    results in shard order. Raises whatever failed a task after Spark's
    retries (the shard's segment is then not published)."""
    sc = spark.sparkContext
    files = sc.parallelize(job.files, max(1, len(job.files)))
    shards = job.shards
    results = (files.flatMap(lambda f: split_file(job, f))
               .partitionBy(shards, lambda shard: shard)
               .mapPartitionsWithIndex(lambda shard, parts: build_shard(job, shard, parts))
               .collect())
    results.sort(key=lambda r: r.shard)
    if [r.shard for r in results] != list(range(shards)):
        raise BuildError(f"expected one segment per shard 0..{shards - 1}, got shards "
                         f"{[r.shard for r in results]}")
    return results


def publish(publisher: freshet.Publisher, job: Job, cut: str, results: list[ShardResult],
            allow_shrink: bool = False) -> dict:
    """Publishes the shards' segments as the base at `cut` and commits it
    under the publisher's epoch, with the records and the first bad records
    of every file in the batch log. FencedError once another writer took the
    lease; CollapseRefusedError as build-full refuses a collapse."""
    quarantine = sorted(q for r in results for q in r.quarantine)
    return publisher.publish_base(
        cut, [r.ref for r in results],
        doc_records=sum(r.records[DOCS] for r in results),
        bad_doc_records=sum(r.bad_records[DOCS] for r in results),
        group_records=sum(r.records[GROUPS] for r in results),
        bad_group_records=sum(r.bad_records[GROUPS] for r in results),
        quarantine=[entry for _, _, entry in quarantine][:1000],
        sources=len(job.files), allow_shrink=allow_shrink)


class LeaseKeeper:
    """Renews the writer lease of `epoch` every third of the lease's TTL
    while the tasks run (they may take longer than the TTL), on a thread of
    the driver. A failed renewal (FencedError once another writer took the
    lease) is left to publish_base, which checks the epoch again and
    publishes nothing when it is stale."""

    def __init__(self, config: freshet.Config, epoch: int):
        import threading
        self._config, self._epoch = config, epoch
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="freshet-lease", daemon=True)

    def _run(self) -> None:
        metastore = freshet.Metastore.open(self._config.metastore)
        ttl = self._config.lease_ttl
        while not self._stop.wait(ttl / 3):
            try:
                metastore.renew_lease(self._config.name, self._epoch, ttl)
            except freshet.FreshetError:
                return

    def __enter__(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def __exit__(self, *args: object) -> None:
        self._stop.set()
        self._thread.join()


def build_full(spark, config_path: str, cut: Optional[str] = None, holder: Optional[str] = None,
               allow_shrink: bool = False) -> dict:
    """The whole build-full: lease, tasks, publish and commit, lease given
    up. Returns publish_base's figures."""
    job = plan(config_path)
    cut = cut_of(job, cut)
    config = job.config()
    with freshet.Publisher(config, holder=holder or "freshet-spark") as publisher:
        with LeaseKeeper(config, publisher.epoch):
            results = build_shards(spark, job)
        return publish(publisher, job, cut, results, allow_shrink)


# ------------------------------------------------------------------ compact


def locate_segments(spark, job: CompactionJob) -> list[list[int]]:
    """Per shard, the generation's segments (numbered base then delta) that
    hold groups of it: one task per segment opens it (verifying its
    checksums) and lists the shards of its groups."""
    sc = spark.sparkContext
    found = (sc.parallelize(range(job.segments), max(1, job.segments))
             .map(lambda i: (i, freshet.segment_shards(job.config(), job.manifest_key, i)))
             .collect())
    by_shard: list[list[int]] = [[] for _ in range(job.config().shards)]
    for segment, shards in sorted(found):
        for shard in shards:
            by_shard[shard].append(segment)
    return by_shard


def compact_shards(spark, job: CompactionJob) -> list[dict]:
    """Runs the compaction's tasks on the cluster, one per shard; their
    results (compact_shard's) in shard order. Raises whatever failed a task
    after Spark's retries."""
    by_shard = locate_segments(spark, job)
    shards = len(by_shard)
    results = (spark.sparkContext.parallelize(list(enumerate(by_shard)), shards)
               .map(lambda task: (task[0], freshet.compact_shard(job.config(), job.manifest_key,
                                                                 task[0], task[1])))
               .collect())
    results.sort(key=lambda r: r[0])
    if [shard for shard, _ in results] != list(range(shards)):
        raise BuildError(f"expected one segment per shard 0..{shards - 1}, got shards "
                         f"{[shard for shard, _ in results]}")
    return [result for _, result in results]


def publish_compaction(publisher: freshet.Publisher, job: CompactionJob,
                       results: list[dict]) -> dict:
    """Publishes the shards' segments as the compaction of the generation
    `job.manifest_key` and commits it under the publisher's epoch.
    FencedError once another writer took the lease; FailedPreconditionError
    if the committed generation moved on."""
    return publisher.publish_compaction(
        job.manifest_key, [r["ref"] for r in results],
        superseded_groups=sum(r["superseded_groups"] for r in results),
        emptied_groups=sum(r["emptied_groups"] for r in results))


def compact(spark, config_path: str, holder: Optional[str] = None) -> Optional[dict]:
    """The whole compaction: lease, tasks, publish and commit, lease given
    up. Returns publish_compaction's figures, or None (nothing written) when
    the committed generation has no delta. BuildError when nothing was
    published yet."""
    pipeline = read_pipeline(config_path)
    config = pipeline.config()
    with freshet.Publisher(config, holder=holder or "freshet-spark") as publisher:
        try:
            key = freshet.Metastore.open(config.metastore).state(config.name).manifest_key
        except freshet.NotFoundError:
            key = ""
        if not key:
            raise BuildError(f"pipeline '{config.name}' has no committed generation to compact "
                             "(build a base first: build-full)")
        manifest = freshet.read_manifest(config.output, key)
        if "delta" not in manifest:
            return None
        job = CompactionJob(pipeline.config_path, pipeline.config_text, pipeline.config_dir, key,
                            len(manifest["base"]) + len(manifest["delta"]))
        with LeaseKeeper(config, publisher.epoch):
            results = compact_shards(spark, job)
        return publish_compaction(publisher, job, results)


# ------------------------------------------------------------------ command


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="freshet-spark",
        description="freshet's sharded base build and compaction on Apache Spark; run with "
                    "spark-submit (spark-submit [SPARK OPTIONS] spark/freshet_spark.py "
                    "build-full|compact -c CONFIG).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    full = commands.add_parser(
        "build-full",
        help="build a base generation from the snapshot, one Spark task per shard, and publish it",
        description="Builds a base generation from the pipeline's snapshot (base.snapshot), "
                    "pipeline.shards segments built by Spark tasks, each byte for byte the one "
                    "`freshet build-full` writes, and publishes and commits it under the "
                    "pipeline's writer lease.")
    full.add_argument("-c", "--config", required=True, help="pipeline config (TOML)")
    full.add_argument("--cut", help="cut time of the snapshot, RFC 3339 "
                                    "(default: the snapshot's CUT file)")
    full.add_argument("--holder", default="freshet-spark",
                      help="name of this writer in the lease (default: freshet-spark)")
    full.add_argument("--allow-shrink", action="store_true",
                      help="publish a base that drops more than pipeline.max_shrink of the live docs")
    fold = commands.add_parser(
        "compact",
        help="fold the committed base and delta into a new base, one Spark task per shard",
        description="Folds the committed generation (base and delta layers) into a new base by "
                    "merging its segments, one Spark task per shard, each shard's segment byte "
                    "for byte the one `freshet compact` writes, and publishes and commits it "
                    "under the pipeline's writer lease. The new base is cut at the end of the "
                    "delta's newest partition; the watermark stays. Prints 'nothing to "
                    "compact' when the committed generation has no delta.")
    fold.add_argument("-c", "--config", required=True, help="pipeline config (TOML)")
    fold.add_argument("--holder", default="freshet-spark",
                      help="name of this writer in the lease (default: freshet-spark)")
    return parser.parse_args(argv)


def exit_code(error: BaseException) -> int:
    """freshet's exit codes (README, "Exit codes"), chosen by the error's class."""
    for cls, code in ((freshet.CollapseRefusedError, 6), (freshet.FencedError, 4),
                      (freshet.LeaseHeldError, 3), (freshet.InvalidArgumentError, 2)):
        if isinstance(error, cls):
            return code
    return 1


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.appName(f"freshet-spark {args.command}").getOrCreate()
    try:
        if args.command == "compact":
            figures = compact(spark, args.config, args.holder)
        else:
            figures = build_full(spark, args.config, args.cut, args.holder, args.allow_shrink)
    except (BuildError, freshet.FreshetError) as e:
        print(f"freshet-spark: {args.command}: {e}", file=sys.stderr)
        return exit_code(e)
    except Exception as e:  # a task failed after Spark's retries: Py4JJavaError
        print(f"freshet-spark: {args.command}: a Spark job failed, nothing published: {e}",
              file=sys.stderr)
        return 1
    finally:
        spark.stop()
    if figures is None:
        print("nothing to compact: the committed generation has no delta")
    else:
        print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
