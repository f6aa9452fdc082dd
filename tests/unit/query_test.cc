#include "index/query.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

std::string Canon(const char* q) {
  auto node = ParseQuery(q);
  return node.ok() ? (*node)->ToString() : "ERROR: " + node.status().message();
}

TEST(QueryParserTest, PrecedenceAndImplicitAnd) {
  EXPECT_EQ(Canon("red shoes"), "(\"red\" AND \"shoes\")");
  EXPECT_EQ(Canon("red OR blue shoes"), "(\"red\" OR (\"blue\" AND \"shoes\"))");
  EXPECT_EQ(Canon("(red OR blue) AND shoes"), "((\"red\" OR \"blue\") AND \"shoes\")");
  EXPECT_EQ(Canon("shoes -paused"), "(\"shoes\" AND NOT \"paused\")");
  EXPECT_EQ(Canon("NOT status:paused"), "NOT status:\"paused\"");
  EXPECT_EQ(Canon("brand:\"Acme Corp\""), "brand:\"Acme Corp\"");
  EXPECT_EQ(Canon("bid:[0.5 TO *]"), "bid:[0.5 TO inf]");
  EXPECT_EQ(Canon("t-shirt"), "\"t-shirt\"");
}

TEST(QueryParserTest, AfterAFieldAWordIsAValueWhateverItSpells) {
  EXPECT_EQ(Canon("tags:AND red"), "(tags:\"AND\" AND \"red\")");
  EXPECT_EQ(Canon("tags:OR OR tags:NOT"), "(tags:\"OR\" OR tags:\"NOT\")");
  EXPECT_EQ(Canon("tags:-x"), "tags:\"-x\"");
  EXPECT_EQ(Canon("red AND"), "ERROR: query: expected a term but found end of query at offset 7");
}

TEST(QueryParserTest, ErrorsNameTheOffset) {
  EXPECT_EQ(Canon("(red"), "ERROR: query: expected ')' but found end of query at offset 4");
  EXPECT_EQ(Canon("red AND"), "ERROR: query: expected a term but found end of query at offset 7");
  EXPECT_EQ(Canon("\"open"), "ERROR: query: unclosed quote at offset 0");
  EXPECT_EQ(Canon(""), "ERROR: query: empty");
  EXPECT_NE(Canon("bid:[a TO b]").find("range bounds"), std::string::npos);
}

TEST(QueryParserTest, RangeBoundsAreNumbersAsJsonWritesThem) {
  EXPECT_EQ(Canon("bid:[-1 TO 2.5]"), "bid:[-1 TO 2.5]");
  EXPECT_EQ(Canon("bid:[1e0 TO 25e-1]"), "bid:[1 TO 2.5]");
  EXPECT_EQ(Canon("bid:[* TO *]"), "bid:[-inf TO inf]");
  for (const char* q : {"bid:[.5 TO 2]", "bid:[1. TO 2]", "bid:[+1 TO 2]", "bid:[0x10 TO *]",
                        "bid:[NaN TO 2]", "bid:[* TO inf]", "bid:[1e400 TO *]", "bid:[01 TO 2]"}) {
    EXPECT_EQ(Canon(q),
              "ERROR: query: range bounds must be numbers (as JSON writes them) or '*' in '" +
                  std::string(q).substr(5, std::string(q).size() - 6) + "' at offset 4")
        << q;
  }
}

TEST(QueryParserTest, LimitsDepthAndTerms) {
  std::string deep(200, '(');
  deep += "x";
  deep += std::string(200, ')');
  EXPECT_NE(Canon(deep.c_str()).find("nested deeper"), std::string::npos);
  std::string many;
  for (int i = 0; i < 1100; ++i) many += "t ";
  EXPECT_NE(Canon(many.c_str()).find("more than 1024 terms"), std::string::npos);
}

}  // namespace
}  // namespace freshet
