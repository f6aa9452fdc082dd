#include "index/segment/tombstones.h"

#include <fmt/format.h>

#include "common/coding.h"

namespace freshet {

std::string EncodeTombstones(const std::vector<SegmentTombstone>& tombstones) {
  std::string out;
  PutVarint(&out, tombstones.size());
  for (const SegmentTombstone& t : tombstones) {
    PutVarint(&out, t.group);
    PutLengthPrefixed(&out, t.id);
    PutVarint(&out, ZigZag(t.version));
    out.push_back(static_cast<char>(t.kind));
  }
  return out;
}

Status Tombstones::Open(std::string_view segment_name, SectionView section, uint32_t num_groups) {
  entries_.clear();
  Cursor c(section.bytes);
  uint64_t count = 0;
  // Each tombstone takes at least 4 bytes: a count past that is corrupt,
  // whatever memory it would ask for.
  if (!c.GetVarint(&count) || count > c.remaining() / 4) {
    return SegmentCorruption(segment_name, "TOMBSTONES: count", section.offset);
  }
  entries_.reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t at = section.offset + c.position();
    uint64_t group = 0, version = 0;
    uint8_t kind = 0;
    Entry e;
    if (!c.GetVarint(&group) || !c.GetLengthPrefixed(&e.id) || !c.GetVarint(&version) ||
        !c.GetByte(&kind)) {
      return SegmentCorruption(segment_name, fmt::format("TOMBSTONES: tombstone {} truncated", i),
                               at);
    }
    if (group >= num_groups) {
      return SegmentCorruption(
          segment_name,
          fmt::format("TOMBSTONES: tombstone {} names group {} of {}", i, group, num_groups), at);
    }
    if (kind > static_cast<uint8_t>(TombstoneKind::kMoved)) {
      return SegmentCorruption(
          segment_name, fmt::format("TOMBSTONES: tombstone {} has unknown kind {}", i, kind), at);
    }
    e.group = static_cast<uint32_t>(group);
    e.version = UnZigZag(version);
    e.kind = static_cast<TombstoneKind>(kind);
    if (!entries_.empty()) {
      const Entry& prev = entries_.back();
      if (e.group < prev.group || (e.group == prev.group && e.id <= prev.id)) {
        return SegmentCorruption(
            segment_name, fmt::format("TOMBSTONES: tombstone {} out of (group, id) order", i), at);
      }
    }
    entries_.push_back(e);
  }
  if (!c.done()) {
    return SegmentCorruption(segment_name, "TOMBSTONES: trailing bytes",
                             section.offset + c.position());
  }
  return Status::OK();
}

}  // namespace freshet
