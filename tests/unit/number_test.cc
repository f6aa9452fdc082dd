#include "format/number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace freshet {
namespace {

TEST(NumberTest, StringsThatSpellAJsonNumberAreNumbers) {
  EXPECT_EQ(ParseNumber("2"), 2.0);
  EXPECT_EQ(ParseNumber("0"), 0.0);
  EXPECT_EQ(ParseNumber("-0.5"), -0.5);
  EXPECT_EQ(ParseNumber("2.50"), 2.5);
  EXPECT_EQ(ParseNumber("1e3"), 1000.0);
  EXPECT_EQ(ParseNumber("1E+3"), 1000.0);
  EXPECT_EQ(ParseNumber("25e-1"), 2.5);
  EXPECT_EQ(ParseNumber("-0"), 0.0);
  // Past double precision: the nearest double, as for a JSON number.
  EXPECT_EQ(ParseNumber("12345678901234567890"), 12345678901234567890.0);
  // Below the smallest double: rounds to 0.
  EXPECT_EQ(ParseNumber("1e-400"), 0.0);
}

TEST(NumberTest, AnythingElseIsNotANumber) {
  for (const char* text :
       {"",    " 2",    "2 ",  "+2",   "2.",   ".5",        "01",       "-",     "1e",
        "1e+", "0x10",  "NaN", "nan",  "inf",  "-Infinity", "Infinity", "1e400", "-1e400",
        "2,5", "1_000", "２",  "true", "2abc", "\t2",       "--2",      "2\n"}) {
    EXPECT_FALSE(ParseNumber(text).has_value()) << "'" << text << "'";
  }
  // A NUL inside the text ends nothing: the whole text must be the number.
  EXPECT_FALSE(ParseNumber(std::string_view("2\0"
                                            "5",
                                            3))
                   .has_value());
}

TEST(NumberTest, ValuesFollowTheSameRule) {
  EXPECT_EQ(NumberOf(Value::Int64(2)), 2.0);
  EXPECT_EQ(NumberOf(Value::Int64(-7)), -7.0);
  EXPECT_EQ(NumberOf(Value::Double(2.5)), 2.5);
  EXPECT_EQ(NumberOf(Value::String("2")), 2.0);
  EXPECT_FALSE(NumberOf(Value::String(" 2")).has_value());
  EXPECT_FALSE(NumberOf(Value::String("cheap")).has_value());
  EXPECT_FALSE(NumberOf(Value::Double(std::nan(""))).has_value());
  EXPECT_FALSE(NumberOf(Value::Double(std::numeric_limits<double>::infinity())).has_value());
  EXPECT_FALSE(NumberOf(Value::Double(-std::numeric_limits<double>::infinity())).has_value());
  EXPECT_FALSE(NumberOf(Value::Bool(true)).has_value());
  EXPECT_FALSE(NumberOf(Value::Bool(false)).has_value());
  EXPECT_FALSE(NumberOf(Value::Null()).has_value());
  Value list;
  list.type = ValueType::kStringList;
  list.list = {"2"};
  EXPECT_FALSE(NumberOf(list).has_value());
}

}  // namespace
}  // namespace freshet
