// The group fields of one segment's docs as a generation serves them, when
// some of the segment's groups are served by a newer record of a higher
// layer (format 5, index/group_directory.h): a clause on a group field
// (term, keyword, range, equality) is evaluated in group space against the
// *live* record of each group, and expands to the docs of the matching
// groups; numeric values and field lengths are the live record's.
//
// Docs superseded in the segment are not filtered here (the view does).
// Cheap to construct; not thread-safe (one per search and segment). Borrows
// the directory, which must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/group_directory.h"
#include "index/segment/doc_iterator.h"
#include "index/segment/postings_iterator.h"

namespace freshet {

class LiveGroupFields {
 public:
  LiveGroupFields(const GroupDirectory& directory, size_t segment)
      : directory_(directory), segment_index_(segment), segment_(directory.segment(segment)) {}

  // True when some group of the segment is served by another segment's
  // record: only then do the accessors differ from the segment's own.
  bool imports() const { return !directory_.ImportedGroups(segment_index_).empty(); }

  // The docs whose live record holds `term` in group field `field`, each
  // with the record's frequency of the term: the segment's own group list,
  // read lazily and passing over the groups it imports (bounds: the
  // list's), and the imported groups whose record holds the term (listed
  // when opened, from each serving segment's list; bounds: the record's
  // exact frequency and length). null when none; Corruption when a
  // dictionary entry is malformed. REQUIRES: schema().IsGroupField(field).
  Result<std::unique_ptr<PostingsIterator>> OpenPostings(size_t field, std::string_view term) const;
  // The live record of `doc`'s group (for phrases checked on its text).
  Result<GroupRecord> Record(uint32_t doc) const;
  // The docs whose live record's value of numeric group `field` is in
  // [lo, hi] (NaN never is): a filter a conjunction checks per candidate
  // (one live value each), listing GroupsInRange's docs only when it leads.
  // REQUIRES: as OpenPostings.
  std::unique_ptr<DocIterator> NumericRange(size_t field, double lo, double hi) const;
  // The same docs listed: the groups in range, own and imported (O(groups
  // in range)), expanded to their docs.
  std::unique_ptr<DocIterator> GroupsInRange(size_t field, double lo, double hi) const;
  // The live record's value of numeric `field` for doc `doc` (NaN when
  // absent), and its token count of text `field`. A doc field reads the
  // segment's own value. REQUIRES: doc < num_docs.
  double Numeric(size_t field, uint32_t doc) const;
  std::optional<uint32_t> FieldLength(size_t field, uint32_t doc) const;

 private:
  // The field numbered `field` in this segment's schema, in the schema of
  // segment `other` (schemas of one generation may differ in analyzers, not
  // in columns; nullopt for a column it lacks).
  std::optional<size_t> FieldIn(uint32_t other, size_t field) const;

  const GroupDirectory& directory_;
  size_t segment_index_;
  const SegmentReader& segment_;
  // FieldIn's answers by (other segment, field): kUnknown until asked.
  static constexpr int64_t kUnknown = -2;
  static constexpr int64_t kAbsent = -1;
  mutable std::vector<int64_t> field_in_;
};

}  // namespace freshet
