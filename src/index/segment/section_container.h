// The section container of a segment file: a header, sections (byte ranges
// with an id), a table of the sections with a checksum each, and a trailer.
//
// Layout (frozen; the same in every format version):
//   header   "FRSHSEG1" u32 format_version u32 reserved (zero)
//   sections each a byte range, in the order they were added
//   table    per section: u32 id, u64 offset, u64 length, u64 xxh3_64(bytes)
//   trailer  u32 section_count, u64 table_offset, u64 xxh3_64(table), "FRSHEND1"
// All integers little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace freshet {

inline constexpr std::string_view kSegmentMagic = "FRSHSEG1";
inline constexpr std::string_view kSegmentEndMagic = "FRSHEND1";
// The newest format this build reads, and the one it writes unless asked
// for another (pipeline.segment_format).
inline constexpr uint32_t kSegmentFormatVersion = 5;
inline constexpr uint32_t kDefaultWrittenSegmentFormatVersion = 5;
inline constexpr uint32_t kOldestSegmentFormatVersion = 1;

// Frozen: section ids on disk.
enum class SectionId : uint32_t {
  kMeta = 1,
  kDocs = 2,
  kGroups = 3,
  kTerms = 4,
  kPostings = 5,
  kNumeric = 6,
  kDocIdIndex = 7,
  kFieldLengths = 8,  // format version 2
  // Format version 3 keeps META (with the analyzer), GROUPS and DOC_ID_INDEX
  // and replaces the others:
  kDocHeaders = 9,      // DOCS' ids, groups and versions
  kStoredBlocks = 10,   // DOCS' stored rows
  kTermBlocks = 11,     // TERMS
  kBlockPostings = 12,  // POSTINGS
  kNumericBlocks = 13,  // NUMERIC
  kLengthBlocks = 14,   // FIELD_LENGTHS
  // Format version 4 keeps format 3's sections, which then hold the doc
  // fields only, and stores the group fields (group columns and aggregates)
  // once per group, indexed by group ordinal:
  kGroupTermBlocks = 15,     // TERM_BLOCKS of the group fields
  kGroupPostings = 16,       // BLOCK_POSTINGS over group ordinals
  kGroupNumericBlocks = 17,  // NUMERIC_BLOCKS by group ordinal
  kGroupLengthBlocks = 18,   // LENGTH_BLOCKS by group ordinal
  // Format version 5 keeps format 4's sections and changes what a delta's
  // group entry supersedes: the lower layers' *record* of its key (fields
  // and aggregates), but their docs only by id, each hidden by a copy with
  // the same id in a higher layer or by a tombstone there. A delta then
  // holds only the changed docs of a group, the tombstones of the docs that
  // left it (deleted or moved out), and the group's record as of its layer.
  // The group-space sections therefore index the record of a group without
  // docs too (it serves the docs lower layers hold). Format 4 and older
  // entries hide the lower layers' group whole. Which mixtures a generation
  // may stack: index/group_directory.h.
  kTombstones = 19,  // tombstones.h
  // Optional sections of format 4 and later, each with its own version
  // byte, written only when they have something to say: no format version
  // marks them, since a reader that does not know them (Parse keeps every
  // section, known or not; a reader asks for the ids it knows) answers
  // without them.
  kPositions = 25,       // token positions of the doc text fields (positions.h)
  kGroupPositions = 26,  // token positions of the group text fields
};

// The name of section `id` as the format's documentation spells it
// ("STORED_BLOCKS"); "UNKNOWN" for an id this build does not know.
std::string_view SectionName(uint32_t id);

// The error every segment structure returns on bad bytes:
// "segment 'NAME': WHAT (offset OFFSET)", OFFSET counted from the file's
// first byte.
Status SegmentCorruption(std::string_view segment_name, std::string_view what, uint64_t offset);

// A section's bytes and where they start in the file (for error messages).
struct SectionView {
  std::string_view bytes;
  uint64_t offset = 0;

  // The file offset of `inner`. REQUIRES: inner points into bytes.
  uint64_t OffsetOf(std::string_view inner) const {
    return offset + static_cast<uint64_t>(inner.data() - bytes.data());
  }
  // The bytes after the first n, with their offset. REQUIRES: n <= size.
  SectionView Skip(size_t n) const { return {bytes.substr(n), offset + n}; }
};

// Assembles a segment file. Not thread-safe.
class SectionContainerWriter {
 public:
  // `format_version`: what the header says (older versions for tests of
  // their readers).
  explicit SectionContainerWriter(uint32_t format_version = kSegmentFormatVersion)
      : format_version_(format_version) {}
  // Appends a section; the file lists sections in the order they were added.
  void Add(SectionId id, std::string bytes);
  // The whole file. REQUIRES: called once, last.
  std::string Finish();

 private:
  uint32_t format_version_;
  std::vector<std::pair<SectionId, std::string>> sections_;
};

// Whether opening a segment hashes each of its sections against the
// section table: kCheckedWhole when the caller has just checked the whole
// file against a checksum it trusts (the manifest's), which covers every
// section's bytes, so a second pass over them would find nothing more.
enum class SectionChecksums { kVerify, kCheckedWhole };

// The sections of a verified segment file. Views point into the bytes given
// to Parse and are valid while they are.
struct SectionContainer {
  uint32_t format_version = 0;
  // (id, section) of every section, known or not, in table order: an id
  // this build does not know is verified (bounds, checksum) and kept here,
  // never refused, so that optional sections added later (ids 25 and up)
  // leave older builds able to read the segment.
  std::vector<std::pair<uint32_t, SectionView>> sections;

  // Section `id`; empty bytes (at offset 0) when the file has none.
  SectionView Section(SectionId id) const;

  // Verifies magic, version, table bounds and every checksum (unless the
  // "checksum" safeguard is disabled by a test seam; the sections' own with
  // kCheckedWhole neither). NotSupported for a format version this build
  // does not read; Corruption naming `name`, the section and the offset
  // otherwise.
  static Result<SectionContainer> Parse(std::string_view name, std::string_view bytes,
                                        SectionChecksums checksums = SectionChecksums::kVerify);
};

// Where a segment file's bytes go, for `freshet inspect --sections`: a
// header line, then one line per section of `sections` ((id, bytes), in
// file order: name, id, bytes, bytes per doc of `num_docs`, share of
// `file_bytes`), then the container's own bytes (header, section table,
// trailer) and the total. Bytes per doc are rounded to 0.01, shares to
// 0.1 %.
std::string SectionSizeTable(const std::vector<std::pair<uint32_t, uint64_t>>& sections,
                             uint64_t file_bytes, uint32_t num_docs);

}  // namespace freshet
