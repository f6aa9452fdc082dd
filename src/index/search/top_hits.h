// The best `capacity` hits of a search in a sort order (index/ranking.h),
// kept in a heap while the matches stream by: a page of results never sorts
// every match.
#pragma once

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

  // Whether a hit whose key is at most `key` could still be kept: the heap
  // is not full, or `key` is not below the worst kept score (equal keys
  // are ordered by doc id). For BM25 order only.
  bool full() const { return heap_.size() >= capacity_; }
  bool MightKeepScore(double key) const {
    if (capacity_ == 0) return false;
    return heap_.size() < capacity_ || key >= heap_.front().key;
  }
  void Add(const Hit& hit);
  // The kept hits, best first.
  std::vector<Hit> TakeSorted();

  // True if `a` comes before `b`: best key first, missing values last, equal
  // keys by doc id.
  bool Before(const Hit& a, const Hit& b) const;

 private:
  SortOrder sort_;
  size_t capacity_;
  std::vector<Hit> heap_;  // a max-heap by Before: the worst kept hit first
};

}  // namespace freshet
