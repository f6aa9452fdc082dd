#include "index/search/phrase_iterator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <utility>

namespace freshet {
namespace {

class PhraseIteratorImpl final : public PostingsIterator {
 public:
  PhraseIteratorImpl(std::vector<PhraseTerm> terms, uint32_t num_ordinals)
      : terms_(std::move(terms)), num_ordinals_(num_ordinals) {
    // The rarest term leads.
    std::stable_sort(terms_.begin(), terms_.end(), [](const PhraseTerm& a, const PhraseTerm& b) {
      return a.postings->cost() < b.postings->cost();
    });
    positions_.resize(terms_.size());
    for (const PhraseTerm& t : terms_) offsets_.push_back(t.offset);
  }

  uint32_t Next() override {
    if (doc_ == kNoMoreDocs && started_) return doc_;
    started_ = true;
    return Settle(terms_[0].postings->Next());
  }

  uint32_t Advance(uint32_t target) override {
    started_ = true;
    return Settle(terms_[0].postings->Advance(target));
  }

  uint64_t cost() const override { return terms_[0].postings->cost(); }
  uint32_t freq() override { return freq_; }
  PostingsBound BlockBound(uint32_t target) override { return Bound(target); }
  PostingsBound ListBound() const override { return Bound(0); }

  Status status() const override {
    if (!status_.ok()) return status_;
    for (const PhraseTerm& t : terms_) {
      RETURN_IF_ERROR(t.postings->status());
      RETURN_IF_ERROR(t.positions.status());
    }
    return Status::OK();
  }

 private:
  PostingsBound Bound(uint32_t target) const {
    if ((started_ && doc_ == kNoMoreDocs) || num_ordinals_ == 0 || target >= num_ordinals_) {
      return {kNoMoreDocs, 0, 0};
    }
    return {num_ordinals_ - 1, std::numeric_limits<uint32_t>::max(), 0};
  }

  // From `doc`, the lead's doc: the first doc at or after it where every
  // term is and the positions make the phrase.
  uint32_t Settle(uint32_t doc) {
    const size_t n = terms_.size();
    while (doc != kNoMoreDocs) {
      size_t i = 1;
      uint32_t at = doc;
      for (; i < n; ++i) {
        PostingsIterator& p = *terms_[i].postings;
        at = p.doc();
        if (!positioned_[i] || at < doc) {
          at = p.Advance(doc);
          positioned_[i] = true;
        }
        if (at != doc) break;
      }
      if (i < n) {
        if (at == kNoMoreDocs) return End();
        doc = terms_[0].postings->Advance(at);
        continue;
      }
      if (!ReadPositions()) return End();
      freq_ = CountPhraseMatches(positions_, offsets_);
      if (freq_ > 0) return doc_ = doc;
      doc = terms_[0].postings->Next();
    }
    return End();
  }

  bool ReadPositions() {
    for (size_t i = 0; i < terms_.size(); ++i) {
      PostingsIterator& p = *terms_[i].postings;
      uint64_t index, before;
      if (!p.PositionsAddress(&index, &before)) {
        if (p.status().ok()) {
          status_ = Status::FailedPrecondition("phrase: a posting list without positions");
        }
        return false;
      }
      const uint32_t freq = p.freq();
      if (!terms_[i].positions.Read(index, before, freq, &positions_[i])) return false;
    }
    return true;
  }

  uint32_t End() { return doc_ = kNoMoreDocs; }

  std::vector<PhraseTerm> terms_;
  uint32_t num_ordinals_;
  std::vector<std::vector<uint32_t>> positions_;
  std::vector<uint32_t> offsets_;
  std::vector<bool> positioned_ = std::vector<bool>(terms_.size(), false);
  bool started_ = false;
  uint32_t freq_ = 0;
  Status status_;
};

class PhraseFilterIterator final : public DocIterator {
 public:
  PhraseFilterIterator(std::unique_ptr<DocIterator> candidates,
                       std::function<Result<bool>(uint32_t doc)> holds)
      : candidates_(std::move(candidates)), holds_(std::move(holds)) {}

  uint32_t Next() override { return Settle(candidates_->Next()); }
  uint32_t Advance(uint32_t target) override { return Settle(candidates_->Advance(target)); }
  uint64_t cost() const override { return candidates_->cost(); }
  Status status() const override { return status_.ok() ? candidates_->status() : status_; }

 private:
  uint32_t Settle(uint32_t doc) {
    for (; doc != kNoMoreDocs; doc = candidates_->Next()) {
      Result<bool> holds = holds_(doc);
      if (!holds.ok()) {
        status_ = holds.status();
        return doc_ = kNoMoreDocs;
      }
      if (*holds) return doc_ = doc;
    }
    return doc_ = kNoMoreDocs;
  }

  std::unique_ptr<DocIterator> candidates_;
  std::function<Result<bool>(uint32_t doc)> holds_;
  Status status_;
};

}  // namespace

std::unique_ptr<PostingsIterator> PhraseIterator(std::vector<PhraseTerm> terms,
                                                 uint32_t num_ordinals) {
  assert(!terms.empty());
  return std::make_unique<PhraseIteratorImpl>(std::move(terms), num_ordinals);
}

uint32_t CountPhraseMatches(std::span<const std::vector<uint32_t>> positions,
                            std::span<const uint32_t> offsets) {
  uint32_t matches = 0;
  for (uint32_t p : positions[0]) {
    bool all = true;
    for (size_t i = 1; i < positions.size() && all; ++i) {
      // Term i is offsets[i] - offsets[0] positions after term 0.
      const int64_t want = int64_t{p} + offsets[i] - offsets[0];
      all = want >= 0 && std::binary_search(positions[i].begin(), positions[i].end(),
                                            static_cast<uint64_t>(want));
    }
    if (all) ++matches;
  }
  return matches;
}

bool ValueHoldsPhrase(uint32_t analyzer, const Value& v, std::span<const std::string> terms) {
  std::vector<std::vector<uint32_t>> positions(terms.size());
  std::vector<uint32_t> offsets(terms.size());
  for (size_t i = 0; i < terms.size(); ++i) offsets[i] = static_cast<uint32_t>(i);
  std::string scratch;
  ForEachPositionedTerm(analyzer, v, scratch, [&](std::string_view t, uint32_t position) {
    for (size_t i = 0; i < terms.size(); ++i) {
      if (terms[i] == t) positions[i].push_back(position);
    }
  });
  return CountPhraseMatches(positions, offsets) > 0;
}

std::unique_ptr<DocIterator> PhraseFilter(std::unique_ptr<DocIterator> candidates,
                                          std::function<Result<bool>(uint32_t doc)> holds) {
  return std::make_unique<PhraseFilterIterator>(std::move(candidates), std::move(holds));
}

}  // namespace freshet
