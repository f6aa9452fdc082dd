#include "index/ranking.h"

#include <fmt/format.h>

#include <cmath>

namespace freshet {

std::string SortOrder::ToString() const {
  switch (kind) {
    case Kind::kScore:
      return "score";
    case Kind::kDocId:
      return "id";
    case Kind::kField:
      return field + (descending ? ":desc" : ":asc");
  }
  return "score";
}

Result<SortOrder> ParseSortOrder(std::string_view spec) {
  SortOrder out;
  if (spec == "score" || spec.empty()) return out;
  if (spec == "id") {
    out.kind = SortOrder::Kind::kDocId;
    return out;
  }
  std::string_view field = spec;
  size_t colon = spec.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view dir = spec.substr(colon + 1);
    if (dir != "asc" && dir != "desc") {
      return Status::InvalidArgument(
          fmt::format("sort '{}': expected score, id, FIELD, FIELD:asc or FIELD:desc", spec));
    }
    out.descending = dir == "desc";
    field = spec.substr(0, colon);
  }
  if (field.empty()) {
    return Status::InvalidArgument(
        fmt::format("sort '{}': expected score, id, FIELD, FIELD:asc or FIELD:desc", spec));
  }
  out.kind = SortOrder::Kind::kField;
  out.field = std::string(field);
  return out;
}

double Bm25Idf(uint64_t doc_count, uint64_t doc_freq) {
  const double n = static_cast<double>(doc_count);
  const double df = static_cast<double>(doc_freq);
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

double Bm25TermWeight(double term_freq, double field_length, double average_length,
                      const Bm25Params& params) {
  const double norm =
      average_length > 0 ? 1.0 - params.b + params.b * field_length / average_length : 1.0;
  return term_freq * (params.k1 + 1.0) / (term_freq + params.k1 * norm);
}

}  // namespace freshet
