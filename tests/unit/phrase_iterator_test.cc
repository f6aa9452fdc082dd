// Phrase queries in one segment: through the positions sections, and by
// analyzing the stored text again where a segment has no positions, both
// held to a brute-force scan of the docs' tokens written here.
#include "index/search/phrase_iterator.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "index/analyzer.h"
#include "index/search/segment_query.h"
#include "index/segment.h"

namespace freshet {
namespace {

Value ListValue(std::vector<std::string> strings) {
  Value v;
  v.type = ValueType::kStringList;
  v.list = std::move(strings);
  return v;
}

constexpr const char* kWords[] = {"red", "blue", "shoe", "hat", "lamp", "desk", "mug"};

std::string Words(std::mt19937& rng, int max_words) {
  std::string out;
  const int n = static_cast<int>(rng() % static_cast<unsigned>(max_words + 1));
  for (int i = 0; i < n; ++i) {
    out += i == 0 ? "" : (rng() % 4 == 0 ? ", " : " ");
    out += kWords[rng() % std::size(kWords)];
  }
  return out;
}

// Docs with a title (string), tags (a list of strings) and a group name;
// small vocabulary, so that phrases match often and lists pass 128 docs.
SegmentData RandomSegment(uint32_t seed, bool positions) {
  std::mt19937 rng(seed);
  SegmentData d;
  d.kind = SegmentKind::kBase;
  d.schema.doc_columns = {"id", "title", "tags"};
  d.schema.doc_roles = {kRoleStored, kRoleText | kRoleStored, kRoleText | kRoleKeyword};
  d.schema.group_columns = {"name"};
  d.schema.group_roles = {kRoleText | kRoleStored};
  d.schema.group_prefix = "item_";
  if (positions) {
    d.schema.doc_positions = {false, true, true};
    d.schema.group_positions = {true};
  }
  for (int g = 0; g < 120; ++g) {
    SegmentGroup group;
    group.key = fmt::format("item-{:04d}", g);
    group.has_record = rng() % 6 != 0;
    if (group.has_record) group.row = Row{Value::String(Words(rng, 4))};
    group.first_doc = static_cast<uint32_t>(d.docs.size());
    const int docs = static_cast<int>(rng() % 9);
    for (int i = 0; i < docs; ++i) {
      std::string id = fmt::format("ad-{:04d}-{}", g, i);
      d.docs.push_back(SegmentDoc{id, static_cast<uint32_t>(g), 1,
                                  Row{Value::String(id), Value::String(Words(rng, 6)),
                                      ListValue({Words(rng, 2), Words(rng, 2)})}});
    }
    group.doc_count = static_cast<uint32_t>(docs);
    d.groups.push_back(std::move(group));
  }
  return d;
}

// True if one of the strings holds `phrase` as consecutive terms.
bool Holds(const std::vector<std::string>& texts, const std::vector<std::string>& phrase) {
  for (const std::string& text : texts) {
    std::vector<std::string> terms;
    Tokenize(text, &terms);
    for (size_t i = 0; i + phrase.size() <= terms.size(); ++i) {
      if (std::equal(phrase.begin(), phrase.end(), terms.begin() + i)) return true;
    }
  }
  return false;
}

std::vector<std::string> Texts(const Value& v) {
  if (v.type == ValueType::kStringList) return v.list;
  if (v.type == ValueType::kString) return {v.s};
  return {};
}

// The docs of `data` matching `field:"phrase"` (every text field when
// `field` is empty), by scanning their tokens.
std::vector<uint32_t> Expected(const SegmentData& data, const std::string& field,
                               const std::vector<std::string>& phrase) {
  std::vector<uint32_t> out;
  for (uint32_t ord = 0; ord < data.docs.size(); ++ord) {
    const SegmentDoc& d = data.docs[ord];
    const SegmentGroup& g = data.groups[d.group];
    bool match = false;
    if (field.empty() || field == "title") match |= Holds(Texts(d.row[1]), phrase);
    if (field.empty() || field == "tags") match |= Holds(Texts(d.row[2]), phrase);
    if ((field.empty() || field == "item_name") && g.has_record) {
      match |= Holds(Texts(g.row[0]), phrase);
    }
    if (match) out.push_back(ord);
  }
  return out;
}

std::vector<uint32_t> Search(const SegmentReader& s, const std::string& query) {
  auto q = ParseQuery(query);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  auto it = CompileQuery(s, **q);
  EXPECT_TRUE(it.ok()) << it.status().ToString();
  std::vector<uint32_t> out;
  for (uint32_t d = (*it)->Next(); d != kNoMoreDocs; d = (*it)->Next()) out.push_back(d);
  EXPECT_TRUE((*it)->status().ok()) << (*it)->status().ToString();
  return out;
}

std::unique_ptr<SegmentReader> Open(const SegmentData& data, uint32_t format = 4) {
  auto r = SegmentReader::Open("p.seg", WriteSegment(data, format));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(*r);
}

TEST(PhraseIteratorTest, MatchesConsecutiveTermsInOneValueWithAndWithoutPositions) {
  const SegmentData with = RandomSegment(3, true);
  const SegmentData without = RandomSegment(3, false);
  auto a = Open(with);
  auto b = Open(without);
  auto c = Open(without, 3);  // format 3: group fields on every doc, no positions
  ASSERT_TRUE(a && b && c);
  ASSERT_GT(with.docs.size(), 300u);  // lists of more than one block
  for (const char* f : {"title", "tags", "item_name"}) {
    EXPECT_TRUE(a->HasPositions(*a->schema().FindField(f))) << f;
    EXPECT_FALSE(b->HasPositions(*b->schema().FindField(f))) << f;
  }
  std::mt19937 rng(5);
  size_t nonempty = 0;
  for (int i = 0; i < 200; ++i) {
    std::vector<std::string> phrase;
    const int n = 2 + static_cast<int>(rng() % 2);
    for (int k = 0; k < n; ++k) phrase.push_back(kWords[rng() % std::size(kWords)]);
    const char* fields[] = {"", "title", "tags", "item_name"};
    const std::string field = fields[rng() % 4];
    std::string text;
    for (const auto& w : phrase) text += (text.empty() ? "" : " ") + w;
    const std::string query = field.empty() ? "\"" + text + "\"" : field + ":\"" + text + "\"";
    const std::vector<uint32_t> expected = Expected(with, field, phrase);
    nonempty += !expected.empty();
    EXPECT_EQ(Search(*a, query), expected) << query;
    EXPECT_EQ(Search(*b, query), expected) << query << " (no positions)";
    EXPECT_EQ(Search(*c, query), expected) << query << " (format 3)";
  }
  EXPECT_GT(nonempty, 50u);
}

TEST(PhraseIteratorTest, OrderRepeatsListValuesAndPunctuation) {
  SegmentData d = RandomSegment(1, true);
  // Doc 0: a title with punctuation and a repeated word, tags in two values.
  d.docs[0].row[1] = Value::String("Red, red shoe. Blue hat");
  d.docs[0].row[2] = ListValue({"lamp desk", "mug red"});
  auto s = Open(d);
  auto holds = [&](const std::string& q) {
    std::vector<uint32_t> docs = Search(*s, q);
    return !docs.empty() && docs[0] == 0;
  };
  EXPECT_TRUE(holds("title:\"red shoe\""));
  EXPECT_TRUE(holds("title:\"red red shoe\""));   // a repeated term, positions 0 and 1
  EXPECT_TRUE(holds("title:\"shoe blue hat\""));  // "." takes no position
  EXPECT_TRUE(holds("title:\"RED, SHOE\""));      // the query is analyzed as the text
  EXPECT_FALSE(holds("title:\"shoe red\""));      // order counts
  EXPECT_FALSE(holds("title:\"red hat\""));       // so does adjacency
  EXPECT_TRUE(holds("tags:\"lamp desk\""));
  EXPECT_FALSE(holds("tags:\"desk mug\""));  // two values of a list
  EXPECT_TRUE(holds("tags:\"mug red\""));
}

TEST(PhraseIteratorTest, CountPhraseMatchesCountsEveryStart) {
  const std::vector<std::vector<uint32_t>> positions = {{0, 4, 9}, {1, 5, 7}, {2, 6}};
  const std::vector<uint32_t> offsets = {0, 1, 2};
  EXPECT_EQ(CountPhraseMatches(positions, offsets), 2u);  // at 0 and at 4
  const std::vector<uint32_t> shifted = {1, 2, 3};        // the same phrase, offsets from 1
  EXPECT_EQ(CountPhraseMatches(positions, shifted), 2u);
  const std::vector<std::vector<uint32_t>> none = {{0}, {2}};
  EXPECT_EQ(CountPhraseMatches(none, std::vector<uint32_t>{0, 1}), 0u);
}

TEST(PhraseIteratorTest, AdvanceSkipsToTheNextMatch) {
  const SegmentData d = RandomSegment(9, true);
  auto s = Open(d);
  const std::vector<uint32_t> all = Search(*s, "title:\"red shoe\"");
  ASSERT_GT(all.size(), 10u);
  auto q = ParseQuery("title:\"red shoe\"");
  auto it = CompileQuery(*s, **q);
  ASSERT_TRUE(it.ok());
  // Advance to just past every third match: lands on the next one.
  for (size_t i = 0; i + 1 < all.size(); i += 3) {
    EXPECT_EQ((*it)->Advance(all[i] + 1), all[i + 1]);
  }
}

}  // namespace
}  // namespace freshet
