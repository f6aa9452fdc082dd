#include "index/segment/stored_blocks.h"

#include <fmt/format.h>
// ZDICT_trainFromBuffer_fastCover (exported by libzstd, declared among the
// functions zdict.h marks as "static linking only" as their parameters
// struct may grow).
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <new>

#include "common/bit_packing.h"
#include "common/coding.h"
#include "index/segment/row_coding.h"

namespace freshet {
namespace {

constexpr size_t kTableEntryBytes = 16;

// Appends one block's frame to `frames` and its table entry to `table`.
void AppendBlock(ZSTD_CCtx* zstd, uint32_t first_doc, const std::vector<uint32_t>& row_ends,
                 std::string_view rows, std::string* table, std::string* frames) {
  std::string raw;
  PutVarint(&raw, row_ends.size());
  const uint32_t width = BitWidth(rows.size());
  raw.push_back(static_cast<char>(width));
  PackBits32(row_ends.data(), row_ends.size(), width, &raw);
  raw += rows;
  const size_t start = frames->size();
  frames->resize(start + ZSTD_compressBound(raw.size()));
  const size_t written =
      ZSTD_compress2(zstd, frames->data() + start, frames->size() - start, raw.data(), raw.size());
  // Compressing into a buffer of ZSTD_compressBound bytes fails only when
  // out of memory.
  if (ZSTD_isError(written)) throw std::bad_alloc();
  frames->resize(start + written);
  PutFixed32(table, first_doc);
  PutFixed32(table, static_cast<uint32_t>(raw.size()));
  PutFixed64(table, frames->size());
}

// A dictionary trained on rows spread over the segment, or nothing when the
// rows are too few to pay for one (or zstd cannot train on them). Only the
// rows it needs are encoded: until they reach
// options.dictionary_min_raw_bytes, then the samples.
std::string TrainDictionary(uint32_t num_docs, const StoredRowWriter& put_row,
                            const StoredBlocksOptions& options) {
  std::string samples;
  size_t raw = 0;
  for (uint32_t i = 0; i < num_docs && raw < options.dictionary_min_raw_bytes; ++i) {
    samples.clear();
    put_row(i, &samples);
    raw += samples.size();
  }
  if (raw < options.dictionary_min_raw_bytes) return "";
  const size_t wanted = std::clamp(num_docs / std::max<size_t>(1, options.docs_per_sample),
                                   kStoredDictionaryMinSamples, kStoredDictionaryMaxSamples);
  const size_t step = std::max<size_t>(1, num_docs / wanted);
  samples.clear();
  std::vector<size_t> sizes;
  for (size_t i = 0; i < num_docs; i += step) {
    const size_t start = samples.size();
    put_row(static_cast<uint32_t>(i), &samples);
    sizes.push_back(samples.size() - start);
  }
  std::string dictionary(
      std::max(kStoredDictionaryMinBytes, wanted * options.dictionary_bytes_per_sample), '\0');
  // One fastCover training with fixed parameters, not ZDICT_trainFromBuffer's
  // search (four trainings on three quarters of the samples, each
  // dictionary tried on the rest): measured on an ads-1m base segment
  // (511 k docs, 3 993 samples), 0.34 to 0.50 s of CPU to 0.04 to 0.10 s,
  // and 89.2 stored bytes a doc instead of 89.4 (the search chose k = 537).
  ZDICT_fastCover_params_t params{};
  params.k = 512;  // bytes of the segments the dictionary is made of
  params.d = 8;    // bytes of the d-mers that score them
  params.f = 18;   // log2 of the d-mer frequency table's entries
  params.accel = 1;
  params.zParams.compressionLevel = options.zstd_level;
  const size_t size =
      ZDICT_trainFromBuffer_fastCover(dictionary.data(), dictionary.size(), samples.data(),
                                      sizes.data(), static_cast<unsigned>(sizes.size()), params);
  if (ZDICT_isError(size)) return "";
  dictionary.resize(size);
  return dictionary;
}

}  // namespace

std::string EncodeStoredBlocks(const std::vector<SegmentDoc>& docs,
                               const StoredBlocksOptions& options) {
  return EncodeStoredRows(
      static_cast<uint32_t>(docs.size()),
      [&](uint32_t ord, std::string* out) { PutRow(out, docs[ord].row); }, options);
}

std::string EncodeStoredRows(uint32_t num_docs, const StoredRowWriter& put_row,
                             const StoredBlocksOptions& options) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> zstd(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (zstd == nullptr) throw std::bad_alloc();
  ZSTD_CCtx_setParameter(zstd.get(), ZSTD_c_compressionLevel, options.zstd_level);
  ZSTD_CCtx_setParameter(zstd.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(zstd.get(), ZSTD_c_dictIDFlag, 0);  // the section says
  const std::string dictionary = TrainDictionary(num_docs, put_row, options);
  if (!dictionary.empty() &&
      ZSTD_isError(ZSTD_CCtx_loadDictionary(zstd.get(), dictionary.data(), dictionary.size()))) {
    throw std::bad_alloc();  // zstd takes any trained dictionary unless out of memory
  }

  // One block's rows at a time, compressed while they are in cache: the
  // segment's raw rows are never held whole.
  std::string table, frames, block;
  std::vector<uint32_t> ends;  // of the block's rows, in `block`
  uint32_t num_blocks = 0, first_doc = 0;
  for (uint32_t ord = 0; ord < num_docs; ++ord) {
    put_row(ord, &block);
    ends.push_back(static_cast<uint32_t>(block.size()));
    if (block.size() < options.block_target_bytes && ord + 1 < num_docs) continue;
    AppendBlock(zstd.get(), first_doc, ends, block, &table, &frames);
    ++num_blocks;
    first_doc = ord + 1;
    block.clear();
    ends.clear();
  }
  std::string out;
  out.reserve(8 + table.size() + dictionary.size() + frames.size());
  PutFixed32(&out, num_blocks);
  PutFixed32(&out, static_cast<uint32_t>(dictionary.size()));
  out += table;
  out += dictionary;
  out += frames;
  return out;
}

Status StoredBlocks::Open(std::string_view segment_name, SectionView section, uint32_t num_docs) {
  section_ = section;
  num_docs_ = num_docs;
  Cursor c(section.bytes);
  if (!c.GetFixed32(&num_blocks_)) {
    return SegmentCorruption(segment_name, "stored rows: block count truncated", section.offset);
  }
  uint32_t dictionary_size = 0;
  if (!c.GetFixed32(&dictionary_size)) {
    return SegmentCorruption(segment_name, "stored rows: dictionary size truncated",
                             section.offset + 4);
  }
  std::string_view dictionary;
  if (!c.GetBytes(uint64_t{num_blocks_} * kTableEntryBytes, &table_) ||
      !c.GetBytes(dictionary_size, &dictionary)) {
    return SegmentCorruption(segment_name, "stored rows: block table truncated", section.offset);
  }
  frames_ = section.bytes.substr(c.position());
  if ((num_docs == 0) != (num_blocks_ == 0)) {
    return SegmentCorruption(
        segment_name, fmt::format("stored rows: {} blocks for {} docs", num_blocks_, num_docs),
        section.offset);
  }
  uint64_t previous_end = 0;
  for (uint32_t b = 0; b < num_blocks_; ++b) {
    const char* entry = table_.data() + uint64_t{b} * kTableEntryBytes;
    const uint32_t first_doc = DecodeFixed32(entry);
    const uint64_t end = DecodeFixed64(entry + 8);
    const bool first_doc_ok =
        b == 0 ? first_doc == 0
               : first_doc > DecodeFixed32(entry - kTableEntryBytes) && first_doc < num_docs;
    const bool end_ok = end >= previous_end &&
                        (b + 1 < num_blocks_ ? end <= frames_.size() : end == frames_.size());
    if (!first_doc_ok || !end_ok) {
      return SegmentCorruption(segment_name, fmt::format("stored rows: block {} table entry", b),
                               section.OffsetOf({entry, kTableEntryBytes}));
    }
    previous_end = end;
  }
  dictionary_ = {nullptr, ZSTD_freeDDict};
  if (!dictionary.empty()) {
    dictionary_.reset(ZSTD_createDDict(dictionary.data(), dictionary.size()));
    if (dictionary_ == nullptr) {
      return SegmentCorruption(segment_name, "stored rows: dictionary",
                               section.OffsetOf(dictionary));
    }
  }
  return Status::OK();
}

StoredBlocks::Block StoredBlocks::BlockAt(uint32_t b) const {
  const char* entry = table_.data() + uint64_t{b} * kTableEntryBytes;
  const uint32_t first_doc = DecodeFixed32(entry);
  const uint32_t next_doc =
      b + 1 < num_blocks_ ? DecodeFixed32(entry + kTableEntryBytes) : num_docs_;
  const uint64_t start = b == 0 ? 0 : DecodeFixed64(entry - kTableEntryBytes + 8);
  const uint64_t end = DecodeFixed64(entry + 8);
  return Block{first_doc, next_doc - first_doc, DecodeFixed32(entry + 4),
               frames_.substr(start, end - start)};
}

Result<std::shared_ptr<const std::string>> StoredBlocks::RawBlock(std::string_view segment_name,
                                                                  uint32_t b,
                                                                  const Block& block) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first != b) continue;
      std::rotate(it, it + 1, cache_.end());  // now the most recent
      return cache_.back().second;
    }
  }
  const uint64_t frame_offset = section_.OffsetOf(block.frame);
  // The frame must say the size the table says before anything is allocated.
  const unsigned long long content_size =
      ZSTD_getFrameContentSize(block.frame.data(), block.frame.size());
  if (content_size == ZSTD_CONTENTSIZE_ERROR) {
    return SegmentCorruption(segment_name,
                             fmt::format("stored rows: block {}: zstd: bad frame header", b),
                             frame_offset);
  }
  if (content_size != block.raw_size) {
    return SegmentCorruption(
        segment_name,
        fmt::format(
            "stored rows: block {}: frame of {} raw bytes, the table says {}", b,
            content_size == ZSTD_CONTENTSIZE_UNKNOWN ? "unknown" : std::to_string(content_size),
            block.raw_size),
        frame_offset);
  }
  auto raw = std::make_shared<std::string>(block.raw_size, '\0');
  auto decompress = [&](ZSTD_DCtx* context) {
    if (context == nullptr) throw std::bad_alloc();
    return ZSTD_decompress_usingDDict(context, raw->data(), raw->size(), block.frame.data(),
                                      block.frame.size(), dictionary_.get());
  };
  size_t got;
  if (std::unique_lock<std::mutex> mine(context_mutex_, std::try_to_lock); mine.owns_lock()) {
    if (context_ == nullptr) context_ = {ZSTD_createDCtx(), ZSTD_freeDCtx};
    got = decompress(context_.get());
  } else {
    // The thread's context, shared by the segments it reads.
    thread_local const std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(),
                                                                                  ZSTD_freeDCtx);
    got = decompress(context.get());
  }
  blocks_decompressed_.fetch_add(1, std::memory_order_relaxed);
  if (ZSTD_isError(got) || got != raw->size()) {
    return SegmentCorruption(
        segment_name,
        fmt::format("stored rows: block {}: zstd: {}", b,
                    ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short frame"),
        frame_offset);
  }
  std::lock_guard<std::mutex> lock(cache_mutex_);
  // Another thread may have decompressed the same block meanwhile.
  for (const auto& [cached, bytes] : cache_) {
    if (cached == b) return bytes;
  }
  if (cache_.size() == kCachedBlocks) cache_.erase(cache_.begin());
  cache_.emplace_back(b, raw);
  return std::shared_ptr<const std::string>(std::move(raw));
}

Result<Row> StoredBlocks::ReadRow(std::string_view segment_name, uint32_t ord) const {
  std::shared_ptr<const std::string> block;
  ASSIGN_OR_RETURN(const std::string_view bytes, ReadRowBytes(segment_name, ord, &block));
  Cursor c(bytes);
  Row row;
  if (!GetRow(c, &row) || !c.done()) {
    const uint32_t b = BlockOf(ord);
    return SegmentCorruption(segment_name, fmt::format("stored rows: block {}: doc {} row", b, ord),
                             section_.OffsetOf(BlockAt(b).frame));
  }
  return row;
}

uint32_t StoredBlocks::BlockOf(uint32_t ord) const {
  // The last block whose first doc is <= ord.
  uint32_t lo = 0, hi = num_blocks_;
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (DecodeFixed32(table_.data() + uint64_t{mid} * kTableEntryBytes) <= ord) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

Result<std::string_view> StoredBlocks::ReadRowBytes(std::string_view segment_name, uint32_t ord,
                                                    std::shared_ptr<const std::string>* raw) const {
  const uint32_t lo = BlockOf(ord);
  const Block block = BlockAt(lo);
  ASSIGN_OR_RETURN(*raw, RawBlock(segment_name, lo, block));
  auto corrupt = [&](std::string_view what) {
    return SegmentCorruption(segment_name, fmt::format("stored rows: block {}: {}", lo, what),
                             section_.OffsetOf(block.frame));
  };
  // The block's header: its doc count, the width of its row ends.
  Cursor header(**raw);
  uint64_t count = 0;
  uint8_t width = 0;
  if (!header.GetVarint(&count) || !header.GetByte(&width) || width > 32) {
    return corrupt("header");
  }
  if (count != block.doc_count) {
    return corrupt(fmt::format("{} docs, the table says {}", count, block.doc_count));
  }
  std::string_view ends;
  if (!header.GetBytes(PackedBytes(count, width), &ends)) return corrupt("row ends truncated");
  const std::string_view rows = std::string_view(**raw).substr(header.position());
  if (PackedValue(ends.data(), count - 1, width) != rows.size()) return corrupt("rows size");
  const uint32_t j = ord - block.first_doc;
  const uint64_t start = j == 0 ? 0 : PackedValue(ends.data(), j - 1, width);
  const uint64_t end = PackedValue(ends.data(), j, width);
  if (start > end || end > rows.size()) return corrupt(fmt::format("doc {} row bounds", ord));
  return rows.substr(start, end - start);
}

}  // namespace freshet
