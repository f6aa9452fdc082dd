#include "index/segment/offset_table.h"

#include <fmt/format.h>

#include "common/coding.h"
#include "index/segment/section_container.h"

namespace freshet {

void OffsetTableWriter::AppendTo(std::string* out) const {
  PutFixed64(out, 0);
  for (uint64_t e : ends_) PutFixed64(out, e);
  out->append(blob_);
}

Status CheckOffsetTable(std::string_view segment_name, SectionView table, uint64_t n,
                        std::string_view what) {
  if (n >= table.bytes.size() / 8) {
    return SegmentCorruption(segment_name, fmt::format("{} offsets truncated", what), table.offset);
  }
  const uint64_t blob = table.bytes.size() - (n + 1) * 8;
  uint64_t prev = 0;
  for (uint64_t i = 0; i <= n; ++i) {
    const uint64_t v = DecodeFixed64(table.bytes.data() + i * 8);
    if (v < prev || v > blob) {
      return SegmentCorruption(segment_name, fmt::format("{} offset {} invalid", what, i),
                               table.offset + i * 8);
    }
    prev = v;
  }
  return Status::OK();
}

std::string_view OffsetTableEntry(std::string_view table, uint64_t n, uint64_t i) {
  const size_t start = (n + 1) * 8;
  const uint64_t b = DecodeFixed64(table.data() + i * 8);
  const uint64_t e = DecodeFixed64(table.data() + (i + 1) * 8);
  return table.substr(start + b, e - b);
}

}  // namespace freshet
