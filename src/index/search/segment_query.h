// Compiles a parsed query (index/query.h) into the DocIterator of the docs
// it matches in one segment: terms and keyword values become posting-list
// cursors, numeric equality and ranges doc-value filters, AND a leapfrogging
// conjunction, OR a windowed disjunction, NOT an exclusion.
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "index/query.h"
#include "index/segment/doc_iterator.h"

namespace freshet {

class LiveGroupFields;
class SegmentReader;

// InvalidArgument for an unknown field, a range on a field that is not
// numeric or a non-number compared with a numeric field; Corruption for a
// malformed dictionary entry. Superseded docs are not filtered here.
// `live` (null: the segment's own records serve its groups) evaluates the
// clauses on group fields against the records a generation serves; it
// must outlive the iterator.
Result<std::unique_ptr<DocIterator>> CompileQuery(const SegmentReader& segment,
                                                  const QueryNode& query,
                                                  const LiveGroupFields* live = nullptr);

// Whether CompileQuery(query) matches exactly the docs holding any of the
// query's scoring terms in the segment (its text tokens, each in a text
// field it searches) or any of the keyword values it searches: a term, or
// an OR of them, whose value is one token in every text field searched.
// If so, the cursors of those keyword values that the segment holds (those
// of fields both text and keyword) are appended to `keywords`. Corruption
// for a malformed dictionary entry.
Result<bool> MatchesScoringTermsOrKeywords(const SegmentReader& segment, const QueryNode& query,
                                           const LiveGroupFields* live,
                                           std::vector<std::unique_ptr<DocIterator>>* keywords);

}  // namespace freshet
