// RecordWriter: turns generated records into the bytes of one data file.
//
// One implementation per output format. A writer buffers one file in memory;
// the generator stores the bytes with ObjectStore::Put (one atomic write), so
// that every format works on every store.
//
// Call order: any number of Append* calls, then Finish(), which returns the
// file and leaves the writer empty for the next file. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "format/row_reader.h"
#include "gen/workload.h"

namespace freshet::gen {

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;

  // NotSupported for formats that have no writer yet (Parquet), naming it.
  static Result<std::unique_ptr<RecordWriter>> Create(FileFormat format);

  // File name extension including the dot: ".jsonl".
  virtual std::string_view extension() const = 0;

  // Whether the format can hold deliberately broken records.
  virtual bool SupportsMalformed() const = 0;

  virtual void AppendAd(const AdRecord& record) = 0;
  virtual void AppendItem(const ItemRecord& record) = 0;
  // Appends `record` broken in the way `kind` says.
  // REQUIRES: SupportsMalformed().
  virtual void AppendMalformedAd(const AdRecord& record, MalformedKind kind) = 0;

  // Records appended since the last Finish().
  virtual uint64_t records() const = 0;

  // The file's bytes; resets the writer.
  virtual std::string Finish() = 0;
};

// JSON Lines: one object per line, '\n'-terminated, fields in the order of
// docs/workload.md. Exposed for tests; use RecordWriter::Create.
class JsonLinesRecordWriter final : public RecordWriter {
 public:
  std::string_view extension() const override { return ".jsonl"; }
  bool SupportsMalformed() const override { return true; }
  void AppendAd(const AdRecord& record) override;
  void AppendItem(const ItemRecord& record) override;
  void AppendMalformedAd(const AdRecord& record, MalformedKind kind) override;
  uint64_t records() const override { return records_; }
  std::string Finish() override;

 private:
  std::string buffer_;
  uint64_t records_ = 0;
};

}  // namespace freshet::gen
