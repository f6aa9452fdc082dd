#include "index/segment/stored_docs.h"

#include <fmt/format.h>

#include "common/coding.h"
#include "index/segment/offset_table.h"
#include "index/segment/row_coding.h"
#include "index/segment/section_container.h"

namespace freshet {

std::string EncodeStoredDocs(const std::vector<SegmentDoc>& docs) {
  OffsetTableWriter table;
  for (const SegmentDoc& d : docs) {
    std::string* entry = table.blob();
    PutLengthPrefixed(entry, d.id);
    PutVarint(entry, d.group);
    PutVarint(entry, ZigZag(d.version));
    PutRow(entry, d.row);
    table.EndEntry();
  }
  std::string section;
  table.AppendTo(&section);
  return section;
}

Status StoredDocs::Open(std::string_view segment_name, SectionView section, uint32_t num_docs,
                        uint32_t num_groups) {
  RETURN_IF_ERROR(CheckOffsetTable(segment_name, section, num_docs, "DOCS"));
  section_ = section.bytes;
  ids_.resize(num_docs);
  groups_.resize(num_docs);
  versions_.resize(num_docs);
  for (uint32_t d = 0; d < num_docs; ++d) {
    const std::string_view entry = OffsetTableEntry(section_, num_docs, d);
    Cursor c(entry);
    uint64_t g, v;
    if (!c.GetLengthPrefixed(&ids_[d]) || !c.GetVarint(&g) || g >= num_groups || !c.GetVarint(&v)) {
      return SegmentCorruption(segment_name, fmt::format("DOCS: doc {} header", d),
                               section.OffsetOf(entry));
    }
    groups_[d] = static_cast<uint32_t>(g);
    versions_[d] = UnZigZag(v);
  }
  return Status::OK();
}

Result<Row> StoredDocs::ReadRow(std::string_view segment_name, uint32_t ord) const {
  Cursor c(OffsetTableEntry(section_, size(), ord));
  std::string_view id;
  uint64_t g, v;
  Row row;
  if (!c.GetLengthPrefixed(&id) || !c.GetVarint(&g) || !c.GetVarint(&v) || !GetRow(c, &row)) {
    return Status::Corruption(fmt::format("segment '{}': doc {} record", segment_name, ord));
  }
  return row;
}

}  // namespace freshet
