// IndexView: one published generation as readers see it: the base segments
// plus the newest delta's, the delta superseding the base group by group.
//
// Thread-safe after Open (read-only). Segments are shared with a
// SegmentCache so that a view over a new manifest reuses unchanged segments.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "index/manifest.h"
#include "index/query.h"
#include "index/segment.h"
#include "index/segment_disk_cache.h"
#include "storage/object_store.h"

namespace freshet {

// Opened segments by key; segments are immutable, so an entry never goes stale.
// Segments of remote stores go through a SegmentDiskCache (by default the one
// the environment names) and are mapped from local disk. Thread-safe.
class SegmentCache {
 public:
  SegmentCache() : disk_(SegmentDiskCache::FromEnvironment()) {}
  explicit SegmentCache(std::shared_ptr<SegmentDiskCache> disk) : disk_(std::move(disk)) {}

  // Loads (or returns the cached) segment `ref` from `store`, verifying its
  // size and whole-file checksum against `ref` and every section checksum.
  Result<std::shared_ptr<const SegmentReader>> Load(ObjectStore& store, const SegmentRef& ref);
  // Drops every entry whose key is not in `keep`.
  void Retain(const std::vector<std::string>& keep);

 private:
  std::shared_ptr<SegmentDiskCache> disk_;  // null: segments are read into memory
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const SegmentReader>> segments_;
};

// A doc as returned to users.
struct DocOut {
  std::string id;
  std::string group;
  int64_t version = 0;
  std::vector<std::pair<std::string, Value>> fields;  // stored fields, in schema order
};

struct SearchResults {
  uint64_t total = 0;
  std::vector<DocOut> docs;  // sorted by doc id
};

class IndexView {
 public:
  // The generation CURRENT names. NotFound if nothing was ever published.
  static Result<std::shared_ptr<IndexView>> OpenCurrent(ObjectStore& store, SegmentCache* cache);
  static Result<std::shared_ptr<IndexView>> OpenManifest(ObjectStore& store,
                                                         const std::string& manifest_key,
                                                         SegmentCache* cache);
  // Reads CURRENT: the committed manifest's key. NotFound if absent.
  static Result<std::string> ReadCurrent(ObjectStore& store);

  const Manifest& manifest() const { return manifest_; }
  const std::string& manifest_key() const { return manifest_key_; }
  const std::vector<std::shared_ptr<const SegmentReader>>& base() const { return base_; }
  const std::vector<std::shared_ptr<const SegmentReader>>& delta() const { return delta_; }

  // True if base doc `ord` of base segment `segment` is superseded by the delta.
  bool BaseHidden(size_t segment, uint32_t ord) const;
  // True if doc `ord` of delta segment `segment` is superseded by a higher layer.
  bool DeltaHidden(size_t segment, uint32_t ord) const { return delta_hidden_[segment][ord]; }

  Result<SearchResults> Search(const QueryNode& query, size_t limit, size_t offset) const;
  // NotFound if no live doc has this id.
  Result<DocOut> GetDoc(std::string_view id) const;
  uint64_t LiveDocs() const;

 private:
  IndexView() = default;
  Result<std::vector<uint32_t>> Evaluate(const SegmentReader& seg, const QueryNode& q) const;
  Result<DocOut> MakeDoc(const SegmentReader& seg, uint32_t ord) const;

  std::string manifest_key_;
  Manifest manifest_;
  std::vector<std::shared_ptr<const SegmentReader>> base_;
  std::vector<std::shared_ptr<const SegmentReader>> delta_;
  std::vector<std::vector<bool>> base_hidden_;   // per base segment, per doc
  std::vector<std::vector<bool>> delta_hidden_;  // per delta segment, per doc
};

}  // namespace freshet
