// The TOMBSTONES section of a format-5 segment: the docs of lower layers
// that this layer deletes or moves out of a group. A tombstone names the
// doc's id and the group it leaves (an ordinal of this segment's GROUPS),
// with the version of the record that deleted or moved it.
//
// Layout (frozen): varint count, then per tombstone in (group, id) order
// (group ordinals follow the group keys' order, so this is (group key, id)
// order): varint group ordinal, length-prefixed id, zigzag varint version,
// u8 kind (TombstoneKind).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/section_container.h"

namespace freshet {

// Frozen: tombstone kinds on disk.
enum class TombstoneKind : uint8_t {
  kDeleted = 0,  // the doc no longer exists
  kMoved = 1,    // the doc lives on under another group (its new copy)
};

// A tombstone in memory: what the writer serializes.
struct SegmentTombstone {
  std::string id;
  uint32_t group = 0;  // index into SegmentData::groups: the group left
  int64_t version = 0;
  TombstoneKind kind = TombstoneKind::kDeleted;
};

// REQUIRES: sorted by (group, id), ids unique within a group.
std::string EncodeTombstones(const std::vector<SegmentTombstone>& tombstones);

// Read access to a TOMBSTONES section, decoded whole by Open (a delta
// layer's tombstones are few; a base has none). Thread-safe after Open
// (read-only). Ids point into the section's bytes, which must outlive the
// object.
class Tombstones {
 public:
  struct Entry {
    std::string_view id;
    uint32_t group = 0;
    int64_t version = 0;
    TombstoneKind kind = TombstoneKind::kDeleted;
  };

  // Corruption naming the segment, TOMBSTONES, the tombstone and its file
  // offset when the section is truncated, has trailing bytes, names a group
  // ordinal at or past `num_groups`, an unknown kind, or is out of (group,
  // id) order.
  Status Open(std::string_view segment_name, SectionView section, uint32_t num_groups);

  size_t size() const { return entries_.size(); }
  // REQUIRES: i < size().
  const Entry& at(size_t i) const { return entries_[i]; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace freshet
