// A cursor over one term's posting list, whatever the segment's format
// version: the docs holding the term in increasing ordinal order, each with
// its term frequency, and bounds that let a top-k search skip what cannot
// score high enough (block-max pruning).
//
// Positions as DocIterator's (doc_iterator.h). Malformed bytes end the
// iteration early and set status() to Corruption naming the segment, the
// term entry and the offset; callers check status() once they are done.
#pragma once

#include <cstdint>
#include <limits>

#include "common/status.h"
#include "index/segment/doc_iterator.h"

namespace freshet {

// Bounds over a run of docs of a posting list: no doc of the run holds the
// term more than max_freq times, and none has a shorter field than
// min_length tokens (0 when unknown). BM25 grows with the frequency and
// shrinks with the length, so (max_freq, min_length) bounds the run's score.
struct PostingsBound {
  uint32_t last_doc = kNoMoreDocs;  // the run's last doc
  uint32_t max_freq = std::numeric_limits<uint32_t>::max();
  uint32_t min_length = 0;
};

// cost() is the list's length (its doc frequency in the segment).
class PostingsIterator : public DocIterator {
 public:
  // The term's frequency in doc(). REQUIRES: doc() != kNoMoreDocs.
  virtual uint32_t freq() = 0;

  // Bounds of the run (a block of the list) that holds the first doc at or
  // after `target`, read from skip data without decoding docs; the
  // iterator's doc() does not move. When no doc is at or after `target`
  // (or the iterator is past the end): {kNoMoreDocs, 0, 0}. A format without
  // skip data returns one run, the whole list, with no bounds: last_doc is
  // then the segment's last ordinal, an upper bound of the list's last doc.
  virtual PostingsBound BlockBound(uint32_t target) = 0;
  // Bounds over the whole list.
  virtual PostingsBound ListBound() const = 0;
  // Where doc()'s positions are (positions.h): its index in the list (0 for
  // the first doc) and the occurrences of the term in the docs before it in
  // its block of 128. False for a cursor that does not know them (not a
  // block posting list), or on bad bytes (then status() says why).
  // REQUIRES: doc() != kNoMoreDocs.
  virtual bool PositionsAddress(uint64_t* /*index*/, uint64_t* /*before*/) { return false; }
};

}  // namespace freshet
