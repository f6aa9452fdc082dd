#include "index/search/bm25_scorer.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "index/ranking.h"
#include "index/segment/segment_reader.h"
#include "index/segment/segment_writer.h"

namespace freshet {
namespace {

// Random titles over a few words, some repeated (term frequencies above 1),
// long enough lists for skip data (blocks of 128 docs): at every doc, in
// increasing order with Bound, TightBound and Score called or not,
// Bound >= TightBound >= Score, and Score is the BM25 sum computed here.
TEST(SegmentScorerTest, BoundsNeverFallBelowTheScoreAtAnyDoc) {
  const std::vector<std::string> words = {"red", "blue", "shoes", "rare"};
  const double density[] = {0.5, 0.3, 0.1, 0.01};
  std::mt19937 rng(5);
  for (int round = 0; round < 20; ++round) {
    SegmentData d;
    d.schema.doc_columns = {"title"};
    d.schema.doc_roles = {kRoleText};
    const uint32_t n = 500 + rng() % 3000;
    // counts[doc][word]: occurrences; lengths[doc]: tokens.
    std::vector<std::vector<uint32_t>> counts(n, std::vector<uint32_t>(words.size()));
    std::vector<uint32_t> lengths(n);
    for (uint32_t doc = 0; doc < n; ++doc) {
      std::string title;
      for (size_t w = 0; w < words.size(); ++w) {
        if (!std::bernoulli_distribution(density[w])(rng)) continue;
        counts[doc][w] = 1 + (rng() % 4 == 0 ? rng() % 5 : 0);
        for (uint32_t k = 0; k < counts[doc][w]; ++k) title += words[w] + " ";
      }
      const uint32_t filler = rng() % 6;
      for (uint32_t k = 0; k < filler; ++k) title += "x ";
      for (const auto& c : counts[doc]) lengths[doc] += c;
      lengths[doc] += filler;
      char id[16];
      snprintf(id, sizeof id, "d%06u", doc);
      d.groups.push_back(SegmentGroup{id, false, 0, Row{}, {}, doc, 1});
      d.docs.push_back(SegmentDoc{id, doc, 1, Row{Value::String(title)}});
    }
    auto segment = SegmentReader::Open("s", WriteSegment(d));
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
    // Query terms (a word may be absent from the segment), with made-up
    // statistics: the scorer takes them as given.
    std::vector<ScoringTerm> terms;
    for (size_t w = 0; w < words.size(); ++w) {
      if (rng() % 3 == 0) continue;
      terms.push_back({"title", words[w], 0.5 + w, 2.0 + (rng() % 5)});
    }
    terms.push_back({"title", "absent", 1.0, 3.0});
    auto scorer = SegmentScorer::Open(**segment, terms);
    ASSERT_TRUE(scorer.ok());
    for (uint32_t doc = 0; doc < n; doc += 1 + (rng() % 3 == 0 ? rng() % 300 : 0)) {
      const double bound = (*scorer)->Bound(doc);
      double want = 0;
      for (const ScoringTerm& t : terms) {
        for (size_t w = 0; w < words.size(); ++w) {
          if (t.token == words[w] && counts[doc][w] > 0) {
            want += t.idf * Bm25TermWeight(counts[doc][w], lengths[doc], t.average_length);
          }
        }
      }
      EXPECT_GE(bound, want) << round << " doc " << doc;
      if (rng() % 2) {
        const double tight = (*scorer)->TightBound(doc);
        EXPECT_LE(tight, bound) << round << " doc " << doc;
        EXPECT_GE(tight, want) << round << " doc " << doc;
      }
      if (rng() % 2) {
        EXPECT_NEAR((*scorer)->Score(doc), want, 1e-12) << round << " doc " << doc;
      }
    }
    EXPECT_TRUE((*scorer)->status().ok());
  }
}

// A group text field (stored once per group): every doc of a group holds
// the group record's terms and length, and scores as computed here from
// them, whichever docs of which groups are asked, in increasing order.
TEST(SegmentScorerTest, GroupFieldScoresAreTheGroupRecordsAtEveryDoc) {
  const std::vector<std::string> words = {"red", "blue", "shoes"};
  std::mt19937 rng(11);
  for (int round = 0; round < 10; ++round) {
    SegmentData d;
    d.schema.doc_columns = {"title"};
    d.schema.doc_roles = {kRoleText};
    d.schema.group_columns = {"name"};
    d.schema.group_roles = {kRoleText};
    d.schema.group_prefix = "item_";
    const uint32_t groups = 200 + rng() % 800;
    std::vector<std::vector<uint32_t>> counts;  // by group, by word
    std::vector<uint32_t> lengths;              // by group
    std::vector<uint32_t> group_of;             // by doc
    for (uint32_t g = 0; g < groups; ++g) {
      std::string name;
      std::vector<uint32_t> c(words.size());
      for (size_t w = 0; w < words.size(); ++w) {
        if (rng() % 3 != 0) continue;
        c[w] = 1 + (rng() % 5 == 0 ? rng() % 3 : 0);
        for (uint32_t k = 0; k < c[w]; ++k) name += words[w] + " ";
      }
      const uint32_t filler = rng() % 4;
      for (uint32_t k = 0; k < filler; ++k) name += "x ";
      counts.push_back(c);
      lengths.push_back(filler + c[0] + c[1] + c[2]);
      char key[16];
      snprintf(key, sizeof key, "g%06u", g);
      const uint32_t docs = rng() % 6;  // some groups have no doc
      d.groups.push_back(SegmentGroup{
          key, true, 1, Row{Value::String(name)}, {}, static_cast<uint32_t>(d.docs.size()), docs});
      for (uint32_t k = 0; k < docs; ++k) {
        d.docs.push_back(
            SegmentDoc{std::string(key) + "-" + std::to_string(k), g, 1, Row{Value::String("y")}});
        group_of.push_back(g);
      }
    }
    auto segment = SegmentReader::Open("s", WriteSegment(d, 4));
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
    std::vector<ScoringTerm> terms;
    for (size_t w = 0; w < words.size(); ++w)
      terms.push_back({"item_name", words[w], 1.0 + w, 2.0});
    auto scorer = SegmentScorer::Open(**segment, terms);
    ASSERT_TRUE(scorer.ok());
    for (uint32_t doc = 0; doc < group_of.size(); doc += 1 + rng() % 3) {
      const uint32_t g = group_of[doc];
      double want = 0;
      for (size_t w = 0; w < words.size(); ++w) {
        if (counts[g][w] > 0) {
          want += terms[w].idf * Bm25TermWeight(counts[g][w], lengths[g], terms[w].average_length);
        }
      }
      EXPECT_EQ((*scorer)->Score(doc), want) << round << " doc " << doc << " group " << g;
    }
    EXPECT_TRUE((*scorer)->status().ok());
  }
}

// Windows of docs (several per segment), each with a random floor: a doc's
// bit is set exactly when it holds a term or matches the unscored cursor
// (the filler word), and its score is the BM25 sum computed here, or
// -infinity (or no scores at all) only when that sum is below the floor.
TEST(SegmentScorerTest, WindowsHoldEveryMatchScoredUnlessBelowTheFloor) {
  const std::vector<std::string> words = {"red", "blue", "shoes", "rare"};
  const double density[] = {0.5, 0.1, 0.02, 0.002};
  std::mt19937 rng(7);
  for (int round = 0; round < 10; ++round) {
    SegmentData d;
    d.schema.doc_columns = {"title"};
    d.schema.doc_roles = {kRoleText};
    const uint32_t n = 3000 + rng() % 12000;
    std::vector<std::vector<uint32_t>> counts(n, std::vector<uint32_t>(words.size()));
    std::vector<uint32_t> lengths(n);
    std::vector<bool> filler_of(n);
    for (uint32_t doc = 0; doc < n; ++doc) {
      std::string title;
      for (size_t w = 0; w < words.size(); ++w) {
        if (!std::bernoulli_distribution(density[w])(rng)) continue;
        counts[doc][w] = 1 + (rng() % 4 == 0 ? rng() % 5 : 0);
        for (uint32_t k = 0; k < counts[doc][w]; ++k) title += words[w] + " ";
      }
      const uint32_t filler = rng() % 30 == 0 ? 1 + rng() % 3 : 0;
      for (uint32_t k = 0; k < filler; ++k) title += "x ";
      for (const auto& c : counts[doc]) lengths[doc] += c;
      lengths[doc] += filler + rng() % 8;
      for (uint32_t k = filler + counts[doc][0] + counts[doc][1] + counts[doc][2] + counts[doc][3];
           k < lengths[doc]; ++k) {
        title += "y ";
      }
      filler_of[doc] = filler > 0;
      char id[16];
      snprintf(id, sizeof id, "d%06u", doc);
      d.groups.push_back(SegmentGroup{id, false, 0, Row{}, {}, doc, 1});
      d.docs.push_back(SegmentDoc{id, doc, 1, Row{Value::String(title)}});
    }
    auto segment = SegmentReader::Open("s", WriteSegment(d));
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
    std::vector<ScoringTerm> terms;
    for (size_t w = 0; w < words.size(); ++w) {
      terms.push_back({"title", words[w], 0.5 + 2.0 * w, 3.0 + (rng() % 5)});
    }
    auto scorer = SegmentScorer::Open(**segment, terms);
    ASSERT_TRUE(scorer.ok());
    auto filler = (*segment)->OpenPostings(0, "x");
    ASSERT_TRUE(filler.ok() && *filler);
    std::vector<std::unique_ptr<DocIterator>> unscored;
    unscored.push_back(std::move(*filler));
    std::vector<bool> seen(n);
    DocWindow window;
    std::span<const double> scores;
    double floor = -std::numeric_limits<double>::infinity();
    while ((*scorer)->NextWindow(unscored, floor, &window, &scores)) {
      ASSERT_EQ(window.first % 64, 0u);
      for (size_t i = 0; i < SegmentScorer::kWindowDocs; ++i) {
        const uint32_t doc = window.first + static_cast<uint32_t>(i);
        const bool set = window.words[i / 64] >> (i % 64) & 1;
        if (doc >= n) {
          EXPECT_FALSE(set) << round << " doc " << doc;
          continue;
        }
        double want = 0;
        bool holds = filler_of[doc];
        for (size_t w = 0; w < words.size(); ++w) {
          if (counts[doc][w] == 0) continue;
          holds = true;
          want +=
              terms[w].idf * Bm25TermWeight(counts[doc][w], lengths[doc], terms[w].average_length);
        }
        EXPECT_EQ(set, holds) << round << " doc " << doc;
        if (!set) continue;
        seen[doc] = true;
        if (scores.empty() || scores[i] == -std::numeric_limits<double>::infinity()) {
          EXPECT_LT(want, floor) << round << " doc " << doc;
        } else {
          EXPECT_NEAR(scores[i], want, 1e-12) << round << " doc " << doc;
        }
      }
      // The next window's floor: none, or one that rules out some docs.
      floor = rng() % 3 == 0 ? -std::numeric_limits<double>::infinity()
                             : std::uniform_real_distribution<double>(0, 12)(rng);
    }
    for (uint32_t doc = 0; doc < n; ++doc) {
      const bool holds =
          filler_of[doc] || counts[doc][0] || counts[doc][1] || counts[doc][2] || counts[doc][3];
      EXPECT_EQ(seen[doc], holds) << round << " doc " << doc;
    }
    EXPECT_TRUE((*scorer)->status().ok());
  }
}

}  // namespace
}  // namespace freshet
