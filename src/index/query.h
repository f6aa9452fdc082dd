// The query language of `freshet query` and `/search`:
//   red shoes            both terms (implicit AND) in any text field
//   red OR blue          either
//   NOT paused, -paused  exclusion
//   (a OR b) AND c       grouping
//   title:shoes          a term in one field (text fields are analyzed,
//                        keyword fields match the exact value)
//   status:active        keyword filter
//   "two words"          quoted value (a phrase for text fields: the terms
//                        at consecutive positions; one exact value for
//                        keyword fields)
//   bid:[0.5 TO 2]       numeric range, inclusive; '*' for an open end
//   bid:2                numeric equality
// Numbers in queries are written as JSON writes them (format/number.h).
//   *                    every doc
// AND binds tighter than OR. Keywords AND/OR/NOT are upper case, and plain
// values right after "field:". docs/query-language.md is the full
// specification for users; keep the two true together.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshet {

inline constexpr size_t kMaxQueryTerms = 1024;
inline constexpr size_t kMaxQueryDepth = 64;
inline constexpr size_t kMaxQueryBytes = 64 * 1024;

struct QueryNode {
  enum class Kind { kTerm, kRange, kAnd, kOr, kNot, kAll };
  Kind kind = Kind::kAll;
  std::string field;      // empty: every text field
  std::string text;       // kTerm
  bool quoted = false;    // kTerm: a quoted value, a phrase on text fields
  double lo = 0, hi = 0;  // kRange, inclusive
  std::vector<std::unique_ptr<QueryNode>> children;

  std::string ToString() const;  // canonical form, for logs and tests
};

// InvalidArgument naming the offset of the problem.
Result<std::unique_ptr<QueryNode>> ParseQuery(std::string_view query);

}  // namespace freshet
