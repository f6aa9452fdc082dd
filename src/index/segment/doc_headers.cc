#include "index/segment/doc_headers.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/bit_packing.h"
#include "common/coding.h"

namespace freshet {
namespace {

uint32_t NumBlocks(uint64_t num_docs) {
  return static_cast<uint32_t>((num_docs + kDocHeaderBlockSize - 1) / kDocHeaderBlockSize);
}

// Appends a column: `bases` has one value per block; every value is stored
// as its difference from its block's base.
void AppendColumn(const std::vector<uint64_t>& values, const std::vector<uint64_t>& bases,
                  std::string* out) {
  std::vector<uint64_t> deltas(values.size());
  uint64_t max_delta = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    deltas[i] = values[i] - bases[i / kDocHeaderBlockSize];
    max_delta = std::max(max_delta, deltas[i]);
  }
  const uint32_t width = BitWidth(max_delta);
  out->push_back(static_cast<char>(width));
  for (uint64_t base : bases) PutFixed64(out, base);
  PackBits(deltas.data(), deltas.size(), width, out);
}

// The smallest value of each block, comparing as `T`.
template <typename T>
std::vector<uint64_t> BlockMinimums(const std::vector<uint64_t>& values) {
  std::vector<uint64_t> bases(NumBlocks(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t& base = bases[i / kDocHeaderBlockSize];
    if (i % kDocHeaderBlockSize == 0 || static_cast<T>(values[i]) < static_cast<T>(base)) {
      base = values[i];
    }
  }
  return bases;
}

}  // namespace

std::string EncodeDocHeaders(const std::vector<SegmentDoc>& docs) {
  const size_t n = docs.size();
  std::vector<uint64_t> id_ends(n), groups(n), versions(n);
  std::vector<uint64_t> id_bases(NumBlocks(n));
  std::string blob;
  for (size_t i = 0; i < n; ++i) {
    if (i % kDocHeaderBlockSize == 0) id_bases[i / kDocHeaderBlockSize] = blob.size();
    blob += docs[i].id;
    id_ends[i] = blob.size();
    groups[i] = docs[i].group;
    versions[i] = static_cast<uint64_t>(docs[i].version);
  }
  std::string out;
  PutFixed32(&out, static_cast<uint32_t>(n));
  AppendColumn(id_ends, id_bases, &out);
  AppendColumn(groups, BlockMinimums<uint64_t>(groups), &out);
  AppendColumn(versions, BlockMinimums<int64_t>(versions), &out);
  PutFixed64(&out, blob.size());
  out += blob;
  return out;
}

uint64_t DocHeaders::Column::Base(uint32_t block) const {
  return DecodeFixed64(bases + uint64_t{block} * 8);
}

uint64_t DocHeaders::Column::Value(uint32_t ord) const {
  return Base(ord / kDocHeaderBlockSize) + PackedValueWithin(packed, readable, ord, width);
}

Status DocHeaders::Open(std::string_view segment_name, SectionView section, uint32_t num_docs,
                        uint32_t num_groups) {
  section_ = section;
  num_docs_ = num_docs;
  num_groups_ = num_groups;
  Cursor c(section.bytes);
  auto corrupt = [&](std::string_view what) {
    return SegmentCorruption(segment_name, fmt::format("doc headers: {}", what),
                             section.offset + c.position());
  };
  uint32_t stored_docs = 0;
  if (!c.GetFixed32(&stored_docs)) return corrupt("doc count truncated");
  if (stored_docs != num_docs) {
    return SegmentCorruption(
        segment_name,
        fmt::format("doc headers: {} docs, the segment has {}", stored_docs, num_docs),
        section.offset);
  }
  const uint32_t blocks = NumBlocks(num_docs);
  for (auto [column, name] : {std::pair{&id_ends_, "id ends"}, std::pair{&groups_, "groups"},
                              std::pair{&versions_, "versions"}}) {
    const uint64_t width_offset = section.offset + c.position();
    uint8_t width = 0;
    if (!c.GetByte(&width)) return corrupt(fmt::format("{} truncated", name));
    if (width > 64) {
      return SegmentCorruption(segment_name, fmt::format("doc headers: {} width {}", name, width),
                               width_offset);
    }
    std::string_view bases, packed;
    if (!c.GetBytes(uint64_t{blocks} * 8, &bases) ||
        !c.GetBytes(PackedBytes(num_docs, width), &packed)) {
      return corrupt(fmt::format("{} truncated", name));
    }
    // The bytes after a run (the next column, the ids) may be read with it.
    const size_t readable = section.bytes.size() - (packed.data() - section.bytes.data());
    *column = Column{width, bases.data(), packed.data(), readable};
  }
  const size_t blob_size_position = c.position();
  uint64_t blob_size = 0;
  if (!c.GetFixed64(&blob_size)) return corrupt("id blob size truncated");
  if (blob_size != c.remaining()) {
    return SegmentCorruption(
        segment_name,
        fmt::format("doc headers: id blob of {} bytes, {} remain", blob_size, c.remaining()),
        section.offset + blob_size_position);
  }
  blob_ = section.bytes.substr(c.position());
  // The bases, O(blocks): ids in order within the blob, groups in range.
  uint64_t previous_id_base = 0;
  for (uint32_t b = 0; b < blocks; ++b) {
    const uint64_t id_base = id_ends_.Base(b);
    if (id_base < previous_id_base || id_base > blob_size || (b == 0 && id_base != 0)) {
      return SegmentCorruption(segment_name, fmt::format("doc headers: id block {} base", b),
                               section.OffsetOf({id_ends_.bases + uint64_t{b} * 8, 8}));
    }
    previous_id_base = id_base;
    if (groups_.Base(b) >= num_groups) {
      return SegmentCorruption(segment_name, fmt::format("doc headers: group block {} base", b),
                               section.OffsetOf({groups_.bases + uint64_t{b} * 8, 8}));
    }
  }
  return Status::OK();
}

std::pair<uint64_t, uint64_t> DocHeaders::IdRange(uint32_t ord) const {
  const uint64_t start = ord % kDocHeaderBlockSize == 0 ? id_ends_.Base(ord / kDocHeaderBlockSize)
                                                        : id_ends_.Value(ord - 1);
  return {start, id_ends_.Value(ord)};
}

std::string_view DocHeaders::Id(uint32_t ord) const {
  auto [start, end] = IdRange(ord);
  start = std::min<uint64_t>(start, blob_.size());
  end = std::clamp<uint64_t>(end, start, blob_.size());
  return blob_.substr(start, end - start);
}

uint32_t DocHeaders::Group(uint32_t ord) const {
  return static_cast<uint32_t>(std::min<uint64_t>(groups_.Value(ord), num_groups_ - 1));
}

int64_t DocHeaders::Version(uint32_t ord) const {
  return static_cast<int64_t>(versions_.Value(ord));
}

Status DocHeaders::CheckDoc(std::string_view segment_name, uint32_t ord) const {
  auto offset_of = [&](const Column& column) {
    return section_.OffsetOf({column.packed + uint64_t{ord} * column.width / 8, 0});
  };
  const auto [start, end] = IdRange(ord);
  if (start > end || end > blob_.size()) {
    return SegmentCorruption(segment_name, fmt::format("doc headers: doc {} id", ord),
                             offset_of(id_ends_));
  }
  if (groups_.Value(ord) >= num_groups_) {
    return SegmentCorruption(segment_name, fmt::format("doc headers: doc {} group", ord),
                             offset_of(groups_));
  }
  return Status::OK();
}

Status DocHeaders::CheckAll(std::string_view segment_name) const {
  for (uint32_t ord = 0; ord < num_docs_; ++ord) RETURN_IF_ERROR(CheckDoc(segment_name, ord));
  return Status::OK();
}

}  // namespace freshet
