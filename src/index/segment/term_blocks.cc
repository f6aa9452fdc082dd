#include "index/segment/term_blocks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "common/bit_packing.h"
#include "common/coding.h"

namespace freshet {
namespace {

constexpr size_t kTrailerBytes = 8 + 8 + 4;
constexpr uint64_t kNewField = 2;
constexpr uint64_t kNewOffset = 1;

// <0, 0, >0 as (field, term) sorts before, with, after (key_field, key_term).
int CompareKey(size_t field, std::string_view term, uint64_t key_field, std::string_view key_term) {
  if (field != key_field) return field < key_field ? -1 : 1;
  return term.compare(key_term);
}

// Decodes the entry at c over *entry, which holds the previous entry of the
// block (ignored for its first). False on malformed bytes.
bool DecodeEntry(Cursor* c, bool first, TermEntry* entry) {
  uint64_t header;
  if (!c->GetVarint(&header)) return false;
  const uint64_t shared = header >> 2;
  if (first && (shared != 0 || (header & 3) != (kNewField | kNewOffset))) return false;
  if (shared > entry->term.size()) return false;
  if (header & kNewField) {
    uint64_t field;
    if (!c->GetVarint(&field)) return false;
    entry->field = static_cast<size_t>(field);
  }
  std::string_view suffix;
  if (!c->GetLengthPrefixed(&suffix)) return false;
  entry->term.resize(static_cast<size_t>(shared));
  entry->term.append(suffix);
  if (header & kNewOffset) {
    if (!c->GetVarint(&entry->postings_offset)) return false;
  } else {
    entry->postings_offset += entry->postings_length;
  }
  return c->GetVarint(&entry->postings_length) && c->GetVarint(&entry->doc_freq);
}

}  // namespace

TermBlocksWriter::TermBlocksWriter(uint32_t entries_per_block)
    : entries_per_block_(entries_per_block) {
  assert(entries_per_block >= 1);
}

void TermBlocksWriter::Add(size_t field, std::string_view term, uint64_t postings_offset,
                           uint64_t postings_length, uint64_t doc_freq) {
  assert(term_count_ == 0 || field > last_field_ ||
         (field == last_field_ && term > std::string_view(last_term_)));
  const bool first = term_count_ % entries_per_block_ == 0;
  if (first) block_starts_.push_back(blocks_.size());
  size_t shared = 0;
  if (!first) {
    const size_t limit = std::min(term.size(), last_term_.size());
    while (shared < limit && term[shared] == last_term_[shared]) ++shared;
  }
  const bool new_field = first || field != last_field_;
  const bool new_offset = first || postings_offset != next_offset_;
  PutVarint(&blocks_,
            uint64_t{shared} << 2 | (new_field ? kNewField : 0) | (new_offset ? kNewOffset : 0));
  if (new_field) PutVarint(&blocks_, field);
  PutLengthPrefixed(&blocks_, term.substr(shared));
  if (new_offset) PutVarint(&blocks_, postings_offset);
  PutVarint(&blocks_, postings_length);
  PutVarint(&blocks_, doc_freq);
  ++term_count_;
  last_field_ = field;
  last_term_.assign(term);
  next_offset_ = postings_offset + postings_length;
}

std::string TermBlocksWriter::Finish() {
  std::string section = std::move(blocks_);
  const uint64_t blocks_bytes = section.size();
  PackBits(block_starts_.data(), block_starts_.size(), BitWidth(blocks_bytes), &section);
  PutFixed64(&section, term_count_);
  PutFixed64(&section, blocks_bytes);
  PutFixed32(&section, entries_per_block_);
  return section;
}

Status TermBlocks::Corrupt(std::string_view what, std::string_view at) const {
  return SegmentCorruption(segment_name_, fmt::format("term dictionary {}", what),
                           section_.OffsetOf(at));
}

Status TermBlocks::Open(std::string_view segment_name, SectionView section) {
  segment_name_.assign(segment_name);
  section_ = section;
  const std::string_view bytes = section.bytes;
  if (bytes.size() < kTrailerBytes) return Corrupt("truncated", bytes);
  const std::string_view trailer = bytes.substr(bytes.size() - kTrailerBytes);
  term_count_ = DecodeFixed64(trailer.data());
  blocks_bytes_ = DecodeFixed64(trailer.data() + 8);
  entries_per_block_ = DecodeFixed32(trailer.data() + 16);
  // Every entry takes at least 4 bytes, so term_count <= blocks_bytes bounds
  // the block count before any multiplication.
  if (entries_per_block_ == 0 || blocks_bytes_ > bytes.size() || term_count_ > blocks_bytes_ ||
      (term_count_ == 0 && blocks_bytes_ != 0)) {
    return Corrupt("trailer", trailer);
  }
  block_count_ = (term_count_ + entries_per_block_ - 1) / entries_per_block_;
  start_width_ = BitWidth(blocks_bytes_);
  const uint64_t starts_bytes = PackedBytes(block_count_, start_width_);
  if (blocks_bytes_ + starts_bytes + kTrailerBytes != bytes.size()) {
    return Corrupt("size", trailer);
  }
  starts_ = bytes.data() + blocks_bytes_;
  if (block_count_ > 0 && PackedValue(starts_, 0, start_width_) != 0) {
    return Corrupt("block start 0", bytes.substr(blocks_bytes_));
  }
  return Status::OK();
}

Result<std::string_view> TermBlocks::Block(uint64_t b) const {
  const uint64_t start = PackedValue(starts_, b, start_width_);
  const uint64_t end =
      b + 1 < block_count_ ? PackedValue(starts_, b + 1, start_width_) : blocks_bytes_;
  if (start >= end || end > blocks_bytes_) {
    const size_t at = static_cast<size_t>(blocks_bytes_ + b * start_width_ / 8);
    return Corrupt(fmt::format("block {} start", b), section_.bytes.substr(at));
  }
  return section_.bytes.substr(start, end - start);
}

Status TermBlocks::BlockKey(uint64_t b, uint64_t* field, std::string_view* term) const {
  ASSIGN_OR_RETURN(const std::string_view block, Block(b));
  Cursor c(block);
  uint64_t header;
  if (!c.GetVarint(&header) || header != (kNewField | kNewOffset) || !c.GetVarint(field) ||
      !c.GetLengthPrefixed(term)) {
    return Corrupt(fmt::format("block {} entry", b), block);
  }
  return Status::OK();
}

template <typename Visit>
Status TermBlocks::ScanBlock(uint64_t b, Visit&& visit, bool* stopped) const {
  ASSIGN_OR_RETURN(const std::string_view block, Block(b));
  const uint64_t count =
      std::min<uint64_t>(entries_per_block_, term_count_ - b * entries_per_block_);
  Cursor c(block);
  TermEntry entry;
  for (uint64_t i = 0; i < count; ++i) {
    const size_t at = c.position();
    if (!DecodeEntry(&c, i == 0, &entry)) {
      return Corrupt(fmt::format("block {} entry", b), block.substr(at));
    }
    if (!visit(entry)) {
      *stopped = true;
      return Status::OK();
    }
  }
  if (!c.done()) {
    return Corrupt(fmt::format("block {} length", b), block.substr(c.position()));
  }
  *stopped = false;
  return Status::OK();
}

Result<std::optional<TermEntry>> TermBlocks::Find(size_t field, std::string_view term) const {
  // The number of blocks whose first key is at most (field, term).
  uint64_t lo = 0, hi = block_count_;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    uint64_t key_field;
    std::string_view key_term;
    RETURN_IF_ERROR(BlockKey(mid, &key_field, &key_term));
    if (CompareKey(field, term, key_field, key_term) >= 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  std::optional<TermEntry> found;
  if (lo == 0) return found;
  bool stopped;
  RETURN_IF_ERROR(ScanBlock(
      lo - 1,
      [&](const TermEntry& entry) {
        const int order = CompareKey(field, term, entry.field, entry.term);
        if (order == 0) found = entry;
        return order > 0;
      },
      &stopped));
  return found;
}

Status TermBlocks::ForEach(const std::function<bool(const TermEntry&)>& visit) const {
  bool stopped = false;
  for (uint64_t b = 0; b < block_count_ && !stopped; ++b) {
    RETURN_IF_ERROR(ScanBlock(b, visit, &stopped));
  }
  return Status::OK();
}

}  // namespace freshet
