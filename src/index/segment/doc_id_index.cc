#include "index/segment/doc_id_index.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "common/coding.h"
#include "index/segment/section_container.h"

namespace freshet {

std::string EncodeDocIdIndex(const std::vector<std::string_view>& ids) {
  // Sorted by each id's 8 bytes after the prefix every id shares
  // (big-endian, zero past its end), which order as the ids do where they
  // differ: most comparisons are of two integers, equal keys compare ids.
  size_t shared = ids.empty() ? 0 : ids[0].size();
  for (std::string_view id : ids) {
    shared = static_cast<size_t>(
        std::mismatch(id.begin(), id.begin() + static_cast<ptrdiff_t>(std::min(shared, id.size())),
                      ids[0].begin())
            .first -
        id.begin());
  }
  struct Keyed {
    uint64_t key;
    uint32_t ord;
  };
  std::vector<Keyed> order(ids.size());
  for (uint32_t ord = 0; ord < ids.size(); ++ord) {
    uint64_t key = 0;
    for (size_t i = shared; i < shared + 8; ++i) {
      key = key << 8 | (i < ids[ord].size() ? static_cast<uint8_t>(ids[ord][i]) : 0);
    }
    order[ord] = {key, ord};
  }
  std::sort(order.begin(), order.end(), [&](const Keyed& a, const Keyed& b) {
    return a.key != b.key ? a.key < b.key : ids[a.ord] < ids[b.ord];
  });
  std::string section;
  section.reserve(order.size() * 4);
  for (const Keyed& o : order) PutFixed32(&section, o.ord);
  return section;
}

Status DocIdIndex::Open(std::string_view segment_name, SectionView section,
                        const std::vector<std::string_view>* ids) {
  return Open(segment_name, section, static_cast<uint32_t>(ids->size()),
              [ids](uint32_t ord) { return (*ids)[ord]; });
}

Status DocIdIndex::Open(std::string_view segment_name, SectionView section, uint32_t num_docs,
                        IdOf id_of) {
  if (section.bytes.size() != uint64_t{num_docs} * 4) {
    return SegmentCorruption(segment_name, "doc id index size", section.offset);
  }
  section_ = section.bytes;
  num_docs_ = num_docs;
  id_of_ = std::move(id_of);
  hashed_ = num_docs >= kHashedFrom ? std::make_unique<Hashed>() : nullptr;
  for (size_t i = 0; i < num_docs; ++i) {
    if (OrdinalAt(i) >= num_docs) {
      return SegmentCorruption(segment_name, "doc id index entry out of range",
                               section.offset + i * 4);
    }
  }
  return Status::OK();
}

uint32_t DocIdIndex::OrdinalAt(size_t i) const { return DecodeFixed32(section_.data() + i * 4); }

std::optional<uint32_t> DocIdIndex::Find(std::string_view id) const {
  if (hashed_) {
    if (hashed_->searches.load(std::memory_order_relaxed) >= num_docs_ / kSearchesPerTable) {
      return hashed_->table.Find(id, num_docs_, id_of_);
    }
    hashed_->searches.fetch_add(1, std::memory_order_relaxed);
  }
  size_t lo = 0, hi = num_docs_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (id_of_(OrdinalAt(mid)) < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < num_docs_ && id_of_(OrdinalAt(lo)) == id) return OrdinalAt(lo);
  return std::nullopt;
}

}  // namespace freshet
