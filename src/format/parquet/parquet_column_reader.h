// ColumnChunkReader: decodes the pages of one flat or list column chunk into
// batches of values, in row order.
//
// Handles dictionary pages, data pages v1 and v2, every supported encoding
// (chosen per page: writers fall back from dictionary to PLAIN mid-chunk),
// definition and repetition levels, page CRCs and decompression. Memory stays bounded by
// the pages a batch touches; nothing is sized from an unchecked count.
// Errors are Corruption (or NotSupported) whose message names the file, the
// column, the row group and the file offset of the page.
//
// Not thread-safe; distinct readers may run on distinct threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/byte_arena.h"
#include "format/parquet/parquet_encodings.h"
#include "format/parquet/parquet_metadata.h"
#include "format/parquet/parquet_schema.h"
#include "format/record_batch.h"
#include "format/row.h"

namespace freshet::parquet {

// Where a chunk comes from, for error messages.
struct ChunkLocation {
  std::string file;
  size_t row_group = 0;
  uint64_t file_offset = 0;  // of the chunk's first byte
};

// The repetition or definition levels of one data page, decoded on demand.
class LevelStream {
 public:
  // A v1 page: `*data` starts with the levels in `encoding` (RLE behind its
  // 4-byte length, or BIT_PACKED); advances `*data` past them.
  Status InitV1(Encoding encoding, std::string_view* data, int max_level, size_t num_values);
  // A v2 page: RLE levels without a length (the page header has it).
  void InitV2(std::string_view levels, int max_level);
  // The next `n` levels; Corruption past the page's levels.
  Status Get(uint32_t* out, size_t n);

 private:
  RleBitPackedDecoder rle_;
  std::vector<uint32_t> legacy_;  // BIT_PACKED levels, decoded whole
  size_t legacy_pos_ = 0;
  bool legacy_active_ = false;
};

struct ColumnReadOptions {
  // Verify page CRCs when the writer stored them.
  bool verify_checksums = true;
  // List columns: the most memory the elements of one batch may take. A few
  // bytes of RLE levels and dictionary indices can stand for billions of
  // elements; a batch beyond this is NotSupported.
  uint64_t max_list_batch_bytes = uint64_t{1} << 30;
};

class ColumnChunkReader {
 public:
  // `bytes` is the whole column chunk (dictionary page, then data pages),
  // `num_rows` the row count of its row group.
  ColumnChunkReader(const ColumnDescriptor& column, const ColumnMetaData& meta,
                    ChunkLocation location, std::shared_ptr<const std::string> bytes,
                    int64_t num_rows, ColumnReadOptions options);

  // Replaces `*out` with the next `n` rows' values. Fails if the chunk ends
  // before them.
  Status Read(size_t n, ColumnBatch* out);

 private:
  Status ReadLists(size_t n, ColumnBatch* out);
  // List columns: decodes the next levels of the page (the next page when
  // this one is done) and the text of their non-null elements.
  Status RefillListLevels();
  Status NextPage();
  Status LoadDictionary(const PageHeader& header, std::string_view page);
  Status StartDataPage(const PageHeader& header, std::string_view page);
  Status StartValues(Encoding encoding, std::string_view values);
  Status DecodeValues(size_t m);
  void ConvertInto(size_t src, size_t row, ColumnBatch* out);
  Status PageError(std::string_view what) const;
  Status WithPageContext(const Status& st) const;

  const ColumnDescriptor& column_;
  Codec codec_;
  ChunkLocation location_;
  std::shared_ptr<const std::string> chunk_;
  int64_t rows_left_;
  ColumnReadOptions options_;
  size_t pos_ = 0;            // next page header within the chunk
  uint64_t page_offset_ = 0;  // file offset of the current page
  bool seen_data_page_ = false;

  // Dictionary, decoded once per chunk.
  bool has_dictionary_ = false;
  std::shared_ptr<const std::string> dictionary_page_;
  std::vector<int64_t> dict_ints_;
  std::vector<double> dict_doubles_;
  std::vector<std::string_view> dict_strings_;

  // The current data page.
  std::shared_ptr<const std::string> page_buffer_;  // nullptr when it lives in chunk_
  uint64_t page_values_left_ = 0;
  LevelStream def_levels_;
  LevelStream rep_levels_;  // list columns only
  Encoding encoding_ = Encoding::kPlain;
  std::string_view values_;  // the page's value section
  size_t values_pos_ = 0;    // PLAIN cursor
  BitReader plain_bools_;
  RleBitPackedDecoder indices_;  // dictionary indices, or RLE booleans
  DeltaBinaryPackedDecoder delta_ints_;
  DeltaLengthByteArrayDecoder delta_lengths_;
  DeltaByteArrayDecoder delta_bytes_;
  size_t split_count_ = 0;  // BYTE_STREAM_SPLIT: values in the page
  size_t split_next_ = 0;

  // What batches already pin (see Read): the current page (counted in
  // some batch's pinned_bytes), the chunk, the dictionary.
  bool page_counted_ = false;
  bool chunk_pinned_by_batch_ = false;
  bool chunk_counted_ = false;
  bool dictionary_counted_ = false;

  // Per-batch scratch.
  std::shared_ptr<ByteArena> arena_;
  std::vector<uint32_t> levels_;
  std::vector<uint32_t> index_scratch_;
  std::vector<int64_t> phys_ints_;
  std::vector<double> phys_doubles_;
  std::vector<std::string_view> phys_strings_;

  // List columns: levels decoded ahead and the text of their elements.
  std::vector<uint32_t> list_reps_, list_defs_;
  size_t list_level_pos_ = 0;
  std::vector<std::string> element_texts_;
  std::vector<char> element_present_;
  size_t element_pos_ = 0;
  ColumnBatch element_scratch_;
};

}  // namespace freshet::parquet
