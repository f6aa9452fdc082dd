#include "index/search/top_hits.h"

#include <algorithm>
#include <cmath>

namespace freshet {

bool TopHits::Before(const Hit& a, const Hit& b) const {
  if (sort_.kind != SortOrder::Kind::kDocId) {
    const bool a_nan = std::isnan(a.key), b_nan = std::isnan(b.key);
    if (a_nan != b_nan) return b_nan;
    if (!a_nan && a.key != b.key) {
      const bool ascending = sort_.kind == SortOrder::Kind::kField && !sort_.descending;
      return ascending ? a.key < b.key : a.key > b.key;
    }
  }
  return a.id < b.id;
}

void TopHits::Add(const Hit& hit) {
  if (capacity_ == 0) return;
  auto before = [this](const Hit& a, const Hit& b) { return Before(a, b); };
  if (heap_.size() < capacity_) {
    heap_.push_back(hit);
    std::push_heap(heap_.begin(), heap_.end(), before);
    return;
  }
  if (!Before(hit, heap_.front())) return;
  std::pop_heap(heap_.begin(), heap_.end(), before);
  heap_.back() = hit;
  std::push_heap(heap_.begin(), heap_.end(), before);
}

std::vector<Hit> TopHits::TakeSorted() {
  std::sort_heap(heap_.begin(), heap_.end(),
                 [this](const Hit& a, const Hit& b) { return Before(a, b); });
  return std::move(heap_);
}

}  // namespace freshet
