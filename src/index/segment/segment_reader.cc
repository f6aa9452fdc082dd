#include "index/segment/segment_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "index/segment/block_postings.h"
#include "index/segment/group_docs_iterator.h"
#include "index/segment/postings.h"
#include "index/segment/section_container.h"

namespace freshet {

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(std::string name, std::string bytes,
                                                           SectionChecksums checksums) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->name_ = std::move(name);
  r->owned_ = std::move(bytes);
  r->bytes_ = r->owned_;
  RETURN_IF_ERROR(r->Parse(checksums));
  return r;
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(std::string name, std::string_view bytes,
                                                           std::shared_ptr<const void> owner,
                                                           SectionChecksums checksums) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->name_ = std::move(name);
  r->owner_ = std::move(owner);
  r->bytes_ = bytes;
  RETURN_IF_ERROR(r->Parse(checksums));
  return r;
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(std::string name,
                                                           std::shared_ptr<const MappedFile> file,
                                                           SectionChecksums checksums) {
  const MappedFile* mapped = file.get();
  ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> r,
                   Open(std::move(name), mapped->bytes(), std::move(file), checksums));
  r->mapped_ = mapped;
  return r;
}

void SegmentReader::ReleaseResidentPages() const {
  if (mapped_) mapped_->ReleaseResidentPages();
}

Status SegmentReader::Parse(SectionChecksums checksums) {
  ASSIGN_OR_RETURN(SectionContainer file, SectionContainer::Parse(name_, bytes_, checksums));
  format_version_ = file.format_version;
  ASSIGN_OR_RETURN(meta_,
                   DecodeSegmentMeta(name_, file.Section(SectionId::kMeta), format_version_));
  RETURN_IF_ERROR(
      groups_.Open(name_, file.Section(SectionId::kGroups), meta_.num_groups, meta_.num_docs));
  if (format_version_ >= 3) return ParseV3(file);
  RETURN_IF_ERROR(
      docs_.Open(name_, file.Section(SectionId::kDocs), meta_.num_docs, meta_.num_groups));
  RETURN_IF_ERROR(terms_.Open(name_, file.Section(SectionId::kTerms)));
  postings_ = file.Section(SectionId::kPostings);
  RETURN_IF_ERROR(doc_ids_.Open(name_, file.Section(SectionId::kDocIdIndex), &docs_.ids()));
  std::optional<SectionView> field_lengths;
  if (format_version_ >= 2) field_lengths = file.Section(SectionId::kFieldLengths);
  return doc_values_.Open(name_, file.Section(SectionId::kNumeric), field_lengths, meta_.num_docs,
                          meta_.schema.field_count());
}

Status SegmentReader::ParseV3(const SectionContainer& file) {
  v3_ = true;
  RETURN_IF_ERROR(
      headers_.Open(name_, file.Section(SectionId::kDocHeaders), meta_.num_docs, meta_.num_groups));
  RETURN_IF_ERROR(stored_.Open(name_, file.Section(SectionId::kStoredBlocks), meta_.num_docs));
  RETURN_IF_ERROR(term_blocks_.Open(name_, file.Section(SectionId::kTermBlocks)));
  block_postings_ = file.Section(SectionId::kBlockPostings);
  RETURN_IF_ERROR(value_blocks_.Open(name_, file.Section(SectionId::kNumericBlocks),
                                     file.Section(SectionId::kLengthBlocks), meta_.num_docs,
                                     meta_.schema.field_count()));
  if (format_version_ >= 4) {
    group_space_ = true;
    RETURN_IF_ERROR(group_terms_.Open(name_, file.Section(SectionId::kGroupTermBlocks)));
    group_postings_ = file.Section(SectionId::kGroupPostings);
    RETURN_IF_ERROR(group_values_.Open(name_, file.Section(SectionId::kGroupNumericBlocks),
                                       file.Section(SectionId::kGroupLengthBlocks),
                                       meta_.num_groups, meta_.schema.field_count()));
    RETURN_IF_ERROR(ParsePositions(file));
  }
  if (format_version_ >= 5) {
    RETURN_IF_ERROR(
        tombstones_.Open(name_, file.Section(SectionId::kTombstones), meta_.num_groups));
  }
  return doc_ids_.Open(name_, file.Section(SectionId::kDocIdIndex), meta_.num_docs,
                       [this](uint32_t ord) { return headers_.Id(ord); });
}

Status SegmentReader::ParsePositions(const SectionContainer& file) {
  SegmentSchema& schema = meta_.schema;
  const size_t num_doc_cols = schema.doc_columns.size();
  RETURN_IF_ERROR(
      positions_.Open(name_, file.Section(SectionId::kPositions), schema.field_count()));
  RETURN_IF_ERROR(
      group_positions_.Open(name_, file.Section(SectionId::kGroupPositions), schema.field_count()));
  auto mark = [&](const PositionsIndex& index, bool group_fields) -> Status {
    for (size_t f : index.fields()) {
      if (!(schema.FieldRoles(f) & kRoleText) || schema.IsGroupField(f) != group_fields) {
        return SegmentCorruption(
            name_,
            fmt::format("positions of field {}, which is not a text field of the section", f),
            file.Section(group_fields ? SectionId::kGroupPositions : SectionId::kPositions).offset);
      }
      std::vector<bool>& marks = group_fields ? schema.group_positions : schema.doc_positions;
      const size_t column = group_fields ? f - num_doc_cols : f;
      marks.resize(group_fields ? schema.group_columns.size() : num_doc_cols, false);
      marks[column] = true;
    }
    return Status::OK();
  };
  RETURN_IF_ERROR(mark(positions_, false));
  return mark(group_positions_, true);
}

bool SegmentReader::HasPositions(size_t field) const { return meta_.schema.FieldPositions(field); }

Result<SegmentReader::PositionalList> SegmentReader::OpenPositions(size_t field,
                                                                   std::string_view term) const {
  const bool group = InGroupSpace(field);
  ASSIGN_OR_RETURN(auto entry, (group ? group_terms_ : term_blocks_).Find(field, term));
  if (!entry) return PositionalList();
  return OpenTermEntry(group, *entry);
}

Status SegmentReader::ForEachTerm(const std::function<bool(size_t field, std::string_view term,
                                                           uint64_t doc_freq)>& visit) const {
  if (v3_) {
    bool more = true;
    RETURN_IF_ERROR(term_blocks_.ForEach(
        [&](const TermEntry& e) { return more = visit(e.field, e.term, e.doc_freq); }));
    if (!more || !group_space_) return Status::OK();
    // Group fields number after doc fields: the order stays (field, term).
    Status counted;
    RETURN_IF_ERROR(group_terms_.ForEach([&](const TermEntry& e) {
      Result<uint64_t> docs = GroupTermDocs(e);
      if (!docs.ok()) {
        counted = docs.status();
        return false;
      }
      return *docs == 0 || visit(e.field, e.term, *docs);  // a term of groups without docs
    }));
    return counted;
  }
  for (size_t i = 0; i < terms_.size(); ++i) {
    TermInfo info;
    if (!terms_.At(i, &info)) {
      return Status::Corruption(fmt::format("segment '{}': term entry {}", name_, i));
    }
    if (!visit(info.field, info.term, info.doc_freq)) break;
  }
  return Status::OK();
}

uint32_t SegmentReader::DocFreq(size_t field, std::string_view term) const {
  if (InGroupSpace(field)) {
    auto entry = group_terms_.Find(field, term);
    if (!entry.ok() || !*entry) return 0;
    auto docs = GroupTermDocs(**entry);
    return docs.ok() ? static_cast<uint32_t>(*docs) : 0;
  }
  if (v3_) {
    auto entry = term_blocks_.Find(field, term);
    return entry.ok() && *entry ? static_cast<uint32_t>((*entry)->doc_freq) : 0;
  }
  const auto i = terms_.Find(field, term);
  if (!i) return 0;
  TermInfo info;
  terms_.At(*i, &info);
  return static_cast<uint32_t>(info.doc_freq);
}

Result<SectionView> SegmentReader::PostingsList(const SectionView& section, uint64_t offset,
                                                uint64_t length, uint64_t doc_freq,
                                                uint32_t ordinals) const {
  if (offset > section.bytes.size() || length > section.bytes.size() - offset ||
      (!v3_ && doc_freq > length) || doc_freq > ordinals) {
    return SegmentCorruption(
        name_,
        fmt::format("term entry names postings [{}, +{}) for {} docs, outside its section", offset,
                    length, doc_freq),
        section.offset);
  }
  return SectionView{section.bytes.substr(offset, length), section.offset + offset};
}

Result<std::unique_ptr<PostingsIterator>> SegmentReader::OpenBlockList(const SectionView& section,
                                                                       const TermEntry& entry,
                                                                       uint32_t ordinals) const {
  ASSIGN_OR_RETURN(SectionView list, PostingsList(section, entry.postings_offset,
                                                  entry.postings_length, entry.doc_freq, ordinals));
  return OpenBlockPostings(name_, list, entry.doc_freq, ordinals);
}

Result<std::unique_ptr<PostingsIterator>> SegmentReader::OpenGroupList(
    size_t field, std::string_view term) const {
  ASSIGN_OR_RETURN(auto entry, group_terms_.Find(field, term));
  if (!entry) return std::unique_ptr<PostingsIterator>();
  return OpenBlockList(group_postings_, *entry, num_groups());
}

Result<uint64_t> SegmentReader::GroupTermDocs(const TermEntry& entry) const {
  ASSIGN_OR_RETURN(auto groups, OpenBlockList(group_postings_, entry, num_groups()));
  return CountGroupDocs(*groups, GroupStarts());
}

Result<std::unique_ptr<PostingsIterator>> SegmentReader::OpenPostings(size_t field,
                                                                      std::string_view term) const {
  if (InGroupSpace(field)) {
    ASSIGN_OR_RETURN(auto groups, OpenGroupList(field, term));
    if (!groups) return groups;
    return ExpandGroups(std::move(groups));
  }
  if (v3_) {
    ASSIGN_OR_RETURN(auto entry, term_blocks_.Find(field, term));
    if (!entry) return std::unique_ptr<PostingsIterator>();
    return OpenBlockList(block_postings_, *entry, num_docs());
  }
  const auto found = terms_.Find(field, term);
  if (!found) return std::unique_ptr<PostingsIterator>();
  TermInfo info;
  if (!terms_.At(*found, &info)) {
    return Status::Corruption(fmt::format("segment '{}': term entry {}", name_, *found));
  }
  ASSIGN_OR_RETURN(SectionView list, PostingsList(postings_, info.postings_offset,
                                                  info.postings_length, info.doc_freq, num_docs()));
  return OpenVarintPostings(name_, list, info.doc_freq, num_docs());
}

Status SegmentReader::ForEachTermEntry(bool group_space,
                                       const std::function<bool(const TermEntry&)>& visit) const {
  return (group_space ? group_terms_ : term_blocks_).ForEach(visit);
}

Result<SegmentReader::PositionalList> SegmentReader::OpenTermEntry(bool group_space,
                                                                   const TermEntry& entry) const {
  PositionalList out;
  ASSIGN_OR_RETURN(out.postings, OpenBlockList(group_space ? group_postings_ : block_postings_,
                                               entry, group_space ? num_groups() : num_docs()));
  const PositionsIndex& positions = group_space ? group_positions_ : positions_;
  if (positions.HasField(entry.field)) {
    ASSIGN_OR_RETURN(out.positions, positions.OpenList(entry.postings_offset, entry.doc_freq));
  }
  return out;
}

std::unique_ptr<PostingsIterator> SegmentReader::ExpandGroups(
    std::unique_ptr<PostingsIterator> groups) const {
  return ExpandGroupPostings(std::move(groups), GroupStarts(), &headers_);
}

uint32_t SegmentReader::NextInGroupRange(size_t field, uint32_t target, double lo,
                                         double hi) const {
  if (target >= num_docs()) return kNoMoreDocs;
  // The target's group, then the next group in range that has docs.
  const std::span<const uint32_t> starts = GroupStarts();
  const uint32_t first_group = headers_.Group(target);
  for (uint32_t g = first_group; g < num_groups(); ++g) {
    g = group_values_.NextInRange(field, g, lo, hi);
    if (g == kNoMoreDocs) return kNoMoreDocs;
    if (starts[g] == starts[g + 1]) continue;
    return g == first_group ? target : starts[g];
  }
  return kNoMoreDocs;
}

std::span<const uint32_t> SegmentReader::GroupStarts() const {
  std::call_once(group_starts_once_, [this] {
    group_starts_.resize(size_t{num_groups()} + 1);
    for (uint32_t g = 0; g < num_groups(); ++g) group_starts_[g] = groups_.FirstDoc(g);
    group_starts_[num_groups()] = num_docs();
    // Open checked every group's range lies within the docs; a malformed
    // table whose ranges overlap or leave gaps still gives a non-decreasing
    // array (what the cursors rely on), though then not the docs' groups.
    for (uint32_t g = num_groups(); g-- > 0;) {
      group_starts_[g] = std::min(group_starts_[g], group_starts_[g + 1]);
    }
  });
  return group_starts_;
}

std::optional<uint64_t> SegmentReader::TotalFieldLength(size_t field) const {
  if (!InGroupSpace(field)) {
    return v3_ ? value_blocks_.TotalFieldLength(field) : doc_values_.TotalFieldLength(field);
  }
  std::call_once(group_totals_once_, [this] {
    group_totals_.assign(meta_.schema.field_count(), std::nullopt);
    for (size_t f = meta_.schema.doc_columns.size(); f < group_totals_.size(); ++f) {
      if (!group_values_.TotalFieldLength(f)) continue;
      const std::span<const uint32_t> starts = GroupStarts();
      uint64_t total = 0;
      for (uint32_t g = 0; g < num_groups(); ++g) {
        total +=
            uint64_t{group_values_.FieldLength(f, g).value_or(0)} * (starts[g + 1] - starts[g]);
      }
      group_totals_[f] = total;
    }
  });
  return field < group_totals_.size() ? group_totals_[field] : std::nullopt;
}

Result<std::vector<uint32_t>> SegmentReader::Postings(size_t field, std::string_view term,
                                                      std::vector<uint32_t>* freqs) const {
  std::vector<uint32_t> out;
  if (freqs) freqs->clear();
  ASSIGN_OR_RETURN(auto postings, OpenPostings(field, term));
  if (!postings) return out;
  out.reserve(postings->cost());
  for (uint32_t d = postings->Next(); d != kNoMoreDocs; d = postings->Next()) {
    out.push_back(d);
    if (freqs) freqs->push_back(postings->freq());
  }
  RETURN_IF_ERROR(postings->status());
  return out;
}

}  // namespace freshet
