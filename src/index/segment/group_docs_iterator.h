// Format 4 indexes a group's fields once per group: their posting lists
// hold group ordinals. A doc holds its group's fields, and a group's docs
// are consecutive ordinals [first_doc, first_doc + doc_count), so a group
// posting list expands to the docs of its groups: this cursor does that
// lazily, giving every doc its group's term frequency, and bounds from the
// group list's skip data mapped onto docs.
#pragma once

#include <memory>
#include <span>

#include "index/segment/doc_headers.h"
#include "index/segment/postings_iterator.h"

namespace freshet {

// Where each group's docs start: starts[g] is group g's first doc, and
// starts[g + 1] one past its last (num_groups + 1 entries, non-decreasing).
using GroupStarts = std::span<const uint32_t>;

// The docs of the groups `groups` yields, in doc order. `starts` and
// `headers` (of the same segment) must outlive the cursor. cost() is the
// number of groups times the segment's mean group size: an estimate.
std::unique_ptr<PostingsIterator> ExpandGroupPostings(std::unique_ptr<PostingsIterator> groups,
                                                      GroupStarts starts,
                                                      const DocHeaders* headers);

// The number of docs of the groups `groups` yields (a group term's doc
// frequency): O(groups). Corruption as the group list reports it.
Result<uint64_t> CountGroupDocs(PostingsIterator& groups, GroupStarts starts);

}  // namespace freshet
