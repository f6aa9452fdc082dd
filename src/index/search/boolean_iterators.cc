#include "index/search/boolean_iterators.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <span>

#include "index/segment/segment_reader.h"

namespace freshet {
namespace {

class AllDocs final : public DocIterator {
 public:
  explicit AllDocs(uint32_t num_docs) : num_docs_(num_docs) {}
  uint32_t Next() override {
    return Advance(!started_ ? 0 : doc_ == kNoMoreDocs ? doc_ : doc_ + 1);
  }
  uint32_t Advance(uint32_t target) override {
    started_ = true;
    return doc_ = target < num_docs_ ? target : kNoMoreDocs;
  }
  uint64_t cost() const override { return num_docs_; }
  bool CanMatch() const override { return true; }
  bool Matches(uint32_t doc) const override { return doc < num_docs_; }

 private:
  uint32_t num_docs_;
  bool started_ = false;
};

class Empty final : public DocIterator {
 public:
  uint32_t Next() override { return doc_ = kNoMoreDocs; }
  uint32_t Advance(uint32_t) override { return doc_ = kNoMoreDocs; }
  uint64_t cost() const override { return 0; }
};

class NumericRange final : public DocIterator {
 public:
  NumericRange(const SegmentReader& segment, size_t field, double lo, double hi)
      : segment_(segment), field_(field), lo_(lo), hi_(hi) {}
  uint32_t Next() override {
    return Advance(!started_ ? 0 : doc_ == kNoMoreDocs ? doc_ : doc_ + 1);
  }
  uint32_t Advance(uint32_t target) override {
    started_ = true;
    if (target == kNoMoreDocs) return doc_ = kNoMoreDocs;
    return doc_ = segment_.NextInRange(field_, target, lo_, hi_);
  }
  uint64_t cost() const override { return segment_.num_docs(); }
  bool CanMatch() const override { return true; }
  bool Matches(uint32_t doc) const override {
    const double v = segment_.Numeric(field_, doc);
    return v >= lo_ && v <= hi_;  // false for NaN
  }

 private:
  const SegmentReader& segment_;
  size_t field_;
  double lo_, hi_;
  bool started_ = false;
};

class Conjunction final : public DocIterator {
 public:
  explicit Conjunction(std::vector<std::unique_ptr<DocIterator>> children) {
    // The cheapest iterating child leads; the others follow it by Advance;
    // filters check what they agree on.
    std::stable_sort(children.begin(), children.end(),
                     [](const auto& a, const auto& b) { return a->cost() < b->cost(); });
    const bool all_filters =
        std::all_of(children.begin(), children.end(), [](const auto& c) { return c->CanMatch(); });
    for (auto& c : children) {
      if (!lead_ && (all_filters || !c->CanMatch())) {
        lead_ = std::move(c);
      } else if (c->CanMatch()) {
        filters_.push_back(std::move(c));
      } else {
        others_.push_back(std::move(c));
      }
    }
  }
  uint32_t Next() override { return Align(lead_->Next()); }
  uint32_t Advance(uint32_t target) override { return Align(lead_->Advance(target)); }
  uint64_t cost() const override { return lead_->cost(); }
  Status status() const override {
    RETURN_IF_ERROR(lead_->status());
    for (const auto& o : others_) RETURN_IF_ERROR(o->status());
    return Status::OK();
  }

 private:
  // The first doc at or after `candidate` (the lead's doc) all children match.
  uint32_t Align(uint32_t candidate) {
    if (!started_) {
      started_ = true;
      for (auto& o : others_) o->Next();
    }
    while (candidate != kNoMoreDocs) {
      bool agreed = true;
      for (auto& o : others_) {
        uint32_t d = o->doc();
        if (d < candidate) d = o->Advance(candidate);
        if (d > candidate) {
          candidate = d == kNoMoreDocs ? kNoMoreDocs : lead_->Advance(d);
          agreed = false;
          break;
        }
      }
      if (!agreed) continue;
      if (std::all_of(filters_.begin(), filters_.end(),
                      [&](const auto& f) { return f->Matches(candidate); })) {
        return doc_ = candidate;
      }
      candidate = lead_->Next();
    }
    return doc_ = kNoMoreDocs;
  }

  std::unique_ptr<DocIterator> lead_;
  std::vector<std::unique_ptr<DocIterator>> others_;
  std::vector<std::unique_ptr<DocIterator>> filters_;
  bool started_ = false;
};

// Gathers the docs of a window of kWindowDocs ordinals at a time: each child
// runs through the window once, setting one bit per doc, and Next() reads
// the bits in order (a buffered union: no heap step per doc). Advance past
// the window moves every child to the target and drops the window, so a
// disjunction that a conjunction leapfrogs through pays O(children) per
// Advance, never the rest of a window it will not read.
class Disjunction final : public DocIterator {
 public:
  explicit Disjunction(std::vector<std::unique_ptr<DocIterator>> children)
      : children_(std::move(children)) {
    for (const auto& c : children_) cost_ += c->cost();
  }
  uint32_t Next() override {
    if (!started_) {
      started_ = true;
      for (auto& c : children_) c->Next();
      return Fill(0);
    }
    if (doc_ == kNoMoreDocs) return doc_;
    if (!window_valid_) return Fill(doc_ + 1);
    return Read(doc_ + 1);
  }
  uint32_t Advance(uint32_t target) override {
    const bool first_call = !started_;
    started_ = true;
    if (!first_call && doc_ == kNoMoreDocs) return doc_;
    if (window_valid_ && target < window_end_) return Read(target);
    DropWindow();
    uint32_t first = kNoMoreDocs;
    for (auto& c : children_) {
      uint32_t d = c->doc();
      if (first_call || d < target) d = c->Advance(target);
      first = std::min(first, d);
    }
    return doc_ = first;
  }
  // As many Next() calls, up to out.size(): the rest of the window is copied
  // from its bits.
  size_t NextDocs(std::span<uint32_t> out) {
    size_t n = 0;
    while (n < out.size()) {
      if (window_valid_ && doc_ != kNoMoreDocs && doc_ + 1 < window_end_) {
        const uint32_t bit = doc_ + 1 - window_start_;
        size_t w = bit / 64;
        uint64_t word = words_[w] & (~uint64_t{0} << (bit % 64));
        while (true) {
          for (; word != 0 && n < out.size(); word &= word - 1) {
            out[n++] = doc_ = window_start_ + static_cast<uint32_t>(w * 64) +
                              static_cast<uint32_t>(std::countr_zero(word));
          }
          if (n == out.size() || ++w == kWords) break;
          word = words_[w];
        }
        if (n == out.size()) break;
      }
      // Past the window (or none yet): Next() fills the next one.
      const uint32_t d = Next();
      if (d == kNoMoreDocs) break;
      out[n++] = d;
    }
    return n;
  }
  uint64_t cost() const override { return cost_; }
  bool CanMatch() const override {
    return std::all_of(children_.begin(), children_.end(),
                       [](const auto& c) { return c->CanMatch(); });
  }
  bool Matches(uint32_t doc) const override {
    return std::any_of(children_.begin(), children_.end(),
                       [&](const auto& c) { return c->Matches(doc); });
  }
  Status status() const override {
    for (const auto& c : children_) RETURN_IF_ERROR(c->status());
    return Status::OK();
  }
  // As NextWindow (boolean_iterators.h).
  bool NextWindow(DocWindow* window) {
    if (!started_) {
      started_ = true;
      for (auto& c : children_) c->Next();
    } else if (doc_ == kNoMoreDocs) {
      return false;
    }
    DropWindow();
    if (!FillWindow()) {
      doc_ = kNoMoreDocs;
      return false;
    }
    // Positioned on the window's last ordinal: Next() reads past it, as
    // after its last doc.
    doc_ = window_end_ - 1;
    *window = {window_start_, std::span<const uint64_t>(words_)};
    return true;
  }
  // Its children, for a disjunction that takes them in. REQUIRES: not
  // positioned.
  std::vector<std::unique_ptr<DocIterator>> TakeChildren() { return std::move(children_); }

 private:
  static constexpr uint32_t kWindowDocs = 4096;
  static constexpr size_t kWords = kWindowDocs / 64;

  // Fills the window that starts at the children's smallest doc and returns
  // its first doc at or after `target`. REQUIRES: no window valid, every
  // child positioned, target at most the next window's end.
  uint32_t Fill(uint32_t target) {
    if (!FillWindow()) return doc_ = kNoMoreDocs;
    return Read(std::max(target, window_start_));
  }
  // Fills the window that starts at the multiple of 64 at or below the
  // children's smallest doc; false if every child is past its end.
  // REQUIRES: no window valid, every child positioned.
  bool FillWindow() {
    uint32_t start = kNoMoreDocs;
    for (const auto& c : children_) start = std::min(start, c->doc());
    if (start == kNoMoreDocs) return false;
    start -= start % 64;
    window_start_ = start;
    window_end_ =
        static_cast<uint32_t>(std::min<uint64_t>(uint64_t{start} + kWindowDocs, kNoMoreDocs));
    for (auto& c : children_) {
      for (uint32_t d = c->doc(); d < window_end_; d = c->Next()) {
        const uint32_t bit = d - start;
        words_[bit / 64] |= uint64_t{1} << (bit % 64);
      }
    }
    window_valid_ = true;
    return true;
  }
  // The first doc of the window at or after `target`; past the window's
  // last doc, the next window's first (a new Fill). REQUIRES: window valid,
  // target >= window_start_.
  uint32_t Read(uint32_t target) {
    if (target < window_end_) {
      const uint32_t bit = target - window_start_;
      size_t w = bit / 64;
      uint64_t word = words_[w] & (~uint64_t{0} << (bit % 64));
      while (true) {
        if (word != 0) {
          return doc_ = window_start_ + static_cast<uint32_t>(w * 64) +
                        static_cast<uint32_t>(std::countr_zero(word));
        }
        if (++w == kWords) break;
        word = words_[w];
      }
    }
    // Every child is at or past the window's end.
    DropWindow();
    return Fill(window_end_);
  }
  void DropWindow() {
    if (window_valid_) words_.fill(0);
    window_valid_ = false;
  }

  std::vector<std::unique_ptr<DocIterator>> children_;
  std::array<uint64_t, kWords> words_{};  // bit i: doc window_start_ + i matches
  uint32_t window_start_ = 0;
  uint32_t window_end_ = 0;  // docs [window_start_, window_end_) are in words_
  bool window_valid_ = false;
  uint64_t cost_ = 0;
  bool started_ = false;
};

class Exclusion final : public DocIterator {
 public:
  Exclusion(std::unique_ptr<DocIterator> include, std::unique_ptr<DocIterator> exclude)
      : include_(std::move(include)), exclude_(std::move(exclude)) {}
  uint32_t Next() override { return Skip(include_->Next()); }
  uint32_t Advance(uint32_t target) override { return Skip(include_->Advance(target)); }
  uint64_t cost() const override { return include_->cost(); }
  Status status() const override {
    RETURN_IF_ERROR(include_->status());
    return exclude_->status();
  }

 private:
  uint32_t Skip(uint32_t candidate) {
    while (candidate != kNoMoreDocs && Excluded(candidate)) candidate = include_->Next();
    return doc_ = candidate;
  }
  bool Excluded(uint32_t doc) {
    if (exclude_->CanMatch()) return exclude_->Matches(doc);
    if (!started_ || exclude_->doc() < doc) {
      started_ = true;
      exclude_->Advance(doc);
    }
    return exclude_->doc() == doc;
  }

  std::unique_ptr<DocIterator> include_;
  std::unique_ptr<DocIterator> exclude_;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<DocIterator> AllDocsIterator(uint32_t num_docs) {
  return std::make_unique<AllDocs>(num_docs);
}
std::unique_ptr<DocIterator> EmptyIterator() { return std::make_unique<Empty>(); }
std::unique_ptr<DocIterator> NumericRangeIterator(const SegmentReader& segment, size_t field,
                                                  double lo, double hi) {
  return std::make_unique<NumericRange>(segment, field, lo, hi);
}
// An iterator of cost 0 matches nothing (cost bounds the matches).
std::unique_ptr<DocIterator> ConjunctionIterator(
    std::vector<std::unique_ptr<DocIterator>> children) {
  for (const auto& c : children) {
    if (c->cost() == 0) return EmptyIterator();
  }
  if (children.size() == 1) return std::move(children.front());
  return std::make_unique<Conjunction>(std::move(children));
}
std::unique_ptr<DocIterator> DisjunctionIterator(
    std::vector<std::unique_ptr<DocIterator>> children) {
  // A disjunction of disjunctions is one over all their children: one
  // window, no call per doc between them.
  std::vector<std::unique_ptr<DocIterator>> flat;
  for (auto& c : children) {
    if (auto* inner = dynamic_cast<Disjunction*>(c.get())) {
      for (auto& grandchild : inner->TakeChildren()) flat.push_back(std::move(grandchild));
    } else {
      flat.push_back(std::move(c));
    }
  }
  children = std::move(flat);
  std::erase_if(children, [](const auto& c) { return c->cost() == 0; });
  if (children.empty()) return EmptyIterator();
  if (children.size() == 1) return std::move(children.front());
  return std::make_unique<Disjunction>(std::move(children));
}
bool CopiesDocs(const DocIterator& it) { return dynamic_cast<const Disjunction*>(&it) != nullptr; }

bool NextWindow(DocIterator& it, DocWindow* window) {
  return static_cast<Disjunction&>(it).NextWindow(window);
}

size_t NextDocs(DocIterator& it, std::span<uint32_t> out) {
  if (auto* disjunction = dynamic_cast<Disjunction*>(&it)) return disjunction->NextDocs(out);
  size_t n = 0;
  while (n < out.size()) {
    const uint32_t d = it.Next();
    if (d == kNoMoreDocs) break;
    out[n++] = d;
  }
  return n;
}

std::unique_ptr<DocIterator> ExclusionIterator(std::unique_ptr<DocIterator> include,
                                               std::unique_ptr<DocIterator> exclude) {
  return std::make_unique<Exclusion>(std::move(include), std::move(exclude));
}

}  // namespace freshet
