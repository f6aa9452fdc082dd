// Parquet output for the generator: one Parquet file per data file (snappy,
// dictionary encoding). Ads have the columns of docs/workload.md, with
// `keywords` as one space-separated string (the writer has no list columns)
// and bid/price/rating as doubles. Parquet cannot hold malformed records.
#pragma once

#include <memory>

#include "format/parquet/parquet_writer.h"
#include "gen/record_writer.h"

namespace freshet::gen {

class ParquetRecordWriter final : public RecordWriter {
 public:
  std::string_view extension() const override { return ".parquet"; }
  bool SupportsMalformed() const override { return false; }
  void AppendAd(const AdRecord& record) override;
  void AppendItem(const ItemRecord& record) override;
  void AppendMalformedAd(const AdRecord& record, MalformedKind kind) override;
  uint64_t records() const override { return rows_.size(); }
  std::string Finish() override;

 private:
  enum class Kind { kNone, kAds, kItems };
  Kind kind_ = Kind::kNone;
  std::vector<Row> rows_;
};

}  // namespace freshet::gen
