#include "format/jsonl_reader.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <memory>
#include <unordered_map>

#include "format/byte_arena.h"

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

// Good lines gathered into one batch of consecutive lines. The parser
// reuses its string buffer for every line, so strings are copied into the
// batch's arena; a blank or bad line, or kRows lines, end the batch, so
// that its rows keep consecutive line numbers.
class LineBatch {
 public:
  static constexpr size_t kRows = 1024;

  explicit LineBatch(size_t columns) : cells_(columns) {
    for (ColumnBatch& c : cells_) {
      c.types.resize(kRows);
      c.ints.resize(kRows);
      c.doubles.resize(kRows);
      c.strings.resize(kRows);
      c.lists.resize(kRows);
      batch_.columns.push_back(&c);
    }
  }

  bool full() const { return rows_ == kRows; }

  // Starts a row (every column null) for line `line_no`; the row counts once
  // Commit is called.
  void StartRow(uint64_t line_no) {
    if (rows_ == 0) first_line_ = line_no;
    for (ColumnBatch& c : cells_) c.types[rows_] = ValueType::kNull;
  }

  // Converts one projected JSON value into `column` of the row being
  // started; returns false (with `why`) for values a column cannot hold
  // (objects, nested arrays). Arrays become lists of their scalars'
  // canonical text, nulls left out.
  bool Set(size_t column, simdjson::dom::element el, std::string* why) {
    using simdjson::dom::element_type;
    ColumnBatch& col = cells_[column];
    ValueView v;
    if (ViewScalar(el, &v)) {
      col.types[rows_] = v.type;
      col.ints[rows_] = v.i;
      col.doubles[rows_] = v.d;
      col.strings[rows_] = arena_->Append(v.s);
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
    std::vector<std::string>& list = col.lists[rows_];
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
    col.types[rows_] = ValueType::kStringList;
    return true;
  }

  void Commit() { ++rows_; }

  // Hands the gathered rows to `sink` and starts an empty batch.
  Status Flush(RowSink& sink) {
    if (rows_ == 0) return Status::OK();
    batch_.rows = rows_;
    Status st = sink.OnBatch(batch_, first_line_);
    rows_ = 0;
    if (arena_->total() > 0) arena_ = std::make_unique<ByteArena>();
    return st;
  }

 private:
  std::vector<ColumnBatch> cells_;
  RecordBatch batch_;
  std::unique_ptr<ByteArena> arena_ = std::make_unique<ByteArena>();
  size_t rows_ = 0;
  uint64_t first_line_ = 0;
};

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
  LineBatch pending(columns.size());
  // A line that is not a good row ends the pending batch first, so that
  // the sink sees rows and bad rows in line order.
  auto bad_row = [&](uint64_t line, uint64_t offset, std::string reason) -> Status {
    RETURN_IF_ERROR(pending.Flush(sink));
    return sink.OnBadRow(line, offset, std::move(reason));
  };
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
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      RETURN_IF_ERROR(pending.Flush(sink));
      continue;
    }
    if (len > kMaxRecordBytes) {
      RETURN_IF_ERROR(bad_row(
          line_no, line_start,
          fmt::format("record of {} bytes exceeds the limit of {} bytes", len, kMaxRecordBytes)));
      continue;
    }
    simdjson::dom::element doc;
    auto error = parser.parse(line.data(), line.size(), false).get(doc);
    if (error) {
      RETURN_IF_ERROR(bad_row(line_no, line_start,
                              fmt::format("invalid JSON: {}", simdjson::error_message(error))));
      continue;
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) {
      RETURN_IF_ERROR(bad_row(line_no, line_start, "record is not a JSON object"));
      continue;
    }
    pending.StartRow(line_no);
    bool bad = false;
    for (auto field : obj) {
      auto it = index.find(field.key);
      if (it == index.end()) continue;
      std::string why;
      if (!pending.Set(it->second, field.value, &why)) {
        RETURN_IF_ERROR(
            bad_row(line_no, line_start, fmt::format("column '{}': {}", field.key, why)));
        bad = true;
        break;
      }
    }
    if (bad) continue;
    pending.Commit();
    if (pending.full()) RETURN_IF_ERROR(pending.Flush(sink));
  }
  RETURN_IF_ERROR(pending.Flush(sink));
  (void)file_name;
  return Status::OK();
}

}  // namespace freshet
