#include "gen/record_writer.h"

#include <fmt/format.h>

#include <iterator>

#include "gen/parquet_record_writer.h"
#include "gen/random.h"

namespace freshet::gen {
namespace {

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(*out), "\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out->push_back(c);  // bytes >= 0x80 pass through: the caller's UTF-8
        }
    }
  }
  out->push_back('"');
}

// 1234 -> "12.34"; amounts are never negative.
void AppendCents(std::string* out, int64_t cents) {
  fmt::format_to(std::back_inserter(*out), "{}.{:02}", cents / 100, cents % 100);
}

struct AdLineShape {
  bool with_ad_id = true;
  bool updated_at_as_text = false;
};

void AppendAdObject(std::string* out, const AdRecord& r, AdLineShape shape) {
  out->push_back('{');
  if (shape.with_ad_id) {
    out->append("\"ad_id\":");
    AppendJsonString(out, r.ad_id);
    out->push_back(',');
  }
  out->append("\"item_id\":");
  AppendJsonString(out, r.item_id);
  if (r.op == Op::kUpsert) {
    out->append(",\"campaign_id\":");
    AppendJsonString(out, r.campaign_id);
    out->append(",\"title\":");
    AppendJsonString(out, r.title);
    out->append(",\"description\":");
    AppendJsonString(out, r.description);
    out->append(",\"keywords\":[");
    for (size_t i = 0; i < r.keywords.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonString(out, r.keywords[i]);
    }
    out->append("],\"bid\":");
    AppendCents(out, r.bid_cents);
    out->append(",\"status\":");
    AppendJsonString(out, r.active ? "active" : "paused");
  }
  out->append(",\"updated_at\":");
  if (shape.updated_at_as_text) {
    AppendJsonString(out, FormatTimestamp(r.updated_at * 1000));
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", r.updated_at);
  }
  out->append(",\"op\":");
  AppendJsonString(out, OpName(r.op));
  out->push_back('}');
}

void AppendAdArray(std::string* out, const AdRecord& r) {
  out->push_back('[');
  AppendJsonString(out, r.ad_id);
  out->push_back(',');
  AppendJsonString(out, r.item_id);
  if (r.op == Op::kUpsert) {
    out->push_back(',');
    AppendJsonString(out, r.campaign_id);
    out->push_back(',');
    AppendJsonString(out, r.title);
    out->push_back(',');
    AppendCents(out, r.bid_cents);
  }
  fmt::format_to(std::back_inserter(*out), ",{},", r.updated_at);
  AppendJsonString(out, OpName(r.op));
  out->push_back(']');
}

}  // namespace

Result<std::unique_ptr<RecordWriter>> RecordWriter::Create(FileFormat format) {
  switch (format) {
    case FileFormat::kJsonLines:
      return std::unique_ptr<RecordWriter>(new JsonLinesRecordWriter());
    case FileFormat::kParquet:
      return std::unique_ptr<RecordWriter>(new ParquetRecordWriter());
  }
  return Status::NotSupported(
      fmt::format("writing format '{}' is not supported (supported: "
                  "parquet, jsonl)",
                  FileFormatName(format)));
}

void JsonLinesRecordWriter::AppendAd(const AdRecord& record) {
  AppendAdObject(&buffer_, record, {});
  buffer_.push_back('\n');
  ++records_;
}

void JsonLinesRecordWriter::AppendItem(const ItemRecord& r) {
  std::string* out = &buffer_;
  out->append("{\"item_id\":");
  AppendJsonString(out, r.item_id);
  out->append(",\"title\":");
  AppendJsonString(out, r.title);
  out->append(",\"brand\":");
  AppendJsonString(out, r.brand);
  out->append(",\"category\":");
  AppendJsonString(out, r.category);
  out->append(",\"price\":");
  AppendCents(out, r.price_cents);
  fmt::format_to(std::back_inserter(*out),
                 ",\"popularity\":{},\"rating\":{}.{},\"updated_at\":{},\"op\":\"upsert\"}}\n",
                 r.popularity, r.rating_tenths / 10, r.rating_tenths % 10, r.updated_at);
  ++records_;
}

void JsonLinesRecordWriter::AppendMalformedAd(const AdRecord& record, MalformedKind kind) {
  switch (kind) {
    case MalformedKind::kTruncated: {
      std::string line;
      AppendAdObject(&line, record, {});
      // Cut between 30% and 80% of the line: never a complete object.
      uint64_t h = Mix64(static_cast<uint64_t>(record.updated_at) ^ line.size());
      line.resize(line.size() * (30 + h % 51) / 100);
      buffer_ += line;
      break;
    }
    case MalformedKind::kInvalidUtf8: {
      AdRecord broken = record;
      broken.title += " \xff\xfe";                                 // never valid in UTF-8
      if (broken.op == Op::kDelete) broken.item_id += "\xc3\x28";  // deletes carry no title
      AppendAdObject(&buffer_, broken, {});
      break;
    }
    case MalformedKind::kUpdatedAtNotNumber:
      AppendAdObject(&buffer_, record, {.updated_at_as_text = true});
      break;
    case MalformedKind::kMissingAdId:
      AppendAdObject(&buffer_, record, {.with_ad_id = false});
      break;
    case MalformedKind::kArrayInsteadOfObject:
      AppendAdArray(&buffer_, record);
      break;
  }
  buffer_.push_back('\n');
  ++records_;
}

std::string JsonLinesRecordWriter::Finish() {
  std::string out = std::move(buffer_);
  buffer_.clear();
  records_ = 0;
  return out;
}

}  // namespace freshet::gen
