#include "index/index_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/crash_point.h"
#include "common/hash.h"
#include "common/log.h"
#include "index/analyzer.h"
#include "index/current_pointer.h"

namespace freshet {
namespace {

std::vector<uint32_t> Intersect(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
std::vector<uint32_t> Unite(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
std::vector<uint32_t> AllDocs(uint32_t n) {
  std::vector<uint32_t> out(n);
  for (uint32_t i = 0; i < n; ++i) out[i] = i;
  return out;
}

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

}  // namespace

Result<std::shared_ptr<const SegmentReader>> SegmentCache::Load(ObjectStore& store,
                                                                const SegmentRef& ref) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = segments_.find(ref.key);
    if (it != segments_.end()) return it->second;
  }
  std::unique_ptr<SegmentReader> reader;
  Result<std::shared_ptr<const MappedFile>> file = Status::NotFound("no disk cache");
  if (disk_ && !store.IsLocal()) {
    file = disk_->Fetch(store, ref);
    // A cache folder that cannot be written is not a reason to fail a read.
    if (!file.ok() && file.status().code() != StatusCode::kIOError) return file.status();
    if (!file.ok()) {
      Log(LogLevel::kWarn, "segment_cache_unusable", {{"error", file.status().message()}});
    }
  }
  if (file.ok()) {
    std::string_view bytes = (*file)->bytes();
    ASSIGN_OR_RETURN(reader, SegmentReader::Open(ref.key, bytes, std::move(*file)));
  } else {
    ASSIGN_OR_RETURN(std::string bytes, store.Get(ref.key));
    RETURN_IF_ERROR(VerifySegmentBytes(ref, bytes));
    ASSIGN_OR_RETURN(reader, SegmentReader::Open(ref.key, std::move(bytes)));
  }
  std::shared_ptr<const SegmentReader> shared(std::move(reader));
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.emplace(ref.key, shared).first->second;
}

void SegmentCache::Retain(const std::vector<std::string>& keep) {
  std::set<std::string> k(keep.begin(), keep.end());
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = segments_.begin(); it != segments_.end();) {
    it = k.count(it->first) ? std::next(it) : segments_.erase(it);
  }
}

Result<std::string> IndexView::ReadCurrent(ObjectStore& store) {
  auto current = store.Get(kCurrentKey);
  if (!current.ok()) {
    if (current.status().IsNotFound()) {
      return Status::NotFound(
          fmt::format("nothing published yet in {} (no CURRENT)", store.Describe()));
    }
    return current.status();
  }
  return ParseCurrent(store, *current);
}

Result<std::shared_ptr<IndexView>> IndexView::OpenCurrent(ObjectStore& store, SegmentCache* cache) {
  ASSIGN_OR_RETURN(std::string key, ReadCurrent(store));
  return OpenManifest(store, key, cache);
}

Result<std::shared_ptr<IndexView>> IndexView::OpenManifest(ObjectStore& store,
                                                           const std::string& key,
                                                           SegmentCache* cache) {
  SegmentCache local;
  if (!cache) cache = &local;
  ASSIGN_OR_RETURN(std::string json, store.Get(key));
  std::shared_ptr<IndexView> view(new IndexView());
  view->manifest_key_ = key;
  ASSIGN_OR_RETURN(view->manifest_, ParseManifest(key, json));
  // Test seam: a reader that has read the manifest and is slow to open its
  // segments (FRESHET_TEST_PAUSE_POINT=view_manifest_read:S).
  CrashPoint("view_manifest_read");
  // A missing or damaged segment is reported with the manifest naming it.
  auto load = [&](const SegmentRef& ref) {
    auto seg = cache->Load(store, ref);
    return seg.ok() ? seg
                    : Result<std::shared_ptr<const SegmentReader>>(
                          seg.status().WithContext(fmt::format("manifest '{}'", key)));
  };
  for (const SegmentRef& ref : view->manifest_.base) {
    ASSIGN_OR_RETURN(auto seg, load(ref));
    view->base_.push_back(std::move(seg));
  }
  for (const SegmentRef& ref : view->manifest_.delta) {
    ASSIGN_OR_RETURN(auto seg, load(ref));
    view->delta_.push_back(std::move(seg));
  }
  for (const SegmentReader* seg : view->Segments()) {
    view->stat_docs_ += seg->num_docs();
    const SegmentSchema& schema = seg->schema();
    for (size_t f = 0; f < schema.field_count(); ++f) {
      auto total = seg->TotalFieldLength(f);
      if (!total) continue;
      FieldLengthStats& stats = view->field_lengths_[schema.FieldName(f)];
      stats.total += *total;
      stats.docs += seg->num_docs();
    }
  }
  // A group is served from its highest delta layer, else from the base.
  auto hide_group = [](const SegmentReader& seg, std::string_view key, std::vector<bool>* hidden) {
    auto g = seg.FindGroup(key);
    if (!g) return;
    uint32_t first = seg.GroupFirstDoc(*g);
    uint32_t n = seg.GroupDocCount(*g);
    std::fill(hidden->begin() + first, hidden->begin() + first + n, true);
  };
  const std::vector<SegmentRef>& refs = view->manifest_.delta;
  view->base_hidden_.resize(view->base_.size());
  for (size_t b = 0; b < view->base_.size(); ++b) {
    view->base_hidden_[b].assign(view->base_[b]->num_docs(), false);
    for (const auto& delta : view->delta_) {
      for (uint32_t g = 0; g < delta->num_groups(); ++g) {
        hide_group(*view->base_[b], delta->GroupKey(g), &view->base_hidden_[b]);
      }
    }
  }
  view->delta_hidden_.resize(view->delta_.size());
  for (size_t d = 0; d < view->delta_.size(); ++d) {
    view->delta_hidden_[d].assign(view->delta_[d]->num_docs(), false);
    for (size_t upper = d + 1; upper < view->delta_.size(); ++upper) {
      if (refs[upper].layer == refs[d].layer) continue;
      const SegmentReader& seg = *view->delta_[upper];
      for (uint32_t g = 0; g < seg.num_groups(); ++g) {
        hide_group(*view->delta_[d], seg.GroupKey(g), &view->delta_hidden_[d]);
      }
    }
  }
  return view;
}

bool IndexView::BaseHidden(size_t segment, uint32_t ord) const {
  return base_hidden_[segment][ord];
}

uint64_t IndexView::LiveDocs() const {
  uint64_t n = 0;
  for (size_t b = 0; b < base_.size(); ++b) {
    n += static_cast<uint64_t>(std::count(base_hidden_[b].begin(), base_hidden_[b].end(), false));
  }
  for (size_t d = 0; d < delta_.size(); ++d) {
    n += static_cast<uint64_t>(std::count(delta_hidden_[d].begin(), delta_hidden_[d].end(), false));
  }
  return n;
}

Result<std::vector<uint32_t>> IndexView::Evaluate(const SegmentReader& seg,
                                                  const QueryNode& q) const {
  const SegmentSchema& schema = seg.schema();
  switch (q.kind) {
    case QueryNode::Kind::kAll:
      return AllDocs(seg.num_docs());
    case QueryNode::Kind::kTerm: {
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
      std::vector<uint32_t> result;
      for (size_t f : fields) {
        uint8_t roles = schema.FieldRoles(f);
        if (roles & kRoleText) {
          std::vector<std::string> tokens;
          Tokenize(q.text, &tokens);
          if (!tokens.empty()) {
            ASSIGN_OR_RETURN(auto acc, seg.Postings(f, tokens[0]));
            for (size_t i = 1; i < tokens.size() && !acc.empty(); ++i) {
              ASSIGN_OR_RETURN(auto p, seg.Postings(f, tokens[i]));
              acc = Intersect(acc, p);
            }
            result = Unite(result, acc);
          }
        }
        if (roles & kRoleKeyword) {
          ASSIGN_OR_RETURN(auto p, seg.Postings(f, q.text));
          result = Unite(result, p);
        }
        if ((roles & kRoleNumeric) && !(roles & (kRoleText | kRoleKeyword))) {
          char* end = nullptr;
          double v = std::strtod(q.text.c_str(), &end);
          if (end == q.text.c_str() || *end != '\0') {
            return Status::InvalidArgument(
                fmt::format("query: field '{}' is numeric; '{}' is not a number", q.field, q.text));
          }
          std::vector<uint32_t> hits;
          for (uint32_t d = 0; d < seg.num_docs(); ++d) {
            if (seg.Numeric(f, d) == v) hits.push_back(d);
          }
          result = Unite(result, hits);
        }
      }
      return result;
    }
    case QueryNode::Kind::kRange: {
      auto f = schema.FindField(q.field);
      if (!f || !(schema.FieldRoles(*f) & kRoleNumeric)) {
        return Status::InvalidArgument(
            fmt::format("query: range on '{}', which is not a numeric field", q.field));
      }
      std::vector<uint32_t> hits;
      for (uint32_t d = 0; d < seg.num_docs(); ++d) {
        double v = seg.Numeric(*f, d);
        if (!std::isnan(v) && v >= q.lo && v <= q.hi) hits.push_back(d);
      }
      return hits;
    }
    case QueryNode::Kind::kAnd: {
      // Positive children first; NOT children subtract.
      std::vector<uint32_t> acc;
      bool have = false;
      std::vector<const QueryNode*> negatives;
      for (const auto& c : q.children) {
        if (c->kind == QueryNode::Kind::kNot) {
          negatives.push_back(c->children[0].get());
          continue;
        }
        ASSIGN_OR_RETURN(auto r, Evaluate(seg, *c));
        acc = have ? Intersect(acc, r) : std::move(r);
        have = true;
      }
      if (!have) acc = AllDocs(seg.num_docs());
      for (const QueryNode* n : negatives) {
        ASSIGN_OR_RETURN(auto r, Evaluate(seg, *n));
        std::vector<uint32_t> out;
        std::set_difference(acc.begin(), acc.end(), r.begin(), r.end(), std::back_inserter(out));
        acc = std::move(out);
      }
      return acc;
    }
    case QueryNode::Kind::kOr: {
      std::vector<uint32_t> acc;
      for (const auto& c : q.children) {
        ASSIGN_OR_RETURN(auto r, Evaluate(seg, *c));
        acc = Unite(acc, r);
      }
      return acc;
    }
    case QueryNode::Kind::kNot: {
      ASSIGN_OR_RETURN(auto r, Evaluate(seg, *q.children[0]));
      std::vector<uint32_t> all = AllDocs(seg.num_docs()), out;
      std::set_difference(all.begin(), all.end(), r.begin(), r.end(), std::back_inserter(out));
      return out;
    }
  }
  return std::vector<uint32_t>();
}

Result<DocOut> IndexView::MakeDoc(const SegmentReader& seg, uint32_t ord) const {
  const SegmentSchema& schema = seg.schema();
  DocOut out;
  out.id = std::string(seg.DocId(ord));
  uint32_t g = seg.DocGroup(ord);
  out.group = std::string(seg.GroupKey(g));
  out.version = seg.DocVersion(ord);
  ASSIGN_OR_RETURN(Row row, seg.DocRow(ord));
  for (size_t c = 0; c < schema.doc_columns.size() && c < row.size(); ++c) {
    if (schema.doc_roles[c] & kRoleStored) out.fields.emplace_back(schema.doc_columns[c], row[c]);
  }
  ASSIGN_OR_RETURN(auto group, seg.Group(g));
  for (size_t c = 0; c < schema.group_columns.size(); ++c) {
    if (!(schema.group_roles[c] & kRoleStored)) continue;
    Value v = group.has_record && c < group.row.size() ? group.row[c] : Value::Null();
    out.fields.emplace_back(schema.group_prefix + schema.group_columns[c], std::move(v));
  }
  for (size_t a = 0; a < schema.aggregate_names.size() && a < group.aggregates.size(); ++a) {
    double d = group.aggregates[a];
    out.fields.emplace_back(schema.aggregate_names[a],
                            std::isnan(d) ? Value::Null() : Value::Double(d));
  }
  return out;
}

// A text term that adds to BM25 scores: `token` in the text field named
// `field`, with its idf over the whole view.
struct ScoringTerm {
  std::string field;
  std::string token;
  double idf = 0;
  double average_length = 0;  // 0: no length normalization
};

namespace {

// The scoring (field, token) pairs of `q`: text terms outside NOT. A term
// without a field scores in every text field of `schema`.
void CollectScoringTerms(const QueryNode& q, const SegmentSchema& schema,
                         std::vector<ScoringTerm>* out) {
  switch (q.kind) {
    case QueryNode::Kind::kTerm: {
      std::vector<std::string> tokens;
      Tokenize(q.text, &tokens);
      for (size_t f = 0; f < schema.field_count(); ++f) {
        if (!(schema.FieldRoles(f) & kRoleText)) continue;
        std::string name = schema.FieldName(f);
        if (!q.field.empty() && q.field != name) continue;
        for (const std::string& t : tokens) out->push_back({name, t});
      }
      return;
    }
    case QueryNode::Kind::kAnd:
    case QueryNode::Kind::kOr:
      for (const auto& c : q.children) CollectScoringTerms(*c, schema, out);
      return;
    case QueryNode::Kind::kNot:
    case QueryNode::Kind::kRange:
    case QueryNode::Kind::kAll:
      return;
  }
}

}  // namespace

std::vector<const SegmentReader*> IndexView::Segments() const {
  std::vector<const SegmentReader*> out;
  for (const auto& s : base_) out.push_back(s.get());
  for (const auto& s : delta_) out.push_back(s.get());
  return out;
}

Result<std::vector<double>> IndexView::Score(const SegmentReader& seg,
                                             const std::vector<uint32_t>& docs,
                                             const std::vector<ScoringTerm>& terms) const {
  std::vector<double> scores(docs.size(), 0.0);
  std::vector<uint32_t> freqs;
  for (const ScoringTerm& t : terms) {
    auto field = seg.schema().FindField(t.field);
    if (!field) continue;
    ASSIGN_OR_RETURN(auto postings, seg.Postings(*field, t.token, &freqs));
    // Both lists are sorted: walk them together.
    size_t p = 0;
    for (size_t i = 0; i < docs.size() && p < postings.size(); ++i) {
      while (p < postings.size() && postings[p] < docs[i]) ++p;
      if (p == postings.size() || postings[p] != docs[i]) continue;
      auto length = seg.FieldLength(*field, docs[i]);
      double average = length ? t.average_length : 0;
      scores[i] += t.idf * Bm25TermWeight(freqs[p], length.value_or(0), average);
    }
  }
  return scores;
}

Result<SearchResults> IndexView::Search(const QueryNode& query,
                                        const SearchOptions& options) const {
  struct Hit {
    double key;  // score, or the sort field's value
    std::string_view id;
    const SegmentReader* seg;
    uint32_t ord;
  };
  const SortOrder& sort = options.sort;
  const std::vector<const SegmentReader*> segments = Segments();
  std::vector<ScoringTerm> terms;
  if (sort.kind == SortOrder::Kind::kScore && !segments.empty()) {
    CollectScoringTerms(query, segments.front()->schema(), &terms);
    for (ScoringTerm& t : terms) {
      uint64_t df = 0;
      for (const SegmentReader* seg : segments) {
        if (auto f = seg->schema().FindField(t.field)) df += seg->DocFreq(*f, t.token);
      }
      t.idf = Bm25Idf(stat_docs_, std::min(df, stat_docs_));
      auto stats = field_lengths_.find(t.field);
      if (stats != field_lengths_.end() && stats->second.docs > 0) {
        t.average_length =
            static_cast<double>(stats->second.total) / static_cast<double>(stats->second.docs);
      }
    }
  }
  std::vector<Hit> hits;
  auto collect = [&](const SegmentReader& seg, const std::vector<bool>* hidden) -> Status {
    ASSIGN_OR_RETURN(auto docs, Evaluate(seg, query));
    std::vector<double> keys;
    if (sort.kind == SortOrder::Kind::kScore) {
      ASSIGN_OR_RETURN(keys, Score(seg, docs, terms));
    } else if (sort.kind == SortOrder::Kind::kField) {
      auto f = seg.schema().FindField(sort.field);
      if (!f || !(seg.schema().FieldRoles(*f) & kRoleNumeric)) {
        return Status::InvalidArgument(
            fmt::format("sort: '{}' is not a numeric field", sort.field));
      }
      keys.reserve(docs.size());
      for (uint32_t d : docs) keys.push_back(seg.Numeric(*f, d));
    }
    for (size_t i = 0; i < docs.size(); ++i) {
      if (hidden && (*hidden)[docs[i]]) continue;
      hits.push_back({keys.empty() ? 0.0 : keys[i], seg.DocId(docs[i]), &seg, docs[i]});
    }
    return Status::OK();
  };
  for (size_t b = 0; b < base_.size(); ++b) RETURN_IF_ERROR(collect(*base_[b], &base_hidden_[b]));
  for (size_t d = 0; d < delta_.size(); ++d) {
    RETURN_IF_ERROR(collect(*delta_[d], &delta_hidden_[d]));
  }

  // Best first; equal keys (and missing values, last) by doc id.
  auto before = [&](const Hit& a, const Hit& b) {
    if (sort.kind != SortOrder::Kind::kDocId) {
      bool a_nan = std::isnan(a.key), b_nan = std::isnan(b.key);
      if (a_nan != b_nan) return b_nan;
      if (!a_nan && a.key != b.key) {
        bool ascending = sort.kind == SortOrder::Kind::kField && !sort.descending;
        return ascending ? a.key < b.key : a.key > b.key;
      }
    }
    return a.id < b.id;
  };
  SearchResults out;
  out.total = hits.size();
  const size_t offset = options.offset;
  size_t end = options.limit > hits.size() - std::min(offset, hits.size()) ? hits.size()
                                                                           : offset + options.limit;
  if (offset < end) {
    std::partial_sort(hits.begin(), hits.begin() + end, hits.end(), before);
    for (size_t i = offset; i < end; ++i) {
      ASSIGN_OR_RETURN(DocOut doc, MakeDoc(*hits[i].seg, hits[i].ord));
      if (sort.kind == SortOrder::Kind::kScore) doc.score = hits[i].key;
      out.docs.push_back(std::move(doc));
    }
  }
  return out;
}

Result<DocOut> IndexView::GetDoc(std::string_view id) const {
  for (size_t s = delta_.size(); s-- > 0;) {  // highest layer first
    auto ord = delta_[s]->FindDoc(id);
    if (ord && !delta_hidden_[s][*ord]) return MakeDoc(*delta_[s], *ord);
  }
  for (size_t b = 0; b < base_.size(); ++b) {
    auto ord = base_[b]->FindDoc(id);
    if (ord && !base_hidden_[b][*ord]) return MakeDoc(*base_[b], *ord);
  }
  return Status::NotFound(fmt::format("doc '{}' not found", id));
}

}  // namespace freshet
