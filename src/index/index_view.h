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
#include "index/ranking.h"
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
  double score = 0;                                   // BM25 score when sorted by score, else 0
};

struct SearchOptions {
  size_t limit = 10;
  size_t offset = 0;
  SortOrder sort;  // BM25 by default (see index/ranking.h)
};

struct SearchResults {
  uint64_t total = 0;
  std::vector<DocOut> docs;  // the page [offset, offset + limit) in `sort` order
};

struct ScoringTerm;  // a text term that adds to BM25 scores (index_view.cc)

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

  // Every live doc matching `query`, ranked by `options.sort`. BM25's
  // collection statistics (doc count, doc frequencies, average field
  // lengths) cover every segment of the view, superseded base docs included
  // (as Lucene counts deleted docs until a merge). InvalidArgument for an
  // unknown field or a sort on a field that is not numeric.
  Result<SearchResults> Search(const QueryNode& query, const SearchOptions& options) const;
  // NotFound if no live doc has this id.
  Result<DocOut> GetDoc(std::string_view id) const;
  uint64_t LiveDocs() const;

 private:
  IndexView() = default;
  Result<std::vector<uint32_t>> Evaluate(const SegmentReader& seg, const QueryNode& q) const;
  Result<DocOut> MakeDoc(const SegmentReader& seg, uint32_t ord) const;
  // BM25 scores of `docs` (sorted ordinals of `seg`), one per doc.
  Result<std::vector<double>> Score(const SegmentReader& seg, const std::vector<uint32_t>& docs,
                                    const std::vector<ScoringTerm>& terms) const;
  std::vector<const SegmentReader*> Segments() const;

  std::string manifest_key_;
  Manifest manifest_;
  std::vector<std::shared_ptr<const SegmentReader>> base_;
  std::vector<std::shared_ptr<const SegmentReader>> delta_;
  std::vector<std::vector<bool>> base_hidden_;   // per base segment, per doc
  std::vector<std::vector<bool>> delta_hidden_;  // per delta segment, per doc
  // BM25 collection statistics over every segment.
  uint64_t stat_docs_ = 0;
  struct FieldLengthStats {
    uint64_t total = 0;  // tokens
    uint64_t docs = 0;   // docs of segments that record lengths
  };
  std::map<std::string, FieldLengthStats, std::less<>> field_lengths_;  // by field name
};

}  // namespace freshet
