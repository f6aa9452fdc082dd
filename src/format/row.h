// Rows: what every input format produces. A Row holds the values of the
// columns a pipeline projects, in the order of its projection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace freshet {

// Frozen: stored in segments.
enum class ValueType : uint8_t {
  kNull = 0,
  kBool = 1,
  kInt64 = 2,
  kDouble = 3,
  kString = 4,
  kStringList = 5,  // arrays of strings or numbers (numbers in canonical text)
};

struct Value {
  ValueType type = ValueType::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<std::string> list;

  static Value Null() { return {}; }
  static Value Bool(bool v) {
    Value x;
    x.type = ValueType::kBool;
    x.b = v;
    return x;
  }
  static Value Int64(int64_t v) {
    Value x;
    x.type = ValueType::kInt64;
    x.i = v;
    return x;
  }
  static Value Double(double v) {
    Value x;
    x.type = ValueType::kDouble;
    x.d = v;
    return x;
  }
  static Value String(std::string v) {
    Value x;
    x.type = ValueType::kString;
    x.s = std::move(v);
    return x;
  }
  bool is_null() const { return type == ValueType::kNull; }
  bool operator==(const Value&) const = default;
};

// The name of a type in messages: null, bool, int64, double, string, list.
std::string_view ValueTypeName(ValueType t);

// Canonical text of a value: integers in decimal, doubles in the shortest
// form that round-trips, booleans as true/false, lists joined by ' '.
std::string ValueToText(const Value& v);

using Row = std::vector<Value>;

}  // namespace freshet
