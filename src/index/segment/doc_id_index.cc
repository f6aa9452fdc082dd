#include "index/segment/doc_id_index.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "common/coding.h"
#include "common/hash.h"
#include "index/segment/section_container.h"

namespace freshet {

std::string EncodeDocIdIndex(const std::vector<std::string_view>& ids) {
  std::vector<uint32_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ids[a] < ids[b]; });
  std::string section;
  section.reserve(order.size() * 4);
  for (uint32_t o : order) PutFixed32(&section, o);
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

void DocIdIndex::BuildHashed() const {
  size_t capacity = 1;
  while (capacity < 2 * size_t{num_docs_}) capacity *= 2;
  hashed_->slots.assign(capacity, Hashed::Slot{});
  const size_t mask = capacity - 1;
  for (uint32_t ord = 0; ord < num_docs_; ++ord) {
    const uint64_t h = Hash64(id_of_(ord));
    size_t i = h & mask;
    while (hashed_->slots[i].ordinal != 0) i = (i + 1) & mask;
    hashed_->slots[i] = Hashed::Slot{static_cast<uint32_t>(h >> 32), ord + 1};
  }
}

std::optional<uint32_t> DocIdIndex::Find(std::string_view id) const {
  if (hashed_) {
    std::call_once(hashed_->built, [this] { BuildHashed(); });
    const std::vector<Hashed::Slot>& slots = hashed_->slots;
    const size_t mask = slots.size() - 1;
    const uint64_t h = Hash64(id);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Hashed::Slot& s = slots[i];
      if (s.ordinal == 0) return std::nullopt;
      if (s.hash == static_cast<uint32_t>(h >> 32) && id_of_(s.ordinal - 1) == id) {
        return s.ordinal - 1;
      }
    }
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
