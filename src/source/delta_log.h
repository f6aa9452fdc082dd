// DeltaLog: what a Delta Lake table holds, read from its transaction log
// instead of listing its folders.
//
// A table is a folder (local or S3) whose _delta_log/ holds one JSON commit
// per table version (00000000000000000007.json: one action per line:
// protocol, metaData, add, remove, commitInfo, txn, ...) and, now and then,
// a Parquet checkpoint of the whole state at a version (single-part
// 00000000000000000010.checkpoint.parquet or multi-part
// 00000000000000000010.checkpoint.0000000001.0000000002.parquet), named by
// _delta_log/_last_checkpoint. The state at a version is the newest
// checkpoint at or below it plus the commits after it: its protocol, its
// metadata and its active files (added and not removed since).
//
// Unknown actions are ignored (the protocol lets writers add them); unknown
// reader features are not: CheckDeltaReadable refuses a table that needs a
// feature this reader does not implement, naming it, rather than read it
// wrongly. Damaged commits are Corruption naming the file, the line and its
// byte offset.
//
// Thread-safety: the functions are; a DeltaSnapshot is a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace freshet {

inline constexpr std::string_view kDeltaLogFolder = "_delta_log/";

struct DeltaProtocol {
  int64_t min_reader_version = 1;
  int64_t min_writer_version = 2;
  std::vector<std::string> reader_features;  // reader version 3
};

struct DeltaMetadata {
  std::string id;
  std::string provider = "parquet";  // format.provider
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
};

// One add or remove action.
struct DeltaFileAction {
  std::string path;  // %XX escapes decoded, relative to the table root
  // Partition column -> value; nullopt for a null value.
  std::map<std::string, std::optional<std::string>> partition_values;
  uint64_t size = 0;
  int64_t modification_time = 0;  // milliseconds since the epoch (add only)
  bool data_change = true;
  bool has_deletion_vector = false;
};

// The actions of one commit that shape the table's state.
struct DeltaCommit {
  int64_t version = 0;
  std::optional<DeltaProtocol> protocol;
  std::optional<DeltaMetadata> metadata;
  std::vector<DeltaFileAction> added;
  std::vector<DeltaFileAction> removed;
};

// The JSON commit file of `version`, e.g. "_delta_log/00000000000000000007.json".
std::string DeltaCommitKey(int64_t version);

// Parses a commit file's text; `name` names it in errors. Corruption naming
// the file, the line and its byte offset for a line that is not a JSON
// object or an action missing a required field or holding a wrong type.
Result<DeltaCommit> ParseDeltaCommit(std::string_view name, std::string_view text);

// OK if this reader reads the table right: reader version 1, 2 without
// column mapping, or 3 whose reader features are all among those
// DeltaReaderFeatures() lists; data files in Parquet. NotSupported naming
// the table and the feature (or version) otherwise.
Status CheckDeltaReadable(std::string_view table, const DeltaProtocol& protocol,
                          const DeltaMetadata& metadata);

// The reader features a table may list and still be read.
const std::vector<std::string>& DeltaReaderFeatures();

// A table's state at one version.
struct DeltaSnapshot {
  int64_t version = -1;
  DeltaProtocol protocol;
  DeltaMetadata metadata;
  std::map<std::string, DeltaFileAction> files;  // active files by path
  // How it was read, for logs and benchmarks.
  int64_t checkpoint_version = -1;  // -1: no checkpoint read
  int64_t commits_read = 0;
};

// The commits from `first` to `last` (inclusive), in order. NotFound naming
// the first missing one.
Result<std::vector<DeltaCommit>> ReadDeltaCommits(ObjectStore& table, int64_t first, int64_t last);

// The table's state at its newest version, checked with
// CheckDeltaReadable. Given `previous` (an older state of the same table,
// as returned here; taken over, not copied), reads only the commits after
// it; otherwise starts from
// the newest checkpoint (named by _last_checkpoint, else the newest whole
// one listed), else from version 0. NotFound when the table has no log;
// Corruption for a damaged commit or checkpoint, or a gap in the versions;
// FailedPrecondition when the newest version is older than `previous`'s
// (the table was replaced).
Result<DeltaSnapshot> LoadDeltaSnapshot(ObjectStore& table, std::optional<DeltaSnapshot> previous);

}  // namespace freshet
