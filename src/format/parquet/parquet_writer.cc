#include "format/parquet/parquet_writer.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <set>
#include <unordered_map>

#include "format/parquet/parquet_codecs.h"
#include "format/parquet/parquet_encodings.h"

namespace freshet::parquet {
namespace {

// Statistics of strings longer than this are left out (they would bloat the
// footer and truncating a maximum needs care).
constexpr size_t kMaxStatisticsBytes = 4096;

template <typename T>
void AppendLittleEndian(T v, std::string* out) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof v);
  out->append(buf, sizeof v);
}

}  // namespace

// The current row group's values of one column.
struct ParquetWriter::ColumnBuffer {
  std::vector<uint8_t> defined;  // per row
  std::vector<int64_t> ints;     // kInt64 and kBool (0/1), non-null values only
  std::vector<double> doubles;   // kDouble
  std::string bytes;             // kString: value i is bytes[ends[i-1], ends[i])
  std::vector<uint64_t> ends;

  std::string_view String(size_t i) const {
    uint64_t start = i ? ends[i - 1] : 0;
    return std::string_view(bytes).substr(start, ends[i] - start);
  }
  void Clear() {
    defined.clear();
    ints.clear();
    doubles.clear();
    bytes.clear();
    ends.clear();
  }
};

ParquetWriter::ParquetWriter(std::vector<WriterColumn> columns, ParquetWriterOptions options)
    : columns_(std::move(columns)), options_(std::move(options)) {
  for (size_t i = 0; i < columns_.size(); ++i) buffers_.push_back(std::make_unique<ColumnBuffer>());
  out_ = "PAR1";
}

ParquetWriter::~ParquetWriter() = default;

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(std::vector<WriterColumn> columns,
                                                             ParquetWriterOptions options) {
  if (columns.empty()) return Status::InvalidArgument("Parquet schema has no columns");
  std::set<std::string> names;
  for (const WriterColumn& c : columns) {
    if (c.name.empty()) return Status::InvalidArgument("Parquet column with an empty name");
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument(fmt::format("duplicate Parquet column '{}'", c.name));
    }
    if (c.type != ValueType::kString && c.type != ValueType::kInt64 &&
        c.type != ValueType::kDouble && c.type != ValueType::kBool) {
      return Status::InvalidArgument(
          fmt::format("Parquet column '{}': type {} is not supported (string, int64, double, bool)",
                      c.name, ValueTypeName(c.type)));
    }
  }
  switch (options.codec) {
    case Codec::kUncompressed:
    case Codec::kSnappy:
    case Codec::kGzip:
    case Codec::kZstd:
      break;
    default:
      return Status::NotSupported(
          fmt::format("the Parquet writer does not support codec {}", CodecName(options.codec)));
  }
  if (options.page_bytes == 0) options.page_bytes = 1;
  if (options.page_rows == 0) options.page_rows = 1;
  if (options.row_group_rows == 0) options.row_group_rows = 1;
  return std::unique_ptr<ParquetWriter>(new ParquetWriter(std::move(columns), std::move(options)));
}

Status ParquetWriter::AppendRow(const Row& row) {
  if (finished_) return Status::FailedPrecondition("ParquetWriter: AppendRow after Finish");
  uint64_t row_number = total_rows_ + 1;
  if (row.size() != columns_.size()) {
    return Status::InvalidArgument(fmt::format("row {} has {} values, the schema has {} columns",
                                               row_number, row.size(), columns_.size()));
  }
  // Validate first, so that a bad row changes nothing.
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Value& v = row[c];
    const WriterColumn& col = columns_[c];
    if (v.is_null()) {
      if (!col.optional) {
        return Status::InvalidArgument(fmt::format(
            "row {}: column '{}' is required but the value is null", row_number, col.name));
      }
      continue;
    }
    bool ok = v.type == col.type || (col.type == ValueType::kDouble && v.type == ValueType::kInt64);
    if (!ok) {
      return Status::InvalidArgument(fmt::format("row {}: column '{}' is {} but the value is {}",
                                                 row_number, col.name, ValueTypeName(col.type),
                                                 ValueTypeName(v.type)));
    }
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Value& v = row[c];
    ColumnBuffer& b = *buffers_[c];
    b.defined.push_back(!v.is_null());
    if (v.is_null()) continue;
    switch (columns_[c].type) {
      case ValueType::kBool:
        b.ints.push_back(v.b);
        group_bytes_ += 1;
        break;
      case ValueType::kInt64:
        b.ints.push_back(v.i);
        group_bytes_ += 8;
        break;
      case ValueType::kDouble:
        b.doubles.push_back(v.type == ValueType::kInt64 ? static_cast<double>(v.i) : v.d);
        group_bytes_ += 8;
        break;
      default:
        b.bytes.append(v.s);
        b.ends.push_back(b.bytes.size());
        group_bytes_ += 4 + v.s.size();
        break;
    }
  }
  ++group_rows_;
  ++total_rows_;
  if (group_rows_ >= options_.row_group_rows || group_bytes_ >= options_.row_group_bytes) {
    return FlushRowGroup();
  }
  return Status::OK();
}

Status ParquetWriter::FlushRowGroup() {
  if (group_rows_ == 0) return Status::OK();
  RowGroup group;
  group.num_rows = static_cast<int64_t>(group_rows_);
  for (size_t c = 0; c < columns_.size(); ++c) {
    ColumnChunk& chunk = group.columns.emplace_back();
    RETURN_IF_ERROR(WriteChunk(*buffers_[c], columns_[c], &chunk));
    group.total_byte_size += chunk.meta_data->total_uncompressed_size;
    buffers_[c]->Clear();
  }
  metadata_.row_groups.push_back(std::move(group));
  group_rows_ = 0;
  group_bytes_ = 0;
  return Status::OK();
}

Status ParquetWriter::WriteChunk(ColumnBuffer& b, const WriterColumn& column, ColumnChunk* chunk) {
  const ValueType type = column.type;
  const size_t rows = b.defined.size();
  const size_t values = type == ValueType::kDouble   ? b.doubles.size()
                        : type == ValueType::kString ? b.ends.size()
                                                     : b.ints.size();
  auto plain_size = [&](size_t v) -> uint64_t {
    if (type == ValueType::kString) return 4 + b.String(v).size();
    return type == ValueType::kBool ? 1 : 8;
  };
  auto append_plain = [&](size_t v, std::string* out) {
    if (type == ValueType::kString) {
      AppendLittleEndian<uint32_t>(static_cast<uint32_t>(b.String(v).size()), out);
      out->append(b.String(v));
    } else if (type == ValueType::kDouble) {
      AppendLittleEndian(b.doubles[v], out);
    } else {
      AppendLittleEndian(b.ints[v], out);
    }
  };

  // Dictionary: values [0, dict_end) are dictionary-encoded, the rest PLAIN.
  std::vector<uint32_t> indices;
  std::string dictionary;
  uint32_t dict_count = 0;
  size_t dict_end = 0;
  if (options_.dictionary && type != ValueType::kBool) {
    std::unordered_map<std::string_view, uint32_t> strings;
    std::unordered_map<uint64_t, uint32_t> numbers;  // int64 values or double bit patterns
    for (size_t v = 0; v < values; ++v) {
      uint32_t* found = nullptr;
      uint64_t key = 0;
      if (type == ValueType::kString) {
        auto it = strings.find(b.String(v));
        if (it != strings.end()) found = &it->second;
      } else {
        if (type == ValueType::kDouble) {
          std::memcpy(&key, &b.doubles[v], sizeof key);
        } else {
          key = static_cast<uint64_t>(b.ints[v]);
        }
        auto it = numbers.find(key);
        if (it != numbers.end()) found = &it->second;
      }
      if (found) {
        indices.push_back(*found);
      } else {
        if (dictionary.size() + plain_size(v) > options_.dictionary_max_bytes) break;
        append_plain(v, &dictionary);
        if (type == ValueType::kString) {
          strings.emplace(b.String(v), dict_count);
        } else {
          numbers.emplace(key, dict_count);
        }
        indices.push_back(dict_count++);
      }
      dict_end = v + 1;
    }
    if (dict_end == 0) indices.clear();
  }
  const bool use_dictionary = dict_count > 0;
  const int index_width = use_dictionary ? std::max(1, BitWidth(dict_count - 1)) : 0;

  ColumnMetaData& m = chunk->meta_data.emplace();
  m.path_in_schema = {column.name};
  m.codec = options_.codec;
  m.num_values = static_cast<int64_t>(rows);
  m.type = type == ValueType::kString   ? PhysicalType::kByteArray
           : type == ValueType::kInt64  ? PhysicalType::kInt64
           : type == ValueType::kDouble ? PhysicalType::kDouble
                                        : PhysicalType::kBoolean;
  const int64_t chunk_start = static_cast<int64_t>(out_.size());
  chunk->file_offset = chunk_start;
  std::string compressed;
  bool wrote_plain = false;

  auto write_page = [&](PageHeader header, std::string_view body) -> Status {
    RETURN_IF_ERROR(Compress(options_.codec, body, &compressed, options_.compression_level));
    header.uncompressed_page_size = static_cast<int32_t>(body.size());
    header.compressed_page_size = static_cast<int32_t>(compressed.size());
    header.crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(compressed.data()),
                                             static_cast<uInt>(compressed.size())));
    std::string h = SerializePageHeader(header);
    out_ += h;
    out_ += compressed;
    m.total_uncompressed_size += static_cast<int64_t>(h.size() + body.size());
    m.total_compressed_size += static_cast<int64_t>(h.size() + compressed.size());
    return Status::OK();
  };

  if (use_dictionary) {
    m.dictionary_page_offset = static_cast<int64_t>(out_.size());
    PageHeader header;
    header.type = PageType::kDictionaryPage;
    header.dictionary_page_header =
        DictionaryPageHeader{static_cast<int32_t>(dict_count), Encoding::kPlain, false};
    RETURN_IF_ERROR(write_page(header, dictionary));
  }
  m.data_page_offset = static_cast<int64_t>(out_.size());

  std::string body, levels_rle;
  std::vector<uint32_t> levels;
  size_t r = 0, v = 0;
  while (r < rows) {
    const size_t start_r = r, start_v = v;
    const bool dict_page = v < dict_end;
    uint64_t estimate = 0;
    while (r < rows && r - start_r < options_.page_rows && estimate < options_.page_bytes) {
      if (b.defined[r]) {
        if (dict_page && v == dict_end) break;
        estimate += dict_page ? (index_width + 7) / 8 : plain_size(v);
        ++v;
      }
      ++r;
    }
    body.clear();
    if (column.optional) {
      levels.assign(b.defined.begin() + start_r, b.defined.begin() + r);
      levels_rle.clear();
      EncodeRleBitPacked(levels.data(), levels.size(), 1, &levels_rle);
      AppendLittleEndian<uint32_t>(static_cast<uint32_t>(levels_rle.size()), &body);
      body += levels_rle;
    }
    if (dict_page) {
      body.push_back(static_cast<char>(index_width));
      EncodeRleBitPacked(indices.data() + start_v, v - start_v, index_width, &body);
    } else if (type == ValueType::kBool) {
      uint64_t buffer = 0;
      int bits = 0;
      for (size_t i = start_v; i < v; ++i) {
        buffer |= static_cast<uint64_t>(b.ints[i] & 1) << bits;
        if (++bits == 8) {
          body.push_back(static_cast<char>(buffer));
          buffer = 0;
          bits = 0;
        }
      }
      if (bits) body.push_back(static_cast<char>(buffer));
      wrote_plain = true;
    } else {
      for (size_t i = start_v; i < v; ++i) append_plain(i, &body);
      wrote_plain = true;
    }
    PageHeader header;
    header.type = PageType::kDataPage;
    DataPageHeader& d = header.data_page_header.emplace();
    d.num_values = static_cast<int32_t>(r - start_r);
    d.encoding = dict_page ? Encoding::kRleDictionary : Encoding::kPlain;
    d.definition_level_encoding = Encoding::kRle;
    d.repetition_level_encoding = Encoding::kRle;
    RETURN_IF_ERROR(write_page(header, body));
  }

  if (use_dictionary) m.encodings.push_back(Encoding::kPlain);  // the dictionary page
  m.encodings.push_back(Encoding::kRle);
  if (use_dictionary) m.encodings.push_back(Encoding::kRleDictionary);
  // PLAIN pages (fallback or no dictionary); with a dictionary PLAIN is listed already.
  if (wrote_plain && !use_dictionary) m.encodings.push_back(Encoding::kPlain);

  // Statistics over the non-null values (NaN excluded, as the spec asks).
  Statistics& s = m.statistics.emplace();
  s.null_count = static_cast<int64_t>(rows - values);
  if (values > 0) {
    std::string min, max;
    bool have = false;
    if (type == ValueType::kString) {
      std::string_view lo = b.String(0), hi = lo;
      for (size_t i = 1; i < values; ++i) {
        std::string_view x = b.String(i);
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      if (lo.size() <= kMaxStatisticsBytes && hi.size() <= kMaxStatisticsBytes) {
        min.assign(lo);
        max.assign(hi);
        have = true;
      }
    } else if (type == ValueType::kDouble) {
      double lo = 0, hi = 0;
      for (double x : b.doubles) {
        if (std::isnan(x)) continue;
        if (!have || x < lo) lo = x;
        if (!have || x > hi) hi = x;
        have = true;
      }
      if (have) {
        if (lo == 0) lo = -0.0;
        if (hi == 0) hi = 0.0;
        AppendLittleEndian(lo, &min);
        AppendLittleEndian(hi, &max);
      }
    } else {
      int64_t lo = b.ints[0], hi = b.ints[0];
      for (int64_t x : b.ints) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
      if (type == ValueType::kBool) {
        min.push_back(static_cast<char>(lo));
        max.push_back(static_cast<char>(hi));
      } else {
        AppendLittleEndian(lo, &min);
        AppendLittleEndian(hi, &max);
      }
      have = true;
    }
    if (have) {
      s.min_value = std::move(min);
      s.max_value = std::move(max);
    }
  }
  return Status::OK();
}

Result<std::string> ParquetWriter::Finish() {
  if (finished_) return Status::FailedPrecondition("ParquetWriter: Finish called twice");
  RETURN_IF_ERROR(FlushRowGroup());
  finished_ = true;
  metadata_.version = 2;
  metadata_.num_rows = static_cast<int64_t>(total_rows_);
  metadata_.created_by = options_.created_by;
  metadata_.type_defined_column_orders = true;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(columns_.size());
  metadata_.schema.push_back(root);
  for (const WriterColumn& c : columns_) {
    SchemaElement e;
    e.name = c.name;
    e.repetition = c.optional ? Repetition::kOptional : Repetition::kRequired;
    switch (c.type) {
      case ValueType::kString:
        e.type = PhysicalType::kByteArray;
        e.converted_type = ConvertedType::kUtf8;
        e.logical_type.kind = LogicalType::Kind::kString;
        break;
      case ValueType::kInt64:
        e.type = PhysicalType::kInt64;
        break;
      case ValueType::kDouble:
        e.type = PhysicalType::kDouble;
        break;
      default:
        e.type = PhysicalType::kBoolean;
        break;
    }
    metadata_.schema.push_back(std::move(e));
  }
  std::string footer = SerializeFileMetaData(metadata_);
  out_ += footer;
  AppendLittleEndian<uint32_t>(static_cast<uint32_t>(footer.size()), &out_);
  out_ += "PAR1";
  return std::move(out_);
}

}  // namespace freshet::parquet
