#include "index/search/bm25_scorer.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace freshet
