// Doc headers: the DOC_HEADERS section (format 3), every doc's id, group
// ordinal and version, by ordinal, as three columns with O(1) random access.
//
// Layout (frozen; all integers little-endian):
//   u32 num_docs
//   column id_ends     end of doc i's id in the id blob
//   column groups      group ordinal of doc i
//   column versions    version of doc i (two's complement)
//   u64 blob_size, then the id blob (every id, by ordinal, back to back)
// A column splits the docs into blocks of kDocHeaderBlockSize (the last may
// be shorter):
//   u8 width
//   u64 base[num_blocks]                 the block's base value
//   packed deltas (bit_packing.h): one run of num_docs values at `width`
//     bits, value i = column[i] - base[i / kDocHeaderBlockSize] (mod 2^64)
// The bases: of id_ends, the start of the block's first id (so doc i's id is
// [i % block == 0 ? base : base + delta[i - 1], base + delta[i]) ); of groups
// and versions, the block's smallest value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"

namespace freshet {

// Frozen: docs per block of every DOC_HEADERS column.
inline constexpr uint32_t kDocHeaderBlockSize = 128;

std::string EncodeDocHeaders(const std::vector<SegmentDoc>& docs);

// Read access to a DOC_HEADERS section. Thread-safe after Open (read-only).
// Views point into the section's bytes, which must outlive the object.
//
// Open checks the section's size and the columns' block bases (O(blocks)),
// not each doc's packed values: Id, Group and Version stay in bounds on any
// bytes (an id past the blob is cut to it, a group >= num_groups is
// reported as num_groups - 1) but may then be wrong. CheckDoc tells whether
// one doc's header is sound; call it before trusting a doc read from an
// unverified segment (checksums catch damage on disk, so the engine calls it
// where a wrong answer would be written back: merges), or CheckAll.
class DocHeaders {
 public:
  // Corruption "doc headers: WHAT" naming the segment and the file offset
  // when the size, the doc count or a block base is wrong.
  Status Open(std::string_view segment_name, SectionView section, uint32_t num_docs,
              uint32_t num_groups);

  uint32_t size() const { return num_docs_; }
  // REQUIRES: ord < size(). The view points into the section.
  std::string_view Id(uint32_t ord) const;
  uint32_t Group(uint32_t ord) const;
  int64_t Version(uint32_t ord) const;

  // Corruption "doc headers: doc ORD id" / "doc ORD group" with the offset
  // of the bad packed value when doc `ord`'s id does not lie within the blob
  // after the previous doc's or its group is not < num_groups.
  // REQUIRES: ord < size().
  Status CheckDoc(std::string_view segment_name, uint32_t ord) const;
  // CheckDoc of every doc: O(docs).
  Status CheckAll(std::string_view segment_name) const;

 private:
  // A column's parts, pointing into the section.
  struct Column {
    uint32_t width = 0;
    const char* bases = nullptr;   // u64 per block
    const char* packed = nullptr;  // the deltas
    size_t readable = 0;           // bytes of the section from `packed` on
    uint64_t Base(uint32_t block) const;
    uint64_t Value(uint32_t ord) const;
  };

  // [start, end) of doc ord's id as stored (unchecked).
  std::pair<uint64_t, uint64_t> IdRange(uint32_t ord) const;

  SectionView section_;
  uint32_t num_docs_ = 0;
  uint32_t num_groups_ = 0;
  Column id_ends_, groups_, versions_;
  std::string_view blob_;
};

}  // namespace freshet
