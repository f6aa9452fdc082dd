#include "metastore/json_string_list.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

TEST(JsonStringListTest, RoundTripsQuotesEscapesAndUnicode) {
  std::vector<std::string> items{"",
                                 "a \"quoted\" word",
                                 "back\\slash",
                                 "line\nbreak\ttab",
                                 "caf\xC3\xA9 \xF0\x9D\x84\x9E",
                                 std::string("nul\0byte", 8)};
  std::string json = EncodeJsonStringList(items);
  auto decoded = DecodeJsonStringList(json);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, items);
  EXPECT_EQ(EncodeJsonStringList({}), "[]");
  EXPECT_EQ(EncodeJsonStringList({"a\x01"}), "[\"a\\u0001\"]");
}

TEST(JsonStringListTest, InvalidUtf8BecomesReplacementCharacters) {
  std::string json = EncodeJsonStringList({"bad \xFF\xC3 end"});
  EXPECT_EQ(json, "[\"bad \xEF\xBF\xBD\xEF\xBF\xBD end\"]");
  auto decoded = DecodeJsonStringList(json);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->at(0), "bad \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(JsonStringListTest, RejectsWhatIsNotAnArrayOfStrings) {
  EXPECT_EQ(DecodeJsonStringList("{\"a\": 1}").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeJsonStringList("[\"a\", 2]").status().message(),
            "expected a JSON array of strings, element 1 is not a string");
  EXPECT_EQ(DecodeJsonStringList("[\"unterminated").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace freshet
