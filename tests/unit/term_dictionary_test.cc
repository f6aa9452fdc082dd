#include "index/segment/term_dictionary.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

std::string Dictionary() {
  TermDictionaryWriter w;
  w.Add(0, "blue", 0, 2, 1);
  w.Add(0, "red", 2, 4, 2);
  w.Add(3, "acme", 6, 2, 1);
  return w.Finish();
}

TEST(TermDictionaryTest, RoundTripsEntriesInOrder) {
  const std::string section = Dictionary();
  TermDictionary d;
  ASSERT_TRUE(d.Open("t.seg", {section, 100}).ok());
  EXPECT_EQ(d.size(), 3u);
  TermInfo info;
  ASSERT_TRUE(d.At(1, &info));
  EXPECT_EQ(info.field, 0u);
  EXPECT_EQ(info.term, "red");
  EXPECT_EQ(info.postings_offset, 2u);
  EXPECT_EQ(info.postings_length, 4u);
  EXPECT_EQ(info.doc_freq, 2u);
}

TEST(TermDictionaryTest, FindsByFieldThenTerm) {
  const std::string section = Dictionary();
  TermDictionary d;
  ASSERT_TRUE(d.Open("t.seg", {section, 100}).ok());
  EXPECT_EQ(*d.Find(0, "blue"), 0u);
  EXPECT_EQ(*d.Find(3, "acme"), 2u);
  EXPECT_FALSE(d.Find(1, "red").has_value());  // same term, other field
  EXPECT_FALSE(d.Find(0, "Red").has_value());
  EXPECT_FALSE(d.Find(4, "").has_value());
}

TEST(TermDictionaryTest, AnEmptyDictionaryHasNoTerms) {
  const std::string section = TermDictionaryWriter().Finish();
  TermDictionary d;
  ASSERT_TRUE(d.Open("t.seg", {section, 100}).ok());
  EXPECT_EQ(d.size(), 0u);
  EXPECT_FALSE(d.Find(0, "red").has_value());
}

TEST(TermDictionaryTest, ATruncatedSectionOrCountIsCorruption) {
  const std::string section = Dictionary();
  EXPECT_EQ(TermDictionary().Open("t.seg", {section.substr(0, 7), 100}).message(),
            "segment 't.seg': TERMS truncated (offset 100)");
  std::string huge = section;
  huge[7] = 1;  // count 2^56
  EXPECT_EQ(TermDictionary().Open("t.seg", {huge, 100}).message(),
            "segment 't.seg': TERMS count (offset 100)");
  EXPECT_EQ(TermDictionary().Open("t.seg", {section.substr(0, 34), 100}).message(),
            "segment 't.seg': TERMS offsets truncated (offset 108)");  // after the count
}

}  // namespace
}  // namespace freshet
