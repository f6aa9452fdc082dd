// Discovery: which partitions of a source exist in a time range, what files
// each holds, and which are ready to be read.
//
// Only the hours that can matter are listed (one listing per distinct hour
// prefix of the layout), never the whole history. Keys that do not parse
// with the layout, or whose time is not aligned to the period, are rejected
// and reported, never guessed at.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "format/row_reader.h"
#include "source/partition_layout.h"
#include "storage/object_store.h"

namespace freshet {

struct SourceSpec {
  PartitionLayout layout;
  TimeMicros period = 0;
  FileFormat format = FileFormat::kJsonLines;
  std::string marker;  // e.g. "_SUCCESS"; empty: markers are ignored
  TimeMicros delay = 0;
};

struct PartitionListing {
  TimeMicros start = 0;
  bool has_marker = false;
  std::vector<ObjectInfo> files;  // data files, sorted by key
};

struct Discovery {
  std::map<TimeMicros, PartitionListing> partitions;  // only partitions with objects
  std::vector<std::string> rejected;                  // "key: reason"
  int64_t listings = 0;                               // List calls made
};

// Lists partitions with start in [from, to).
Result<Discovery> DiscoverPartitions(ObjectStore& store, const SourceSpec& spec, TimeMicros from,
                                     TimeMicros to);

// Ready when its marker exists, or when now >= start + period + delay.
bool IsReady(const SourceSpec& spec, const Discovery& d, TimeMicros start, TimeMicros now);

// A fingerprint of every data file (key, size/etag) of the partitions with
// start in [from, to]: changes when a file is added, removed or rewritten.
std::string WindowFingerprint(const Discovery& d, TimeMicros from, TimeMicros to);

}  // namespace freshet
