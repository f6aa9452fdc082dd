#include "format/jsonl_reader.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <unordered_map>

namespace freshet {
namespace {

// Views one JSON scalar (a string stays in the parser's buffer); false for
// arrays and objects.
bool ViewScalar(simdjson::dom::element el, ValueView* out) {
  using simdjson::dom::element_type;
  *out = ValueView();
  switch (el.type()) {
    case element_type::NULL_VALUE:
      return true;
    case element_type::BOOL:
      out->type = ValueType::kBool;
      out->i = bool(el.get_bool().value_unsafe()) ? 1 : 0;
      return true;
    case element_type::INT64:
      out->type = ValueType::kInt64;
      out->i = el.get_int64().value_unsafe();
      return true;
    case element_type::UINT64:
      out->type = ValueType::kDouble;
      out->d = static_cast<double>(el.get_uint64().value_unsafe());
      return true;
    case element_type::DOUBLE:
      out->type = ValueType::kDouble;
      out->d = el.get_double().value_unsafe();
      return true;
    case element_type::STRING:
      out->type = ValueType::kString;
      out->s = el.get_string().value_unsafe();
      return true;
    default:
      return false;
  }
}

// Converts one projected JSON value into row 0 of `col`; returns false
// (with `why`) for values a column cannot hold (objects, nested arrays).
// Arrays become lists of their scalars' canonical text, nulls left out.
bool ConvertValue(simdjson::dom::element el, ColumnBatch* col, std::string* why) {
  using simdjson::dom::element_type;
  ValueView v;
  if (ViewScalar(el, &v)) {
    col->types[0] = v.type;
    col->ints[0] = v.i;
    col->doubles[0] = v.d;
    col->strings[0] = v.s;
    return true;
  }
  if (el.type() == element_type::OBJECT) {
    *why = "objects are not supported in a column";
    return false;
  }
  simdjson::dom::array array;
  if (el.get_array().get(array)) {
    *why = "malformed array";
    return false;
  }
  std::vector<std::string>& list = col->lists[0];
  list.clear();
  for (simdjson::dom::element item : array) {
    ValueView scalar;
    if (!ViewScalar(item, &scalar)) {
      *why = "nested arrays and objects are not supported in a column";
      return false;
    }
    if (scalar.is_null()) continue;
    list.push_back(scalar.type == ValueType::kString ? std::string(scalar.s)
                                                     : ValueToText(scalar.ToValue()));
  }
  col->types[0] = ValueType::kStringList;
  return true;
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
  // Each good line is a batch of one row whose strings stay in the parser's
  // buffer until the next line is parsed.
  std::vector<ColumnBatch> cells(columns.size());
  RecordBatch batch;
  batch.rows = 1;
  for (ColumnBatch& c : cells) {
    c.types.resize(1);
    c.ints.resize(1);
    c.doubles.resize(1);
    c.strings.resize(1);
    c.lists.resize(1);
    batch.columns.push_back(&c);
  }
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
    for (ColumnBatch& c : cells) c.types[0] = ValueType::kNull;
    bool bad = false;
    for (auto field : obj) {
      auto it = index.find(field.key);
      if (it == index.end()) continue;
      std::string why;
      if (!ConvertValue(field.value, &cells[it->second], &why)) {
        RETURN_IF_ERROR(
            sink.OnBadRow(line_no, line_start, fmt::format("column '{}': {}", field.key, why)));
        bad = true;
        break;
      }
    }
    if (bad) continue;
    RETURN_IF_ERROR(sink.OnBatch(batch, line_no));
  }
  (void)file_name;
  return Status::OK();
}

}  // namespace freshet
