// Stored docs: the DOCS section, one entry per doc in ordinal order behind an
// offset table (offset_table.h). Entry layout (frozen): length-prefixed id,
// varint group ordinal, zigzag varint version, the row (row_coding.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/row.h"
#include "index/segment/section_container.h"
#include "index/segment/segment_data.h"

namespace freshet {

std::string EncodeStoredDocs(const std::vector<SegmentDoc>& docs);

// Read access to a DOCS section. Thread-safe after Open (read-only). Views
// point into the section's bytes, which must outlive the object.
class StoredDocs {
 public:
  // Checks the offset table and decodes every doc's id, group (< num_groups)
  // and version. Corruption naming the segment and DOCS otherwise.
  Status Open(std::string_view segment_name, SectionView section, uint32_t num_docs,
              uint32_t num_groups);

  uint32_t size() const { return static_cast<uint32_t>(ids_.size()); }
  // REQUIRES: ord < size().
  std::string_view Id(uint32_t ord) const { return ids_[ord]; }
  uint32_t Group(uint32_t ord) const { return groups_[ord]; }
  int64_t Version(uint32_t ord) const { return versions_[ord]; }
  // Every doc id, by ordinal.
  const std::vector<std::string_view>& ids() const { return ids_; }
  // Decodes the stored row. Corruption "doc ORD record" when malformed.
  Result<Row> ReadRow(std::string_view segment_name, uint32_t ord) const;

 private:
  std::string_view section_;
  std::vector<std::string_view> ids_;
  std::vector<uint32_t> groups_;
  std::vector<int64_t> versions_;
};

}  // namespace freshet
