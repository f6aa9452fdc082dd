// DocIterator: a cursor over the doc ordinals of one segment that match
// something (a term, a filter, a boolean combination), in increasing order.
// Query execution composes them (index/search/); posting lists are the
// leaves (postings_iterator.h).
//
// An iterator starts unpositioned; Next() and Advance() move it forward and
// return the doc they land on, or kNoMoreDocs past the end (where it stays).
#pragma once

#include <cstdint>
#include <limits>

#include "common/status.h"

namespace freshet {

inline constexpr uint32_t kNoMoreDocs = std::numeric_limits<uint32_t>::max();

class DocIterator {
 public:
  virtual ~DocIterator() = default;

  // The current doc: kNoMoreDocs past the end. REQUIRES: positioned (Next()
  // or Advance() was called).
  uint32_t doc() const { return doc_; }
  // The next doc, or kNoMoreDocs.
  virtual uint32_t Next() = 0;
  // The first doc at or after `target`, or kNoMoreDocs. REQUIRES: target >
  // doc() once positioned (any target before).
  virtual uint32_t Advance(uint32_t target) = 0;
  // An estimate of the number of docs it matches (a posting list's length),
  // to lead a conjunction with the cheapest.
  virtual uint64_t cost() const = 0;

  // Whether Matches() answers in O(1) without moving the iterator (numeric
  // filters read one doc value): a conjunction then checks its candidates
  // instead of leapfrogging through it.
  virtual bool CanMatch() const { return false; }
  // True if `doc` matches. REQUIRES: CanMatch().
  virtual bool Matches(uint32_t /*doc*/) const { return false; }

  // OK, or why the iteration ended early (Corruption naming the segment).
  virtual Status status() const { return Status::OK(); }

 protected:
  uint32_t doc_ = kNoMoreDocs;
};

}  // namespace freshet
