#include "index/segment/term_dictionary.h"

#include "common/coding.h"
#include "index/segment/offset_table.h"
#include "index/segment/section_container.h"

namespace freshet {

void TermDictionaryWriter::Add(size_t field, std::string_view term, uint64_t postings_offset,
                               uint64_t postings_length, uint64_t doc_freq) {
  std::string* entry = entries_.blob();
  PutVarint(entry, field);
  PutLengthPrefixed(entry, term);
  PutVarint(entry, postings_offset);
  PutVarint(entry, postings_length);
  PutVarint(entry, doc_freq);
  entries_.EndEntry();
}

std::string TermDictionaryWriter::Finish() {
  std::string section;
  PutFixed64(&section, entries_.size());
  entries_.AppendTo(&section);
  return section;
}

Status TermDictionary::Open(std::string_view segment_name, SectionView section) {
  if (section.bytes.size() < 8) {
    return SegmentCorruption(segment_name, "TERMS truncated", section.offset);
  }
  const uint64_t n = DecodeFixed64(section.bytes.data());
  const SectionView table = section.Skip(8);
  if (n > table.bytes.size() / 8) {
    return SegmentCorruption(segment_name, "TERMS count", section.offset);
  }
  RETURN_IF_ERROR(CheckOffsetTable(segment_name, table, n, "TERMS"));
  entries_ = table.bytes;
  num_terms_ = static_cast<size_t>(n);
  return Status::OK();
}

bool TermDictionary::At(size_t i, TermInfo* info) const {
  Cursor c(OffsetTableEntry(entries_, num_terms_, i));
  uint64_t field;
  if (!c.GetVarint(&field)) return false;
  info->field = static_cast<size_t>(field);
  return c.GetLengthPrefixed(&info->term) && c.GetVarint(&info->postings_offset) &&
         c.GetVarint(&info->postings_length) && c.GetVarint(&info->doc_freq);
}

std::optional<size_t> TermDictionary::Find(size_t field, std::string_view term) const {
  auto compare = [&](size_t i) {
    TermInfo info;
    At(i, &info);
    if (info.field != field) return info.field < field ? -1 : 1;
    return info.term < term ? -1 : (info.term == term ? 0 : 1);
  };
  size_t lo = 0, hi = num_terms_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (compare(mid) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo >= num_terms_ || compare(lo) != 0) return std::nullopt;
  return lo;
}

}  // namespace freshet
