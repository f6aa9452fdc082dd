#include "format/jsonl_reader.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <unordered_map>

namespace freshet {
namespace {

// Converts one projected JSON value; returns false (with `why`) for values a
// column cannot hold (objects, nested arrays).
bool ConvertValue(simdjson::dom::element el, Value* out, std::string* why) {
  using simdjson::dom::element_type;
  switch (el.type()) {
    case element_type::NULL_VALUE:
      *out = Value::Null();
      return true;
    case element_type::BOOL:
      *out = Value::Bool(bool(el.get_bool().value_unsafe()));
      return true;
    case element_type::INT64:
      *out = Value::Int64(el.get_int64().value_unsafe());
      return true;
    case element_type::UINT64: {
      uint64_t u = el.get_uint64().value_unsafe();
      *out = Value::Double(static_cast<double>(u));
      return true;
    }
    case element_type::DOUBLE:
      *out = Value::Double(el.get_double().value_unsafe());
      return true;
    case element_type::STRING:
      *out = Value::String(std::string(el.get_string().value_unsafe()));
      return true;
    case element_type::ARRAY: {
      Value v;
      v.type = ValueType::kStringList;
      simdjson::dom::array array;
      if (el.get_array().get(array)) {
        *why = "malformed array";
        return false;
      }
      for (simdjson::dom::element item : array) {
        Value scalar;
        if (item.type() == element_type::ARRAY || item.type() == element_type::OBJECT) {
          *why = "nested arrays and objects are not supported in a column";
          return false;
        }
        if (!ConvertValue(item, &scalar, why)) return false;
        if (scalar.is_null()) continue;
        v.list.push_back(ValueToText(scalar));
      }
      *out = std::move(v);
      return true;
    }
    case element_type::OBJECT:
      *why = "objects are not supported in a column";
      return false;
  }
  *why = "unknown JSON type";
  return false;
}

}  // namespace

Status JsonLinesReader::Read(ObjectStore& store, const ObjectInfo& file,
                             const std::vector<std::string>& columns, RowSink& sink) {
  ASSIGN_OR_RETURN(std::string bytes, store.Get(file.key));
  return Parse(file.key, bytes, columns, sink);
}

Status JsonLinesReader::Parse(std::string_view file_name, std::string_view bytes,
                              const std::vector<std::string>& columns, RowSink& sink) {
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < columns.size(); ++i) index.emplace(columns[i], i);

  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input.
  std::string padded;
  padded.reserve(bytes.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(bytes);
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  const char* base = padded.data();

  simdjson::dom::parser parser;
  Row row(columns.size());
  uint64_t line_no = 0;
  size_t pos = 0;
  while (pos < bytes.size()) {
    ++line_no;
    size_t nl = bytes.find('\n', pos);
    size_t end = nl == std::string_view::npos ? bytes.size() : nl;
    size_t line_start = pos;
    pos = nl == std::string_view::npos ? bytes.size() : nl + 1;
    size_t len = end - line_start;
    if (len > 0 && bytes[line_start + len - 1] == '\r') --len;
    std::string_view line(base + line_start, len);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (len > kMaxRecordBytes) {
      RETURN_IF_ERROR(sink.OnBadRow(
          line_no, line_start,
          fmt::format("record of {} bytes exceeds the limit of {} bytes", len, kMaxRecordBytes)));
      continue;
    }
    simdjson::dom::element doc;
    auto error = parser.parse(line.data(), line.size(), false).get(doc);
    if (error) {
      RETURN_IF_ERROR(sink.OnBadRow(
          line_no, line_start, fmt::format("invalid JSON: {}", simdjson::error_message(error))));
      continue;
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) {
      RETURN_IF_ERROR(sink.OnBadRow(line_no, line_start, "record is not a JSON object"));
      continue;
    }
    for (Value& v : row) v = Value::Null();
    bool bad = false;
    for (auto field : obj) {
      auto it = index.find(field.key);
      if (it == index.end()) continue;
      std::string why;
      if (!ConvertValue(field.value, &row[it->second], &why)) {
        RETURN_IF_ERROR(
            sink.OnBadRow(line_no, line_start, fmt::format("column '{}': {}", field.key, why)));
        bad = true;
        break;
      }
    }
    if (bad) continue;
    RETURN_IF_ERROR(sink.OnRow(row, line_no));
  }
  (void)file_name;
  return Status::OK();
}

}  // namespace freshet
