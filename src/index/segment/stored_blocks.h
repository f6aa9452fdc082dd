// Stored rows: the STORED_BLOCKS section (format 3). Every doc's row
// (row_coding.h, unchanged), by ordinal, in blocks of consecutive docs of
// about StoredBlocksOptions::block_target_bytes raw bytes, each compressed as one zstd frame,
// with a zstd dictionary trained on the segment's rows when they are many.
//
// Layout (frozen; all integers little-endian):
//   u32 num_blocks
//   u32 dictionary_size (0: the frames use no dictionary)
//   block table, per block: u32 first_doc, u32 raw_size, u64 end
//     first_doc: the block's first doc ordinal (0 for the first block, then
//       increasing; the block holds the docs up to the next one's, or to
//       num_docs); raw_size: the bytes of the block once decompressed;
//       end: where its frame ends, counted from the first frame's first byte
//   the dictionary (zstd's dictionary format), dictionary_size bytes
//   the frames, back to back (block b spans [end of b - 1 (0 for b = 0), end));
//     each frame states its content size and has a content checksum
// A raw block (decompressed):
//   varint doc count, u8 width, the end of each of its rows within `rows`,
//   packed at `width` bits (bit_packing.h; the last end is the size of
//   `rows`), then `rows`, the block's rows back to back.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/row.h"
#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"

typedef struct ZSTD_DDict_s ZSTD_DDict;
typedef struct ZSTD_DCtx_s ZSTD_DCtx;

namespace freshet {

// The writer's choices (not part of the layout: a reader takes any block
// sizes, dictionary or level). A block ends after the row that brings its
// raw rows to block_target_bytes or more. When the raw rows come to
// dictionary_min_raw_bytes or more, a dictionary is trained on rows spread
// evenly over the segment: one every docs_per_sample docs (at least
// kStoredDictionaryMinSamples rows, at most kStoredDictionaryMaxSamples),
// of up to dictionary_bytes_per_sample bytes a row (at least
// kStoredDictionaryMinBytes). A larger segment thus gets a larger
// dictionary, whose cost (its bytes, its training) is spread over more
// docs; a segment of under 256 * docs_per_sample docs gets 256 rows' worth.
inline constexpr size_t kStoredDictionaryMinSamples = 256;
inline constexpr size_t kStoredDictionaryMaxSamples = 4096;
inline constexpr size_t kStoredDictionaryMinBytes = 16 * 1024;
struct StoredBlocksOptions {
  int zstd_level = 3;
  size_t block_target_bytes = 4 * 1024;
  size_t docs_per_sample = 128;
  size_t dictionary_bytes_per_sample = 28;
  size_t dictionary_min_raw_bytes = 512 * 1024;
};

// `options`: the writer's unless measuring others.
std::string EncodeStoredBlocks(const std::vector<SegmentDoc>& docs,
                               const StoredBlocksOptions& options = {});
// Appends doc `ord`'s row, encoded (row_coding.h), to `out`.
using StoredRowWriter = std::function<void(uint32_t ord, std::string* out)>;
// The same section for `num_docs` rows that `put_row` encodes (a merge
// copies them from its sources' StoredBlocks::ReadRowBytes without
// decoding them): the same bytes for the same rows.
std::string EncodeStoredRows(uint32_t num_docs, const StoredRowWriter& put_row,
                             const StoredBlocksOptions& options = {});

// Read access to a STORED_BLOCKS section. Thread-safe after Open: ReadRow
// may be called concurrently (a few recently decompressed blocks are cached
// behind a mutex). The section's bytes must outlive the object.
class StoredBlocks {
 public:
  // Checks the block table (O(blocks)) and loads the dictionary (at most a
  // few tens of KiB): Corruption "stored rows: WHAT" naming the segment and
  // the file offset when the table does not fit the section or does not
  // cover num_docs docs in order, or zstd refuses the dictionary.
  Status Open(std::string_view segment_name, SectionView section, uint32_t num_docs);

  uint32_t size() const { return num_docs_; }
  // Decompresses doc ord's block (unless cached) and decodes its row.
  // Corruption "stored rows: block B: WHAT" with the file offset of the
  // block's frame when the frame, the block or the row is malformed.
  // REQUIRES: ord < size().
  Result<Row> ReadRow(std::string_view segment_name, uint32_t ord) const;
  // Doc ord's row as stored (row_coding.h), not decoded: a view into the
  // decompressed block, which `*block` keeps alive. Corruption as ReadRow.
  Result<std::string_view> ReadRowBytes(std::string_view segment_name, uint32_t ord,
                                        std::shared_ptr<const std::string>* block) const;

  // How many times a block was decompressed (cache misses), for metrics.
  uint64_t blocks_decompressed() const { return blocks_decompressed_.load(); }

 private:
  struct Block {
    uint32_t first_doc, doc_count, raw_size;
    std::string_view frame;
  };
  Block BlockAt(uint32_t b) const;
  // The block holding doc ord.
  uint32_t BlockOf(uint32_t ord) const;
  // The raw bytes of block b, from the cache or decompressed into it.
  Result<std::shared_ptr<const std::string>> RawBlock(std::string_view segment_name, uint32_t b,
                                                      const Block& block) const;

  SectionView section_;
  uint32_t num_docs_ = 0;
  uint32_t num_blocks_ = 0;
  std::string_view table_;
  std::string_view frames_;
  std::unique_ptr<ZSTD_DDict, size_t (*)(ZSTD_DDict*)> dictionary_{nullptr, nullptr};

  // The segment's own decompression context, created at first use: a
  // context that last decompressed with another dictionary starts cold (zstd
  // prefetches the new one), which a merge reading two sources in turn, or a
  // page of hits from several segments, would pay at every block. Taken by
  // one thread at a time; another one meanwhile uses its thread's context.
  mutable std::mutex context_mutex_;
  mutable std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> context_{nullptr, nullptr};

  // Recently decompressed blocks, the most recent last.
  static constexpr size_t kCachedBlocks = 4;
  mutable std::mutex cache_mutex_;
  mutable std::vector<std::pair<uint32_t, std::shared_ptr<const std::string>>> cache_;
  mutable std::atomic<uint64_t> blocks_decompressed_{0};
};

}  // namespace freshet
