// The format-3 term dictionary: the TERM_BLOCKS section, one entry per
// (field, term) sorted by field number then term bytes, each naming a byte
// range of the postings section and the term's doc freq.
//
// Layout (frozen once merged; all integers little-endian):
//   blocks   block 0 .. block B-1, each the entries of up to
//            entries_per_block consecutive terms (every block but the last
//            holds exactly entries_per_block)
//   starts   B block start offsets (relative to the section's first byte),
//            bit-packed (bit_packing.h) at BitWidth(blocks_bytes) bits each;
//            starts[0] = 0 and each block ends where the next one starts
//            (the last one at blocks_bytes)
//   trailer  u64 term_count, u64 blocks_bytes, u32 entries_per_block
// where B = ceil(term_count / entries_per_block).
//
// An entry is:
//   varint  shared << 2 | new_field << 1 | new_offset
//   [varint field]            if new_field: the entry's field number
//   varint  suffix length, then the suffix bytes
//   [varint postings_offset]  if new_offset
//   varint  postings_length
//   varint  doc_freq
// Its term is the previous entry's first `shared` bytes followed by the
// suffix. Without new_field the field is the previous entry's; without
// new_offset the postings start where the previous entry's end (offset +
// length), the common case as postings are written in term order. The first
// entry of a block has shared = 0, new_field and new_offset set, so a block
// decodes alone and its first entry is the block's key in the binary search
// of Find.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/section_container.h"

namespace freshet {

// Entries per block that TermBlocksWriter writes (readers take the count
// from the trailer).
inline constexpr uint32_t kTermsPerBlock = 16;

struct TermEntry {
  size_t field = 0;
  std::string term;
  uint64_t postings_offset = 0;
  uint64_t postings_length = 0;
  uint64_t doc_freq = 0;

  bool operator==(const TermEntry&) const = default;
};

// Builds a TERM_BLOCKS section. Not thread-safe.
class TermBlocksWriter {
 public:
  explicit TermBlocksWriter(uint32_t entries_per_block = kTermsPerBlock);

  // REQUIRES: (field, term) greater than the previous call's.
  void Add(size_t field, std::string_view term, uint64_t postings_offset, uint64_t postings_length,
           uint64_t doc_freq);
  // The section. REQUIRES: called once, last.
  std::string Finish();

 private:
  uint32_t entries_per_block_;
  std::string blocks_;
  std::vector<uint64_t> block_starts_;
  uint64_t term_count_ = 0;
  size_t last_field_ = 0;
  std::string last_term_;
  uint64_t next_offset_ = 0;  // where the previous entry's postings end
};

// Read access to a TERM_BLOCKS section. Thread-safe after Open (read-only).
// The section's bytes must outlive the object.
class TermBlocks {
 public:
  // Checks the trailer and the sizes of the regions, in O(1): blocks are
  // checked when decoded. Corruption "term dictionary ..." naming the
  // segment and the offset otherwise.
  Status Open(std::string_view segment_name, SectionView section);

  size_t size() const { return static_cast<size_t>(term_count_); }

  // The entry of (field, term), or nullopt: a binary search of the blocks'
  // first entries, then a scan of one block. Corruption naming the segment,
  // "term dictionary" and the offset of the bad bytes.
  Result<std::optional<TermEntry>> Find(size_t field, std::string_view term) const;

  // Calls `visit` on every entry in order until it returns false. The entry
  // is valid during the call. Corruption as Find.
  Status ForEach(const std::function<bool(const TermEntry&)>& visit) const;

 private:
  // Block b's bytes. Corruption when its start offsets are out of order.
  Result<std::string_view> Block(uint64_t b) const;
  // The (field, term) of block b's first entry; `term` points into the
  // section.
  Status BlockKey(uint64_t b, uint64_t* field, std::string_view* term) const;
  // Decodes the entries of block b in order, calling visit(const TermEntry&)
  // until it returns false (then *stopped is true).
  template <typename Visit>
  Status ScanBlock(uint64_t b, Visit&& visit, bool* stopped) const;
  Status Corrupt(std::string_view what, std::string_view at) const;

  std::string segment_name_;
  SectionView section_;
  uint64_t term_count_ = 0;
  uint64_t blocks_bytes_ = 0;
  uint64_t block_count_ = 0;
  uint32_t entries_per_block_ = 1;
  uint32_t start_width_ = 0;
  const char* starts_ = nullptr;
};

}  // namespace freshet
