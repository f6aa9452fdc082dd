// Numbers: the one rule that decides whether a value is a number, and which.
// Range and equality filters on numeric fields, sorts by a numeric field,
// aggregates (min, max, sum, avg) and the numbers written in queries all go
// through it, so a value is a number everywhere or nowhere:
//
//   - an integer or floating-point value (a JSON number; Parquet INT32, INT64,
//     FLOAT, DOUBLE, DECIMAL) is the number it holds, as the nearest 64-bit
//     double, unless it is NaN or infinite;
//   - a string is a number iff the whole string is a number of the JSON
//     grammar (RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, no
//     space or anything else around it) whose double is finite: "2", "-0.5",
//     "1e3" are numbers; " 2", "+2", "2.", ".5", "01", "0x10", "NaN", "inf",
//     "1e400" are not (a value too small for a double rounds to 0);
//   - booleans, nulls and lists are not numbers.
//
// A value that is not a number is absent from its numeric field: it matches
// no range or equality, sorts after every number, and aggregates leave it out
// (`count` counts docs, not numbers).
#pragma once

#include <optional>
#include <string_view>

#include "format/row.h"

namespace freshet {

// The number `text` spells under the rule above; nullopt if it is not one.
std::optional<double> ParseNumber(std::string_view text);

// The number `v` holds under the rule above; nullopt if it holds none.
std::optional<double> NumberOf(const Value& v);

}  // namespace freshet
