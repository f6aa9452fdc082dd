#include "index/segment/group_table.h"

#include <fmt/format.h>

#include "common/coding.h"
#include "index/segment/offset_table.h"
#include "index/segment/row_coding.h"
#include "index/segment/section_container.h"

namespace freshet {
namespace {

// The key, first doc and doc count at the start of an entry; zero values
// where the entry is too short (Open has checked every entry).
struct GroupHeader {
  std::string_view key;
  uint64_t first_doc = 0;
  uint64_t doc_count = 0;
};

bool GetHeader(Cursor& c, GroupHeader* h) {
  return c.GetLengthPrefixed(&h->key) && c.GetVarint(&h->first_doc) && c.GetVarint(&h->doc_count);
}

}  // namespace

std::string EncodeGroupTable(const std::vector<SegmentGroup>& groups) {
  OffsetTableWriter table;
  for (const SegmentGroup& g : groups) {
    std::string* entry = table.blob();
    PutLengthPrefixed(entry, g.key);
    PutVarint(entry, g.first_doc);
    PutVarint(entry, g.doc_count);
    entry->push_back(g.has_record ? 1 : 0);
    PutVarint(entry, ZigZag(g.version));
    if (g.has_record) {
      PutRow(entry, g.row);
    } else {
      PutVarint(entry, 0);
    }
    PutVarint(entry, g.aggregates.size());
    for (double a : g.aggregates) PutDouble(entry, a);
    table.EndEntry();
  }
  std::string section;
  table.AppendTo(&section);
  return section;
}

Status GroupTable::Open(std::string_view segment_name, SectionView section, uint32_t num_groups,
                        uint32_t num_docs) {
  RETURN_IF_ERROR(CheckOffsetTable(segment_name, section, num_groups, "GROUPS"));
  section_ = section.bytes;
  num_groups_ = num_groups;
  for (uint32_t g = 0; g < num_groups; ++g) {
    const std::string_view entry = Entry(g);
    Cursor c(entry);
    GroupHeader h;
    if (!GetHeader(c, &h) || h.first_doc + h.doc_count > num_docs) {
      return SegmentCorruption(segment_name, fmt::format("GROUPS: group {} header", g),
                               section.OffsetOf(entry));
    }
  }
  hashed_ = num_groups >= kHashedFrom ? std::make_unique<OrdinalHash>() : nullptr;
  return Status::OK();
}

std::string_view GroupTable::Entry(uint32_t g) const {
  return OffsetTableEntry(section_, num_groups_, g);
}

std::string_view GroupTable::Key(uint32_t g) const {
  Cursor c(Entry(g));
  std::string_view key;
  c.GetLengthPrefixed(&key);
  return key;
}

uint32_t GroupTable::FirstDoc(uint32_t g) const {
  Cursor c(Entry(g));
  GroupHeader h;
  GetHeader(c, &h);
  return static_cast<uint32_t>(h.first_doc);
}

uint32_t GroupTable::DocCount(uint32_t g) const {
  Cursor c(Entry(g));
  GroupHeader h;
  GetHeader(c, &h);
  return static_cast<uint32_t>(h.doc_count);
}

Result<GroupRecord> GroupTable::Record(std::string_view segment_name, uint32_t g) const {
  Cursor c(Entry(g));
  GroupHeader h;
  uint64_t version, naggs;
  uint8_t has;
  GroupRecord out;
  if (!GetHeader(c, &h) || !c.GetByte(&has) || !c.GetVarint(&version) || !GetRow(c, &out.row) ||
      !c.GetVarint(&naggs) || naggs > c.remaining()) {
    return Status::Corruption(fmt::format("segment '{}': group {} record", segment_name, g));
  }
  out.has_record = has != 0;
  out.version = UnZigZag(version);
  for (uint64_t i = 0; i < naggs; ++i) {
    double d;
    if (!c.GetDouble(&d)) {
      return Status::Corruption(fmt::format("segment '{}': group {} aggregates", segment_name, g));
    }
    out.aggregates.push_back(d);
  }
  return out;
}

std::optional<uint32_t> GroupTable::Find(std::string_view key) const {
  if (hashed_) return hashed_->Find(key, num_groups_, [this](uint32_t g) { return Key(g); });
  uint32_t lo = 0, hi = num_groups_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (Key(mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < num_groups_ && Key(lo) == key) return lo;
  return std::nullopt;
}

}  // namespace freshet
