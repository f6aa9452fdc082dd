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

// The Unicode analyzers. Expected terms are written from the Unicode rules
// (UAX #29 word boundaries, NFKC_Casefold, NFD minus nonspacing marks), not
// printed by the code.
using TermList = std::vector<std::string>;

TermList Unicode(std::string_view text) {
  TermList out;
  Tokenize(kUnicodeAnalyzer, text, &out);
  return out;
}

TermList Folded(std::string_view text) {
  TermList out;
  Tokenize(kUnicodeFoldAnalyzer, text, &out);
  return out;
}

TEST(UnicodeAnalyzerTest, FoldsTheCaseOfEveryScript) {
  EXPECT_EQ(Unicode("Schrödinger SCHRÖDINGER"), (TermList{"schrödinger", "schrödinger"}));
  EXPECT_EQ(Unicode("ØMQ ømq"), (TermList{"ømq", "ømq"}));
  // Greek: capital and final sigma both fold to σ.
  EXPECT_EQ(Unicode("ΟΔΥΣΣΕΎΣ Οδυσσεύς"), (TermList{"οδυσσεύσ", "οδυσσεύσ"}));
  EXPECT_EQ(Unicode("МОСКВА Москва"), (TermList{"москва", "москва"}));
  // Full case folding: ß and ẞ are "ss".
  EXPECT_EQ(Unicode("Straße STRASSE GROẞ"), (TermList{"strasse", "strasse", "gross"}));
}

TEST(UnicodeAnalyzerTest, FoldsTurkishIAsTheDefaultFoldingDoes) {
  // No Turkish tailoring: İ folds to i + combining dot above, ı stays ı,
  // I folds to i.
  EXPECT_EQ(Unicode("İstanbul ISTANBUL ıspanak"),
            (TermList{"i\xCC\x87stanbul", "istanbul", "ıspanak"}));
  // Accent folding drops the dot: İstanbul finds istanbul.
  EXPECT_EQ(Folded("İstanbul ıspanak"), (TermList{"istanbul", "ıspanak"}));
}

TEST(UnicodeAnalyzerTest, NormalizesCompatibilityForms) {
  EXPECT_EQ(Unicode("ＡＢＣ ﬁle"), (TermList{"abc", "file"}));  // fullwidth, ligature
  // A precomposed and a decomposed é give the same term.
  EXPECT_EQ(Unicode("caf\xC3\xA9 cafe\xCC\x81"), (TermList{"café", "café"}));
}

TEST(UnicodeAnalyzerTest, AccentFoldingDropsNonspacingMarksOnly) {
  EXPECT_EQ(Folded("Crème Brûlée"), (TermList{"creme", "brulee"}));
  EXPECT_EQ(Folded("cafe\xCC\x81 Ελλάδα"), (TermList{"cafe", "ελλαδα"}));
  // Letters that are not a letter plus a mark stay: ø, ł, ß (folded to ss).
  EXPECT_EQ(Folded("Ørsted Łódź Straße"), (TermList{"ørsted", "łodz", "strasse"}));
  EXPECT_EQ(Unicode("Crème"), (TermList{"crème"}));  // only unicode_fold drops accents
}

TEST(UnicodeAnalyzerTest, PunctuationSymbolsAndEmojiAloneAreNoTerms) {
  EXPECT_TRUE(Unicode("— … !!! « » 🎉 👍🏽 ★ + € $ % ©").empty());
  EXPECT_TRUE(Unicode("").empty());
  // Numbers to Unicode (No) but not the digits words are made of.
  EXPECT_EQ(Unicode("x² ½ ①"), (TermList{"x"}));
  EXPECT_EQ(Unicode("great — really 🎉great"), (TermList{"great", "really", "great"}));
}

TEST(UnicodeAnalyzerTest, ApostrophesCutWordsInTwo) {
  EXPECT_EQ(Unicode("GNOME’s"), (TermList{"gnome", "s"}));
  EXPECT_EQ(Unicode("don't l’homme"), (TermList{"don", "t", "l", "homme"}));
  EXPECT_EQ(Unicode("'quoted'"), (TermList{"quoted"}));
}

TEST(UnicodeAnalyzerTest, HyphensSeparateWhileDecimalPointsAndThousandsJoin) {
  EXPECT_EQ(Unicode("x86-64 e-mail"), (TermList{"x86", "64", "e", "mail"}));
  // Digits around . or , stay one number; a trailing period is not part of it.
  EXPECT_EQ(Unicode("3.14 1,000 v2.0."), (TermList{"3.14", "1,000", "v2.0"}));
  // Letters around a period stay one word (UAX #29 rule WB6/WB7).
  EXPECT_EQ(Unicode("example.com U.S.A"), (TermList{"example.com", "u.s.a"}));
  EXPECT_EQ(Unicode("snake_case"), (TermList{"snake_case"}));  // _ joins words (ExtendNumLet)
}

TEST(UnicodeAnalyzerTest, IdeographsAndKanaAreWordsBesideOtherScripts) {
  EXPECT_EQ(Unicode("東京"), (TermList{"東京"}));
  // ICU's dictionary splits runs without spaces into words.
  EXPECT_EQ(Unicode("東京都庁"), (TermList{"東京", "都庁"}));
  EXPECT_EQ(Unicode("Tokyo東京"), (TermList{"tokyo", "東京"}));
  EXPECT_EQ(Unicode("カタカナ"), (TermList{"カタカナ"}));
  EXPECT_EQ(Unicode("서울 특별시"), (TermList{"서울", "특별시"}));  // Hangul, split by spaces
  EXPECT_EQ(Unicode("ｶﾀｶﾅ"), (TermList{"カタカナ"}));               // halfwidth katakana normalized
}

TEST(UnicodeAnalyzerTest, LongTermsAreCutAtTheLastWholeCharacterThatFits) {
  EXPECT_EQ(Unicode(std::string(kMaxTokenBytes + 6, 'A') + " next"),
            (TermList{std::string(kMaxTokenBytes, 'a'), "next"}));
  // "a" then 40 é (2 bytes each): 64 bytes would end inside the 32nd é.
  std::string word = "a";
  for (int i = 0; i < 40; ++i) word += "\xC3\xA9";
  std::string cut = "a";
  for (int i = 0; i < 31; ++i) cut += "\xC3\xA9";
  EXPECT_EQ(Unicode(word), (TermList{cut}));
}

TEST(UnicodeAnalyzerTest, IllFormedUtf8NeverEndsInsideATerm) {
  // Stray bytes are not letters: the words around them stay terms.
  EXPECT_EQ(Unicode("abc\xFF\xFE def"), (TermList{"abc", "def"}));
  // A truncated sequence inside a word cuts it: "caf" + a lone lead byte,
  // "na" + a lead byte followed by an ASCII letter.
  EXPECT_EQ(Unicode("caf\xC3 na\xEFve"), (TermList{"caf", "na", "ve"}));
  EXPECT_EQ(Folded("\xE2\x80"), TermList{});  // truncated at the end
}

TEST(UnicodeAnalyzerTest, NamesAndIdsAreFrozen) {
  EXPECT_EQ(AnalyzerByName("ascii"), kAsciiAnalyzer);
  EXPECT_EQ(AnalyzerByName("unicode"), kUnicodeAnalyzer);
  EXPECT_EQ(AnalyzerByName("unicode_fold"), kUnicodeFoldAnalyzer);
  EXPECT_EQ(AnalyzerByName("Unicode"), std::nullopt);
  EXPECT_EQ(AnalyzerName(kUnicodeFoldAnalyzer), "unicode_fold");
  EXPECT_EQ(kAsciiAnalyzer, 1u);
  EXPECT_EQ(kUnicodeAnalyzer, 2u);
  EXPECT_EQ(kUnicodeFoldAnalyzer, 3u);
  EXPECT_FALSE(IsKnownAnalyzer(0));
  EXPECT_FALSE(IsKnownAnalyzer(4));
}

TEST(UnicodeAnalyzerTest, ForEachTokenOfAnAnalyzerMatchesTokenize) {
  const std::string text = "Ünïcode’s TEXT, 1,5 and 東京";
  for (uint32_t analyzer : {kAsciiAnalyzer, kUnicodeAnalyzer, kUnicodeFoldAnalyzer}) {
    TermList seen, all;
    std::string scratch;
    ForEachToken(analyzer, text, scratch, [&](std::string_view t) { seen.emplace_back(t); });
    Tokenize(analyzer, text, &all);
    EXPECT_EQ(seen, all) << analyzer;
  }
  TermList ascii;
  Tokenize(kAsciiAnalyzer, text, &ascii);
  EXPECT_EQ(ascii, Terms(text));  // Tokenize(text) is the ascii analyzer
}

}  // namespace
}  // namespace freshet
