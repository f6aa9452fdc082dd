#include "index/analyzer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace freshet {
namespace {

std::vector<std::string> Terms(std::string_view text) {
  std::vector<std::string> out;
  Tokenize(text, &out);
  return out;
}

TEST(AnalyzerTest, SplitsOnNonAlphanumericsAndLowercasesAscii) {
  EXPECT_EQ(Terms("Red-Shoes, size 42!"), (std::vector<std::string>{"red", "shoes", "size", "42"}));
  EXPECT_EQ(Terms("a_b.c/d"), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(Terms("x2y Z9"), (std::vector<std::string>{"x2y", "z9"}));
}

TEST(AnalyzerTest, KeepsRepetitionsInOrder) {
  EXPECT_EQ(Terms("go GO go"), (std::vector<std::string>{"go", "go", "go"}));
}

TEST(AnalyzerTest, NonAsciiBytesStayInsideTokensUnchanged) {
  // "Café CRÈME": ASCII letters lowercased, UTF-8 bytes kept as written.
  EXPECT_EQ(Terms("Caf\xc3\xa9 CR\xc3\x88ME"),
            (std::vector<std::string>{"caf\xc3\xa9", "cr\xc3\x88me"}));
}

TEST(AnalyzerTest, EmptyAndSeparatorOnlyTextHaveNoTerms) {
  EXPECT_TRUE(Terms("").empty());
  EXPECT_TRUE(Terms(" ,.;-\t\n").empty());
}

TEST(AnalyzerTest, LongTokensAreCutAtTheLimit) {
  std::string longest(kMaxTokenBytes + 10, 'A');
  auto terms = Terms(longest + " next");
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[0], std::string(kMaxTokenBytes, 'a'));
  EXPECT_EQ(terms[1], "next");
}

TEST(AnalyzerTest, ForEachTokenMatchesTokenize) {
  const std::string text = "One two, THREE; f\xc3\xbcnf";
  std::vector<std::string> seen;
  std::string scratch;
  ForEachToken(text, scratch, [&](std::string_view t) { seen.emplace_back(t); });
  EXPECT_EQ(seen, Terms(text));
}

}  // namespace
}  // namespace freshet
