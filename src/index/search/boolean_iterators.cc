#include "index/search/boolean_iterators.h"

#include <algorithm>
#include <cmath>

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

class Disjunction final : public DocIterator {
 public:
  explicit Disjunction(std::vector<std::unique_ptr<DocIterator>> children)
      : children_(std::move(children)) {
    for (const auto& c : children_) cost_ += c->cost();
  }
  uint32_t Next() override {
    if (!started_) return Start(0);
    if (doc_ == kNoMoreDocs) return doc_;
    return Move(doc_ + 1, /*advance=*/false);
  }
  uint32_t Advance(uint32_t target) override {
    if (!started_) return Start(target);
    return Move(target, /*advance=*/true);
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

 private:
  uint32_t Start(uint32_t target) {
    started_ = true;
    for (auto& c : children_) {
      c->Advance(target);
      heap_.push_back(c.get());
    }
    // A min-heap by current doc.
    std::make_heap(heap_.begin(), heap_.end(),
                   [](const DocIterator* a, const DocIterator* b) { return a->doc() > b->doc(); });
    return doc_ = heap_.front()->doc();
  }
  // Moves every child before `target` to its first doc at or after it: the
  // heap's top steps (Next() from the current doc, else Advance) and sinks.
  uint32_t Move(uint32_t target, bool advance) {
    DocIterator* top = heap_.front();
    while (top->doc() < target) {
      if (!advance && top->doc() == doc_) {
        top->Next();
      } else {
        top->Advance(target);
      }
      SiftDown();
      top = heap_.front();
    }
    return doc_ = top->doc();
  }
  void SiftDown() {
    const size_t n = heap_.size();
    DocIterator* x = heap_[0];
    const uint32_t d = x->doc();
    size_t i = 0;
    while (true) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && heap_[c + 1]->doc() < heap_[c]->doc()) ++c;
      if (heap_[c]->doc() >= d) break;
      heap_[i] = heap_[c];
      i = c;
    }
    heap_[i] = x;
  }

  std::vector<std::unique_ptr<DocIterator>> children_;
  std::vector<DocIterator*> heap_;
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
  std::erase_if(children, [](const auto& c) { return c->cost() == 0; });
  if (children.empty()) return EmptyIterator();
  if (children.size() == 1) return std::move(children.front());
  return std::make_unique<Disjunction>(std::move(children));
}
std::unique_ptr<DocIterator> ExclusionIterator(std::unique_ptr<DocIterator> include,
                                               std::unique_ptr<DocIterator> exclude) {
  return std::make_unique<Exclusion>(std::move(include), std::move(exclude));
}

}  // namespace freshet
