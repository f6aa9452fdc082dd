#include "format/row.h"

#include <fmt/format.h>

namespace freshet {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kDouble:
      return "double";
    case ValueType::kString:
      return "string";
    case ValueType::kStringList:
      return "list";
  }
  return "?";
}

std::string ValueToText(const Value& v) {
  switch (v.type) {
    case ValueType::kNull:
      return "";
    case ValueType::kBool:
      return v.b ? "true" : "false";
    case ValueType::kInt64:
      return fmt::format("{}", v.i);
    case ValueType::kDouble:
      return fmt::format("{}", v.d);
    case ValueType::kString:
      return v.s;
    case ValueType::kStringList: {
      std::string out;
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out += ' ';
        out += v.list[i];
      }
      return out;
    }
  }
  return "";
}

}  // namespace freshet
