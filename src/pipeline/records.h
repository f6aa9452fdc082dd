// Keyed records: input rows reduced to what the build needs, and the rule
// that picks the newest version of each key.
//
// Newest wins by version; at equal versions the record read later wins,
// "later" meaning a later position in (partition start, file key, line)
// order. Base (snapshot) records come before every window record.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "format/row_reader.h"
#include "pipeline/config.h"
#include "storage/object_store.h"

namespace freshet {

struct KeyedRecord {
  std::string id;     // doc id, or group key for group records
  std::string group;  // doc records: group key (may be empty for deletes)
  int64_t version = 0;
  bool deleted = false;
  Row row;  // values of the stream's projection
};

// One input file, parsed and reduced (newest record per id, in line order).
struct ParsedFile {
  std::string key;
  std::string fingerprint;  // the listing's (ObjectInfo::fingerprint)
  TimeMicros partition = 0;
  int64_t records = 0;  // good records read
  int64_t bad_records = 0;
  std::vector<std::string> bad;  // "file:line (offset N): reason", at most kMaxBadListed
  std::vector<KeyedRecord> reduced;
};

inline constexpr size_t kMaxBadListed = 1000;

// How to turn rows of one stream into keyed records.
struct RecordSchema {
  std::vector<std::string> columns;  // projection
  int id_column = -1;
  int group_column = -1;  // docs only
  int version_column = -1;
  int op_column = -1;
  std::vector<std::string> delete_values;
  ColumnRoles::VersionFormat version_format = ColumnRoles::VersionFormat::kInteger;
  bool require_group = false;

  static RecordSchema ForDocs(const PipelineConfig& c);
  static RecordSchema ForGroups(const PipelineConfig& c);
};

// Reads and reduces one file. With BadRecordPolicy::kStop the first bad
// record fails the read with Corruption naming the file, line and offset, and
// a file that cannot be read (Corruption, NotSupported) fails it with the
// reader's error. With kSkip bad records are counted and listed, and such a
// file is quarantined whole ("KEY: unreadable file: ..." or
// "KEY: unsupported file: ...").
Result<ParsedFile> ReadKeyedFile(ObjectStore& store, const ObjectInfo& file, TimeMicros partition,
                                 FileFormat format, const RecordSchema& schema,
                                 BadRecordPolicy policy);

// Newest record per id over files given in position order.
// The pointers stay valid as long as the files do.
std::unordered_map<std::string_view, const KeyedRecord*> ReduceNewest(
    const std::vector<std::shared_ptr<const ParsedFile>>& files);

// Version column value as an integer. kInteger: integers (and whole
// doubles) as they are. kTimestamp: RFC 3339 strings, or integers taken as
// microseconds since the epoch (as Parquet timestamps are read), as
// microseconds. InvalidArgument, saying what was expected, otherwise.
Result<int64_t> VersionOf(const Value& v, ColumnRoles::VersionFormat format);

}  // namespace freshet
