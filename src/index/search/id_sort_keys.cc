#include "index/search/id_sort_keys.h"

#include <algorithm>

#include "index/segment/segment_reader.h"

namespace freshet {
namespace {

// The 4 bytes of `id` from `from` on, big-endian, 0 past its end.
uint32_t KeyAt(std::string_view id, size_t from) {
  uint32_t key = 0;
  for (size_t i = 0; i < 4; ++i) {
    const size_t at = from + i;
    const uint8_t byte = at < id.size() ? static_cast<uint8_t>(id[at]) : 0;
    key = key << 8 | byte;
  }
  return key;
}

}  // namespace

IdSortKeys::IdSortKeys(const SegmentReader& segment)
    : IdSortKeys(segment.num_docs(), [&](uint32_t ord) { return segment.DocId(ord); }) {}

IdSortKeys::IdSortKeys(uint32_t n, const std::function<std::string_view(uint32_t ord)>& id_of) {
  if (n == 0) return;
  const std::string_view first = id_of(0);
  size_t shared = first.size();
  for (uint32_t d = 1; d < n && shared > 0; ++d) {
    const std::string_view id = id_of(d);
    const size_t limit = std::min(shared, id.size());
    size_t i = 0;
    while (i < limit && id[i] == first[i]) ++i;
    shared = i;
  }
  prefix_.assign(first.substr(0, shared));
  keys_.resize(n);
  for (uint32_t d = 0; d < n; ++d) keys_[d] = KeyAt(id_of(d), shared);
  run_mins_.reserve((n + kRunDocs - 1) / kRunDocs);
  for (uint32_t first = 0; first < n; first += kRunDocs) {
    const auto run = keys_.begin() + first;
    run_mins_.push_back(*std::min_element(run, run + std::min(kRunDocs, n - first)));
  }
}

IdSortKeys::Bound IdSortKeys::Before(std::string_view id) const {
  constexpr int64_t kEveryDoc = std::numeric_limits<uint32_t>::max();
  if (id.starts_with(prefix_)) {
    // An id of the segment whose key is above this one's sorts after `id`;
    // one with an equal key may sort before it.
    return Bound(KeyAt(id, prefix_.size()));
  }
  // `id` leaves the prefix: every id of the segment sorts after it (it is
  // below the prefix) or before it (above).
  return Bound(id < prefix_ ? -1 : kEveryDoc);
}

}  // namespace freshet
