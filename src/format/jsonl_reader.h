// JSON Lines: one JSON object per line ('\n' or "\r\n"), UTF-8, blank lines
// ignored. A line that is not a JSON object, or is not valid UTF-8, or is
// longer than kMaxRecordBytes is reported to the sink as a bad row with its
// line number and byte offset; reading goes on at the next line. Good lines
// reach the sink in batches (RowSink::OnBatch) of up to 1024 consecutive
// lines; a blank or bad line ends a batch early, and a bad line is reported
// after the good lines before it.
//
// Each line is parsed and validated whole by simdjson's DOM parser, not its
// On Demand API: On Demand validates only the values a reader visits, so a
// malformed value in a column that is not projected would pass silently.
#pragma once

#include "format/row_reader.h"

namespace freshet {

class JsonLinesReader final : public RowReader {
 public:
  static constexpr size_t kMaxRecordBytes = 8 << 20;

  Status Read(ObjectStore& store, const ObjectInfo& file, const std::vector<std::string>& columns,
              RowSink& sink) override;

  // Parses `bytes` (the content of `file_name`) directly; `bytes` needs no
  // padding. Exposed for tests and fuzzing.
  static Status Parse(std::string_view file_name, std::string_view bytes,
                      const std::vector<std::string>& columns, RowSink& sink);
};

}  // namespace freshet
