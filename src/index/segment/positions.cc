#include "index/segment/positions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "common/bit_packing.h"
#include "common/coding.h"
#include "index/segment/block_postings.h"
#include "index/segment/postings.h"

namespace freshet {

void PositionsWriter::Add(uint64_t postings_offset, const PostingList& list) {
  assert(keys_.empty() || keys_.back() < postings_offset);
  const size_t df = list.docs.size();
  std::string blocks;
  std::vector<uint64_t> starts;
  std::vector<uint32_t> gaps;
  size_t p = 0;
  for (size_t begin = 0; begin < df; begin += kPostingsBlockSize) {
    if (begin > 0) starts.push_back(blocks.size());
    gaps.clear();
    uint32_t gap_or = 0;
    for (size_t i = begin; i < std::min(df, begin + kPostingsBlockSize); ++i) {
      uint32_t next_min = 0;
      for (uint32_t k = 0; k < list.freqs[i]; ++k, ++p) {
        gaps.push_back(list.positions[p] - next_min);
        gap_or |= gaps.back();
        next_min = list.positions[p] + 1;
      }
    }
    const uint32_t width = BitWidth(gap_or);
    blocks.push_back(static_cast<char>(width));
    PackBits32(gaps.data(), gaps.size(), width, &blocks);
  }
  assert(p == list.positions.size());
  if (!starts.empty()) {
    const uint32_t width = BitWidth(starts.back());
    lists_.push_back(static_cast<char>(width));
    PackBits(starts.data(), starts.size(), width, &lists_);
  }
  lists_.append(blocks);
  keys_.push_back(postings_offset);
  ends_.push_back(lists_.size());
}

std::string PositionsWriter::Finish(const std::vector<size_t>& fields) {
  std::string out;
  out.push_back(static_cast<char>(kPositionsSectionVersion));
  PutVarint(&out, fields.size());
  for (size_t f : fields) PutVarint(&out, f);
  PutVarint(&out, keys_.size());
  const uint32_t key_width = BitWidth(keys_.empty() ? 0 : keys_.back());
  const uint32_t end_width = BitWidth(ends_.empty() ? 0 : ends_.back());
  out.push_back(static_cast<char>(key_width));
  out.push_back(static_cast<char>(end_width));
  PackBits(keys_.data(), keys_.size(), key_width, &out);
  PackBits(ends_.data(), ends_.size(), end_width, &out);
  out.append(lists_);
  return out;
}

PositionsCursor::PositionsCursor(std::string_view segment_name, SectionView list, uint64_t doc_freq)
    : segment_name_(segment_name), list_(list), doc_freq_(doc_freq) {
  num_blocks_ = (doc_freq_ + kPostingsBlockSize - 1) / kPostingsBlockSize;
  if (num_blocks_ < 2) return;
  if (list_.bytes.empty() || static_cast<uint8_t>(list_.bytes[0]) > 64) {
    Fail(0, "bad block start width");
    return;
  }
  start_width_ = static_cast<uint8_t>(list_.bytes[0]);
  const size_t run = PackedBytes(num_blocks_ - 1, start_width_);
  if (list_.bytes.size() - 1 < run) {
    Fail(1, "truncated block starts");
    return;
  }
  starts_ = list_.bytes.data() + 1;
  data_begin_ = 1 + run;
}

bool PositionsCursor::Fail(size_t at, std::string_view what) {
  if (status_.ok()) {
    status_ = SegmentCorruption(segment_name_, fmt::format("positions: {}", what),
                                list_.offset + std::min(at, list_.bytes.size()));
  }
  return false;
}

bool PositionsCursor::Read(uint64_t index, uint64_t before, uint32_t freq,
                           std::vector<uint32_t>* out) {
  out->clear();
  if (!status_.ok()) return false;
  if (index >= doc_freq_) return Fail(0, fmt::format("doc {} of a list of {}", index, doc_freq_));
  const uint64_t block = index / kPostingsBlockSize;
  const size_t data = list_.bytes.size() - data_begin_;
  auto start = [&](uint64_t b) -> uint64_t {
    if (b == 0) return 0;
    if (b == num_blocks_) return data;
    return PackedValue(starts_, b - 1, start_width_);
  };
  const uint64_t begin = start(block), end = start(block + 1);
  if (begin >= end || end > data) {
    return Fail(data_begin_,
                fmt::format("block {} spans [{}, {}) of {} bytes", block, begin, end, data));
  }
  const size_t at = data_begin_ + static_cast<size_t>(begin);
  const uint32_t width = static_cast<uint8_t>(list_.bytes[at]);
  if (width > 32) return Fail(at, fmt::format("block {} position width {}", block, width));
  if (PackedBytes(before + freq, width) > end - begin - 1) {
    return Fail(at, fmt::format("block {} holds fewer than {} positions", block, before + freq));
  }
  const char* packed = list_.bytes.data() + at + 1;
  uint64_t next_min = 0;
  for (uint32_t k = 0; k < freq; ++k) {
    const uint64_t position = next_min + PackedValue(packed, before + k, width);
    if (position > UINT32_MAX) return Fail(at, "position overflow");
    out->push_back(static_cast<uint32_t>(position));
    next_min = position + 1;
  }
  return true;
}

Status PositionsIndex::Open(std::string_view segment_name, SectionView section,
                            size_t field_count) {
  segment_name_ = segment_name;
  section_ = section;
  if (section.bytes.empty()) return Status::OK();
  auto corrupt = [&](const Cursor& c, std::string_view what) {
    return SegmentCorruption(segment_name, fmt::format("positions: {}", what),
                             section.offset + c.position());
  };
  Cursor c(section.bytes);
  uint8_t version;
  if (!c.GetByte(&version)) return corrupt(c, "truncated header");
  if (version != kPositionsSectionVersion) {
    return SegmentCorruption(segment_name,
                             fmt::format("positions: section version {} (this build reads {})",
                                         version, kPositionsSectionVersion),
                             section.offset);
  }
  uint64_t n;
  if (!c.GetVarint(&n) || n > field_count) return corrupt(c, "bad field count");
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t f;
    if (!c.GetVarint(&f) || f >= field_count || (!fields_.empty() && f <= fields_.back())) {
      return corrupt(c, "bad field");
    }
    fields_.push_back(static_cast<size_t>(f));
  }
  uint64_t count;
  uint8_t key_width, end_width;
  if (!c.GetVarint(&count) || !c.GetByte(&key_width) || !c.GetByte(&end_width) ||
      count > section.bytes.size() || key_width > 64 || end_width > 64) {
    return corrupt(c, "bad list table");
  }
  count_ = static_cast<size_t>(count);
  key_width_ = key_width;
  end_width_ = end_width;
  std::string_view keys, ends;
  if (!c.GetBytes(PackedBytes(count_, key_width), &keys) ||
      !c.GetBytes(PackedBytes(count_, end_width), &ends)) {
    return corrupt(c, "truncated list table");
  }
  keys_ = keys.data();
  ends_ = ends.data();
  lists_ = section.Skip(c.position());
  if (count_ > 0 && PackedValue(ends_, count_ - 1, end_width_) != lists_.bytes.size()) {
    return corrupt(c, "lists' size differs from the table's");
  }
  return Status::OK();
}

bool PositionsIndex::HasField(size_t field) const {
  return std::binary_search(fields_.begin(), fields_.end(), field);
}

Result<PositionsCursor> PositionsIndex::OpenList(uint64_t postings_offset,
                                                 uint64_t doc_freq) const {
  size_t low = 0, high = count_;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (PackedValue(keys_, mid, key_width_) < postings_offset) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (low == count_ || PackedValue(keys_, low, key_width_) != postings_offset) {
    return SegmentCorruption(segment_name_,
                             fmt::format("positions: no list for postings at {}", postings_offset),
                             section_.offset);
  }
  const uint64_t begin = low == 0 ? 0 : PackedValue(ends_, low - 1, end_width_);
  const uint64_t end = PackedValue(ends_, low, end_width_);
  if (begin > end || end > lists_.bytes.size()) {
    return SegmentCorruption(segment_name_, fmt::format("positions: list {} out of bounds", low),
                             lists_.offset);
  }
  return PositionsCursor(
      segment_name_, SectionView{lists_.bytes.substr(begin, end - begin), lists_.offset + begin},
      doc_freq);
}

}  // namespace freshet
