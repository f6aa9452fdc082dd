#include "index/segment/section_container.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/coding.h"
#include "common/crash_point.h"
#include "common/hash.h"

namespace freshet {
namespace {

constexpr size_t kHeaderBytes = 16;
constexpr size_t kTrailerBytes = 4 + 8 + 8 + 8;
constexpr size_t kTableEntryBytes = 4 + 8 + 8 + 8;
constexpr uint32_t kMaxSections = 64;

}  // namespace

Status SegmentCorruption(std::string_view segment_name, std::string_view what, uint64_t offset) {
  return Status::Corruption(
      fmt::format("segment '{}': {} (offset {})", segment_name, what, offset));
}

void SectionContainerWriter::Add(SectionId id, std::string bytes) {
  sections_.emplace_back(id, std::move(bytes));
}

std::string SectionContainerWriter::Finish() {
  // The file is sized once, and each section freed as soon as it is in it.
  constexpr size_t kTableEntryBytes = 4 + 8 + 8 + 8;
  size_t size = kSegmentMagic.size() + 8 + 4 + 8 + 8 + kSegmentEndMagic.size();
  for (const auto& [id, bytes] : sections_) size += kTableEntryBytes + bytes.size();
  std::string out;
  out.reserve(size);
  out.append(kSegmentMagic);
  PutFixed32(&out, format_version_);
  PutFixed32(&out, 0);
  std::string table;
  for (auto& [id, bytes] : sections_) {
    PutFixed32(&table, static_cast<uint32_t>(id));
    PutFixed64(&table, out.size());
    PutFixed64(&table, bytes.size());
    PutFixed64(&table, Hash64(bytes));
    out.append(bytes);
    bytes = std::string();
  }
  const uint64_t table_offset = out.size();
  out.append(table);
  PutFixed32(&out, static_cast<uint32_t>(sections_.size()));
  PutFixed64(&out, table_offset);
  PutFixed64(&out, Hash64(table));
  out.append(kSegmentEndMagic);
  sections_.clear();
  return out;
}

SectionView SectionContainer::Section(SectionId id) const {
  // A repeated id: the last one listed counts (as format 1 readers did).
  for (auto it = sections.rbegin(); it != sections.rend(); ++it) {
    if (it->first == static_cast<uint32_t>(id)) return it->second;
  }
  return {};
}

Result<SectionContainer> SectionContainer::Parse(std::string_view name, std::string_view all,
                                                 SectionChecksums checksums) {
  auto corrupt = [&](std::string_view what, uint64_t offset) {
    return SegmentCorruption(name, what, offset);
  };
  if (all.size() < kHeaderBytes + kTrailerBytes) return corrupt("file too short", all.size());
  if (all.substr(0, 8) != kSegmentMagic) return corrupt("bad magic", 0);
  SectionContainer out;
  out.format_version = DecodeFixed32(all.data() + 8);
  if (out.format_version < kOldestSegmentFormatVersion ||
      out.format_version > kSegmentFormatVersion) {
    return Status::NotSupported(
        fmt::format("segment '{}': format version {} (this build reads {} to {})", name,
                    out.format_version, kOldestSegmentFormatVersion, kSegmentFormatVersion));
  }
  if (DecodeFixed32(all.data() + 12) != 0) return corrupt("reserved header bytes are not zero", 12);
  const size_t trailer = all.size() - kTrailerBytes;
  if (all.substr(all.size() - 8) != kSegmentEndMagic) return corrupt("bad end magic", trailer + 20);
  const uint32_t count = DecodeFixed32(all.data() + trailer);
  const uint64_t table_offset = DecodeFixed64(all.data() + trailer + 4);
  const uint64_t table_hash = DecodeFixed64(all.data() + trailer + 12);
  if (count > kMaxSections || table_offset < kHeaderBytes || table_offset > trailer ||
      (trailer - table_offset) != uint64_t{count} * kTableEntryBytes) {
    return corrupt("bad section table", trailer);
  }
  const std::string_view table = all.substr(table_offset, trailer - table_offset);
  const bool verify = !SafeguardDisabled("checksum");
  if (verify && Hash64(table) != table_hash) {
    return corrupt("section table checksum mismatch", table_offset);
  }
  for (uint32_t i = 0; i < count; ++i) {
    const char* e = table.data() + size_t{i} * kTableEntryBytes;
    const uint32_t id = DecodeFixed32(e);
    const uint64_t off = DecodeFixed64(e + 4);
    const uint64_t len = DecodeFixed64(e + 12);
    const uint64_t hash = DecodeFixed64(e + 20);
    if (off < kHeaderBytes || off > table_offset || len > table_offset - off) {
      return corrupt(fmt::format("section {} out of bounds", id), off);
    }
    const std::string_view s = all.substr(off, len);
    if (verify && checksums == SectionChecksums::kVerify && Hash64(s) != hash) {
      return corrupt(fmt::format("section {} checksum mismatch", id), off);
    }
    out.sections.emplace_back(id, SectionView{s, off});
  }
  return out;
}

std::string_view SectionName(uint32_t id) {
  switch (static_cast<SectionId>(id)) {
    case SectionId::kMeta:
      return "META";
    case SectionId::kDocs:
      return "DOCS";
    case SectionId::kGroups:
      return "GROUPS";
    case SectionId::kTerms:
      return "TERMS";
    case SectionId::kPostings:
      return "POSTINGS";
    case SectionId::kNumeric:
      return "NUMERIC";
    case SectionId::kDocIdIndex:
      return "DOC_ID_INDEX";
    case SectionId::kFieldLengths:
      return "FIELD_LENGTHS";
    case SectionId::kDocHeaders:
      return "DOC_HEADERS";
    case SectionId::kStoredBlocks:
      return "STORED_BLOCKS";
    case SectionId::kTermBlocks:
      return "TERM_BLOCKS";
    case SectionId::kBlockPostings:
      return "BLOCK_POSTINGS";
    case SectionId::kNumericBlocks:
      return "NUMERIC_BLOCKS";
    case SectionId::kLengthBlocks:
      return "LENGTH_BLOCKS";
    case SectionId::kGroupTermBlocks:
      return "GROUP_TERM_BLOCKS";
    case SectionId::kGroupPostings:
      return "GROUP_POSTINGS";
    case SectionId::kGroupNumericBlocks:
      return "GROUP_NUMERIC_BLOCKS";
    case SectionId::kGroupLengthBlocks:
      return "GROUP_LENGTH_BLOCKS";
    case SectionId::kTombstones:
      return "TOMBSTONES";
    case SectionId::kPositions:
      return "POSITIONS";
    case SectionId::kGroupPositions:
      return "GROUP_POSITIONS";
  }
  return "UNKNOWN";
}

std::string SectionSizeTable(const std::vector<std::pair<uint32_t, uint64_t>>& sections,
                             uint64_t file_bytes, uint32_t num_docs) {
  std::string out;
  auto line = [&](std::string_view name, std::string_view id, uint64_t bytes) {
    const std::string per_doc =
        num_docs == 0 ? "-" : fmt::format("{:.2f}", static_cast<double>(bytes) / num_docs);
    const double share = file_bytes == 0 ? 0.0 : 100.0 * static_cast<double>(bytes) / file_bytes;
    out += fmt::format("  {:<21} {:>3} {:>12} {:>10} {:>6.1f}%\n", name, id, bytes, per_doc, share);
  };
  out += fmt::format("  {:<21} {:>3} {:>12} {:>10} {:>7}\n", "section", "id", "bytes", "bytes/doc",
                     "share");
  uint64_t in_sections = 0;
  for (const auto& [id, bytes] : sections) {
    line(SectionName(id), std::to_string(id), bytes);
    in_sections += bytes;
  }
  line("(header, table)", "", file_bytes - std::min(file_bytes, in_sections));
  line("total", "", file_bytes);
  return out;
}

}  // namespace freshet
