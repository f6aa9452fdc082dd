#include "format/parquet/parquet_codecs.h"

#include <brotli/decode.h>
#include <fmt/format.h>
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace freshet::parquet {
namespace {

Status SizeMismatch(Codec codec, size_t got, size_t want) {
  return Status::Corruption(fmt::format("{} data decompresses to {} bytes, page header says {}",
                                        CodecName(codec), got, want));
}

Status DecompressSnappy(std::string_view in, size_t size, std::string* out) {
  size_t actual = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &actual)) {
    return Status::Corruption("SNAPPY data has a malformed header");
  }
  if (actual != size) return SizeMismatch(Codec::kSnappy, actual, size);
  // A Snappy element of n bytes yields at most 64 / 2 = 32 n bytes.
  if (size > in.size() * 32 + 64)
    return Status::Corruption("SNAPPY header claims an impossible size");
  out->resize(size);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data())) {
    return Status::Corruption("SNAPPY data is corrupt");
  }
  return Status::OK();
}

// First output buffer for streams whose real size is only known once they
// are decoded: a corrupt header cannot make us allocate the announced size.
size_t InitialCapacity(size_t in_size, size_t size) {
  size_t guess = in_size * 4 + (64 << 10);
  return guess < size ? guess : size;
}

Status DecompressGzip(std::string_view in, size_t size, std::string* out) {
  // Deflate expands at most 1032 times; a larger claim is corrupt.
  if (size > in.size() * 1032 + 1024) {
    return Status::Corruption(
        fmt::format("GZIP page of {} bytes claims {} bytes uncompressed", in.size(), size));
  }
  z_stream zs{};
  // 32 + 15: accept zlib and gzip headers.
  if (inflateInit2(&zs, 32 + 15) != Z_OK) return Status::IOError("zlib: inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  out->resize(InitialCapacity(in.size(), size));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    zs.avail_out = static_cast<uInt>(out->size() - produced);
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced = out->size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Concatenated gzip members: go on with the next one.
      if (inflateReset(&zs) != Z_OK) return Status::Corruption("GZIP data is corrupt");
      continue;
    }
    if (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_out == 0)) {
      if (zs.avail_out == 0) {
        if (out->size() == size) {
          return Status::Corruption(
              fmt::format("GZIP data decompresses to more than {} bytes", size));
        }
        out->resize(std::min(size, out->size() * 2));
      }
      if (zs.avail_in == 0 && zs.avail_out > 0) return Status::Corruption("GZIP data is truncated");
      continue;
    }
    return Status::Corruption(rc == Z_BUF_ERROR
                                  ? "GZIP data is truncated"
                                  : fmt::format("GZIP data is corrupt (zlib error {})", rc));
  }
  if (produced != size) return SizeMismatch(Codec::kGzip, produced, size);
  out->resize(size);
  return Status::OK();
}

Status DecompressZstd(std::string_view in, size_t size, std::string* out) {
  const unsigned long long content = ZSTD_getFrameContentSize(in.data(), in.size());
  if (content == ZSTD_CONTENTSIZE_ERROR)
    return Status::Corruption("ZSTD data has a bad frame header");
  // Frames of known, plausible size (what Parquet writers produce) decode in
  // one call; others stream into a buffer that grows with the real output.
  if (content != ZSTD_CONTENTSIZE_UNKNOWN && content <= in.size() * 64 + (1 << 20)) {
    if (content != size) return SizeMismatch(Codec::kZstd, content, size);
    out->resize(size);
    size_t rc = ZSTD_decompress(out->data(), size, in.data(), in.size());
    if (ZSTD_isError(rc)) {
      return Status::Corruption(fmt::format("ZSTD data is corrupt: {}", ZSTD_getErrorName(rc)));
    }
    if (rc != size) return SizeMismatch(Codec::kZstd, rc, size);
    return Status::OK();
  }
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return Status::IOError("zstd: out of memory");
  out->resize(InitialCapacity(in.size(), size));
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t produced = 0;
  while (true) {
    ZSTD_outBuffer ob{out->data() + produced, out->size() - produced, 0};
    size_t rc = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(rc)) {
      return Status::Corruption(fmt::format("ZSTD data is corrupt: {}", ZSTD_getErrorName(rc)));
    }
    produced += ob.pos;
    if (ib.pos == ib.size && ob.pos < ob.size) break;  // all input consumed and flushed
    if (produced == out->size()) {
      if (produced == size) {
        // Full: any further output means the page header lied.
        char probe;
        ZSTD_outBuffer pb{&probe, 1, 0};
        rc = ZSTD_decompressStream(ctx.get(), &pb, &ib);
        if (ZSTD_isError(rc) || pb.pos > 0) {
          return Status::Corruption(
              fmt::format("ZSTD data decompresses to more than {} bytes", size));
        }
        break;
      }
      out->resize(std::min(size, out->size() * 2));
    }
  }
  if (produced != size) return SizeMismatch(Codec::kZstd, produced, size);
  out->resize(size);
  return Status::OK();
}

Status DecompressBrotli(std::string_view in, size_t size, std::string* out) {
  std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
  if (!state) return Status::IOError("brotli: out of memory");
  out->resize(InitialCapacity(in.size(), size));
  size_t avail_in = in.size();
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  size_t produced = 0;
  while (true) {
    size_t avail_out = out->size() - produced;
    uint8_t* next_out = reinterpret_cast<uint8_t*>(out->data()) + produced;
    BrotliDecoderResult rc = BrotliDecoderDecompressStream(state.get(), &avail_in, &next_in,
                                                           &avail_out, &next_out, nullptr);
    produced = out->size() - avail_out;
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) break;
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
      if (out->size() == size) {
        return Status::Corruption(
            fmt::format("BROTLI data decompresses to more than {} bytes", size));
      }
      out->resize(std::min(size, out->size() * 2));
      continue;
    }
    return Status::Corruption(rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT
                                  ? "BROTLI data is truncated"
                                  : "BROTLI data is corrupt");
  }
  if (produced != size) return SizeMismatch(Codec::kBrotli, produced, size);
  out->resize(size);
  return Status::OK();
}

Status DecompressLz4Raw(std::string_view in, size_t size, std::string* out) {
  if (in.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE) ||
      size > static_cast<size_t>(INT32_MAX)) {
    return Status::Corruption("LZ4 block too large");
  }
  // LZ4 expands at most 255 times; a larger claim is corrupt.
  if (size > in.size() * 255 + 16) return SizeMismatch(Codec::kLz4Raw, in.size() * 255, size);
  out->resize(size);
  int rc = LZ4_decompress_safe(in.data(), out->data(), static_cast<int>(in.size()),
                               static_cast<int>(size));
  if (rc < 0) return Status::Corruption("LZ4 data is corrupt");
  if (static_cast<size_t>(rc) != size) return SizeMismatch(Codec::kLz4Raw, rc, size);
  return Status::OK();
}

uint32_t LoadBigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

// Hadoop's framing: blocks of [u32 BE uncompressed size][u32 BE compressed
// size][raw LZ4 block]. Returns false (without error) when `in` is not
// framed that way, so that the caller can try a raw block.
bool DecompressLz4Hadoop(std::string_view in, size_t size, std::string* out) {
  if (size > in.size() * 255 + 16) return false;
  out->resize(size);
  size_t in_pos = 0, out_pos = 0;
  while (in_pos < in.size()) {
    if (in.size() - in_pos < 8) return false;
    uint32_t block_out = LoadBigEndian32(in.data() + in_pos);
    uint32_t block_in = LoadBigEndian32(in.data() + in_pos + 4);
    in_pos += 8;
    if (block_in > in.size() - in_pos || block_out > size - out_pos ||
        block_in > static_cast<uint32_t>(LZ4_MAX_INPUT_SIZE) || block_out > INT32_MAX) {
      return false;
    }
    int rc = LZ4_decompress_safe(in.data() + in_pos, out->data() + out_pos,
                                 static_cast<int>(block_in), static_cast<int>(block_out));
    if (rc < 0 || static_cast<uint32_t>(rc) != block_out) return false;
    in_pos += block_in;
    out_pos += block_out;
  }
  return out_pos == size;
}

}  // namespace

bool IsSupportedCodec(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
    case Codec::kSnappy:
    case Codec::kGzip:
    case Codec::kBrotli:
    case Codec::kLz4Hadoop:
    case Codec::kZstd:
    case Codec::kLz4Raw:
      return true;
    case Codec::kLzo:
      return false;
  }
  return false;
}

Status Decompress(Codec codec, std::string_view input, size_t uncompressed_size,
                  std::string* output) {
  switch (codec) {
    case Codec::kUncompressed:
      if (input.size() != uncompressed_size) {
        return SizeMismatch(codec, input.size(), uncompressed_size);
      }
      output->assign(input);
      return Status::OK();
    case Codec::kSnappy:
      return DecompressSnappy(input, uncompressed_size, output);
    case Codec::kGzip:
      return DecompressGzip(input, uncompressed_size, output);
    case Codec::kBrotli:
      return DecompressBrotli(input, uncompressed_size, output);
    case Codec::kZstd:
      return DecompressZstd(input, uncompressed_size, output);
    case Codec::kLz4Raw:
      return DecompressLz4Raw(input, uncompressed_size, output);
    case Codec::kLz4Hadoop:
      if (DecompressLz4Hadoop(input, uncompressed_size, output)) return Status::OK();
      return DecompressLz4Raw(input, uncompressed_size, output);
    case Codec::kLzo:
      break;
  }
  return Status::NotSupported(
      fmt::format("compression codec {} is not supported", CodecName(codec)));
}

Status Compress(Codec codec, std::string_view input, std::string* output, int level) {
  switch (codec) {
    case Codec::kUncompressed:
      output->assign(input);
      return Status::OK();
    case Codec::kSnappy: {
      output->resize(snappy::MaxCompressedLength(input.size()));
      size_t n = 0;
      snappy::RawCompress(input.data(), input.size(), output->data(), &n);
      output->resize(n);
      return Status::OK();
    }
    case Codec::kZstd: {
      output->resize(ZSTD_compressBound(input.size()));
      size_t n = ZSTD_compress(output->data(), output->size(), input.data(), input.size(),
                               level ? level : 3);
      if (ZSTD_isError(n)) return Status::IOError(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
      output->resize(n);
      return Status::OK();
    }
    case Codec::kGzip: {
      uLongf bound = compressBound(static_cast<uLong>(input.size())) + 32;
      output->resize(bound);
      z_stream zs{};
      if (deflateInit2(&zs, level ? level : 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        return Status::IOError("zlib: deflateInit2 failed");
      }
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
      zs.avail_in = static_cast<uInt>(input.size());
      zs.next_out = reinterpret_cast<Bytef*>(output->data());
      zs.avail_out = static_cast<uInt>(output->size());
      int rc = deflate(&zs, Z_FINISH);
      size_t n = output->size() - zs.avail_out;
      deflateEnd(&zs);
      if (rc != Z_STREAM_END) return Status::IOError("zlib: deflate failed");
      output->resize(n);
      return Status::OK();
    }
    case Codec::kLz4Raw: {
      if (input.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
        return Status::InvalidArgument("page too large for LZ4");
      }
      output->resize(LZ4_compressBound(static_cast<int>(input.size())));
      int n = LZ4_compress_default(input.data(), output->data(), static_cast<int>(input.size()),
                                   static_cast<int>(output->size()));
      if (n <= 0) return Status::IOError("lz4: compression failed");
      output->resize(n);
      return Status::OK();
    }
    default:
      break;
  }
  return Status::NotSupported(
      fmt::format("the writer does not support compression codec {}", CodecName(codec)));
}

}  // namespace freshet::parquet
