"""freshet: build, publish and search fresh search/ads indexes from Python.

The C++ engine of the ``freshet`` command, through its binding
(``freshet._freshet``): pipeline configs, shard builds from Arrow data or
Python records (byte-identical to ``freshet build-full``'s shards), object
stores, search over a published index, and the metastore's lease and commit
protocol. See the README's "Python" section.
"""

from ._freshet import (
    AbortedError,
    AlreadyExistsError,
    CollapseRefusedError,
    Config,
    CorruptionError,
    FailedPreconditionError,
    FencedError,
    FreshetError,
    Index,
    InvalidArgumentError,
    LeaseHeldError,
    Metastore,
    NotFoundError,
    NotSupportedError,
    PipelineState,
    Publisher,
    Segment,
    SegmentRef,
    ShardBuilder,
    StorageError,
    Store,
    UnavailableError,
    compact_shard,
    read_manifest,
    segment_shards,
)

__all__ = [
    "AbortedError",
    "AlreadyExistsError",
    "CollapseRefusedError",
    "Config",
    "CorruptionError",
    "FailedPreconditionError",
    "FencedError",
    "FreshetError",
    "Index",
    "InvalidArgumentError",
    "LeaseHeldError",
    "Metastore",
    "NotFoundError",
    "NotSupportedError",
    "PipelineState",
    "Publisher",
    "Segment",
    "SegmentRef",
    "ShardBuilder",
    "StorageError",
    "Store",
    "UnavailableError",
    "compact_shard",
    "read_manifest",
    "segment_shards",
]
