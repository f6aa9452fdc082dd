#include "index/search/bm25_scorer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "index/ranking.h"
#include "index/search/live_group_fields.h"
#include "index/segment/segment_reader.h"

namespace freshet {

Result<std::unique_ptr<SegmentScorer>> SegmentScorer::Open(const SegmentReader& segment,
                                                           const std::vector<ScoringTerm>& terms,
                                                           const LiveGroupFields* live) {
  std::unique_ptr<SegmentScorer> scorer(new SegmentScorer(segment, live));
  for (const ScoringTerm& t : terms) {
    auto field = segment.schema().FindField(t.field);
    if (!field) continue;
    const bool by_live = live && segment.schema().IsGroupField(*field);
    ASSIGN_OR_RETURN(auto postings, by_live ? live->OpenPostings(*field, t.token)
                                            : segment.OpenPostings(*field, t.token));
    if (!postings) continue;
    Term term{&t, *field, segment.TotalFieldLength(*field).has_value(), std::move(postings)};
    // A group field's docs hold their group's record, stored once per group
    // (format 4 on) or served by a live record.
    term.by_group = segment.schema().IsGroupField(*field) && (by_live || segment.HasGroupSpace());
    scorer->terms_.push_back(std::move(term));
  }
  return scorer;
}

// Rounding may make the computed bound a hair below the computed score of a
// doc at the bound: leave a margin far above rounding and far below any
// difference between real scores.
constexpr double kBoundMargin = 1 + 1e-9;

double SegmentScorer::RunBound(const Term& t, const PostingsBound& run) {
  const double average = t.has_lengths ? t.term->average_length : 0;
  return t.term->idf * Bm25TermWeight(run.max_freq, run.min_length, average) * kBoundMargin;
}

double SegmentScorer::BlockBound(Term& t, uint32_t doc) {
  if (!t.block_valid || doc > t.block.last_doc) {
    t.block = t.postings->BlockBound(doc);
    t.block_valid = true;
    t.block_bound = RunBound(t, t.block);
  }
  return t.block_bound;
}

bool SegmentScorer::Holds(Term& t, uint32_t doc) {
  if (!t.started || t.postings->doc() < doc) {
    t.started = true;
    t.postings->Advance(doc);
  }
  return t.postings->doc() == doc;
}

double SegmentScorer::ComputeBound(uint32_t doc) {
  double bound = 0;
  // The sum holds up to the first doc where a term's block ends or a term
  // whose cursor is past `doc` may start to add.
  uint32_t last = kNoMoreDocs;
  for (Term& t : terms_) {
    if (t.started && t.postings->doc() > doc) {  // the doc does not hold the term
      last = std::min(last, t.postings->doc() - 1);
      continue;
    }
    bound += BlockBound(t, doc);
    last = std::min(last, t.block.last_doc);
  }
  bound_ = bound;
  bound_last_doc_ = last;
  bound_valid_ = true;
  return bound;
}

double SegmentScorer::TightBound(uint32_t doc) {
  bound_valid_ = false;  // cursors move: terms may stop adding to Bound()
  double bound = 0;
  for (Term& t : terms_) {
    if (Holds(t, doc)) bound += BlockBound(t, doc);
  }
  return bound;
}

double SegmentScorer::Score(uint32_t doc) {
  bound_valid_ = false;
  double score = 0;
  for (Term& t : terms_) {
    if (Holds(t, doc)) score += Weight(t, doc, t.postings->freq());
  }
  return score;
}

double SegmentScorer::WindowBound(Term& t, uint32_t first, uint32_t end) {
  // Not through BlockBound: its block must stay the one of the docs to come.
  double bound = 0;
  for (uint32_t target = std::max(first, t.postings->doc()); target < end;) {
    const PostingsBound block = t.postings->BlockBound(target);
    bound = std::max(bound, RunBound(t, block));
    if (block.last_doc == kNoMoreDocs) break;
    target = block.last_doc + 1;  // the block's bound holds up to its last doc
  }
  return bound;
}

void SegmentScorer::ScoreWindowAbove(uint32_t first, uint32_t end, double floor,
                                     const std::vector<bool>& essential) {
  // The docs of the essential terms are the candidates: each of them adds
  // its block bound to the doc's bound (kept where its score will go), as
  // do the other terms to the candidates they hold; the candidates bounded
  // at `floor` or above are then scored term by term, in the order Score()
  // adds them, from the frequencies recorded on the way. The other terms'
  // other docs only set their bits.
  window_candidates_.fill(0);
  window_postings_.resize(terms_.size());
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < terms_.size(); ++i) {
      if (essential[i] != (pass == 0)) continue;
      Term& t = terms_[i];
      auto& postings = window_postings_[i];
      postings.clear();
      for (uint32_t d = t.postings->doc(); d < end; d = t.postings->Next()) {
        const uint32_t bit = d - first;
        const uint64_t mask = uint64_t{1} << (bit % 64);
        window_words_[bit / 64] |= mask;
        uint64_t& candidates = window_candidates_[bit / 64];
        if (!(candidates & mask)) {
          if (pass == 1) continue;
          candidates |= mask;
          window_scores_[bit] = BlockBound(t, d);
        } else {
          window_scores_[bit] += BlockBound(t, d);
        }
        postings.emplace_back(bit, t.postings->freq());
      }
    }
  }
  for (size_t w = 0; w < window_words_.size(); ++w) {
    uint64_t scored = 0;
    for (uint64_t bits = window_words_[w]; bits != 0; bits &= bits - 1) {
      const uint32_t bit = static_cast<uint32_t>(w * 64 + std::countr_zero(bits));
      const uint64_t mask = uint64_t{1} << (bit % 64);
      if (!(window_candidates_[w] & mask) || window_scores_[bit] < floor) {
        window_scores_[bit] = -std::numeric_limits<double>::infinity();
      } else {
        window_scores_[bit] = 0;
        scored |= mask;
      }
    }
    window_candidates_[w] = scored;
  }
  for (size_t i = 0; i < terms_.size(); ++i) {
    for (const auto& [bit, freq] : window_postings_[i]) {
      if (window_candidates_[bit / 64] >> (bit % 64) & 1) {
        window_scores_[bit] += Weight(terms_[i], first + bit, freq);
      }
    }
  }
}

bool SegmentScorer::NextWindow(std::span<const std::unique_ptr<DocIterator>> unscored, double floor,
                               DocWindow* window, std::span<const double>* scores) {
  if (!window_started_) {
    window_started_ = true;
    for (const auto& u : unscored) u->Next();
  }
  uint32_t first = kNoMoreDocs;
  for (Term& t : terms_) {
    if (!t.started) {
      t.started = true;
      t.postings->Next();
    }
    first = std::min(first, t.postings->doc());
  }
  for (const auto& u : unscored) first = std::min(first, u->doc());
  if (first == kNoMoreDocs) return false;
  first -= first % 64;
  const uint32_t end =
      static_cast<uint32_t>(std::min<uint64_t>(uint64_t{first} + kWindowDocs, kNoMoreDocs));
  window_words_.fill(0);
  // The terms that cannot lift a doc to `floor` on their own, even together
  // (the least bounded ones), are not essential.
  double bound = 0;
  std::vector<bool> essential(terms_.size(), true);
  if (floor > -std::numeric_limits<double>::infinity()) {
    window_bounds_.clear();
    for (size_t i = 0; i < terms_.size(); ++i) {
      window_bounds_.emplace_back(WindowBound(terms_[i], first, end), i);
    }
    std::sort(window_bounds_.begin(), window_bounds_.end());
    for (const auto& [b, i] : window_bounds_) {
      bound += b;
      if (bound < floor) essential[i] = false;
    }
  }
  if (bound < floor) {
    // No doc of the window can reach `floor`: its docs are only gathered.
    for (Term& t : terms_) {
      for (uint32_t d = t.postings->doc(); d < end; d = t.postings->Next()) {
        window_words_[(d - first) / 64] |= uint64_t{1} << ((d - first) % 64);
      }
    }
    for (const auto& u : unscored) {
      for (uint32_t d = u->doc(); d < end; d = u->Next()) {
        window_words_[(d - first) / 64] |= uint64_t{1} << ((d - first) % 64);
      }
    }
    *window = {first, std::span<const uint64_t>(window_words_)};
    *scores = {};
    return true;
  }
  if (floor > -std::numeric_limits<double>::infinity()) {
    ScoreWindowAbove(first, end, floor, essential);
  } else {
    // Term by term, in the order Score() adds them: the first term a doc
    // holds writes its score (as 0 + weight would), the others add to it.
    for (Term& t : terms_) {
      for (uint32_t d = t.postings->doc(); d < end; d = t.postings->Next()) {
        const uint32_t bit = d - first;
        uint64_t& word = window_words_[bit / 64];
        const uint64_t mask = uint64_t{1} << (bit % 64);
        const double w = Weight(t, d, t.postings->freq());
        if (word & mask) {
          window_scores_[bit] += w;
        } else {
          word |= mask;
          window_scores_[bit] = w;
        }
      }
    }
  }
  // A doc matching none of the terms scores 0.
  for (const auto& u : unscored) {
    for (uint32_t d = u->doc(); d < end; d = u->Next()) {
      const uint32_t bit = d - first;
      uint64_t& word = window_words_[bit / 64];
      const uint64_t mask = uint64_t{1} << (bit % 64);
      if (!(word & mask)) {
        word |= mask;
        window_scores_[bit] = 0;
      }
    }
  }
  *window = {first, std::span<const uint64_t>(window_words_)};
  *scores = std::span<const double>(window_scores_);
  return true;
}

double SegmentScorer::Weight(Term& t, uint32_t doc, uint32_t freq) {
  if (doc < t.run_end) return t.run_weight;  // the group's docs weigh alike
  // A group field's length is its group's (looked up once for the group).
  const uint32_t group = t.by_group ? segment_.DocGroup(doc) : 0;
  const auto length = live_        ? live_->FieldLength(t.field, doc)
                      : t.by_group ? segment_.GroupFieldLength(t.field, group)
                                   : segment_.FieldLength(t.field, doc);
  auto weight = [&] {
    const double average = length ? t.term->average_length : 0;
    return t.term->idf * Bm25TermWeight(freq, length.value_or(0), average);
  };
  double w;
  if (freq != 1 || !length || *length >= kMemoLengths) {
    w = weight();
  } else {
    if (t.unit_weights.empty()) t.unit_weights.assign(kMemoLengths, std::nan(""));
    double& memo = t.unit_weights[*length];
    if (std::isnan(memo)) memo = weight();
    w = memo;
  }
  if (t.by_group) {
    t.run_end = segment_.GroupEndDoc(group);
    t.run_weight = w;
  }
  return w;
}

Status SegmentScorer::status() const {
  for (const Term& t : terms_) RETURN_IF_ERROR(t.postings->status());
  return Status::OK();
}

}  // namespace freshet
