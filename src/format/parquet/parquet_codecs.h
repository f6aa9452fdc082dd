// Page compression codecs: UNCOMPRESSED, SNAPPY, GZIP (zlib/gzip streams),
// BROTLI, ZSTD, LZ4_RAW and the Hadoop-framed "LZ4" codec (with a fallback to
// a raw LZ4 block, which some writers produce under that codec id).
//
// Decompress never allocates more than `uncompressed_size` bytes (the size
// the page header announces, which callers cap), and fails with Corruption
// when the data does not decompress to exactly that size. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "format/parquet/parquet_metadata.h"

namespace freshet::parquet {

// Decompresses `input` into `*output` (resized to `uncompressed_size`).
Status Decompress(Codec codec, std::string_view input, size_t uncompressed_size,
                  std::string* output);

// Compresses `input` into `*output` (replaced). Supports UNCOMPRESSED,
// SNAPPY, GZIP, ZSTD (level 3 unless `level` is set) and LZ4_RAW.
Status Compress(Codec codec, std::string_view input, std::string* output, int level = 0);

// True if Decompress handles `codec`.
bool IsSupportedCodec(Codec codec);

}  // namespace freshet::parquet
