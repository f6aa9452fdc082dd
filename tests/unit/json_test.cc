#include "common/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

namespace freshet {
namespace {

TEST(JsonQuoteTest, EscapesQuotesControlsAndInvalidUtf8) {
  EXPECT_EQ(JsonQuote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonQuote("line\nnext\ttab\x01"), R"("line\nnext\ttab\u0001")");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // valid UTF-8 kept
  // Stray, overlong and surrogate bytes become U+FFFD: the text stays UTF-8.
  EXPECT_EQ(JsonQuote("bad\xff"), "\"bad\xEF\xBF\xBD\"");
  EXPECT_EQ(JsonQuote("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong '/'
  EXPECT_EQ(JsonQuote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
  EXPECT_EQ(JsonQuote("caf\xC3\xA9 \xF0\x9D\x84\x9E\r"), "\"caf\xC3\xA9 \xF0\x9D\x84\x9E\\r\"");
  EXPECT_EQ(JsonQuote(""), R"("")");
}

TEST(JsonNumberTest, NonFiniteNumbersAreNull) {
  EXPECT_EQ(JsonNumber(1.5), "1.5");
  EXPECT_EQ(JsonNumber(2), "2");
  EXPECT_EQ(JsonNumber(std::nan("")), "null");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriterTest, NestsObjectsAndArraysWithCommasInPlace) {
  JsonWriter w;
  w.BeginObject().Field("id", "ad-1").Field("bid", 1.5).Key("tags").BeginArray();
  w.Value("red").Value(std::string("big")).EndArray();
  w.Key("empty").BeginObject().EndObject();
  w.Key("none").BeginArray().EndArray();
  w.Key("list").BeginArray().BeginObject().Field("a", 1).EndObject().BeginObject().EndObject();
  w.EndArray().EndObject();
  EXPECT_EQ(w.text(), R"({"id":"ad-1","bid":1.5,"tags":["red","big"],"empty":{},"none":[],)"
                      R"("list":[{"a":1},{}]})");
}

TEST(JsonWriterTest, ScalarsOfEveryKind) {
  JsonWriter w;
  w.BeginArray()
      .Value(true)
      .Value(false)
      .Value(int64_t{-7})
      .Value(uint64_t{18446744073709551615u})
      .Value(0.25)
      .Value(std::nan(""))
      .Value(std::optional<std::string>())
      .Value(std::optional<std::string>("x"))
      .Value(std::optional<double>(3))
      .Null()
      .Raw(R"({"raw":1})")
      .EndArray();
  EXPECT_EQ(w.text(),
            R"([true,false,-7,18446744073709551615,0.25,null,null,"x",3,null,{"raw":1}])");
}

TEST(JsonWriterTest, KeysAndStringsAreEscaped) {
  JsonWriter w;
  w.BeginObject().Field("we\"ird", "a\nb").EndObject();
  EXPECT_EQ(w.Take(), R"({"we\"ird":"a\nb"})");
}

TEST(JsonWriterTest, ATopLevelScalarIsAWholeDocument) {
  JsonWriter w;
  w.String("alone");
  EXPECT_EQ(w.text(), R"("alone")");
}

}  // namespace
}  // namespace freshet
