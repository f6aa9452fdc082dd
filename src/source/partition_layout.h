// PartitionLayout: how a source's time partitions are named.
//
// A template such as "dt={yyyy}-{MM}-{dd}/hour={HH}/minute={mm}" with the
// placeholders {yyyy} {MM} {dd} {HH} {mm} (each fixed-width, zero-padded).
// A key "dt=2026-05-04/hour=10/minute=05/part-0.jsonl" parses to the
// partition starting at 2026-05-04T10:05:00Z and the file "part-0.jsonl".
//
// Thread-safe (immutable after Parse).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace freshet {

class PartitionLayout {
 public:
  // InvalidArgument naming the template if it has an unknown placeholder, no
  // {yyyy}, or a placeholder finer than the period can express.
  static Result<PartitionLayout> Parse(std::string_view layout_template);

  // The partition folder for `start`, e.g. "dt=2026-05-04/hour=10/minute=05".
  std::string Format(TimeMicros start) const;

  // The longest literal prefix shared by every partition of the hour that
  // contains `t` (e.g. "dt=2026-05-04/hour=10/"): what discovery lists.
  std::string HourPrefix(TimeMicros t) const;

  struct Parsed {
    TimeMicros start = 0;
    std::string file;  // the rest of the key after the partition folder and '/'
  };
  // Parses a key relative to the source's root. InvalidArgument, naming the
  // key and what was expected, if it does not match the template.
  Result<Parsed> ParseKey(std::string_view key) const;

  const std::string& text() const { return text_; }

 private:
  enum class Part { kLiteral, kYear, kMonth, kDay, kHour, kMinute };
  struct Token {
    Part part;
    std::string literal;
  };
  std::string text_;
  std::vector<Token> tokens_;
};

}  // namespace freshet
