#include "index/group_directory.h"

#include <fmt/format.h>

#include <algorithm>

namespace freshet {

Result<std::unique_ptr<GroupDirectory>> GroupDirectory::Build(
    std::vector<const SegmentReader*> segments, const std::vector<uint32_t>& layers,
    std::string_view manifest_key) {
  std::unique_ptr<GroupDirectory> dir(new GroupDirectory());
  const size_t n = segments.size();
  dir->segments_ = std::move(segments);
  dir->hidden_docs_.resize(n);
  dir->superseded_.resize(n);
  dir->records_.resize(n);
  dir->imported_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    dir->hidden_docs_[i].assign(dir->segments_[i]->num_docs(), false);
    dir->superseded_[i].assign(dir->segments_[i]->num_groups(), false);
  }
  // Upper segments in serving order: a later one is of the same or a
  // higher layer, so the last entry assigned to a record is the highest.
  for (size_t u = 0; u < n; ++u) {
    const SegmentReader& upper = *dir->segments_[u];
    const bool by_id = upper.SupersedesDocsById();
    for (size_t i = 0; i < n; ++i) {
      if (layers[i] >= layers[u]) continue;
      const SegmentReader& lower = *dir->segments_[i];
      if (by_id && !lower.HasGroupSpace()) {
        return Status::NotSupported(fmt::format(
            "manifest '{}': segment '{}' (format {}) supersedes docs by id, but lies over "
            "segment '{}' of format {}, whose docs hold their group's fields in their own "
            "postings; rebuild the base (build-full or compact) in format 4 or later",
            manifest_key, upper.name(), upper.format_version(), lower.name(),
            lower.format_version()));
      }
      std::vector<bool>& hidden = dir->hidden_docs_[i];
      std::vector<RecordLocation>& records = dir->records_[i];
      for (uint32_t gu = 0; gu < upper.num_groups(); ++gu) {
        const auto g = lower.FindGroup(upper.GroupKey(gu));
        if (!g) continue;
        dir->superseded_[i][*g] = true;
        if (!by_id) {
          // The group's docs here are all superseded: its record serves none.
          const uint32_t first = lower.GroupFirstDoc(*g);
          std::fill(hidden.begin() + first, hidden.begin() + first + lower.GroupDocCount(*g), true);
          continue;
        }
        if (records.empty()) {
          records.resize(lower.num_groups());
          for (uint32_t k = 0; k < lower.num_groups(); ++k) {
            records[k] = RecordLocation{static_cast<uint32_t>(i), k};
          }
        }
        records[*g] = RecordLocation{static_cast<uint32_t>(u), gu};
      }
      if (!by_id) continue;
      auto hide = [&](std::string_view id) {
        if (auto ord = lower.FindDoc(id)) hidden[*ord] = true;
      };
      for (uint32_t d = 0; d < upper.num_docs(); ++d) hide(upper.DocId(d));
      for (const Tombstones::Entry& t : upper.tombstones().entries()) hide(t.id);
    }
  }
  dir->imports_by_record_.resize(n);
  dir->served_.assign(n, std::vector<std::vector<uint32_t>>(n));
  for (size_t i = 0; i < n; ++i) {
    const std::vector<RecordLocation>& records = dir->records_[i];
    std::vector<Import>& by_record = dir->imports_by_record_[i];
    for (uint32_t g = 0; g < records.size(); ++g) {
      const RecordLocation at = records[g];
      if (at.segment == i) continue;
      dir->imported_[i].push_back(g);
      by_record.push_back(Import{at.segment, at.group, g});
      std::vector<uint32_t>& served = dir->served_[i][at.segment];
      if (served.empty()) served.assign(dir->segments_[at.segment]->num_groups(), kNoGroup);
      served[at.group] = g;
    }
    std::sort(by_record.begin(), by_record.end(), [](const Import& a, const Import& b) {
      return a.record_segment != b.record_segment ? a.record_segment < b.record_segment
                                                  : a.record_group < b.record_group;
    });
  }
  return dir;
}

}  // namespace freshet
