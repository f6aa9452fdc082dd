#include "index/search/segment_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "format/number.h"
#include "index/analyzer.h"
#include "index/search/boolean_iterators.h"
#include "index/search/live_group_fields.h"
#include "index/search/phrase_iterator.h"
#include "index/segment/segment_reader.h"

namespace freshet {
namespace {

std::string KnownFields(const SegmentSchema& schema) {
  std::string out;
  for (size_t f = 0; f < schema.field_count(); ++f) {
    uint8_t r = schema.FieldRoles(f);
    if (!(r & (kRoleText | kRoleKeyword | kRoleNumeric))) continue;
    if (!out.empty()) out += ", ";
    out += schema.FieldName(f);
  }
  return out;
}

using Iterators = std::vector<std::unique_ptr<DocIterator>>;

std::unique_ptr<DocIterator> AnyOf(Iterators parts) {
  return parts.empty() ? EmptyIterator() : DisjunctionIterator(std::move(parts));
}

// True when `field`'s clauses go through `live` (a group field of a segment
// some of whose groups are served by another segment's record).
bool ByLiveRecords(const SegmentReader& segment, const LiveGroupFields* live, size_t field) {
  return live && segment.schema().IsGroupField(field);
}

// The docs holding `term` in `field` (none if the segment has no such term).
Result<std::unique_ptr<DocIterator>> TermIterator(const SegmentReader& segment,
                                                  const LiveGroupFields* live, size_t field,
                                                  std::string_view term) {
  ASSIGN_OR_RETURN(auto postings, ByLiveRecords(segment, live, field)
                                      ? live->OpenPostings(field, term)
                                      : segment.OpenPostings(field, term));
  if (!postings) return EmptyIterator();
  return std::unique_ptr<DocIterator>(std::move(postings));
}

std::unique_ptr<DocIterator> RangeIterator(const SegmentReader& segment,
                                           const LiveGroupFields* live, size_t field, double lo,
                                           double hi) {
  if (ByLiveRecords(segment, live, field)) return live->NumericRange(field, lo, hi);
  return NumericRangeIterator(segment, field, lo, hi);
}

// The docs holding `tokens` at consecutive positions in text field `field`:
// through the positions when the segment has them (and serves its own group
// records), else by analyzing the stored text (or the live group record) of
// the docs holding every token.
Result<std::unique_ptr<DocIterator>> PhraseInField(const SegmentReader& segment,
                                                   const LiveGroupFields* live, size_t field,
                                                   const std::vector<std::string>& tokens) {
  const bool by_live = ByLiveRecords(segment, live, field);
  if (segment.HasPositions(field) && !by_live) {
    std::vector<PhraseTerm> terms;
    for (size_t i = 0; i < tokens.size(); ++i) {
      ASSIGN_OR_RETURN(auto list, segment.OpenPositions(field, tokens[i]));
      if (!list.postings) return EmptyIterator();
      terms.push_back(
          {std::move(list.postings), std::move(list.positions), static_cast<uint32_t>(i)});
    }
    const bool by_group = segment.IndexedByGroup(field);
    auto phrase =
        PhraseIterator(std::move(terms), by_group ? segment.num_groups() : segment.num_docs());
    if (by_group) return std::unique_ptr<DocIterator>(segment.ExpandGroups(std::move(phrase)));
    return std::unique_ptr<DocIterator>(std::move(phrase));
  }
  Iterators all;
  for (const std::string& t : tokens) {
    ASSIGN_OR_RETURN(auto it, TermIterator(segment, live, field, t));
    all.push_back(std::move(it));
  }
  const SegmentSchema& schema = segment.schema();
  const uint32_t analyzer = schema.FieldAnalyzer(field);
  const size_t num_doc_cols = schema.doc_columns.size();
  if (field < num_doc_cols) {
    return PhraseFilter(ConjunctionIterator(std::move(all)),
                        [&segment, field, analyzer, tokens](uint32_t doc) -> Result<bool> {
                          ASSIGN_OR_RETURN(Row row, segment.DocRow(doc));
                          return field < row.size() &&
                                 ValueHoldsPhrase(analyzer, row[field], tokens);
                        });
  }
  // The docs of a group are consecutive and share its (live) record: the
  // record is analyzed once per run of candidates of one group.
  const size_t column = field - num_doc_cols;
  return PhraseFilter(
      ConjunctionIterator(std::move(all)),
      [&segment, live, by_live, column, analyzer, tokens, last_group = kNoMoreDocs,
       last_holds = false](uint32_t doc) mutable -> Result<bool> {
        const uint32_t group = segment.DocGroup(doc);
        if (group == last_group) return last_holds;
        ASSIGN_OR_RETURN(auto record, by_live ? live->Record(doc) : segment.Group(group));
        last_holds =
            column < record.row.size() && ValueHoldsPhrase(analyzer, record.row[column], tokens);
        last_group = group;
        return last_holds;
      });
}

Result<std::unique_ptr<DocIterator>> CompileTerm(const SegmentReader& segment,
                                                 const LiveGroupFields* live, const QueryNode& q) {
  const SegmentSchema& schema = segment.schema();
  std::vector<size_t> fields;
  if (q.field.empty()) {
    for (size_t f = 0; f < schema.field_count(); ++f) {
      if (schema.FieldRoles(f) & kRoleText) fields.push_back(f);
    }
  } else {
    auto f = schema.FindField(q.field);
    if (!f || !(schema.FieldRoles(*f) & (kRoleText | kRoleKeyword | kRoleNumeric))) {
      return Status::InvalidArgument(fmt::format(
          "query: unknown field '{}' (searchable fields: {})", q.field, KnownFields(schema)));
    }
    fields.push_back(*f);
  }
  Iterators parts;
  // The value's tokens by the analyzer of each field searched, each analyzer
  // run once.
  std::vector<std::pair<uint32_t, std::vector<std::string>>> analyzed;
  for (size_t f : fields) {
    const uint8_t roles = schema.FieldRoles(f);
    if (roles & kRoleText) {
      // A text value matches a field holding every one of its tokens.
      const uint32_t analyzer = schema.FieldAnalyzer(f);
      auto cached = std::find_if(analyzed.begin(), analyzed.end(),
                                 [&](const auto& a) { return a.first == analyzer; });
      if (cached == analyzed.end()) {
        cached = analyzed.insert(analyzed.end(), {analyzer, {}});
        Tokenize(analyzer, q.text, &cached->second);
      }
      const std::vector<std::string>& tokens = cached->second;
      if (q.quoted && tokens.size() > 1) {
        ASSIGN_OR_RETURN(auto it, PhraseInField(segment, live, f, tokens));
        parts.push_back(std::move(it));
      } else if (!tokens.empty()) {
        Iterators all;
        for (const std::string& t : tokens) {
          ASSIGN_OR_RETURN(auto it, TermIterator(segment, live, f, t));
          all.push_back(std::move(it));
        }
        parts.push_back(ConjunctionIterator(std::move(all)));
      }
    }
    if (roles & kRoleKeyword) {
      ASSIGN_OR_RETURN(auto it, TermIterator(segment, live, f, q.text));
      parts.push_back(std::move(it));
    }
    if ((roles & kRoleNumeric) && !(roles & (kRoleText | kRoleKeyword))) {
      std::optional<double> v = ParseNumber(q.text);
      if (!v) {
        return Status::InvalidArgument(
            fmt::format("query: field '{}' is numeric; '{}' is not a number (as JSON writes them)",
                        q.field, q.text));
      }
      parts.push_back(RangeIterator(segment, live, f, *v, *v));
    }
  }
  return AnyOf(std::move(parts));
}

}  // namespace

Result<bool> MatchesScoringTermsOrKeywords(const SegmentReader& segment, const QueryNode& q,
                                           const LiveGroupFields* live, Iterators* keywords) {
  if (q.kind == QueryNode::Kind::kOr) {
    for (const auto& c : q.children) {
      ASSIGN_OR_RETURN(bool matches, MatchesScoringTermsOrKeywords(segment, *c, live, keywords));
      if (!matches) return false;
    }
    return true;
  }
  if (q.kind != QueryNode::Kind::kTerm) return false;
  // As CompileTerm compiles it: a field named must be a text field; each
  // text field searched gives a conjunction of the value's tokens (a phrase
  // if quoted) and, if a keyword field too, the value as a keyword.
  const SegmentSchema& schema = segment.schema();
  if (!q.field.empty()) {
    auto f = schema.FindField(q.field);
    if (!f || !(schema.FieldRoles(*f) & kRoleText)) return false;
  }
  std::vector<std::string> tokens;
  for (size_t f = 0; f < schema.field_count(); ++f) {
    const uint8_t roles = schema.FieldRoles(f);
    if (!(roles & kRoleText) || (!q.field.empty() && q.field != schema.FieldName(f))) continue;
    tokens.clear();
    Tokenize(schema.FieldAnalyzer(f), q.text, &tokens);
    if (tokens.size() > 1) return false;
    if (roles & kRoleKeyword) {
      ASSIGN_OR_RETURN(auto it, TermIterator(segment, live, f, q.text));
      if (it->cost() > 0) keywords->push_back(std::move(it));
    }
  }
  return true;
}

Result<std::unique_ptr<DocIterator>> CompileQuery(const SegmentReader& segment, const QueryNode& q,
                                                  const LiveGroupFields* live) {
  const SegmentSchema& schema = segment.schema();
  switch (q.kind) {
    case QueryNode::Kind::kAll:
      return AllDocsIterator(segment.num_docs());
    case QueryNode::Kind::kTerm:
      return CompileTerm(segment, live, q);
    case QueryNode::Kind::kRange: {
      auto f = schema.FindField(q.field);
      if (!f || !(schema.FieldRoles(*f) & kRoleNumeric)) {
        return Status::InvalidArgument(
            fmt::format("query: range on '{}', which is not a numeric field", q.field));
      }
      return RangeIterator(segment, live, *f, q.lo, q.hi);
    }
    case QueryNode::Kind::kAnd: {
      // Positive children first (in order: the first error reported is the
      // first positive child's); NOT children exclude.
      Iterators positives, negatives;
      for (const auto& c : q.children) {
        if (c->kind == QueryNode::Kind::kNot) continue;
        ASSIGN_OR_RETURN(auto it, CompileQuery(segment, *c, live));
        positives.push_back(std::move(it));
      }
      for (const auto& c : q.children) {
        if (c->kind != QueryNode::Kind::kNot) continue;
        ASSIGN_OR_RETURN(auto it, CompileQuery(segment, *c->children[0], live));
        negatives.push_back(std::move(it));
      }
      auto matched = positives.empty() ? AllDocsIterator(segment.num_docs())
                                       : ConjunctionIterator(std::move(positives));
      if (negatives.empty()) return matched;
      return ExclusionIterator(std::move(matched), AnyOf(std::move(negatives)));
    }
    case QueryNode::Kind::kOr: {
      Iterators parts;
      for (const auto& c : q.children) {
        ASSIGN_OR_RETURN(auto it, CompileQuery(segment, *c, live));
        parts.push_back(std::move(it));
      }
      return AnyOf(std::move(parts));
    }
    case QueryNode::Kind::kNot: {
      ASSIGN_OR_RETURN(auto it, CompileQuery(segment, *q.children[0], live));
      return ExclusionIterator(AllDocsIterator(segment.num_docs()), std::move(it));
    }
  }
  return EmptyIterator();
}

}  // namespace freshet
