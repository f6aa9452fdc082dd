// SegmentCache: the segments a process has opened, shared by the views of
// successive generations.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "index/group_directory.h"
#include "index/manifest.h"
#include "index/segment.h"
#include "index/segment_disk_cache.h"
#include "storage/object_store.h"

namespace freshet {

// Opened segments by key; segments are immutable, so an entry never goes stale.
// Segments of a local store are mapped from their own files; segments of
// remote stores go through a SegmentDiskCache (by default the one the
// environment names) and are mapped from local disk. Either way the pages
// read to verify a segment are then released, so resident memory holds what
// queries touch, not the index. It also keeps what each segment supersedes
// of each lower one (SupersessionCache), so that opening a generation that
// adds a layer costs that layer, not the whole index. Thread-safe.
class SegmentCache {
 public:
  SegmentCache() : disk_(SegmentDiskCache::FromEnvironment()) {}
  explicit SegmentCache(std::shared_ptr<SegmentDiskCache> disk) : disk_(std::move(disk)) {}

  // Loads (or returns the cached) segment `ref` from `store`, verifying its
  // size and whole-file checksum against `ref` and every section checksum.
  Result<std::shared_ptr<const SegmentReader>> Load(ObjectStore& store, const SegmentRef& ref);
  // Drops every entry whose key is not in `keep`.
  void Retain(const std::vector<std::string>& keep);
  SupersessionCache* supersessions() { return &supersessions_; }

 private:
  std::shared_ptr<SegmentDiskCache> disk_;  // null: remote segments are read into memory
  SupersessionCache supersessions_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const SegmentReader>> segments_;
};

}  // namespace freshet
