// The group table: the GROUPS section, one entry per group in key order
// behind an offset table (offset_table.h). Entry layout (frozen):
// length-prefixed key, varint first doc, varint doc count, u8 has_record,
// zigzag varint version, the row (row_coding.h; empty without a record),
// varint aggregate count, one f64 per aggregate.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/row.h"
#include "index/segment/ordinal_hash.h"
#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"

namespace freshet {

std::string EncodeGroupTable(const std::vector<SegmentGroup>& groups);

// A group's record and aggregates, decoded.
struct GroupRecord {
  bool has_record = false;
  int64_t version = 0;
  Row row;
  std::vector<double> aggregates;
};

// Read access to a GROUPS section. Thread-safe after Open (read-only). Views
// point into the section's bytes, which must outlive the object.
class GroupTable {
 public:
  // Checks the offset table and each group's header (its docs within
  // num_docs). Corruption naming the segment and GROUPS otherwise.
  Status Open(std::string_view segment_name, SectionView section, uint32_t num_groups,
              uint32_t num_docs);

  uint32_t size() const { return num_groups_; }
  // REQUIRES: g < size().
  std::string_view Key(uint32_t g) const;
  uint32_t FirstDoc(uint32_t g) const;
  uint32_t DocCount(uint32_t g) const;
  Result<GroupRecord> Record(std::string_view segment_name, uint32_t g) const;
  // The ordinal of the group with `key`: by binary search; in a table of
  // kHashedFrom groups or more, by a hash table of the ordinals built on the
  // first call (a layer's build looks up each group it touches in every
  // segment below it).
  std::optional<uint32_t> Find(std::string_view key) const;
  static constexpr uint32_t kHashedFrom = 256;

 private:
  std::string_view Entry(uint32_t g) const;

  std::string_view section_;
  uint32_t num_groups_ = 0;
  std::unique_ptr<OrdinalHash> hashed_;  // null: a binary search
};

}  // namespace freshet
