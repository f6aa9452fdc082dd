// Reads a segment file (format versions 1 to 5) through its structures:
// section container, META, doc headers and stored rows, group table, term
// dictionary and postings, doc values, doc-id index. Each accessor reads the
// structure of the file's format version.
//
// Every format answers alike: a doc holds its group's fields. Format 4
// stores them once per group (group term dictionary, postings over group
// ordinals, group doc values); the accessors below present them per doc,
// expanding a group posting list to the docs of its groups
// (group_docs_iterator.h) and reading a doc's group value for its numeric
// and length columns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/row.h"
#include "index/segment/doc_headers.h"
#include "index/segment/doc_id_index.h"
#include "index/segment/doc_value_blocks.h"
#include "index/segment/doc_values.h"
#include "index/segment/group_table.h"
#include "index/segment/positions.h"
#include "index/segment/postings_iterator.h"
#include "index/segment/segment_schema.h"
#include "index/segment/stored_blocks.h"
#include "index/segment/stored_docs.h"
#include "index/segment/term_blocks.h"
#include "index/segment/term_dictionary.h"
#include "index/segment/tombstones.h"
#include "storage/mapped_file.h"

namespace freshet {

// Read access to one segment's bytes. Thread-safe after Open (read-only).
class SegmentReader {
 public:
  // Verifies magic, version and every checksum (the sections' own not with
  // kCheckedWhole: see SectionChecksums). Corruption naming `name`, the
  // section and the offset on any mismatch or truncation.
  static Result<std::unique_ptr<SegmentReader>> Open(
      std::string name, std::string bytes, SectionChecksums checksums = SectionChecksums::kVerify);
  // The same over bytes someone else owns (e.g. a mapped file), kept alive
  // by `owner` for the reader's life.
  static Result<std::unique_ptr<SegmentReader>> Open(
      std::string name, std::string_view bytes, std::shared_ptr<const void> owner,
      SectionChecksums checksums = SectionChecksums::kVerify);
  // The same over a mapped file's bytes, whose pages the reader can let go
  // of (ReleaseResidentPages).
  static Result<std::unique_ptr<SegmentReader>> Open(
      std::string name, std::shared_ptr<const MappedFile> file,
      SectionChecksums checksums = SectionChecksums::kVerify);

  // Lets go of the mapped pages read so far, so that a pass over the whole
  // segment (a merge) does not keep it resident; nothing for bytes on the
  // heap. The bytes do not change.
  void ReleaseResidentPages() const;

  const std::string& name() const { return name_; }
  SegmentKind kind() const { return meta_.kind; }
  const SegmentSchema& schema() const { return meta_.schema; }
  uint32_t num_docs() const { return meta_.num_docs; }
  uint32_t num_groups() const { return meta_.num_groups; }
  size_t size_bytes() const { return bytes_.size(); }
  uint32_t format_version() const { return format_version_; }

  // REQUIRES: ord < num_docs(). Views are valid while the reader lives.
  std::string_view DocId(uint32_t ord) const { return v3_ ? headers_.Id(ord) : docs_.Id(ord); }
  uint32_t DocGroup(uint32_t ord) const { return v3_ ? headers_.Group(ord) : docs_.Group(ord); }
  int64_t DocVersion(uint32_t ord) const {
    return v3_ ? headers_.Version(ord) : docs_.Version(ord);
  }
  Result<Row> DocRow(uint32_t ord) const {
    return v3_ ? stored_.ReadRow(name_, ord) : docs_.ReadRow(name_, ord);
  }
  // Doc ord's row as stored, not decoded (StoredBlocks::ReadRowBytes).
  // REQUIRES: format_version() >= 3.
  Result<std::string_view> DocRowBytes(uint32_t ord,
                                       std::shared_ptr<const std::string>* block) const {
    return stored_.ReadRowBytes(name_, ord, block);
  }

  // REQUIRES: g < num_groups().
  std::string_view GroupKey(uint32_t g) const { return groups_.Key(g); }
  uint32_t GroupFirstDoc(uint32_t g) const { return groups_.FirstDoc(g); }
  uint32_t GroupDocCount(uint32_t g) const { return groups_.DocCount(g); }
  // The doc after group g's last: GroupFirstDoc(g) + GroupDocCount(g) of a
  // well-formed table, from an array built on first use (O(groups) once,
  // then O(1)).
  uint32_t GroupEndDoc(uint32_t g) const { return GroupStarts()[g + 1]; }
  using GroupRecord = ::freshet::GroupRecord;
  Result<GroupRecord> Group(uint32_t g) const { return groups_.Record(name_, g); }

  std::optional<uint32_t> FindGroup(std::string_view key) const { return groups_.Find(key); }
  // Format 5: the docs of lower layers this segment deletes or moves out,
  // in (group, id) order; none in older formats. Valid while the reader
  // lives.
  const Tombstones& tombstones() const { return tombstones_; }
  // True when a group entry supersedes lower layers' docs by id and
  // tombstone only (format 5), not their whole group (formats 1 to 4).
  bool SupersedesDocsById() const { return format_version_ >= 5; }
  // True when the group fields are stored once per group (format 4 on), so
  // that another segment's record of a group can stand in for this one's.
  bool HasGroupSpace() const { return group_space_; }
  std::optional<uint32_t> FindDoc(std::string_view id) const { return doc_ids_.Find(id); }

  // Sorted doc ordinals holding `term` in searchable field `field`; with
  // `freqs`, also each doc's occurrence count of the term (same order).
  Result<std::vector<uint32_t>> Postings(size_t field, std::string_view term,
                                         std::vector<uint32_t>* freqs = nullptr) const;
  // A cursor over the postings of `term` in `field`: null when the segment
  // has no such term; Corruption when its dictionary entry is malformed.
  Result<std::unique_ptr<PostingsIterator>> OpenPostings(size_t field, std::string_view term) const;
  // Token positions (positions.h): whether text field `field` has them in
  // this segment (format 4 and later, when its config asked for them).
  bool HasPositions(size_t field) const;
  // True for a group field stored once per group (format 4): its posting
  // lists hold group ordinals.
  bool IndexedByGroup(size_t field) const { return InGroupSpace(field); }
  // A posting list with its positions, over the field's own ordinals: group
  // ordinals when IndexedByGroup(field) (ExpandGroups maps them onto docs),
  // docs otherwise. `postings` is null when the segment has no such term.
  struct PositionalList {
    std::unique_ptr<PostingsIterator> postings;
    PositionsCursor positions;
  };
  // REQUIRES: HasPositions(field). Corruption for a malformed dictionary
  // entry or a list missing from the positions section.
  Result<PositionalList> OpenPositions(size_t field, std::string_view term) const;
  // Number of docs holding `term` in `field` (0 if none, or if its entry is
  // malformed: OpenPostings reports that). O(1), but O(groups holding the
  // term) for a group field of format 4.
  uint32_t DocFreq(size_t field, std::string_view term) const;
  // Entries of the term dictionaries (format 4: the doc fields' and the
  // group fields').
  size_t num_terms() const {
    return v3_ ? term_blocks_.size() + group_terms_.size() : terms_.size();
  }
  // Calls visit(field, term, doc_freq) on every term of the dictionary
  // (sorted by field, then term bytes) until it returns false.
  Status ForEachTerm(const std::function<bool(size_t field, std::string_view term,
                                              uint64_t doc_freq)>& visit) const;

  // The value of numeric field `field` for doc `ord` (format/number.h's
  // rule, applied when the segment was written); NaN when absent.
  // REQUIRES: field is numeric (FieldRoles has kRoleNumeric).
  double Numeric(size_t field, uint32_t ord) const {
    if (InGroupSpace(field)) return group_values_.Numeric(field, headers_.Group(ord));
    return v3_ ? value_blocks_.Numeric(field, ord) : doc_values_.Numeric(field, ord);
  }
  // The first doc at or after `target` whose value of numeric `field` is in
  // [lo, hi] (NaN never is), or kNoMoreDocs.
  uint32_t NextInRange(size_t field, uint32_t target, double lo, double hi) const {
    if (InGroupSpace(field)) return NextInGroupRange(field, target, lo, hi);
    return v3_ ? value_blocks_.NextInRange(field, target, lo, hi)
               : doc_values_.NextInRange(field, target, lo, hi);
  }

  // The run of docs holding `ord` that numeric field `field`'s doc values
  // bound together (a block of format 3 on), without reading a doc's value;
  // nullopt for a group field or an older format (no such bounds).
  // REQUIRES: as Numeric, ord < num_docs().
  std::optional<NumericBlockRange> NumericBlock(size_t field, uint32_t ord) const {
    if (InGroupSpace(field) || !v3_) return std::nullopt;
    return value_blocks_.NumericBlock(field, ord);
  }

  // Token count of text field `field` in doc `ord` (saturated at 65535), and
  // the sum over every doc. nullopt when the segment has no lengths for the
  // field (format version 1, or not a text field).
  std::optional<uint32_t> FieldLength(size_t field, uint32_t ord) const {
    if (InGroupSpace(field)) return group_values_.FieldLength(field, headers_.Group(ord));
    return v3_ ? value_blocks_.FieldLength(field, ord) : doc_values_.FieldLength(field, ord);
  }
  // O(1), but O(groups) on the first call for a group field of format 4.
  std::optional<uint64_t> TotalFieldLength(size_t field) const;

  // Group space (format 4 on: HasGroupSpace()), by group ordinal. A
  // generation whose higher layers hold newer records of some groups
  // (format 5, group_directory.h) evaluates group fields through these.
  // REQUIRES: HasGroupSpace(), schema().IsGroupField(field), g <
  // num_groups().
  //
  // The groups whose record holds `term` in `field`, with its frequency
  // there: null when none; Corruption when its dictionary entry is
  // malformed.
  Result<std::unique_ptr<PostingsIterator>> OpenGroupPostings(size_t field,
                                                              std::string_view term) const {
    return OpenGroupList(field, term);
  }
  // The group record's value of numeric `field` (NaN when absent), and its
  // token count of text `field` (nullopt: no lengths for the field).
  double GroupNumeric(size_t field, uint32_t g) const { return group_values_.Numeric(field, g); }
  std::optional<uint32_t> GroupFieldLength(size_t field, uint32_t g) const {
    return group_values_.FieldLength(field, g);
  }
  // The first group at or after `g` whose value of numeric `field` is in
  // [lo, hi], or kNoMoreDocs.
  uint32_t NextGroupInRange(size_t field, uint32_t g, double lo, double hi) const {
    return group_values_.NextInRange(field, g, lo, hi);
  }
  // The docs of the groups `groups` yields (a cursor over this segment's
  // group ordinals, in increasing order), each with its group's frequency.
  std::unique_ptr<PostingsIterator> ExpandGroups(std::unique_ptr<PostingsIterator> groups) const;

  // The dictionaries as written, for a merge of posting lists (format 4
  // on: HasGroupSpace()). `group_space`: the group fields' dictionary, whose
  // lists hold group ordinals; else the doc fields'. Calls `visit` on every
  // entry in (field, term) order until it returns false; the entry is valid
  // during the call. Corruption as ForEachTerm.
  Status ForEachTermEntry(bool group_space,
                          const std::function<bool(const TermEntry&)>& visit) const;
  // The posting list an entry of ForEachTermEntry names, with its positions
  // when its field has them (else `positions` is a default cursor).
  // Corruption when the entry names bytes outside its sections.
  Result<PositionalList> OpenTermEntry(bool group_space, const TermEntry& entry) const;

 private:
  SegmentReader() = default;
  SegmentReader(const SegmentReader&) = delete;  // doc_ids_ points into docs_
  SegmentReader& operator=(const SegmentReader&) = delete;
  Status Parse(SectionChecksums checksums);
  Status ParseV3(const SectionContainer& file);
  // The optional positions sections; marks the schema's fields with them.
  Status ParsePositions(const SectionContainer& file);
  // The list a dictionary entry names, checked to lie in its section and to
  // hold at most `ordinals` entries.
  Result<SectionView> PostingsList(const SectionView& section, uint64_t offset, uint64_t length,
                                   uint64_t doc_freq, uint32_t ordinals) const;
  // True if `field` is a group field stored once per group (format 4).
  bool InGroupSpace(size_t field) const { return group_space_ && meta_.schema.IsGroupField(field); }
  // The block posting list (formats 3 and 4) a dictionary entry of
  // `section` names, over `ordinals` docs or groups.
  Result<std::unique_ptr<PostingsIterator>> OpenBlockList(const SectionView& section,
                                                          const TermEntry& entry,
                                                          uint32_t ordinals) const;
  // Group `field`'s posting list of `term`, over group ordinals: null when
  // absent.
  Result<std::unique_ptr<PostingsIterator>> OpenGroupList(size_t field,
                                                          std::string_view term) const;
  // The docs of the groups holding a group term (its denormalized doc
  // frequency).
  Result<uint64_t> GroupTermDocs(const TermEntry& entry) const;
  uint32_t NextInGroupRange(size_t field, uint32_t target, double lo, double hi) const;
  // Each group's first doc, and the doc count (num_groups + 1 entries),
  // from the group table on first use: O(groups) once, then O(1) a group.
  std::span<const uint32_t> GroupStarts() const;

  std::string name_;
  std::string owned_;                   // the bytes, unless `owner_` holds them
  std::shared_ptr<const void> owner_;   // keeps `bytes_` alive when not owned_
  const MappedFile* mapped_ = nullptr;  // `owner_`, if it is a mapped file
  std::string_view bytes_;
  uint32_t format_version_ = 0;
  bool v3_ = false;  // format 3's structures, else formats 1 and 2's
  SegmentMeta meta_;
  GroupTable groups_;
  DocIdIndex doc_ids_;
  // Formats 1 and 2.
  StoredDocs docs_;
  TermDictionary terms_;
  SectionView postings_;
  DocValues doc_values_;
  // Format 3.
  DocHeaders headers_;
  StoredBlocks stored_;
  TermBlocks term_blocks_;
  SectionView block_postings_;
  DocValueBlocks value_blocks_;
  // Format 4's group space.
  bool group_space_ = false;
  TermBlocks group_terms_;
  SectionView group_postings_;
  DocValueBlocks group_values_;
  // Format 5.
  Tombstones tombstones_;
  // Optional positions of the doc and the group text fields.
  PositionsIndex positions_;
  PositionsIndex group_positions_;
  mutable std::once_flag group_starts_once_;
  mutable std::vector<uint32_t> group_starts_;
  // Each group text field's length summed over the docs, by field.
  mutable std::once_flag group_totals_once_;
  mutable std::vector<std::optional<uint64_t>> group_totals_;
};

}  // namespace freshet
