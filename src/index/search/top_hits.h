// The best `capacity` hits of a search in a sort order (index/ranking.h),
// kept in a heap while the matches stream by: a page of results never sorts
// every match.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "index/ranking.h"

namespace freshet {

class SegmentReader;

struct Hit {
  double key = 0;  // BM25 score, or the sort field's value (NaN: none); 0 by id
  std::string_view id;
  const SegmentReader* segment = nullptr;
  uint32_t ord = 0;
};

class TopHits {
 public:
  TopHits(SortOrder sort, size_t capacity) : sort_(std::move(sort)), capacity_(capacity) {}

  bool full() const { return heap_.size() >= capacity_; }
  // Whether a hit of key `key` could be kept, judged by its key alone: false
  // when `key` comes after the worst kept hit's (a BM25 bound below the
  // worst kept score, a field value on the wrong side of the worst kept
  // value); true on equal keys, which doc ids order. REQUIRES: full().
  bool MightKeepKey(double key) const {
    return capacity_ != 0 && CompareKeys(key, heap_.front().key) <= 0;
  }
  // The worst kept hit, the first a better one would push out. REQUIRES:
  // full(), capacity > 0.
  const Hit& worst() const { return heap_.front(); }
  // Keeps `hit` if it is among the best `capacity` so far; true if kept.
  bool Add(const Hit& hit);
  // The kept hits, best first.
  std::vector<Hit> TakeSorted();

  // True if `a` comes before `b`: best key first, missing values last, equal
  // keys by doc id.
  bool Before(const Hit& a, const Hit& b) const;

 private:
  // Negative if key `a` comes before key `b` in the sort order, positive if
  // after, 0 if they tie (every key ties when sorting by doc id).
  int CompareKeys(double a, double b) const {
    if (sort_.kind == SortOrder::Kind::kDocId) return 0;
    const bool a_nan = std::isnan(a), b_nan = std::isnan(b);
    if (a_nan || b_nan) return a_nan == b_nan ? 0 : a_nan ? 1 : -1;  // missing values last
    if (a == b) return 0;
    const bool ascending = sort_.kind == SortOrder::Kind::kField && !sort_.descending;
    return (ascending ? a < b : a > b) ? -1 : 1;
  }

  SortOrder sort_;
  size_t capacity_;
  std::vector<Hit> heap_;  // a max-heap by Before: the worst kept hit first
};

}  // namespace freshet
