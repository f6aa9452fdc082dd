// parquet_dump: a test tool that drives the Parquet reader and writer from
// the command line (the Python end-to-end tests use it).
//
//   parquet_dump read FILE [--columns a,b] [--threads N] [--no-checksums]
//       Prints the rows as JSON Lines, one object per row with the columns in
//       order. Values keep their freshet type: null, true/false, integers
//       (kInt64), numbers with a '.' or exponent (kDouble; non-finite ones as
//       {"double": "nan"|"inf"|"-inf"}), strings (kString; bytes that are not
//       UTF-8 as {"hex": "..."}). Without --columns every flat column is
//       read, and each skipped nested field is reported on stderr as
//       "skipped column 'NAME': REASON".
//   parquet_dump describe FILE
//   parquet_dump verify FILE      (every chunk, nested ones included)
//   parquet_dump write IN.jsonl OUT.parquet --schema name:type[:required],...
//       [--codec none|snappy|zstd|gzip] [--dictionary on|off]
//       [--row-group-rows N] [--page-bytes N] [--dictionary-max-bytes N]
//       types: string, int64, double, bool.
//
// Exit status 0 on success; 1 with "error: ..." on stderr otherwise.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "format/jsonl_reader.h"
#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_verify.h"
#include "format/parquet/parquet_writer.h"
#include "storage/object_store.h"

namespace {

using namespace freshet;

// True if `s` is valid UTF-8 (no overlong forms, no surrogates).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c >> 5) == 6) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c >> 4) == 14) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c >> 3) == 30) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      unsigned char cc = s[i + k];
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          *out += fmt::format("\\u{:04x}", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendJsonValue(const Value& v, std::string* out) {
  switch (v.type) {
    case ValueType::kNull:
      *out += "null";
      return;
    case ValueType::kBool:
      *out += v.b ? "true" : "false";
      return;
    case ValueType::kInt64:
      *out += fmt::format("{}", v.i);
      return;
    case ValueType::kDouble: {
      if (std::isnan(v.d)) {
        *out += R"({"double": "nan"})";
      } else if (std::isinf(v.d)) {
        *out += v.d > 0 ? R"({"double": "inf"})" : R"({"double": "-inf"})";
      } else {
        std::string text = fmt::format("{}", v.d);
        if (text.find_first_of(".e") == std::string::npos) text += ".0";
        *out += text;
      }
      return;
    }
    case ValueType::kString:
      if (IsUtf8(v.s)) {
        AppendJsonString(v.s, out);
      } else {
        *out += R"({"hex": ")";
        for (unsigned char c : v.s) *out += fmt::format("{:02x}", c);
        *out += "\"}";
      }
      return;
    case ValueType::kStringList: {
      out->push_back('[');
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(v.list[i], out);
      }
      out->push_back(']');
      return;
    }
  }
}

class JsonPrinter final : public RowSink {
 public:
  explicit JsonPrinter(const std::vector<std::string>& columns) : columns_(columns) {}
  Status OnRow(Row& row, uint64_t) override {
    line_.clear();
    line_.push_back('{');
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) line_ += ", ";
      AppendJsonString(columns_[c], &line_);
      line_ += ": ";
      AppendJsonValue(row[c], &line_);
    }
    line_ += "}\n";
    std::fwrite(line_.data(), 1, line_.size(), stdout);
    return Status::OK();
  }
  Status OnBadRow(uint64_t row_number, uint64_t byte_offset, std::string reason) override {
    return Status::Corruption(
        fmt::format("row {} at byte {}: {}", row_number, byte_offset, reason));
  }

 private:
  const std::vector<std::string>& columns_;
  std::string line_;
};

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct StoreAndKey {
  std::unique_ptr<ObjectStore> store;
  std::string key;
};

Result<StoreAndKey> OpenFile(const std::string& path) {
  std::filesystem::path p = std::filesystem::absolute(path);
  ASSIGN_OR_RETURN(auto store, ObjectStore::Open(p.parent_path().string()));
  return StoreAndKey{std::move(store), p.filename().string()};
}

int Fail(const Status& st) {
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
  return 1;
}

int Read(int argc, char** argv) {
  if (argc < 3)
    return Fail(Status::InvalidArgument("usage: parquet_dump read FILE [--columns a,b]"));
  parquet::ParquetReadOptions options;
  std::vector<std::string> columns;
  bool all = true;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--columns" && i + 1 < argc) {
      columns = Split(argv[++i], ',');
      all = false;
    } else if (arg == "--threads" && i + 1 < argc) {
      options.threads = std::atoi(argv[++i]);
    } else if (arg == "--no-checksums") {
      options.verify_checksums = false;
    } else {
      return Fail(Status::InvalidArgument("unknown argument " + arg));
    }
  }
  auto file = OpenFile(argv[2]);
  if (!file.ok()) return Fail(file.status());
  auto info = file->store->Head(file->key);
  if (!info.ok()) return Fail(info.status());
  auto parquet = parquet::ParquetFile::Open(*file->store, *info);
  if (!parquet.ok()) return Fail(parquet.status());
  if (all) {
    for (const auto& c : (*parquet)->schema().columns()) columns.push_back(c.name);
    for (const auto& s : (*parquet)->schema().skipped()) {
      std::fprintf(stderr, "skipped column '%s': %s\n", s.name.c_str(), s.reason.c_str());
    }
  }
  JsonPrinter printer(columns);
  parquet::ParquetReader reader(options);
  Status st = reader.ReadFile(**parquet, columns, printer);
  if (!st.ok()) return Fail(st);
  return 0;
}

int Describe(int argc, char** argv) {
  if (argc < 3) return Fail(Status::InvalidArgument("usage: parquet_dump describe FILE"));
  auto file = OpenFile(argv[2]);
  if (!file.ok()) return Fail(file.status());
  Status st = parquet::DescribeParquet(*file->store, file->key, std::cout);
  if (!st.ok()) return Fail(st);
  return 0;
}

int Verify(int argc, char** argv) {
  if (argc < 3) return Fail(Status::InvalidArgument("usage: parquet_dump verify FILE"));
  auto file = OpenFile(argv[2]);
  if (!file.ok()) return Fail(file.status());
  Status st = parquet::VerifyParquet(*file->store, file->key);
  if (!st.ok()) return Fail(st);
  std::printf("ok\n");
  return 0;
}

class RowCollector final : public RowSink {
 public:
  explicit RowCollector(parquet::ParquetWriter& writer) : writer_(writer) {}
  Status OnRow(Row& row, uint64_t) override { return writer_.AppendRow(row); }
  Status OnBadRow(uint64_t row_number, uint64_t byte_offset, std::string reason) override {
    return Status::InvalidArgument(
        fmt::format("line {} at byte {}: {}", row_number, byte_offset, reason));
  }

 private:
  parquet::ParquetWriter& writer_;
};

int Write(int argc, char** argv) {
  if (argc < 4) {
    return Fail(
        Status::InvalidArgument("usage: parquet_dump write IN.jsonl OUT.parquet --schema ..."));
  }
  std::vector<parquet::WriterColumn> schema;
  parquet::ParquetWriterOptions options;
  for (int i = 4; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return Fail(Status::InvalidArgument("missing value for " + arg));
    std::string value = argv[++i];
    if (arg == "--schema") {
      for (const std::string& spec : Split(value, ',')) {
        std::vector<std::string> parts = Split(spec, ':');
        parquet::WriterColumn c;
        c.name = parts[0];
        std::string type = parts.size() > 1 ? parts[1] : "string";
        if (type == "string")
          c.type = ValueType::kString;
        else if (type == "int64")
          c.type = ValueType::kInt64;
        else if (type == "double")
          c.type = ValueType::kDouble;
        else if (type == "bool")
          c.type = ValueType::kBool;
        else
          return Fail(Status::InvalidArgument("unknown column type " + type));
        c.optional = !(parts.size() > 2 && parts[2] == "required");
        schema.push_back(c);
      }
    } else if (arg == "--codec") {
      if (value == "none")
        options.codec = parquet::Codec::kUncompressed;
      else if (value == "snappy")
        options.codec = parquet::Codec::kSnappy;
      else if (value == "zstd")
        options.codec = parquet::Codec::kZstd;
      else if (value == "gzip")
        options.codec = parquet::Codec::kGzip;
      else
        return Fail(Status::InvalidArgument("unknown codec " + value));
    } else if (arg == "--dictionary") {
      options.dictionary = value == "on";
    } else if (arg == "--row-group-rows") {
      options.row_group_rows = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--dictionary-max-bytes") {
      options.dictionary_max_bytes = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--page-bytes") {
      options.page_bytes = std::strtoull(value.c_str(), nullptr, 10);
    } else {
      return Fail(Status::InvalidArgument("unknown argument " + arg));
    }
  }
  auto writer = parquet::ParquetWriter::Create(schema, options);
  if (!writer.ok()) return Fail(writer.status());
  std::vector<std::string> names;
  for (const auto& c : schema) names.push_back(c.name);
  auto in = OpenFile(argv[2]);
  if (!in.ok()) return Fail(in.status());
  auto bytes = in->store->Get(in->key);
  if (!bytes.ok()) return Fail(bytes.status());
  RowCollector collector(**writer);
  Status st = JsonLinesReader::Parse(in->key, *bytes, names, collector);
  if (!st.ok()) return Fail(st);
  auto data = (*writer)->Finish();
  if (!data.ok()) return Fail(data.status());
  auto out = OpenFile(argv[3]);
  if (!out.ok()) return Fail(out.status());
  st = out->store->Put(out->key, *data);
  if (!st.ok()) return Fail(st);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "read") return Read(argc, argv);
  if (command == "describe") return Describe(argc, argv);
  if (command == "write") return Write(argc, argv);
  if (command == "verify") return Verify(argc, argv);
  std::fprintf(stderr,
               "usage: parquet_dump read|describe|verify|write ... (see the source's header)\n");
  return 2;
}
