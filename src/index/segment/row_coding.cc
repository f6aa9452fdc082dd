#include "index/segment/row_coding.h"

namespace freshet {

void PutValue(std::string* out, const ValueView& v) {
  out->push_back(static_cast<char>(v.type));
  switch (v.type) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
      out->push_back(v.i != 0 ? 1 : 0);
      break;
    case ValueType::kInt64:
      PutVarint(out, ZigZag(v.i));
      break;
    case ValueType::kDouble:
      PutDouble(out, v.d);
      break;
    case ValueType::kString:
      PutLengthPrefixed(out, v.s);
      break;
    case ValueType::kStringList:
      PutVarint(out, v.list->size());
      for (const auto& s : *v.list) PutLengthPrefixed(out, s);
      break;
  }
}

void PutValue(std::string* out, const Value& v) { PutValue(out, ViewOf(v)); }

void PutRow(std::string* out, const Row& row) {
  PutVarint(out, row.size());
  for (const Value& v : row) PutValue(out, v);
}

bool GetValue(Cursor& c, Value* v) {
  uint8_t type;
  if (!c.GetByte(&type) || type > static_cast<uint8_t>(ValueType::kStringList)) return false;
  *v = Value();
  v->type = static_cast<ValueType>(type);
  std::string_view s;
  uint64_t u;
  switch (v->type) {
    case ValueType::kNull:
      return true;
    case ValueType::kBool: {
      uint8_t b;
      if (!c.GetByte(&b)) return false;
      v->b = b != 0;
      return true;
    }
    case ValueType::kInt64:
      if (!c.GetVarint(&u)) return false;
      v->i = UnZigZag(u);
      return true;
    case ValueType::kDouble:
      return c.GetDouble(&v->d);
    case ValueType::kString:
      if (!c.GetLengthPrefixed(&s)) return false;
      v->s = std::string(s);
      return true;
    case ValueType::kStringList:
      if (!c.GetVarint(&u) || u > c.remaining()) return false;
      for (uint64_t i = 0; i < u; ++i) {
        if (!c.GetLengthPrefixed(&s)) return false;
        v->list.emplace_back(s);
      }
      return true;
  }
  return false;
}

bool GetRow(Cursor& c, Row* row) {
  uint64_t n;
  if (!c.GetVarint(&n) || n > c.remaining()) return false;
  row->resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!GetValue(c, &(*row)[i])) return false;
  }
  return true;
}

}  // namespace freshet
