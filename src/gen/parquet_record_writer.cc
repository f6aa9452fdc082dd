#include "gen/parquet_record_writer.h"

#include <fmt/format.h>

#include <cassert>
#include <cstdlib>

namespace freshet::gen {
namespace {

std::vector<parquet::WriterColumn> AdColumns() {
  return {{"ad_id", ValueType::kString, false},      {"item_id", ValueType::kString, true},
          {"campaign_id", ValueType::kString, true}, {"title", ValueType::kString, true},
          {"description", ValueType::kString, true}, {"keywords", ValueType::kString, true},
          {"bid", ValueType::kDouble, true},         {"status", ValueType::kString, true},
          {"updated_at", ValueType::kInt64, false},  {"op", ValueType::kString, false}};
}

std::vector<parquet::WriterColumn> ItemColumns() {
  return {{"item_id", ValueType::kString, false}, {"title", ValueType::kString, true},
          {"brand", ValueType::kString, true},    {"category", ValueType::kString, true},
          {"price", ValueType::kDouble, true},    {"popularity", ValueType::kInt64, true},
          {"rating", ValueType::kDouble, true},   {"updated_at", ValueType::kInt64, false},
          {"op", ValueType::kString, false}};
}

}  // namespace

void ParquetRecordWriter::AppendAd(const AdRecord& r) {
  assert(kind_ != Kind::kItems);
  kind_ = Kind::kAds;
  const bool deleted = r.op == Op::kDelete;
  std::string keywords;
  for (const auto& k : r.keywords) keywords += (keywords.empty() ? "" : " ") + k;
  auto text = [&](const std::string& s) { return deleted ? Value::Null() : Value::String(s); };
  rows_.push_back(
      Row{Value::String(r.ad_id), Value::String(r.item_id), text(r.campaign_id), text(r.title),
          text(r.description), text(keywords),
          deleted ? Value::Null() : Value::Double(static_cast<double>(r.bid_cents) / 100.0),
          deleted ? Value::Null() : Value::String(r.active ? "active" : "paused"),
          Value::Int64(r.updated_at), Value::String(deleted ? "delete" : "upsert")});
}

void ParquetRecordWriter::AppendItem(const ItemRecord& r) {
  assert(kind_ != Kind::kAds);
  kind_ = Kind::kItems;
  rows_.push_back(
      Row{Value::String(r.item_id), Value::String(r.title), Value::String(r.brand),
          Value::String(r.category), Value::Double(static_cast<double>(r.price_cents) / 100.0),
          Value::Int64(r.popularity), Value::Double(static_cast<double>(r.rating_tenths) / 10.0),
          Value::Int64(r.updated_at), Value::String("upsert")});
}

void ParquetRecordWriter::AppendMalformedAd(const AdRecord&, MalformedKind) {
  // REQUIRES: SupportsMalformed(), which is false: the generator refuses
  // --malformed with Parquet before writing anything.
  std::abort();
}

std::string ParquetRecordWriter::Finish() {
  auto columns = kind_ == Kind::kItems ? ItemColumns() : AdColumns();
  auto writer = parquet::ParquetWriter::Create(std::move(columns));
  // The schemas above are fixed and valid, and the rows match them: a failure
  // here is a bug in this file, not bad input.
  if (!writer.ok()) std::abort();
  for (const Row& row : rows_) {
    if (!(*writer)->AppendRow(row).ok()) std::abort();
  }
  auto bytes = (*writer)->Finish();
  if (!bytes.ok()) std::abort();
  rows_.clear();
  kind_ = Kind::kNone;
  return std::move(*bytes);
}

}  // namespace freshet::gen
