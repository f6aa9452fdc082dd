// The iterators a query compiles to in one segment: every doc, no doc, a
// numeric filter, and the boolean combinations (conjunction by leapfrogging,
// disjunction by windows of docs, exclusion). Each owns its children.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "index/segment/doc_iterator.h"

namespace freshet {

class SegmentReader;

// Docs [0, num_docs).
std::unique_ptr<DocIterator> AllDocsIterator(uint32_t num_docs);
// No doc.
std::unique_ptr<DocIterator> EmptyIterator();
// Docs whose value of numeric field `field` is in [lo, hi] (NaN never is).
// Matches() reads one doc value, so a conjunction checks it per candidate.
std::unique_ptr<DocIterator> NumericRangeIterator(const SegmentReader& segment, size_t field,
                                                  double lo, double hi);

// Docs matching every child. Children that CanMatch() check the candidates
// of the others (unless all of them do). Children of cost 0 match nothing
// (the combinations leave them out). REQUIRES: children non-empty.
std::unique_ptr<DocIterator> ConjunctionIterator(
    std::vector<std::unique_ptr<DocIterator>> children);
// Docs matching any child (none if children is empty): Next() gathers them
// 4096 ordinals at a time in a bitset, Advance() past that window moves each
// child once.
std::unique_ptr<DocIterator> DisjunctionIterator(
    std::vector<std::unique_ptr<DocIterator>> children);
// Moves `it` as up to out.size() calls of Next() would, writing the docs
// they return to `out`; returns how many (fewer than out.size() only past
// the end, then it.doc() is kNoMoreDocs). A disjunction copies them from its
// window's bits, with no call per doc.
size_t NextDocs(DocIterator& it, std::span<uint32_t> out);
// Whether NextDocs(it) copies docs with no call per doc.
bool CopiesDocs(const DocIterator& it);
// The docs of a disjunction's next window, as bits: bit i % 64 of words[i /
// 64] is set when doc first + i matches; `first` is a multiple of 64. The
// iterator moves past the window (as if Next() had returned its last doc).
// False past the end. The words stay valid until `it` moves again.
// REQUIRES: CopiesDocs(it).
struct DocWindow {
  uint32_t first = 0;
  std::span<const uint64_t> words;
};
bool NextWindow(DocIterator& it, DocWindow* window);
// Docs of `include` not in `exclude`.
std::unique_ptr<DocIterator> ExclusionIterator(std::unique_ptr<DocIterator> include,
                                               std::unique_ptr<DocIterator> exclude);

}  // namespace freshet
