#include "index/segment/block_postings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "common/bit_packing.h"
#include "common/coding.h"

namespace freshet {
namespace {

constexpr size_t kBlockHeaderBytes = 3;
static_assert(kPostingsBlockSize == 128, "full blocks decode with Unpack128Bits32");

// Appends docs [begin, end) of `list` as a tail whose first gap counts from
// `next_min`.
void PutTail(const PostingList& list, size_t begin, size_t end, uint32_t next_min,
             std::string* out) {
  for (size_t i = begin; i < end; ++i) {
    const uint64_t gap = list.docs[i] - next_min;
    const uint32_t freq = list.freqs[i];
    PutVarint(out, gap << 1 | (freq == 1 ? 1 : 0));
    if (freq != 1) PutVarint(out, freq - 2);
    next_min = list.docs[i] + 1;
  }
}

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// The frequency width of a full block whose (frequency - 1) are `values`:
// the fewest bytes of packed low bits plus exceptions; on a tie, the wider
// (fewer exceptions to patch).
uint32_t ChooseFreqWidth(const uint32_t* values, uint32_t max_width) {
  uint32_t best = max_width;
  size_t best_bytes = PackedBytes(kPostingsBlockSize, max_width);
  for (uint32_t width = max_width; width-- > 0;) {
    size_t bytes = PackedBytes(kPostingsBlockSize, width);
    for (size_t i = 0; i < kPostingsBlockSize && bytes < best_bytes; ++i) {
      if (values[i] >> width) bytes += 1 + VarintLength((values[i] >> width) - 1);
    }
    if (bytes < best_bytes) {
      best = width;
      best_bytes = bytes;
    }
  }
  return best;
}

uint32_t MaxOf(const std::vector<uint32_t>& values) {
  return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

}  // namespace

void BlockPostingsWriter::AddFullBlock(const PostingList& list, size_t begin, uint32_t next_min) {
  uint32_t gaps[kPostingsBlockSize], freqs[kPostingsBlockSize];
  uint32_t gap_or = 0, freq_or = 0;
  for (size_t i = 0; i < kPostingsBlockSize; ++i) {
    const uint32_t doc = list.docs[begin + i];
    gaps[i] = doc - next_min;
    freqs[i] = list.freqs[begin + i] - 1;
    next_min = doc + 1;
    gap_or |= gaps[i];
    freq_or |= freqs[i];
  }
  const uint32_t gap_width = BitWidth(gap_or);
  const uint32_t freq_width = ChooseFreqWidth(freqs, BitWidth(freq_or));
  std::string exceptions;
  uint32_t exception_count = 0;
  for (uint32_t i = 0; i < kPostingsBlockSize; ++i) {
    const uint32_t high = freq_width == 32 ? 0 : freqs[i] >> freq_width;
    if (high == 0) continue;
    exceptions.push_back(static_cast<char>(i));
    PutVarint(&exceptions, high - 1);
    freqs[i] &= (uint32_t{1} << freq_width) - 1;
    ++exception_count;
  }
  blocks_.push_back(static_cast<char>(gap_width));
  blocks_.push_back(static_cast<char>(freq_width));
  blocks_.push_back(static_cast<char>(exception_count));
  PackBits32(gaps, kPostingsBlockSize, gap_width, &blocks_);
  PackBits32(freqs, kPostingsBlockSize, freq_width, &blocks_);
  blocks_.append(exceptions);
}

void BlockPostingsWriter::Add(const PostingList& list, const uint16_t* lengths, uint64_t* offset,
                              uint64_t* length) {
  assert(list.docs.size() == list.freqs.size());
  *offset = bytes_.size();
  const size_t df = list.docs.size();
  if (df < kPostingsBlockSize) {
    PutTail(list, 0, df, 0, &bytes_);
    *length = bytes_.size() - *offset;
    return;
  }
  blocks_.clear();
  last_docs_.clear();
  ends_.clear();
  max_freqs_.clear();
  min_lengths_.clear();
  uint32_t list_min_length = UINT32_MAX;
  for (size_t begin = 0; begin < df; begin += kPostingsBlockSize) {
    const size_t end = std::min(df, begin + kPostingsBlockSize);
    const uint32_t next_min = begin == 0 ? 0 : list.docs[begin - 1] + 1;
    if (end - begin == kPostingsBlockSize) {
      AddFullBlock(list, begin, next_min);
    } else {
      PutTail(list, begin, end, next_min, &blocks_);
    }
    uint32_t max_freq = 0, min_length = lengths == nullptr ? 0 : UINT32_MAX;
    for (size_t i = begin; i < end; ++i) {
      max_freq = std::max(max_freq, list.freqs[i]);
      if (lengths != nullptr) min_length = std::min<uint32_t>(min_length, lengths[list.docs[i]]);
    }
    last_docs_.push_back(list.docs[end - 1]);
    ends_.push_back(static_cast<uint32_t>(blocks_.size()));
    max_freqs_.push_back(max_freq - 1);
    min_lengths_.push_back(min_length);
    list_min_length = std::min(list_min_length, min_length);
  }
  const uint32_t widths[4] = {BitWidth(MaxOf(last_docs_)), BitWidth(MaxOf(ends_)),
                              BitWidth(MaxOf(max_freqs_)), BitWidth(MaxOf(min_lengths_))};
  PutVarint(&bytes_, MaxOf(max_freqs_));
  PutVarint(&bytes_, list_min_length);
  for (uint32_t width : widths) bytes_.push_back(static_cast<char>(width));
  const size_t n = last_docs_.size();
  PackBits32(last_docs_.data(), n, widths[0], &bytes_);
  PackBits32(ends_.data(), n, widths[1], &bytes_);
  PackBits32(max_freqs_.data(), n, widths[2], &bytes_);
  PackBits32(min_lengths_.data(), n, widths[3], &bytes_);
  bytes_.append(blocks_);
  *length = bytes_.size() - *offset;
}

namespace {

// A bit run of one value per block in the skip table.
struct SkipColumn {
  const char* packed = nullptr;
  uint32_t width = 0;
  uint64_t At(size_t block) const { return PackedValue(packed, block, width); }
};

class BlockPostingsIterator final : public PostingsIterator {
 public:
  BlockPostingsIterator(std::string_view segment_name, SectionView list, uint64_t doc_freq,
                        uint32_t num_docs)
      : segment_name_(segment_name), list_(list), doc_freq_(doc_freq), num_docs_(num_docs) {}

  // Parses the header and skip table (lists of 128 docs or more) or decodes
  // the tail (shorter lists).
  void Open();

  uint32_t Next() override {
    if (at_end_) return doc_ = kNoMoreDocs;
    if (next_ == count_ && !LoadBlock(loaded_ + 1)) return End();
    return doc_ = docs_[next_++];
  }

  uint32_t Advance(uint32_t target) override {
    if (at_end_) return doc_ = kNoMoreDocs;
    if (next_ == count_ || target > docs_[count_ - 1]) {
      const size_t block = FindBlock(target, loaded_ + 1);
      if (block == num_blocks_ || !LoadBlock(block)) return End();
    }
    // The block's last doc is at or after target (checked against the skip
    // table when it was loaded).
    while (docs_[next_] < target) ++next_;
    return doc_ = docs_[next_++];
  }

  uint32_t freq() override {
    assert(!at_end_ && next_ > 0);
    if (!freqs_ready_) DecodeFreqs();
    return freqs_[next_ - 1];
  }

  uint64_t cost() const override { return doc_freq_; }

  PostingsBound BlockBound(uint32_t target) override {
    if (at_end_ || num_blocks_ == 0 || target > list_bound_.last_doc) {
      return {kNoMoreDocs, 0, 0};
    }
    if (!has_skip_table_) return list_bound_;
    // Search from the loaded block when target is not before it.
    size_t from = 0;
    if (loaded_ != kNoBlock && loaded_ > 0 && last_doc_.At(loaded_ - 1) < target) from = loaded_;
    const size_t block = FindBlock(target, from);
    if (block == num_blocks_) return {kNoMoreDocs, 0, 0};
    return {static_cast<uint32_t>(last_doc_.At(block)),
            static_cast<uint32_t>(max_freq_.At(block)) + 1,
            static_cast<uint32_t>(min_length_.At(block))};
  }

  PostingsBound ListBound() const override { return list_bound_; }

  bool PositionsAddress(uint64_t* index, uint64_t* before) override {
    assert(!at_end_ && next_ > 0);
    if (!freqs_ready_) DecodeFreqs();
    if (!status_.ok()) return false;  // bad frequencies: the list has ended
    *index = uint64_t{loaded_} * kPostingsBlockSize + next_ - 1;
    *before = 0;
    for (uint32_t i = 0; i + 1 < next_; ++i) *before += freqs_[i];
    return true;
  }

  Status status() const override { return status_; }

 private:
  // "No block loaded yet": loaded_ + 1 is then block 0.
  static constexpr size_t kNoBlock = SIZE_MAX;

  uint32_t End() {
    at_end_ = true;
    next_ = count_ = 0;
    return doc_ = kNoMoreDocs;
  }

  bool Fail(const char* pointer, std::string_view what) {
    status_ = SegmentCorruption(segment_name_, fmt::format("postings: {}", what),
                                list_.offset + static_cast<uint64_t>(pointer - list_.bytes.data()));
    End();
    num_blocks_ = 0;
    return false;
  }

  // The first block at or after `from` whose last doc is at or after target
  // (num_blocks_ when none): galloping, then a binary search.
  size_t FindBlock(uint32_t target, size_t from) const {
    if (from >= num_blocks_ || !has_skip_table_) return num_blocks_;
    if (last_doc_.At(from) >= target) return from;
    size_t low = from, step = 1, high = from + 1;
    while (high < num_blocks_ && last_doc_.At(high) < target) {
      low = high;
      step *= 2;
      high = low + step;
    }
    high = std::min(high, num_blocks_);
    // last_doc(low) < target; high is num_blocks_ or last_doc(high) >= target.
    while (high - low > 1) {
      const size_t mid = low + (high - low) / 2;
      if (last_doc_.At(mid) < target) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return high;
  }

  // Decodes block `block` into docs_ (and the frequencies of a tail); false
  // past the last block or on bad bytes (then status_ is set).
  bool LoadBlock(size_t block);
  // Decodes `count` tail docs from `bytes` (which it must use up exactly),
  // the first gap counting from next_min.
  bool DecodeTail(std::string_view bytes, size_t count, uint64_t next_min);
  // Decodes a full block's frequencies (packed low bits, then exceptions).
  void DecodeFreqs();
  void FailFreqs(const char* pointer, std::string_view what);

  std::string_view segment_name_;
  SectionView list_;
  uint64_t doc_freq_;
  uint32_t num_docs_;
  Status status_;
  PostingsBound list_bound_{kNoMoreDocs, 0, 0};

  bool has_skip_table_ = false;
  size_t num_blocks_ = 0;
  SkipColumn last_doc_, end_, max_freq_, min_length_;
  std::string_view blocks_;  // from the first block to the end of the list

  // The loaded block: docs_[0, count_); next_ is the index after doc().
  size_t loaded_ = kNoBlock;
  uint32_t count_ = 0, next_ = 0;
  bool at_end_ = false;
  bool freqs_ready_ = false;
  const char* packed_freqs_ = nullptr;
  uint32_t freq_width_ = 0;
  uint32_t exception_count_ = 0;
  std::string_view exceptions_;
  uint32_t docs_[kPostingsBlockSize];
  uint32_t freqs_[kPostingsBlockSize];
};

void BlockPostingsIterator::Open() {
  const char* const start = list_.bytes.data();
  if (doc_freq_ > num_docs_) {
    Fail(start,
         fmt::format("doc frequency {} exceeds the segment's {} docs", doc_freq_, num_docs_));
    return;
  }
  if (doc_freq_ == 0) {
    if (!list_.bytes.empty()) Fail(start, "bytes in an empty list");
    return;
  }
  if (doc_freq_ < kPostingsBlockSize) {
    num_blocks_ = 1;
    if (!DecodeTail(list_.bytes, doc_freq_, 0)) return;
    loaded_ = 0;
    list_bound_.last_doc = docs_[count_ - 1];
    list_bound_.max_freq = *std::max_element(freqs_, freqs_ + count_);
    list_bound_.min_length = 0;
    return;
  }
  Cursor cursor(list_.bytes);
  uint64_t max_freq, min_length;
  uint8_t widths[4];
  if (!cursor.GetVarint(&max_freq) || !cursor.GetVarint(&min_length) ||
      !cursor.GetByte(&widths[0]) || !cursor.GetByte(&widths[1]) || !cursor.GetByte(&widths[2]) ||
      !cursor.GetByte(&widths[3])) {
    Fail(start + cursor.position(), "truncated list header");
    return;
  }
  if (max_freq >= UINT32_MAX || min_length > UINT16_MAX || widths[0] > 32 || widths[1] > 64 ||
      widths[2] > 32 || widths[3] > 16) {
    Fail(start, "bad list header");
    return;
  }
  num_blocks_ = static_cast<size_t>((doc_freq_ + kPostingsBlockSize - 1) / kPostingsBlockSize);
  SkipColumn* columns[4] = {&last_doc_, &end_, &max_freq_, &min_length_};
  for (int i = 0; i < 4; ++i) {
    std::string_view run;
    if (!cursor.GetBytes(PackedBytes(num_blocks_, widths[i]), &run)) {
      Fail(start + cursor.position(), "truncated skip table");
      return;
    }
    *columns[i] = {run.data(), widths[i]};
  }
  blocks_ = list_.bytes.substr(cursor.position());
  has_skip_table_ = true;
  list_bound_ = {static_cast<uint32_t>(last_doc_.At(num_blocks_ - 1)),
                 static_cast<uint32_t>(max_freq) + 1, static_cast<uint32_t>(min_length)};
  if (end_.At(num_blocks_ - 1) != blocks_.size()) {
    Fail(blocks_.data(), fmt::format("blocks take {} bytes, the skip table says {}", blocks_.size(),
                                     end_.At(num_blocks_ - 1)));
    return;
  }
  if (list_bound_.last_doc >= num_docs_) {
    Fail(start,
         fmt::format("last doc {} of a segment of {} docs", list_bound_.last_doc, num_docs_));
  }
}

bool BlockPostingsIterator::DecodeTail(std::string_view bytes, size_t count, uint64_t next_min) {
  Cursor cursor(bytes);
  for (size_t i = 0; i < count; ++i) {
    uint64_t code, extra = 0;
    if (!cursor.GetVarint(&code) || (!(code & 1) && !cursor.GetVarint(&extra))) {
      return Fail(bytes.data() + cursor.position(), "truncated tail");
    }
    const uint64_t doc = next_min + (code >> 1);
    if (doc >= num_docs_) {
      return Fail(bytes.data() + cursor.position(),
                  fmt::format("tail doc {} of a segment of {} docs", doc, num_docs_));
    }
    if (extra > UINT32_MAX - 2) return Fail(bytes.data() + cursor.position(), "tail frequency");
    docs_[i] = static_cast<uint32_t>(doc);
    freqs_[i] = (code & 1) ? 1 : static_cast<uint32_t>(extra) + 2;
    next_min = doc + 1;
  }
  if (!cursor.done()) return Fail(bytes.data() + cursor.position(), "bytes after the tail");
  count_ = static_cast<uint32_t>(count);
  next_ = 0;
  freqs_ready_ = true;
  return true;
}

bool BlockPostingsIterator::LoadBlock(size_t block) {
  if (block >= num_blocks_ || !has_skip_table_) return false;
  const uint64_t begin = block == 0 ? 0 : end_.At(block - 1);
  const uint64_t end = end_.At(block);
  const uint64_t last_doc = last_doc_.At(block);
  const uint64_t previous_last = block == 0 ? 0 : last_doc_.At(block - 1);
  const char* const block_start = blocks_.data() + std::min<uint64_t>(begin, blocks_.size());
  if (begin > end || end > blocks_.size()) return Fail(block_start, "block beyond the list");
  if (last_doc >= num_docs_ || (block > 0 && previous_last >= last_doc)) {
    return Fail(block_start, fmt::format("block {} last doc {}", block, last_doc));
  }
  const uint64_t next_min = block == 0 ? 0 : previous_last + 1;
  const std::string_view bytes = blocks_.substr(begin, end - begin);
  const uint64_t docs_in_block =
      std::min<uint64_t>(kPostingsBlockSize, doc_freq_ - block * kPostingsBlockSize);
  if (docs_in_block < kPostingsBlockSize) {
    if (!DecodeTail(bytes, docs_in_block, next_min)) return false;
    if (docs_[count_ - 1] != last_doc) return Fail(block_start, "tail last doc");
    loaded_ = block;
    return true;
  }
  const bool has_header = bytes.size() >= kBlockHeaderBytes;
  const uint32_t gap_width = has_header ? static_cast<uint8_t>(bytes[0]) : 0;
  const uint32_t freq_width = has_header ? static_cast<uint8_t>(bytes[1]) : 0;
  const uint32_t exception_count = has_header ? static_cast<uint8_t>(bytes[2]) : 0;
  const size_t packed_size = kBlockHeaderBytes + PackedBytes(kPostingsBlockSize, gap_width) +
                             PackedBytes(kPostingsBlockSize, freq_width);
  // An exception takes 2 bytes or more.
  if (!has_header || gap_width > 32 || freq_width > 32 || bytes.size() < packed_size ||
      bytes.size() - packed_size < 2 * exception_count) {
    return Fail(block_start, fmt::format("block {} size", block));
  }
  const char* packed = bytes.data() + kBlockHeaderBytes;
  Unpack128Bits32(packed, gap_width, docs_);
  // Prefix sum; `total` (64 bits) proves no doc wrapped around.
  uint64_t total = next_min + kPostingsBlockSize - 1;
  uint32_t doc = static_cast<uint32_t>(next_min);
  for (uint32_t i = 0; i < kPostingsBlockSize; ++i) {
    total += docs_[i];
    doc += docs_[i];
    docs_[i] = doc++;
  }
  if (total != last_doc) return Fail(block_start, fmt::format("block {} docs", block));
  packed_freqs_ = packed + PackedBytes(kPostingsBlockSize, gap_width);
  freq_width_ = freq_width;
  exception_count_ = exception_count;
  exceptions_ = bytes.substr(packed_size);
  freqs_ready_ = false;
  count_ = kPostingsBlockSize;
  next_ = 0;
  loaded_ = block;
  return true;
}

void BlockPostingsIterator::DecodeFreqs() {
  Unpack128Bits32(packed_freqs_, freq_width_, freqs_);
  freqs_ready_ = true;
  Cursor cursor(exceptions_);
  for (uint32_t i = 0; i < exception_count_; ++i) {
    uint8_t position;
    uint64_t high;
    if (!cursor.GetByte(&position) || !cursor.GetVarint(&high) || position >= kPostingsBlockSize ||
        freq_width_ == 32 || high >= (uint64_t{UINT32_MAX} >> freq_width_)) {
      return FailFreqs(exceptions_.data() + cursor.position(), "frequency exception");
    }
    freqs_[position] |= static_cast<uint32_t>(high + 1) << freq_width_;
  }
  if (!cursor.done()) {
    return FailFreqs(exceptions_.data() + cursor.position(), "bytes after the exceptions");
  }
  // Only a 32-bit frequency - 1 (or a patched one) can reach UINT32_MAX.
  for (uint32_t& freq : freqs_) {
    if (++freq == 0) return FailFreqs(packed_freqs_, "frequency overflow");
  }
}

void BlockPostingsIterator::FailFreqs(const char* pointer, std::string_view what) {
  // Frequencies of 1 for the block's docs; the next move ends the list.
  std::fill(freqs_, freqs_ + kPostingsBlockSize, 1u);
  status_ = SegmentCorruption(segment_name_, fmt::format("postings: {}", what),
                              list_.offset + static_cast<uint64_t>(pointer - list_.bytes.data()));
  at_end_ = true;
}

}  // namespace

std::unique_ptr<PostingsIterator> OpenBlockPostings(std::string_view segment_name, SectionView list,
                                                    uint64_t doc_freq, uint32_t num_docs) {
  auto it = std::make_unique<BlockPostingsIterator>(segment_name, list, doc_freq, num_docs);
  it->Open();
  return it;
}

}  // namespace freshet
