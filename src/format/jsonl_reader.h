// JSON Lines: one JSON object per line ('\n' or "\r\n"), UTF-8, blank lines
// ignored. A line that is not a JSON object, or is not valid UTF-8, or is
// longer than kMaxRecordBytes is reported to the sink as a bad row with its
// line number and byte offset; reading goes on at the next line. A good line
// reaches the sink as a batch of one row (RowSink::OnBatch) whose strings
// are views into the parser's buffer, valid during the call.
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
