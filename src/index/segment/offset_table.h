// Offset tables: how DOCS, GROUPS and TERMS address their variable-length
// entries. Layout (frozen): u64 offsets[n + 1] (offsets[0] = 0, each the end
// of an entry, relative to the blob), then the blob of the n entries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/section_container.h"

namespace freshet {

// Builds an offset table entry by entry. Not thread-safe.
class OffsetTableWriter {
 public:
  // The bytes of the entries so far: append the current entry's bytes here,
  // then call EndEntry().
  std::string* blob() { return &blob_; }
  void EndEntry() { ends_.push_back(blob_.size()); }
  size_t size() const { return ends_.size(); }
  // Appends the table, then the entries, to `out`.
  void AppendTo(std::string* out) const;

 private:
  std::string blob_;
  std::vector<uint64_t> ends_;
};

// Checks that `table` holds n + 1 non-decreasing offsets within its blob.
// Corruption "WHAT offsets truncated" or "WHAT offset I invalid" otherwise.
Status CheckOffsetTable(std::string_view segment_name, SectionView table, uint64_t n,
                        std::string_view what);

// The i-th of the n entries. REQUIRES: CheckOffsetTable passed, i < n. The
// view points into `table`.
std::string_view OffsetTableEntry(std::string_view table, uint64_t n, uint64_t i);

}  // namespace freshet
