// GroupDirectory: which copy of each doc and of each group record a
// generation (a base and its delta layers) serves.
//
// The rule, per upper segment U over a segment L of a lower layer:
//   - U's group entry for key K supersedes L's record of K (its fields and
//     aggregates): a group record is served from the highest entry for its
//     key;
//   - formats 1 to 4 (whole-group deltas): U's entry also supersedes every
//     doc L holds under K;
//   - format 5: U supersedes L's docs only by id, each doc of L whose id U
//     holds as a doc (in any group: a move) or as a tombstone.
// A doc of L whose group record is superseded but whose own copy is not is
// served with the record of the highest entry for its key (LiveRecord).
//
// Mixtures: formats 1 to 4 stack as they always did; a format-5 segment may
// lie over format-4 and format-5 segments only (their group fields are
// stored once per group, so a higher record can stand in for theirs), not
// over a format 1 to 3 segment (whose docs carry their group's fields in
// their own postings). A format 1 to 4 delta may lie over format 5 layers
// (it supersedes whole groups).
//
// Immutable after Build; thread-safe. Borrows the segments, which must
// outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "index/segment/segment_reader.h"
#include "storage/object_store.h"

namespace freshet {

// A group entry of a generation: segment index and group ordinal.
struct RecordLocation {
  uint32_t segment = 0;
  uint32_t group = 0;
};

// What one segment supersedes of a segment of a lower layer: a fact of the
// two segments alone, whatever else a generation holds.
struct Supersession {
  // The lower segment's groups whose key the upper one holds: (lower
  // group, upper group), by lower group.
  std::vector<std::pair<uint32_t, uint32_t>> groups;
  // The lower segment's docs whose id the upper one holds as a doc or a
  // tombstone, sorted; empty unless the upper one supersedes docs by id.
  std::vector<uint32_t> docs;
};

// Supersessions by (upper, lower) segment name. Segment names are content
// addressed, so an entry never goes stale: a generation that adds a layer
// over segments already served computes only the new layer's pairs, in
// time proportional to that layer. A pair not in memory is read from the
// index's store when kept there (supersession_object.h), else computed and,
// if the cache writes, kept there for the next process. Thread-safe.
class SupersessionCache {
 public:
  // The supersession of `lower` by `upper`: from memory, else from `store`
  // (when given and holding a sound object for the pair: one that is
  // missing, damaged or of other segments is logged and recomputed; not
  // read for a writer when either segment is noted written), else computed
  // on first use.
  std::shared_ptr<const Supersession> Get(const SegmentReader& upper, const SegmentReader& lower,
                                          ObjectStore* store = nullptr);
  // Get in two steps, for a caller that reads a remote store's pairs on more
  // threads than it computes them: Find takes the pair from memory or from
  // `store` only (a null supersession when neither holds a sound one, with
  // whether a damaged object is there to replace); Compute computes it,
  // keeps it in memory and, for a writer, in `store`.
  struct Found {
    std::shared_ptr<const Supersession> supersession;
    bool replace = false;
  };
  Found Find(const SegmentReader& upper, const SegmentReader& lower, ObjectStore* store);
  std::shared_ptr<const Supersession> Compute(const SegmentReader& upper,
                                              const SegmentReader& lower, ObjectStore* store,
                                              bool replace);
  // Whether a pair computed with a store is written to it (create-if-absent;
  // a damaged object is replaced): for the runner, which owns the index;
  // readers (serve, query) only read.
  void set_writes(bool writes) { writes_ = writes; }
  // For a writer: `segment` was just written by this process and no
  // committed generation holds it yet, so an object naming it can only be
  // one an earlier try of the batch left (or one over the same bytes
  // written before), which says what computing the pair says: its pairs
  // are computed without reading the store first, and create-if-absent
  // keeps such an object. A reader (no writes) never skips a read.
  void NoteWritten(std::string_view segment);
  // Drops every pair, and every segment noted written, not in `keep`.
  void Retain(const std::vector<std::string>& keep);

 private:
  bool Written(std::string_view segment);

  std::atomic<bool> writes_{false};
  std::mutex mu_;
  std::set<std::string, std::less<>> written_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const Supersession>> pairs_;
};

class GroupDirectory {
 public:
  // `segments` in serving order (the base first, then the delta's segments
  // by layer, lowest first); `layers[i]` is segment i's layer: 0 for the
  // base, 1 + its delta layer otherwise (segments of one layer never
  // supersede one another). NotSupported naming `manifest_key` and both
  // segments for a format-5 segment above a format 1 to 3 one. With
  // `cache`, each pair's supersession is taken from it (or computed and
  // kept there), reading and keeping pairs in `store` when given.
  static Result<std::unique_ptr<GroupDirectory>> Build(std::vector<const SegmentReader*> segments,
                                                       const std::vector<uint32_t>& layers,
                                                       std::string_view manifest_key,
                                                       SupersessionCache* cache = nullptr,
                                                       ObjectStore* store = nullptr);

  size_t size() const { return segments_.size(); }
  const SegmentReader& segment(size_t i) const { return *segments_[i]; }
  // Per doc of segment i: true when a higher layer supersedes it.
  const std::vector<bool>& HiddenDocs(size_t i) const { return hidden_docs_[i]; }
  // Per group of segment i: true when a higher layer holds an entry for its
  // key (the record here is not served; whole-group deltas: nor its docs).
  const std::vector<bool>& SupersededRecords(size_t i) const { return superseded_[i]; }
  // The entry whose record serves the docs of group g of segment i: itself
  // unless a higher layer holds the key. REQUIRES: g < num_groups.
  RecordLocation LiveRecord(size_t i, uint32_t g) const {
    return records_[i].empty() ? RecordLocation{static_cast<uint32_t>(i), g} : records_[i][g];
  }
  // The groups of segment i served by another segment's record, sorted.
  const std::vector<uint32_t>& ImportedGroups(size_t i) const { return imported_[i]; }
  // The same, each with the record that serves it, sorted by that record
  // (segment, then group ordinal): a clause evaluated on a serving
  // segment's records finds the groups they serve here by a merge.
  struct Import {
    uint32_t record_segment = 0;
    uint32_t record_group = 0;
    uint32_t group = 0;  // of segment i
  };
  const std::vector<Import>& ImportsByRecord(size_t i) const { return imports_by_record_[i]; }
  // Per group of segment h, the group of segment i its record serves
  // (kNoGroup for none): a clause evaluated on h's records maps each of
  // them to i in O(1). Empty when h serves none of i's groups.
  static constexpr uint32_t kNoGroup = UINT32_MAX;
  const std::vector<uint32_t>& ServedGroups(size_t i, size_t h) const { return served_[i][h]; }

 private:
  GroupDirectory() = default;

  std::vector<const SegmentReader*> segments_;
  std::vector<std::vector<bool>> hidden_docs_;
  std::vector<std::vector<bool>> superseded_;
  // Per segment: empty when every group is served by its own record, else
  // one location per group.
  std::vector<std::vector<RecordLocation>> records_;
  std::vector<std::vector<uint32_t>> imported_;
  std::vector<std::vector<Import>> imports_by_record_;
  std::vector<std::vector<std::vector<uint32_t>>> served_;  // [i][h][group of h]
};

}  // namespace freshet
