#include "arrow_rows.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <limits>
#include <string_view>

namespace freshet {
namespace {

// Releases what the producer handed over, on every path.
struct SchemaGuard {
  ArrowSchema schema{};
  ~SchemaGuard() {
    if (schema.release) schema.release(&schema);
  }
};
struct ArrayGuard {
  ArrowArray array{};
  ~ArrayGuard() {
    if (array.release) array.release(&array);
  }
};
struct StreamGuard {
  ArrowArrayStream* stream;
  ~StreamGuard() {
    if (stream->release) stream->release(stream);
  }
};

bool BitSet(const void* bitmap, int64_t i) {
  return (static_cast<const uint8_t*>(bitmap)[i >> 3] >> (i & 7)) & 1;
}

// A column's elements [start, start + n) of `array` (`start` past its own
// offset), converted into `out` (resized to n).
class ColumnConverter {
 public:
  ColumnConverter(const std::string& source, const std::string& column)
      : source_(source), column_(column) {}

  Status Convert(const ArrowSchema& schema, const ArrowArray& array, int64_t start, int64_t n,
                 ColumnBatch* out) {
    out->types.assign(static_cast<size_t>(n), ValueType::kNull);
    out->ints.assign(static_cast<size_t>(n), 0);
    out->doubles.assign(static_cast<size_t>(n), 0);
    out->strings.assign(static_cast<size_t>(n), {});
    out->lists.clear();
    if (schema.dictionary != nullptr) return Dictionary(schema, array, start, n, out);
    const std::string_view format = schema.format;
    const int64_t base = array.offset + start;
    const void* validity = array.n_buffers > 0 ? array.buffers[0] : nullptr;
    auto valid = [&](int64_t i) { return validity == nullptr || BitSet(validity, base + i); };
    if (format == "n") return Status::OK();
    if (format == "b") {
      for (int64_t i = 0; i < n; ++i) {
        if (!valid(i)) continue;
        Set(out, i, ValueType::kBool).ints[static_cast<size_t>(i)] =
            BitSet(array.buffers[1], base + i);
      }
      return Status::OK();
    }
    if (int64_t width = IntegerWidth(format); width != 0) {
      for (int64_t i = 0; i < n; ++i) {
        if (!valid(i)) continue;
        auto [value, fits] = IntegerAt(format, array.buffers[1], base + i);
        if (fits) {
          Set(out, i, ValueType::kInt64).ints[static_cast<size_t>(i)] = value;
        } else {  // a uint64 beyond int64
          Set(out, i, ValueType::kDouble).doubles[static_cast<size_t>(i)] =
              static_cast<double>(static_cast<uint64_t>(value));
        }
      }
      return Status::OK();
    }
    if (format == "f" || format == "g") {
      for (int64_t i = 0; i < n; ++i) {
        if (!valid(i)) continue;
        double v = format == "f" ? static_cast<const float*>(array.buffers[1])[base + i]
                                 : static_cast<const double*>(array.buffers[1])[base + i];
        Set(out, i, ValueType::kDouble).doubles[static_cast<size_t>(i)] = v;
      }
      return Status::OK();
    }
    if (format == "u" || format == "U") {
      const char* data = static_cast<const char*>(array.buffers[2]);
      for (int64_t i = 0; i < n; ++i) {
        if (!valid(i)) continue;
        auto [begin, end] = Bounds(format == "U", array.buffers[1], base + i);
        Set(out, i, ValueType::kString).strings[static_cast<size_t>(i)] =
            std::string_view(data + begin, static_cast<size_t>(end - begin));
      }
      return Status::OK();
    }
    if (format == "vu") {  // string view: 16-byte views, short strings inline
      const uint8_t* views = static_cast<const uint8_t*>(array.buffers[1]);
      for (int64_t i = 0; i < n; ++i) {
        if (!valid(i)) continue;
        const uint8_t* view = views + 16 * (base + i);
        int32_t length, buffer, offset;
        std::memcpy(&length, view, 4);
        const char* data = reinterpret_cast<const char*>(view + 4);
        if (length > 12) {
          std::memcpy(&buffer, view + 8, 4);
          std::memcpy(&offset, view + 12, 4);
          data = static_cast<const char*>(array.buffers[2 + buffer]) + offset;
        }
        Set(out, i, ValueType::kString).strings[static_cast<size_t>(i)] =
            std::string_view(data, static_cast<size_t>(length));
      }
      return Status::OK();
    }
    if (format.starts_with("ts") && format.size() >= 4 && format[3] == ':') {
      const int64_t per_micro = format[2] == 'n' ? 1000 : 1;
      const int64_t micros_per = format[2] == 's' ? 1000000 : format[2] == 'm' ? 1000 : 1;
      for (int64_t i = 0; i < n; ++i) {
        if (!valid(i)) continue;
        int64_t v = static_cast<const int64_t*>(array.buffers[1])[base + i];
        // Floor division: a time before the epoch stays before it.
        int64_t micros = per_micro == 1 ? v * micros_per
                                        : (v >= 0 ? v / per_micro : -((-v - 1) / per_micro) - 1);
        Set(out, i, ValueType::kInt64).ints[static_cast<size_t>(i)] = micros;
      }
      return Status::OK();
    }
    if ((format == "+l" || format == "+L") && array.n_children == 1) {
      return List(schema, array, base, n, valid, out);
    }
    return Unsupported(format);
  }

 private:
  static ColumnBatch& Set(ColumnBatch* out, int64_t i, ValueType type) {
    out->types[static_cast<size_t>(i)] = type;
    return *out;
  }

  static int64_t IntegerWidth(std::string_view f) {
    if (f.size() != 1) return 0;
    switch (f[0]) {
      case 'c':
      case 'C':
        return 1;
      case 's':
      case 'S':
        return 2;
      case 'i':
      case 'I':
        return 4;
      case 'l':
      case 'L':
        return 8;
      default:
        return 0;
    }
  }

  // The integer at `i`, and whether it fits an int64 (only a uint64 may not).
  static std::pair<int64_t, bool> IntegerAt(std::string_view f, const void* data, int64_t i) {
    switch (f[0]) {
      case 'c':
        return {static_cast<const int8_t*>(data)[i], true};
      case 'C':
        return {static_cast<const uint8_t*>(data)[i], true};
      case 's':
        return {static_cast<const int16_t*>(data)[i], true};
      case 'S':
        return {static_cast<const uint16_t*>(data)[i], true};
      case 'i':
        return {static_cast<const int32_t*>(data)[i], true};
      case 'I':
        return {static_cast<const uint32_t*>(data)[i], true};
      case 'l':
        return {static_cast<const int64_t*>(data)[i], true};
      default: {
        uint64_t v = static_cast<const uint64_t*>(data)[i];
        return {static_cast<int64_t>(v), v <= static_cast<uint64_t>(INT64_MAX)};
      }
    }
  }

  static std::pair<int64_t, int64_t> Bounds(bool large, const void* offsets, int64_t i) {
    if (large) {
      const int64_t* o = static_cast<const int64_t*>(offsets);
      return {o[i], o[i + 1]};
    }
    const int32_t* o = static_cast<const int32_t*>(offsets);
    return {o[i], o[i + 1]};
  }

  template <typename Valid>
  Status List(const ArrowSchema& schema, const ArrowArray& array, int64_t base, int64_t n,
              const Valid& valid, ColumnBatch* out) {
    const bool large = std::string_view(schema.format) == "+L";
    out->lists.assign(static_cast<size_t>(n), {});
    if (n == 0) return Status::OK();
    const int64_t first = Bounds(large, array.buffers[1], base).first;
    const int64_t last = Bounds(large, array.buffers[1], base + n - 1).second;
    ColumnBatch items;
    RETURN_IF_ERROR(Convert(*schema.children[0], *array.children[0], first, last - first, &items));
    for (int64_t i = 0; i < n; ++i) {
      if (!valid(i)) continue;
      auto [begin, end] = Bounds(large, array.buffers[1], base + i);
      std::vector<std::string>& list = out->lists[static_cast<size_t>(i)];
      for (int64_t j = begin - first; j < end - first; ++j) {
        const size_t k = static_cast<size_t>(j);
        switch (items.types[k]) {
          case ValueType::kString:
            list.emplace_back(items.strings[k]);
            break;
          case ValueType::kInt64:
            list.push_back(ValueToText(Value::Int64(items.ints[k])));
            break;
          case ValueType::kDouble:
            list.push_back(ValueToText(Value::Double(items.doubles[k])));
            break;
          case ValueType::kNull:
            break;
          default:
            return Unsupported(schema.format);
        }
      }
      Set(out, i, ValueType::kStringList);
    }
    return Status::OK();
  }

  Status Dictionary(const ArrowSchema& schema, const ArrowArray& array, int64_t start, int64_t n,
                    ColumnBatch* out) {
    const std::string_view format = schema.format;
    if (IntegerWidth(format) == 0 || array.dictionary == nullptr) return Unsupported(format);
    ColumnBatch values;
    RETURN_IF_ERROR(
        Convert(*schema.dictionary, *array.dictionary, 0, array.dictionary->length, &values));
    const int64_t base = array.offset + start;
    const void* validity = array.n_buffers > 0 ? array.buffers[0] : nullptr;
    if (!values.lists.empty()) out->lists.assign(static_cast<size_t>(n), {});
    for (int64_t i = 0; i < n; ++i) {
      if (validity != nullptr && !BitSet(validity, base + i)) continue;
      const int64_t index = IntegerAt(format, array.buffers[1], base + i).first;
      if (index < 0 || index >= array.dictionary->length) {
        return Status::InvalidArgument(fmt::format(
            "{}: column '{}': dictionary index {} out of range", source_, column_, index));
      }
      const size_t k = static_cast<size_t>(index), at = static_cast<size_t>(i);
      out->types[at] = values.types[k];
      out->ints[at] = values.ints[k];
      out->doubles[at] = values.doubles[k];
      out->strings[at] = values.strings[k];
      if (!values.lists.empty()) out->lists[at] = values.lists[k];
    }
    return Status::OK();
  }

  Status Unsupported(std::string_view format) const {
    return Status::NotSupported(fmt::format(
        "{}: column '{}' has Arrow type '{}', which is not supported (null, bool, integers, "
        "float, double, utf8, large_utf8, utf8_view, timestamp, lists of strings or numbers, "
        "and their dictionaries are); cast it first",
        source_, column_, format));
  }

  const std::string& source_;
  const std::string& column_;
};

Status StreamError(ArrowArrayStream* stream, int code, const std::string& source) {
  const char* message = stream->get_last_error ? stream->get_last_error(stream) : nullptr;
  return Status::IOError(fmt::format("{}: the Arrow stream failed (error {}): {}", source, code,
                                     message ? message : "no message"));
}

}  // namespace

Status ReadArrowStream(ArrowArrayStream* stream, const std::string& source,
                       const std::vector<std::string>& columns, RowSink& sink) {
  StreamGuard stream_guard{stream};
  SchemaGuard schema;
  if (int rc = stream->get_schema(stream, &schema.schema); rc != 0) {
    return StreamError(stream, rc, source);
  }
  const ArrowSchema& s = schema.schema;
  if (std::string_view(s.format) != "+s") {
    return Status::InvalidArgument(
        fmt::format("{}: the Arrow stream's rows have type '{}', not records (a struct of columns)",
                    source, s.format));
  }
  // The stream's child of each projected column, or -1.
  std::vector<int64_t> child(columns.size(), -1);
  for (size_t c = 0; c < columns.size(); ++c) {
    for (int64_t k = 0; k < s.n_children; ++k) {
      if (s.children[k]->name != nullptr && columns[c] == s.children[k]->name) child[c] = k;
    }
  }
  std::vector<ColumnBatch> batches(columns.size());
  uint64_t first_row = 1;
  for (;;) {
    ArrayGuard array;
    if (int rc = stream->get_next(stream, &array.array); rc != 0) {
      return StreamError(stream, rc, source);
    }
    if (array.array.release == nullptr) break;  // end of stream
    const ArrowArray& a = array.array;
    RecordBatch batch;
    batch.rows = static_cast<size_t>(a.length);
    batch.columns.assign(columns.size(), nullptr);
    for (size_t c = 0; c < columns.size(); ++c) {
      if (child[c] < 0) continue;
      ColumnConverter converter(source, columns[c]);
      RETURN_IF_ERROR(converter.Convert(*s.children[child[c]], *a.children[child[c]], a.offset,
                                        a.length, &batches[c]));
      batch.columns[c] = &batches[c];
    }
    if (batch.rows > 0) RETURN_IF_ERROR(sink.OnBatch(batch, first_row));
    first_row += batch.rows;
  }
  return Status::OK();
}

}  // namespace freshet
