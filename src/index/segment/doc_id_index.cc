#include "index/segment/doc_id_index.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "common/coding.h"
#include "index/segment/section_container.h"

namespace freshet {

namespace {

// The length of the prefix `a` and `b` share.
size_t CommonPrefix(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return static_cast<size_t>(
      std::mismatch(a.begin(), a.begin() + static_cast<ptrdiff_t>(n), b.begin()).first - a.begin());
}

// An id's 8 bytes from `from` on, big-endian, zero past its end: ids that
// share their first `from` bytes order by it as by their bytes where it
// differs.
uint64_t KeyPast(std::string_view id, size_t from) {
  uint64_t key = 0;
  for (size_t i = from; i < from + 8; ++i) {
    key = key << 8 | (i < id.size() ? static_cast<uint8_t>(id[i]) : 0);
  }
  return key;
}

}  // namespace

std::string EncodeDocIdIndex(const std::vector<std::string_view>& ids) {
  // Sorted by each id's 8 bytes after the prefix every id shares
  // (big-endian, zero past its end), which order as the ids do where they
  // differ: most comparisons are of two integers, equal keys compare ids.
  size_t shared = ids.empty() ? 0 : ids[0].size();
  for (std::string_view id : ids) shared = std::min(shared, CommonPrefix(id, ids[0]));
  struct Keyed {
    uint64_t key;
    uint32_t ord;
  };
  std::vector<Keyed> order(ids.size());
  for (uint32_t ord = 0; ord < ids.size(); ++ord) order[ord] = {KeyPast(ids[ord], shared), ord};
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
  large_ = num_docs >= kHashedFrom ? std::make_unique<Large>() : nullptr;
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
  if (!large_) return SearchIn(id, 0, num_docs_);
  if (large_->searches.load(std::memory_order_relaxed) >= num_docs_ / kSearchesPerTable) {
    return large_->table.Find(id, num_docs_, id_of_);
  }
  large_->searches.fetch_add(1, std::memory_order_relaxed);
  return SearchSampled(id);
}

std::optional<uint32_t> DocIdIndex::SearchIn(std::string_view id, size_t lo, size_t hi) const {
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

std::optional<uint32_t> DocIdIndex::SearchSampled(std::string_view id) const {
  Large& large = *large_;
  std::call_once(large.sampled, [&] {
    // The ids are sorted: what the first and the last share, all share.
    const std::string_view first = id_of_(OrdinalAt(0));
    const size_t shared = CommonPrefix(first, id_of_(OrdinalAt(num_docs_ - 1)));
    large.prefix = std::string(first.substr(0, shared));
    large.keys.resize((num_docs_ + kSampleEvery - 1) / kSampleEvery);
    for (size_t s = 0; s < large.keys.size(); ++s) {
      large.keys[s] = KeyPast(id_of_(OrdinalAt(s * kSampleEvery)), shared);
    }
  });
  if (!id.starts_with(large.prefix)) return std::nullopt;
  const uint64_t key = KeyPast(id, large.prefix.size());
  // Keys never decrease along the index: the entries up to a sample whose
  // key is below `key` hold ids below `id`, those from a sample whose key is
  // above it ids above it.
  const auto below = std::lower_bound(large.keys.begin(), large.keys.end(), key);
  const auto above = std::upper_bound(below, large.keys.end(), key);
  const size_t lo = below == large.keys.begin()
                        ? 0
                        : static_cast<size_t>(below - large.keys.begin() - 1) * kSampleEvery + 1;
  const size_t hi = above == large.keys.end()
                        ? num_docs_
                        : static_cast<size_t>(above - large.keys.begin()) * kSampleEvery;
  return SearchIn(id, lo, hi);
}

}  // namespace freshet
