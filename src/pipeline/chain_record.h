// ChainRecord: what a delta's layers were built from, published beside its
// manifest so that a restarted runner, or one that took the lease over, adds
// a layer to the committed delta instead of rebuilding the whole window.
//
// Stored as one immutable object per distinct record,
// inputs/<xxh3-128 of content>.json, written create-if-absent before the
// manifest that names it (Manifest::inputs_key). Its JSON ends with a
// "checksum" member: the xxh3-64 (16 hex digits) of the bytes before it.
//
// Format 1 (frozen): {"format": 1, "base_cut", "window_start", "target"
// (RFC 3339), "config" (ConfigFingerprint), "doc_files" and "group_files"
// (arrays of {"key", "fingerprint", "partition"}), "checksum"}.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "index/index_view.h"
#include "pipeline/config.h"
#include "pipeline/group_build.h"
#include "pipeline/layer_build.h"
#include "pipeline/records.h"

namespace freshet {

// One input file as it was read: its key, its listing fingerprint (what the
// store says of its content: etag or size and mtime) and its partition.
struct InputFile {
  std::string key;
  std::string fingerprint;
  TimeMicros partition = 0;
  bool operator==(const InputFile&) const = default;
};

struct ChainRecord {
  TimeMicros base_cut = 0;
  TimeMicros window_start = 0;
  TimeMicros target = 0;
  std::string config_fingerprint;
  std::vector<InputFile> doc_files;    // in window order
  std::vector<InputFile> group_files;  // in window order
  bool operator==(const ChainRecord&) const = default;
};

// A fingerprint (16 hex digits) of everything in `config` that changes the
// segments built from given inputs: the segment schema, the shards, the
// key, group, version and op columns, the delete values, the version
// formats, the aggregates, the streams' layouts, periods and formats, and the
// bad-record policy. Not the stores' URLs, the cadence, the lease or the
// readiness rules.
std::string ConfigFingerprint(const PipelineConfig& config);

// The files of `files` as a record lists them.
std::vector<InputFile> InputFilesOf(const std::vector<std::shared_ptr<const ParsedFile>>& files);

// The record's JSON, its checksum last.
std::string SerializeChainRecord(const ChainRecord& record);
// Where a record with this JSON is stored: inputs/<xxh3-128 of json>.json.
std::string ChainRecordKey(std::string_view json);
// Corruption naming `key` and the member on malformed input, or naming `key`
// and both checksums when the content does not match its checksum;
// NotSupported naming `key` for a format this freshet does not read.
Result<ChainRecord> ParseChainRecord(std::string_view key, std::string_view json);

// The groups a layer must rebuild for input files changed since the
// committed delta was built: for each doc record of `doc_files`, its group
// in `newest_docs` (unless deleted there), the group `previous_group(id)`
// names (where the committed generation had the doc, if anywhere) and its
// group in `base`; the key of each group record of `group_files`.
std::set<std::string> GroupsOfChanges(
    const std::vector<const ParsedFile*>& doc_files,
    const std::vector<const ParsedFile*>& group_files, const NewestRecords& newest_docs,
    const std::vector<const SegmentReader*>& base,
    const std::function<std::optional<std::string_view>(std::string_view id)>& previous_group);

// Whether the committed generation `view`, whose delta was built from
// `record`, can be continued by a layer holding `groups`; if not, `reason`
// says why (frozen names, logged as `chain_reason`).
struct ChainContinuation {
  bool continued = false;
  std::string reason;            // when not continued
  std::set<std::string> groups;  // when continued
  ChangedIds ids;                // when continued: the keys of the added files
};

// What a batch over `doc_files` and `group_files` (this window's files, as
// read, and their newest doc records) must rebuild on top of `view` for the
// result to serve what a whole-window rebuild would, given that `view`'s
// delta was built from `record`. The record must match this batch's base
// cut, window start and config fingerprint (else reason "base_cut",
// "window_start" or "config"). A file listed in the record that is gone now
// (reason "removed_files") or whose fingerprint changed ("rewritten_files")
// had contents that are unknown now: only a rebuild is exact. Otherwise the
// groups are (unless not `want_groups`: format 5 needs only the ids), for
// each doc id of a file added since the record: its group in
// `newest_docs`, the group of its live copy in `view` and its group in the
// base; and every group key of a group file added since the record.
ChainContinuation ContinueFromRecord(
    const ChainRecord& record, TimeMicros base_cut, TimeMicros window_start,
    const std::string& config_fingerprint,
    const std::vector<std::shared_ptr<const ParsedFile>>& doc_files,
    const std::vector<std::shared_ptr<const ParsedFile>>& group_files,
    const NewestRecords& newest_docs, const IndexView& view, bool want_groups = true);

}  // namespace freshet
