// BM25 scores (index/ranking.h) of one segment's docs, and upper bounds of
// them from the posting lists' block bounds, so that a top-k search scores
// only the docs that could enter its page (block-max pruning).
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "index/search/boolean_iterators.h"
#include "index/segment/postings_iterator.h"

namespace freshet {

class LiveGroupFields;
class SegmentReader;

// A text term that adds to BM25 scores: `token` in the text field named
// `field`, with its idf and the field's average length over the live docs
// of the generation (0: no length normalization).
struct ScoringTerm {
  std::string field;
  std::string token;
  double idf = 0;
  double average_length = 0;
};

// Scores docs of one segment in increasing doc order. Not thread-safe.
class SegmentScorer {
 public:
  // Corruption for a malformed dictionary entry. `live` (null: the
  // segment's own records serve its groups) gives group fields' postings
  // and lengths as the generation serves them (segment_query.h); it must
  // outlive the scorer.
  static Result<std::unique_ptr<SegmentScorer>> Open(const SegmentReader& segment,
                                                     const std::vector<ScoringTerm>& terms,
                                                     const LiveGroupFields* live = nullptr);

  // At least Score(doc), without decoding postings where skip data bounds
  // them; the same sum is returned, without looking at the terms again,
  // for the following docs it still bounds (until a term's block ends, or
  // Score() is called). REQUIRES: doc at or after every doc passed before.
  double Bound(uint32_t doc) {
    return bound_valid_ && doc <= bound_last_doc_ ? bound_ : ComputeBound(doc);
  }
  // The last doc for which the value the last Bound() returned still bounds
  // Score(): at least the doc passed to it, kNoMoreDocs when it bounds
  // every later doc. REQUIRES: Bound() was the last call.
  uint32_t BoundLastDoc() const { return bound_last_doc_; }
  // At least Score(doc) and at most Bound(doc): the block bounds of the
  // terms `doc` holds only (their cursors move to `doc`, as Score() moves
  // them). REQUIRES: as Bound.
  double TightBound(uint32_t doc);
  // The BM25 score of `doc`: the sum, in the order of `terms`, of idf times
  // the term's weight in the doc's field. REQUIRES: as Bound.
  double Score(uint32_t doc);
  // The docs holding any of the terms or matching any of `unscored`,
  // kWindowDocs ordinals at a time, with one pass of each cursor over the
  // window: bit i % 64 of window->words[i / 64] is set when doc
  // window->first + i matches, and (*scores)[i] is then its score as
  // Score() computes it or, where the block bounds of the terms show it
  // below `floor` (-infinity: none is), -infinity; `scores` is empty when
  // they show every doc of the window below `floor`. `first` is a multiple
  // of 64. False past the end. Both stay valid until the next call.
  // REQUIRES: no other call on the scorer, the same unpositioned `unscored`
  // on every call.
  bool NextWindow(std::span<const std::unique_ptr<DocIterator>> unscored, double floor,
                  DocWindow* window, std::span<const double>* scores);
  // OK, or the first posting list found malformed.
  Status status() const;

  static constexpr uint32_t kWindowDocs = 4096;

 private:
  struct Term {
    const ScoringTerm* term;
    size_t field;
    bool has_lengths;  // the segment records the field's lengths
    std::unique_ptr<PostingsIterator> postings;
    bool started = false;
    PostingsBound block;  // of the block Bound() last looked at
    double block_bound = 0;
    bool block_valid = false;
    // Whether the term's frequency and the field's length are the group's
    // (the same for every doc of a group), and then the weight of the docs
    // before run_end: those of the group of the doc last weighed.
    bool by_group = false;
    uint32_t run_end = 0;
    double run_weight = 0;
    // The weight of a single occurrence by field length (NaN: not computed
    // yet), the common case, for lengths below kMemoLengths.
    std::vector<double> unit_weights;
  };
  static constexpr uint32_t kMemoLengths = 256;
  // Term `t`'s weight in `doc`, which holds it `freq` times, idf included,
  // as Score() adds it. REQUIRES: doc at or after the docs weighed before.
  double Weight(Term& t, uint32_t doc, uint32_t freq);
  // The most a doc of `run` may gain from `t`.
  static double RunBound(const Term& t, const PostingsBound& run);
  // The most a doc of [first, end) may gain from `t`, by its block bounds.
  static double WindowBound(Term& t, uint32_t first, uint32_t end);
  // NextWindow's scoring of the docs of [first, end) that hold an
  // `essential` term and that the block bounds of the terms they hold do not
  // rule out below `floor`.
  void ScoreWindowAbove(uint32_t first, uint32_t end, double floor,
                        const std::vector<bool>& essential);
  SegmentScorer(const SegmentReader& segment, const LiveGroupFields* live)
      : segment_(segment), live_(live) {}
  // Bound(doc) from the terms' block bounds, kept for the docs it holds for.
  double ComputeBound(uint32_t doc);
  // The bound of the block of `t` that holds `doc` or, if `t` does not
  // hold it, the first doc after it.
  static double BlockBound(Term& t, uint32_t doc);
  // Whether `doc` holds `t`, moving its cursor to `doc` or past it.
  static bool Holds(Term& t, uint32_t doc);

  const SegmentReader& segment_;
  const LiveGroupFields* live_;
  std::vector<Term> terms_;
  // NextWindow's docs and their scores (a score is written by the first
  // term the doc holds, so the window needs no clearing).
  std::array<uint64_t, kWindowDocs / 64> window_words_{};
  std::array<double, kWindowDocs> window_scores_;
  bool window_started_ = false;
  std::array<uint64_t, kWindowDocs / 64> window_candidates_{};
  // Each term's (bit, frequency) in the window, for the docs it may score.
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> window_postings_;
  std::vector<std::pair<double, size_t>> window_bounds_;  // (bound, term)
  // The last Bound() and the last doc it holds for (valid until Score()).
  double bound_ = 0;
  uint32_t bound_last_doc_ = 0;
  bool bound_valid_ = false;
};

}  // namespace freshet
