// Stored rows: the STORED_BLOCKS section (format 3). Every doc's row
// (row_coding.h, unchanged), by ordinal, in blocks of consecutive docs of
// about kStoredBlockTargetBytes raw bytes, each compressed as one zstd frame.
//
// Layout (frozen; all integers little-endian):
//   u32 num_blocks
//   block table, per block: u32 first_doc, u32 raw_size, u64 end
//     first_doc: the block's first doc ordinal (0 for the first block, then
//       increasing; the block holds the docs up to the next one's, or to
//       num_docs); raw_size: the bytes of the block once decompressed;
//       end: where its frame ends, counted from the first frame's first byte
//   the frames, back to back (block b spans [end of b - 1 (0 for b = 0), end));
//     each frame states its content size and has a content checksum
// A raw block (decompressed):
//   varint doc count, u8 width, the end of each of its rows within `rows`,
//   packed at `width` bits (bit_packing.h; the last end is the size of
//   `rows`), then `rows`, the block's rows back to back.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/row.h"
#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"

namespace freshet {

// A block ends after the row that brings its raw rows to this size or more.
// Not part of the layout: a reader takes any block sizes.
inline constexpr size_t kStoredBlockTargetBytes = 16 * 1024;
// The zstd level of the writer (not part of the layout).
inline constexpr int kStoredBlockZstdLevel = 3;

std::string EncodeStoredBlocks(const std::vector<SegmentDoc>& docs);

// Read access to a STORED_BLOCKS section. Thread-safe after Open: ReadRow
// may be called concurrently (a few recently decompressed blocks are cached
// behind a mutex). The section's bytes must outlive the object.
class StoredBlocks {
 public:
  // Checks the block table (O(blocks)): Corruption "stored rows: WHAT"
  // naming the segment and the file offset when it does not fit the section
  // or does not cover num_docs docs in order.
  Status Open(std::string_view segment_name, SectionView section, uint32_t num_docs);

  uint32_t size() const { return num_docs_; }
  // Decompresses doc ord's block (unless cached) and decodes its row.
  // Corruption "stored rows: block B: WHAT" with the file offset of the
  // block's frame when the frame, the block or the row is malformed.
  // REQUIRES: ord < size().
  Result<Row> ReadRow(std::string_view segment_name, uint32_t ord) const;

  // How many times a block was decompressed (cache misses), for metrics.
  uint64_t blocks_decompressed() const { return blocks_decompressed_.load(); }

 private:
  struct Block {
    uint32_t first_doc, doc_count, raw_size;
    std::string_view frame;
  };
  Block BlockAt(uint32_t b) const;
  // The raw bytes of block b, from the cache or decompressed into it.
  Result<std::shared_ptr<const std::string>> RawBlock(std::string_view segment_name, uint32_t b,
                                                      const Block& block) const;

  SectionView section_;
  uint32_t num_docs_ = 0;
  uint32_t num_blocks_ = 0;
  std::string_view table_;
  std::string_view frames_;

  // Recently decompressed blocks, the most recent last.
  static constexpr size_t kCachedBlocks = 4;
  mutable std::mutex cache_mutex_;
  mutable std::vector<std::pair<uint32_t, std::shared_ptr<const std::string>>> cache_;
  mutable std::atomic<uint64_t> blocks_decompressed_{0};
};

}  // namespace freshet
