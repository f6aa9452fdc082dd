#include "index/search/top_hits.h"

#include <algorithm>
#include <cmath>

namespace freshet {

bool TopHits::Before(const Hit& a, const Hit& b) const {
  const int keys = CompareKeys(a.key, b.key);
  return keys != 0 ? keys < 0 : a.id < b.id;
}

bool TopHits::Add(const Hit& hit) {
  if (capacity_ == 0) return false;
  auto before = [this](const Hit& a, const Hit& b) { return Before(a, b); };
  if (heap_.size() < capacity_) {
    heap_.push_back(hit);
    std::push_heap(heap_.begin(), heap_.end(), before);
    return true;
  }
  if (!Before(hit, heap_.front())) return false;
  std::pop_heap(heap_.begin(), heap_.end(), before);
  heap_.back() = hit;
  std::push_heap(heap_.begin(), heap_.end(), before);
  return true;
}

std::vector<Hit> TopHits::TakeSorted() {
  std::sort_heap(heap_.begin(), heap_.end(),
                 [this](const Hit& a, const Hit& b) { return Before(a, b); });
  return std::move(heap_);
}

}  // namespace freshet
