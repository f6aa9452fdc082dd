#include "format/record_batch.h"

namespace freshet {
namespace {

void SetNull(Value& v) {
  v.type = ValueType::kNull;
  v.b = false;
  v.i = 0;
  v.d = 0;
  v.s.clear();
  if (!v.list.empty()) v.list.clear();
}

}  // namespace

size_t ColumnBatch::MemoryBytes() const {
  size_t bytes = types.capacity() * sizeof(ValueType) + ints.capacity() * sizeof(int64_t) +
                 doubles.capacity() * sizeof(double) +
                 strings.capacity() * sizeof(std::string_view) +
                 lists.capacity() * sizeof(std::vector<std::string>) + pinned_bytes;
  for (const auto& list : lists) {
    for (const std::string& e : list) bytes += sizeof(std::string) + e.capacity();
  }
  return bytes;
}

Value ValueView::ToValue() const {
  switch (type) {
    case ValueType::kNull:
      return Value::Null();
    case ValueType::kBool:
      return Value::Bool(i != 0);
    case ValueType::kInt64:
      return Value::Int64(i);
    case ValueType::kDouble:
      return Value::Double(d);
    case ValueType::kString:
      return Value::String(std::string(s));
    case ValueType::kStringList: {
      Value v;
      v.type = ValueType::kStringList;
      if (list) v.list = *list;
      return v;
    }
  }
  return Value::Null();
}

ValueView ViewOf(const Value& v) {
  ValueView out;
  out.type = v.type;
  switch (v.type) {
    case ValueType::kBool:
      out.i = v.b ? 1 : 0;
      break;
    case ValueType::kInt64:
      out.i = v.i;
      break;
    case ValueType::kDouble:
      out.d = v.d;
      break;
    case ValueType::kString:
      out.s = v.s;
      break;
    case ValueType::kStringList:
      out.list = &v.list;
      break;
    case ValueType::kNull:
      break;
  }
  return out;
}

void RecordBatch::RowInto(size_t row, Row* out) const {
  out->resize(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    Value& v = (*out)[c];
    ValueView x = View(c, row);
    if (x.type != v.type) SetNull(v);
    v.type = x.type;
    switch (x.type) {
      case ValueType::kNull:
        break;
      case ValueType::kBool:
        v.b = x.i != 0;
        break;
      case ValueType::kInt64:
        v.i = x.i;
        break;
      case ValueType::kDouble:
        v.d = x.d;
        break;
      case ValueType::kString:
        v.s.assign(x.s);
        break;
      case ValueType::kStringList:
        v.list = *x.list;
        break;
    }
  }
}

}  // namespace freshet
