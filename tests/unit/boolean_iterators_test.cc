#include "index/search/boolean_iterators.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <iterator>
#include <random>
#include <set>
#include <vector>

namespace freshet {
namespace {

// Docs of a sorted list; `filter` makes it answer Matches() as numeric
// filters do.
class ListIterator final : public DocIterator {
 public:
  ListIterator(std::vector<uint32_t> docs, bool filter) : docs_(std::move(docs)), filter_(filter) {}
  uint32_t Next() override { return Land(started_ ? pos_ + 1 : 0); }
  uint32_t Advance(uint32_t target) override {
    EXPECT_TRUE(!started_ || target > doc_) << "Advance must move forward";
    size_t p = started_ ? pos_ : 0;
    while (p < docs_.size() && docs_[p] < target) ++p;
    return Land(p);
  }
  uint64_t cost() const override { return docs_.size(); }
  bool CanMatch() const override { return filter_; }
  bool Matches(uint32_t doc) const override {
    return std::binary_search(docs_.begin(), docs_.end(), doc);
  }

 private:
  uint32_t Land(size_t p) {
    started_ = true;
    pos_ = std::min(p, docs_.size());
    return doc_ = pos_ < docs_.size() ? docs_[pos_] : kNoMoreDocs;
  }
  std::vector<uint32_t> docs_;
  bool filter_;
  bool started_ = false;
  size_t pos_ = 0;
};

std::unique_ptr<DocIterator> List(const std::vector<uint32_t>& docs, bool filter = false) {
  return std::make_unique<ListIterator>(docs, filter);
}

std::vector<uint32_t> Drain(DocIterator& it) {
  std::vector<uint32_t> out;
  for (uint32_t d = it.Next(); d != kNoMoreDocs; d = it.Next()) out.push_back(d);
  EXPECT_EQ(it.Next(), kNoMoreDocs) << "stays past the end";
  return out;
}

std::vector<uint32_t> RandomList(std::mt19937& rng, uint32_t universe, double density) {
  std::vector<uint32_t> out;
  std::bernoulli_distribution pick(density);
  for (uint32_t d = 0; d < universe; ++d) {
    if (pick(rng)) out.push_back(d);
  }
  return out;
}

TEST(BooleanIteratorsTest, AllDocsAndEmpty) {
  auto all = AllDocsIterator(3);
  EXPECT_EQ(Drain(*all), (std::vector<uint32_t>{0, 1, 2}));
  auto none = EmptyIterator();
  EXPECT_EQ(none->Next(), kNoMoreDocs);
  EXPECT_TRUE(Drain(*AllDocsIterator(0)).empty());
}

TEST(BooleanIteratorsTest, SmallExamples) {
  std::vector<std::unique_ptr<DocIterator>> parts;
  parts.push_back(List({1, 3, 5, 7, 9}));
  parts.push_back(List({3, 4, 5, 9, 10}));
  parts.push_back(List({0, 5, 9}, /*filter=*/true));
  auto both = ConjunctionIterator(std::move(parts));
  EXPECT_EQ(Drain(*both), (std::vector<uint32_t>{5, 9}));

  parts.clear();
  parts.push_back(List({1, 5}));
  parts.push_back(List({0, 5, 8}));
  auto either = DisjunctionIterator(std::move(parts));
  EXPECT_EQ(Drain(*either), (std::vector<uint32_t>{0, 1, 5, 8}));

  auto but = ExclusionIterator(List({1, 2, 3, 4}), List({2, 4, 6}));
  EXPECT_EQ(Drain(*but), (std::vector<uint32_t>{1, 3}));
}

TEST(BooleanIteratorsTest, ConjunctionOfFiltersOnlyIteratesOneOfThem) {
  std::vector<std::unique_ptr<DocIterator>> parts;
  parts.push_back(List({2, 4, 6, 8}, true));
  parts.push_back(List({1, 2, 3, 4}, true));
  auto both = ConjunctionIterator(std::move(parts));
  EXPECT_EQ(Drain(*both), (std::vector<uint32_t>{2, 4}));
}

// Random lists against std::set algebra, by Next() and by Advance().
TEST(BooleanIteratorsTest, AgreeWithSetAlgebraOnRandomLists) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    const uint32_t universe = 1 + rng() % 3000;
    const int n = 1 + static_cast<int>(rng() % 4);
    std::vector<std::vector<uint32_t>> lists;
    std::vector<bool> filters;
    for (int i = 0; i < n; ++i) {
      const double density = std::uniform_real_distribution<double>(0.001, 0.9)(rng);
      lists.push_back(RandomList(rng, universe, density));
      filters.push_back(rng() % 3 == 0);
    }
    std::vector<uint32_t> want_and = lists[0], want_or = lists[0];
    for (int i = 1; i < n; ++i) {
      std::vector<uint32_t> a, o;
      std::set_intersection(want_and.begin(), want_and.end(), lists[i].begin(), lists[i].end(),
                            std::back_inserter(a));
      std::set_union(want_or.begin(), want_or.end(), lists[i].begin(), lists[i].end(),
                     std::back_inserter(o));
      want_and = std::move(a);
      want_or = std::move(o);
    }
    auto make = [&]() {
      std::vector<std::unique_ptr<DocIterator>> parts;
      for (int i = 0; i < n; ++i) parts.push_back(List(lists[i], filters[i]));
      return parts;
    };
    auto conj = ConjunctionIterator(make());
    ASSERT_EQ(Drain(*conj), want_and) << round;
    auto disj = DisjunctionIterator(make());
    ASSERT_EQ(Drain(*disj), want_or) << round;
    std::vector<uint32_t> want_minus;
    std::set_difference(lists[0].begin(), lists[0].end(), want_and.begin(), want_and.end(),
                        std::back_inserter(want_minus));
    auto minus = ExclusionIterator(List(lists[0]), ConjunctionIterator(make()));
    ASSERT_EQ(Drain(*minus), want_minus) << round;

    // Advance to random increasing targets: the first match at or after each.
    auto check_advance = [&](DocIterator& it, const std::vector<uint32_t>& want) {
      uint32_t target = 0;
      while (true) {
        target += 1 + rng() % 50;
        const auto expected = std::lower_bound(want.begin(), want.end(), target);
        const uint32_t got = it.Advance(target);
        ASSERT_EQ(got, expected == want.end() ? kNoMoreDocs : *expected) << round;
        if (got == kNoMoreDocs) break;
        target = got;
      }
    };
    auto conj2 = ConjunctionIterator(make());
    check_advance(*conj2, want_and);
    auto disj2 = DisjunctionIterator(make());
    check_advance(*disj2, want_or);
  }
}

// The disjunction reads its children a window of 4096 docs at a time: random
// lists over several windows, with docs on the windows' edges, empty and
// single-doc lists, walked by a random mix of Next() and Advance() (within
// the current window, to its edge, far beyond), against a merged reference.
TEST(BooleanIteratorsTest, DisjunctionAgreesWithUnionAcrossWindows) {
  constexpr uint32_t kWindow = 4096;
  const std::vector<uint32_t> edges = {
      0, 1, kWindow - 1, kWindow, kWindow + 1, 2 * kWindow - 1, 2 * kWindow, 3 * kWindow + 7};
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const uint32_t universe = 1 + rng() % (5 * kWindow);
    const int n = 1 + static_cast<int>(rng() % 5);
    std::vector<std::vector<uint32_t>> lists;
    for (int i = 0; i < n; ++i) {
      std::vector<uint32_t> list;
      switch (rng() % 5) {
        case 0:  // empty
          break;
        case 1:  // one doc
          list.push_back(static_cast<uint32_t>(rng() % universe));
          break;
        case 2: {  // docs on the windows' edges
          for (uint32_t e : edges) {
            if (e < universe && rng() % 2) list.push_back(e);
          }
          break;
        }
        default: {
          const double density = std::uniform_real_distribution<double>(0.0001, 0.5)(rng);
          list = RandomList(rng, universe, density);
        }
      }
      lists.push_back(std::move(list));
    }
    std::set<uint32_t> merged;
    for (const auto& l : lists) merged.insert(l.begin(), l.end());
    const std::vector<uint32_t> want(merged.begin(), merged.end());
    auto make = [&]() {
      std::vector<std::unique_ptr<DocIterator>> parts;
      for (const auto& l : lists) parts.push_back(List(l));
      return DisjunctionIterator(std::move(parts));
    };
    auto all = make();
    ASSERT_EQ(Drain(*all), want) << round;
    // Nested: a disjunction of the first lists' disjunction and the others.
    std::vector<std::unique_ptr<DocIterator>> inner, outer;
    for (size_t i = 0; i < lists.size(); ++i) (i % 2 ? outer : inner).push_back(List(lists[i]));
    outer.push_back(DisjunctionIterator(std::move(inner)));
    auto nested = DisjunctionIterator(std::move(outer));
    ASSERT_EQ(Drain(*nested), want) << round;

    // By windows of bits: each starts at a multiple of 64 and holds the
    // union's docs in its range; Next() goes on after the window taken.
    if (auto windows = make(); CopiesDocs(*windows)) {
      std::vector<uint32_t> got;
      DocWindow window;
      const int taken = static_cast<int>(rng() % 3);
      for (int i = 0; (taken == 0 || i < taken) && NextWindow(*windows, &window); ++i) {
        ASSERT_EQ(window.first % 64, 0u) << round;
        ASSERT_GE(window.first, got.empty() ? 0 : got.back() + 1) << round;
        for (size_t w = 0; w < window.words.size(); ++w) {
          for (uint64_t bits = window.words[w]; bits != 0; bits &= bits - 1) {
            got.push_back(window.first + static_cast<uint32_t>(w * 64 + std::countr_zero(bits)));
          }
        }
      }
      if (taken != 0) {
        const std::vector<uint32_t> rest = Drain(*windows);
        got.insert(got.end(), rest.begin(), rest.end());
      }
      ASSERT_EQ(got, want) << round;
      EXPECT_FALSE(NextWindow(*windows, &window)) << "stays past the end";
    }

    auto it = make();
    uint32_t doc = 0;
    bool started = false;
    while (true) {
      uint32_t got, expected;
      const uint32_t from = started ? doc + 1 : 0;
      const uint32_t step = rng() % 4;
      if (step == 0) {
        got = it->Next();
        auto e = std::lower_bound(want.begin(), want.end(), from);
        expected = e == want.end() ? kNoMoreDocs : *e;
      } else if (step == 1) {
        // A batch of the next docs, copied from the window's bits.
        std::vector<uint32_t> batch(1 + rng() % (rng() % 2 ? 5000 : 10));
        const size_t n = NextDocs(*it, batch);
        auto e = std::lower_bound(want.begin(), want.end(), from);
        const size_t left = static_cast<size_t>(want.end() - e);
        ASSERT_EQ(n, std::min(batch.size(), left)) << round;
        ASSERT_TRUE(std::equal(batch.begin(), batch.begin() + n, e)) << round;
        got = n == 0 ? kNoMoreDocs : batch[n - 1];
        expected = n < batch.size() ? kNoMoreDocs : got;
        if (n < batch.size()) got = it->doc();
      } else {
        uint32_t target;
        switch (rng() % 4) {
          case 0: {  // the current window's last doc, or the next one's first
            uint64_t edge = (uint64_t{from / kWindow} + rng() % 2) * kWindow;
            if (edge > 0 && rng() % 2) --edge;
            target = static_cast<uint32_t>(std::max<uint64_t>(from, edge));
            break;
          }
          case 1:  // far
            target = from + static_cast<uint32_t>(rng() % (3 * kWindow));
            break;
          default:  // near
            target = from + static_cast<uint32_t>(rng() % 40);
        }
        got = it->Advance(target);
        auto e = std::lower_bound(want.begin(), want.end(), target);
        expected = e == want.end() ? kNoMoreDocs : *e;
      }
      ASSERT_EQ(got, expected) << round;
      ASSERT_EQ(it->doc(), got) << round;
      if (got == kNoMoreDocs) break;
      doc = got;
      started = true;
    }
    EXPECT_EQ(it->Next(), kNoMoreDocs) << "stays past the end";

    // Led by a sparse list, a conjunction leapfrogs through the disjunction.
    std::vector<uint32_t> lead = RandomList(rng, universe, 0.01);
    std::vector<uint32_t> want_and;
    std::set_intersection(lead.begin(), lead.end(), want.begin(), want.end(),
                          std::back_inserter(want_and));
    std::vector<std::unique_ptr<DocIterator>> parts;
    parts.push_back(List(lead));
    parts.push_back(make());
    auto both = ConjunctionIterator(std::move(parts));
    ASSERT_EQ(Drain(*both), want_and) << round;

    // NextDocs on an iterator that is not a disjunction: by Next().
    std::vector<std::unique_ptr<DocIterator>> again;
    again.push_back(List(lead));
    again.push_back(make());
    auto both_again = ConjunctionIterator(std::move(again));
    EXPECT_FALSE(CopiesDocs(*both_again));
    std::vector<uint32_t> batch(1 + rng() % 100), got_and;
    for (size_t n; (n = NextDocs(*both_again, batch)) > 0;) {
      got_and.insert(got_and.end(), batch.begin(), batch.begin() + n);
    }
    ASSERT_EQ(got_and, want_and) << round;
    EXPECT_EQ(both_again->doc(), kNoMoreDocs);
  }
}

}  // namespace
}  // namespace freshet
