// The term dictionary: the TERMS section, one entry per (field, term) sorted
// by field number then term bytes. Layout (frozen): u64 term count, then an
// offset table (offset_table.h) of entries: varint field, length-prefixed
// term, varint postings offset and varint postings length (a byte range of
// the POSTINGS section), varint doc freq.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/offset_table.h"

namespace freshet {

// One dictionary entry. `term` points into the section's bytes.
struct TermInfo {
  size_t field = 0;
  std::string_view term;
  uint64_t postings_offset = 0;
  uint64_t postings_length = 0;
  uint64_t doc_freq = 0;
};

// Builds a TERMS section. Not thread-safe.
class TermDictionaryWriter {
 public:
  // REQUIRES: (field, term) greater than the previous call's.
  void Add(size_t field, std::string_view term, uint64_t postings_offset, uint64_t postings_length,
           uint64_t doc_freq);
  // The section. REQUIRES: called once, last.
  std::string Finish();

 private:
  OffsetTableWriter entries_;
};

// Read access to a TERMS section. Thread-safe after Open (read-only). The
// section's bytes must outlive the object.
class TermDictionary {
 public:
  // Checks the count and the offset table. Corruption naming the segment and
  // TERMS otherwise.
  Status Open(std::string_view segment_name, SectionView section);

  size_t size() const { return num_terms_; }
  // Decodes entry i (REQUIRES: i < size()); false when it is malformed, with
  // the fields decoded so far set.
  bool At(size_t i, TermInfo* info) const;
  // The entry of (field, term), by binary search.
  std::optional<size_t> Find(size_t field, std::string_view term) const;

 private:
  std::string_view entries_;  // the offset table and its blob
  size_t num_terms_ = 0;
};

}  // namespace freshet
