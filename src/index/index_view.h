// IndexView: one published generation as readers see it: the base segments
// plus the newest delta's, each layer superseding the lower ones group by
// group (formats 1 to 4) or doc by doc and record by record (format 5), as
// GroupDirectory (group_directory.h) sets out.
//
// Thread-safe after Open: read-only, but for the ranking statistics it
// computes on first use under its own locks. Segments are shared with a
// SegmentCache so that a view over a new manifest reuses unchanged segments.
#pragma once

#include <atomic>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/group_directory.h"
#include "index/manifest.h"
#include "index/query.h"
#include "index/ranking.h"
#include "index/search/id_sort_keys.h"
#include "index/segment.h"
#include "index/segment_cache.h"
#include "storage/object_store.h"

namespace freshet {

// A doc as returned to users.
struct DocOut {
  std::string id;
  std::string group;
  int64_t version = 0;
  std::vector<std::pair<std::string, Value>> fields;  // stored fields, in schema order
  double score = 0;                                   // BM25 score when sorted by score, else 0
};

// SearchOptions::total_hits_threshold's default: every match is counted.
inline constexpr uint64_t kExactTotal = std::numeric_limits<uint64_t>::max();

struct SearchOptions {
  size_t limit = 10;
  size_t offset = 0;
  SortOrder sort;  // BM25 by default (see index/ranking.h)
  // Matches counted one by one before the search may pass over runs of
  // docs that cannot enter the page (by block bounds of scores, of the sort
  // field's values or of doc ids); past it, `total` may be a lower bound.
  // The default counts every match: `total` is exact.
  uint64_t total_hits_threshold = kExactTotal;
};

struct SearchResults {
  // The live matches: exact unless total_is_lower_bound (then at least
  // SearchOptions::total_hits_threshold of them were counted and runs of
  // docs that could not enter the page were passed over uncounted).
  uint64_t total = 0;
  bool total_is_lower_bound = false;
  std::vector<DocOut> docs;  // the page [offset, offset + limit) in `sort` order
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
  // Reads and parses the manifest `manifest_key` alone, opening none of its
  // segments (they are named with their bytes and counts in it).
  static Result<Manifest> ReadManifest(ObjectStore& store, const std::string& manifest_key);

  const Manifest& manifest() const { return manifest_; }
  const std::string& manifest_key() const { return manifest_key_; }
  const std::vector<std::shared_ptr<const SegmentReader>>& base() const { return base_; }
  const std::vector<std::shared_ptr<const SegmentReader>>& delta() const { return delta_; }

  // True if base doc `ord` of base segment `segment` is superseded by the delta.
  bool BaseHidden(size_t segment, uint32_t ord) const {
    return directory_->HiddenDocs(segment)[ord];
  }
  // True if doc `ord` of delta segment `segment` is superseded by a higher layer.
  bool DeltaHidden(size_t segment, uint32_t ord) const {
    return directory_->HiddenDocs(base_.size() + segment)[ord];
  }
  // Per doc of segment `segment` (of base() then delta(), in that order:
  // delta segment i is segment base().size() + i), true if a higher layer
  // supersedes it. Valid while the view lives.
  const std::vector<bool>& HiddenDocs(size_t segment) const {
    return directory_->HiddenDocs(segment);
  }
  // Per group of segment `segment`, true if a higher layer lists the group:
  // its record is superseded there, served from the highest layer that
  // lists it; so are its docs when that layer is of format 1 to 4 (format
  // 5: each doc by id, HiddenDocs). Valid while the view lives.
  const std::vector<bool>& HiddenGroups(size_t segment) const {
    return directory_->SupersededRecords(segment);
  }
  // Which record serves each group's docs. Valid while the view lives.
  const GroupDirectory& directory() const { return *directory_; }

  // Every live doc matching `query`, ranked by `options.sort`. BM25's
  // collection statistics (doc count, doc frequencies, average field
  // lengths) cover the live docs only, those a search can return: a
  // generation scores as the single whole-window delta with the same live
  // docs would, however many layers it has. They are computed once per view,
  // on first use (doc frequencies per term, kept in a bounded cache).
  // InvalidArgument for an unknown field or a sort on a field that is not
  // numeric; Corruption if a posting list cannot be decoded.
  Result<SearchResults> Search(const QueryNode& query, const SearchOptions& options) const;
  // NotFound if no live doc has this id.
  Result<DocOut> GetDoc(std::string_view id) const;
  // Where the live doc `id` is: its segment (of base() or delta(), owned by
  // this view) and ordinal, searching the highest delta layer first and the
  // base last. nullopt if no live doc has this id.
  struct DocLocation {
    const SegmentReader* segment;
    uint32_t ord;
  };
  std::optional<DocLocation> FindLive(std::string_view id) const;
  uint64_t LiveDocs() const { return live_docs_; }

 private:
  IndexView() = default;
  // Doc `ord` of segment `segment` (of segments_), with its live record's
  // group fields.
  Result<DocOut> MakeDoc(size_t segment, uint32_t ord) const;
  // Docs of `field` holding `token` among the live docs, from the cache.
  Result<uint64_t> LiveDocFreq(const std::string& field, const std::string& token) const;
  struct FieldLengthStats {
    uint64_t total = 0;  // tokens
    uint64_t docs = 0;   // live docs of segments that record lengths
  };
  // Token counts of each text field over the live docs, by field name
  // (computed on the first call).
  const std::map<std::string, FieldLengthStats, std::less<>>& LiveFieldLengths() const;

  std::string manifest_key_;
  Manifest manifest_;
  std::vector<std::shared_ptr<const SegmentReader>> base_;
  std::vector<std::shared_ptr<const SegmentReader>> delta_;
  // Every segment, base first then delta in manifest order, and per segment
  // which of its docs are superseded and how many are live.
  std::vector<const SegmentReader*> segments_;
  std::unique_ptr<GroupDirectory> directory_;
  // The same as sorted runs [first, end) of superseded docs.
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> hidden_runs_;
  // The same as bits (bit d % 64 of word d / 64: doc d is superseded);
  // empty for a segment with none superseded.
  std::vector<std::vector<uint64_t>> hidden_words_;
  std::vector<uint32_t> live_in_segment_;
  uint64_t live_docs_ = 0;

  // Per segment, its doc ids' sort keys: built for every segment by the
  // first search sorted by doc id that fills its page, from the view's
  // second search sorted by doc id on (O(docs), 4 bytes a doc).
  const std::vector<IdSortKeys>& DocIdSortKeys() const;

  mutable std::once_flag field_lengths_once_;
  mutable std::map<std::string, FieldLengthStats, std::less<>> field_lengths_;
  mutable std::mutex doc_freqs_mu_;
  // Live doc frequency by field name, '\0', term.
  mutable std::unordered_map<std::string, uint64_t> doc_freqs_;
  mutable std::atomic<uint64_t> id_sorted_searches_{0};
  mutable std::once_flag id_keys_once_;
  mutable std::vector<IdSortKeys> id_keys_;
};

}  // namespace freshet
