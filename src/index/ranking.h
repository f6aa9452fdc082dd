// Ranking of search hits: the order in which `freshet query` and `/search`
// return matching docs, and the BM25 scores behind the default order.
//
// BM25 (Robertson, Walker et al.; the variant Lucene uses):
//   score(doc) = sum over scoring terms t and fields f of
//     idf(t, f) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc, f) / avglen(f)))
//   idf(t, f) = ln(1 + (N - df + 0.5) / (df + 0.5))
// where tf is the term's count in the doc's field, len the field's token
// count, N the live docs of the generation (those a search can return: no
// doc superseded by a delta layer, none deleted), df those of them holding t
// in f and avglen(f) the average len over them. A term
// without a field scores in every text field. Scoring terms are the text
// terms outside NOT; keyword, numeric and `*` clauses filter without scoring.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace freshet {

struct SortOrder {
  enum class Kind {
    kScore,  // BM25, best first; ties by doc id
    kDocId,  // doc id ascending
    kField,  // a numeric field; docs without a value last; ties by doc id
  };
  Kind kind = Kind::kScore;
  std::string field;       // kField
  bool descending = true;  // kField

  std::string ToString() const;  // the spec ParseSortOrder accepts
};

// "score", "id", "FIELD", "FIELD:desc" (the default for a field) or
// "FIELD:asc". InvalidArgument naming the spec otherwise. Whether FIELD is
// numeric is checked against a segment's schema at search time.
Result<SortOrder> ParseSortOrder(std::string_view spec);

struct Bm25Params {
  double k1 = 1.2;
  double b = 0.75;
};

// REQUIRES: doc_freq <= doc_count.
double Bm25Idf(uint64_t doc_count, uint64_t doc_freq);
// One term's weight in one field of one doc, before the idf factor.
// A non-positive average_length disables length normalization.
double Bm25TermWeight(double term_freq, double field_length, double average_length,
                      const Bm25Params& params = {});

}  // namespace freshet
