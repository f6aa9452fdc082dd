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
// Format 2 (frozen; written from then on): format 1 whose file entries also
// hold "records" and "bad_records" (the file's good and bad record counts)
// and, when the file has some, "deletes": [[id, version], ...], each id whose
// newest record in the file deletes it, with that record's version. A
// format-1 record is still read; it cannot say what the window deleted, so
// a batch over it re-reads the whole window.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "index/index_view.h"
#include "pipeline/config.h"
#include "pipeline/group_build.h"
#include "pipeline/layer_build.h"
#include "pipeline/records.h"
#include "source/discovery.h"
#include "storage/object_store.h"

namespace freshet {

// One input file as it was read: its key, its listing fingerprint (what the
// store says of its content: etag or size and mtime) and its partition.
struct InputFile {
  std::string key;
  std::string fingerprint;
  TimeMicros partition = 0;
  // Format 2 on: the file's record counts and the ids its newest records
  // delete, with their versions, in the file's order.
  int64_t records = 0;
  int64_t bad_records = 0;
  std::vector<std::pair<std::string, int64_t>> deletes;
  bool operator==(const InputFile&) const = default;
};

struct ChainRecord {
  TimeMicros base_cut = 0;
  TimeMicros window_start = 0;
  TimeMicros target = 0;
  std::string config_fingerprint;
  std::vector<InputFile> doc_files;    // in window order
  std::vector<InputFile> group_files;  // in window order
  // False for a format-1 record: its files' counts and deletes are unknown.
  bool deletes_known = true;
  bool operator==(const ChainRecord&) const = default;
};

// A fingerprint (16 hex digits) of everything in `config` that changes the
// segments built from given inputs: the segment schema, the shards, the
// key, group, version and op columns, the delete values, the version
// formats, the aggregates, the streams' layouts, periods and formats, and the
// bad-record policy. Not the stores' URLs, the cadence, the lease or the
// readiness rules.
std::string ConfigFingerprint(const PipelineConfig& config);

// The files of `files` as a record lists them, with their counts and deletes.
std::vector<InputFile> InputFilesOf(const std::vector<std::shared_ptr<const ParsedFile>>& files);

// The record's JSON, its checksum last.
std::string SerializeChainRecord(const ChainRecord& record);
// Where a record with this JSON is stored: inputs/<xxh3-128 of json>.json.
std::string ChainRecordKey(std::string_view json);
// Corruption naming `key` and the member on malformed input, or naming `key`
// and both checksums when the content does not match its checksum;
// NotSupported naming `key` for a format this freshet does not read.
// Reads formats 1 and 2; writes format 2.
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

// The window's files of one stream, as listed now, against the files a
// chain record lists: the number of listed files after the record's, when
// the listing is the record's files (same keys, same fingerprints, same
// order) followed by files the record does not list; nullopt otherwise (a
// file rewritten, removed, or added among the record's: a late file in an
// earlier partition).
std::optional<size_t> FilesAfterRecord(const std::vector<InputFile>& recorded,
                                       const std::vector<WindowObject>& listed);

// The ids of `docs` and `groups` (the newest records of the files added
// after those of `record`, whose whole window built the committed
// generation `view`) whose newest record across the window is now the
// added one: the layer decides them and only them; every other id is served
// as `view` serves it. The generation stands for the recorded window's
// files: a doc it serves has the version of its newest record there (or of
// a newer base copy), and an id it does not serve has, at most, a newest
// record there that deletes it, which the record's `deletes` list. An added
// record wins at an equal version (it comes later). A group record is
// compared with the record of the group's highest entry in `view`, or with
// the recorded deletes where that entry holds no record.
// The docs' look-ups run on `threads` threads (0: one per core).
// REQUIRES: record.deletes_known. Corruption if a group entry of `view`
// cannot be decoded.
Result<ChangedIds> IdsDecidedOverGeneration(const ChainRecord& record, const IndexView& view,
                                            const NewestRecords& docs, const NewestRecords& groups,
                                            int threads);

}  // namespace freshet
