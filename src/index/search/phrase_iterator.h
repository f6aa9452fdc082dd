// Phrase matching: the docs (or groups) where a query's terms follow each
// other at consecutive positions (segment/positions.h) in one field value.
// With positions, PhraseIterator leapfrogs the terms' posting lists as a
// conjunction does, then checks the positions of each doc they share.
// Without them (a segment written before positions, or with positions off
// for the field), PhraseFilter checks candidates by analyzing their stored
// text again (ValueHoldsPhrase): slower, the same answer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "format/row.h"
#include "index/segment/positions.h"
#include "index/segment/postings_iterator.h"

namespace freshet {

// One term of a phrase: its posting list (a block posting list, whose
// PositionsAddress finds the positions), its positions, and its place in the
// phrase (0 for the first term).
struct PhraseTerm {
  std::unique_ptr<PostingsIterator> postings;
  PositionsCursor positions;
  uint32_t offset = 0;
};

// The ordinals (of `num_ordinals`) where every term is at position p +
// offset, for some p. freq() is the number of such p; bounds are the whole
// list's, unknown (the score of a phrase is its terms', ranking.h).
// REQUIRES: terms non-empty, each with a non-null cursor.
std::unique_ptr<PostingsIterator> PhraseIterator(std::vector<PhraseTerm> terms,
                                                 uint32_t num_ordinals);

// The number of positions p of positions[0] where every positions[i] holds
// p + offsets[i] - offsets[0].
// REQUIRES: each positions[i] increasing; sizes equal and non-zero.
uint32_t CountPhraseMatches(std::span<const std::vector<uint32_t>> positions,
                            std::span<const uint32_t> offsets);

// True when text value `v`, analyzed by `analyzer`, holds `terms` at
// consecutive positions (in one value of a list). REQUIRES: terms
// non-empty.
bool ValueHoldsPhrase(uint32_t analyzer, const Value& v, std::span<const std::string> terms);

// The docs of `candidates` for which `holds` answers true; an error from
// `holds` ends the iteration and becomes status().
std::unique_ptr<DocIterator> PhraseFilter(std::unique_ptr<DocIterator> candidates,
                                          std::function<Result<bool>(uint32_t doc)> holds);

}  // namespace freshet
