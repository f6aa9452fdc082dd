// Format-3 doc values: the NUMERIC_BLOCKS section (numeric columns) and the
// LENGTH_BLOCKS section (field lengths, BM25's norms), each column cut into
// blocks of docs_per_block consecutive doc ordinals (the last one shorter),
// every block readable by random access without decoding its neighbours.
//
// Both sections (frozen once merged; all integers little-endian):
//   header     u32 column_count, u32 block_shift (docs_per_block =
//              1 << block_shift, 6 <= block_shift <= 16)
//   directory  per column: u32 field, u64 table_offset, u64 aggregate
//   tables     per column, at table_offset (from the section's first byte):
//              ceil(num_docs / docs_per_block) fixed-size block entries
//   data       the blocks' values, at the offsets their entries give
// Fields are distinct and below the segment's field count.
//
// NUMERIC_BLOCKS: aggregate = the number of docs with a value. A block
// entry (26 bytes) is f64 min, f64 max, u64 data_offset, u8 kind, u8 width;
// min and max are over the block's values (NaN, no value, is neither; both
// NaN when the block has no value). Kinds (frozen):
//   0 empty      no doc of the block has a value; no data
//   1 constant   every doc has the value min (= max); no data
//   2 packed     every value is an integer: n values v - min bit-packed
//                (bit_packing.h) at `width` bits
//   3 sparse     the same with v - min + 1, and 0 for no value
//   4 raw        n f64, NaN for no value
//   16 + s       decimal, s in [1, 6]: every value is a decimal of s digits,
//                v = d / 10^s with d an integer below 2^52 in magnitude (the
//                division correctly rounded, so v is bit for bit the double
//                the text of d / 10^s parses to); n values d - d_min + 1
//                bit-packed at `width` bits, 0 for no value, where d_min is
//                min's (prices with cents take 2 to 3 bytes, not 8)
// where n is the block's doc count. Integers here are doubles equal to an
// int64 of magnitude below 2^62, -0.0 excepted (kept bit for bit by raw).
//
// LENGTH_BLOCKS: one column per text field, aggregate = the sum of its
// lengths. A block entry (11 bytes) is u64 data_offset, u16 base, u8 width:
// the n lengths minus base, bit-packed at `width` bits (exact: BM25 scores do
// not change).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/doc_values.h"
#include "index/segment/section_container.h"

namespace freshet {

// The values of a run of consecutive docs of a numeric column: none below
// min, none above max (both NaN when no doc of the run has a value); the
// run ends at last_doc.
struct NumericBlockRange {
  double min = 0;
  double max = 0;
  uint32_t last_doc = 0;
};

// log2 of the docs per block that the encoders write (readers take it from
// the section).
inline constexpr uint32_t kDocValueBlockShift = 9;

// REQUIRES: every column holds num_docs values, fields distinct.
std::string EncodeNumericBlocks(const std::vector<NumericColumn>& columns, uint32_t num_docs);
std::string EncodeLengthBlocks(const std::vector<FieldLengthColumn>& columns, uint32_t num_docs);

// Read access to the NUMERIC_BLOCKS and LENGTH_BLOCKS sections.
// Thread-safe after Open (read-only); the sections' bytes must outlive the
// object.
class DocValueBlocks {
 public:
  // Checks headers, directories, every block entry and that each block's
  // data lies in its section: O(blocks), no value is decoded. Corruption
  // naming the segment, the section ("numeric blocks", "length blocks") and
  // the offset otherwise.
  Status Open(std::string_view segment_name, SectionView numeric, SectionView lengths,
              uint32_t num_docs, size_t field_count);

  bool HasNumeric(size_t field) const;
  // The value of `field` for doc `ord` in O(1); NaN when it has none or the
  // field has no column. REQUIRES: ord < num_docs.
  double Numeric(size_t field, uint32_t ord) const;
  // The first doc at or after `target` whose value of `field` is in
  // [lo, hi] (NaN never matches), skipping blocks by their min and max;
  // kNoMoreDocs (postings_iterator.h) if none.
  uint32_t NextInRange(size_t field, uint32_t target, double lo, double hi) const;
  // The block of `field`'s column holding doc `ord`, read from its entry
  // alone: its docs' smallest and largest values (both NaN when none of them
  // has a value) and its last doc; nullopt when the field has no column.
  // REQUIRES: ord < num_docs.
  std::optional<NumericBlockRange> NumericBlock(size_t field, uint32_t ord) const;

  // Token count of `field` in doc `ord`, and the sum over every doc; nullopt
  // when the field has no length column. REQUIRES: ord < num_docs.
  std::optional<uint32_t> FieldLength(size_t field, uint32_t ord) const;
  std::optional<uint64_t> TotalFieldLength(size_t field) const;

 private:
  struct Column {
    const char* table = nullptr;  // its block entries; nullptr: no column
    uint64_t aggregate = 0;
  };
  struct Blocks {
    std::string_view bytes;  // the section
    uint32_t shift = 0;
    std::vector<Column> columns;  // by field
  };
  // Whether a block entry of `docs` docs is well formed, its data inside
  // `section`.
  using EntryCheck = bool (*)(const char* entry, uint32_t docs, std::string_view section);
  // Parses a section (named `what` in errors) into *blocks, checking every
  // block entry.
  static Status ParseBlocks(std::string_view segment_name, SectionView section,
                            std::string_view what, size_t entry_bytes, EntryCheck entry_valid,
                            uint32_t num_docs, size_t field_count, Blocks* blocks);
  // The column of `field` in `blocks`, or nullptr.
  static const Column* ColumnOf(const Blocks& blocks, size_t field);
  double NumericInBlock(const char* entry, uint32_t index) const;
  double DecimalInBlock(const char* entry, const char* data, uint32_t index) const;

  uint32_t num_docs_ = 0;
  Blocks numeric_;
  Blocks lengths_;
};

}  // namespace freshet
