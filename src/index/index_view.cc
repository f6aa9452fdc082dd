#include "index/index_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/crash_point.h"
#include "common/hash.h"
#include "common/log.h"
#include "format/number.h"
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
  // A group is served from its highest delta layer, else from the base.
  auto hide_group = [](const SegmentReader& seg, std::string_view key, std::vector<bool>* hidden) {
    auto g = seg.FindGroup(key);
    if (!g) return;
    uint32_t first = seg.GroupFirstDoc(*g);
    uint32_t n = seg.GroupDocCount(*g);
    std::fill(hidden->begin() + first, hidden->begin() + first + n, true);
  };
  for (const auto& s : view->base_) view->segments_.push_back(s.get());
  for (const auto& s : view->delta_) view->segments_.push_back(s.get());
  const size_t num_base = view->base_.size();
  const std::vector<SegmentRef>& refs = view->manifest_.delta;
  view->hidden_.resize(view->segments_.size());
  for (size_t i = 0; i < view->segments_.size(); ++i) {
    const SegmentReader& seg = *view->segments_[i];
    std::vector<bool>& hidden = view->hidden_[i];
    hidden.assign(seg.num_docs(), false);
    // Base segments: hidden by every delta segment. Delta segments: by those
    // of higher layers.
    for (size_t upper = std::max(i + 1, num_base); upper < view->segments_.size(); ++upper) {
      if (i >= num_base && refs[upper - num_base].layer == refs[i - num_base].layer) continue;
      const SegmentReader& over = *view->segments_[upper];
      for (uint32_t g = 0; g < over.num_groups(); ++g) hide_group(seg, over.GroupKey(g), &hidden);
    }
    const auto live = static_cast<uint32_t>(std::count(hidden.begin(), hidden.end(), false));
    view->live_in_segment_.push_back(live);
    view->live_docs_ += live;
  }
  return view;
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
          std::optional<double> v = ParseNumber(q.text);
          if (!v) {
            return Status::InvalidArgument(fmt::format(
                "query: field '{}' is numeric; '{}' is not a number (as JSON writes them)", q.field,
                q.text));
          }
          std::vector<uint32_t> hits;
          for (uint32_t d = 0; d < seg.num_docs(); ++d) {
            if (seg.Numeric(f, d) == *v) hits.push_back(d);
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
// `field`, with its idf and the field's average length over the live docs.
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

Result<uint64_t> IndexView::LiveDocFreq(const std::string& field, const std::string& token) const {
  std::string key = field;
  key.push_back('\0');
  key += token;
  {
    std::lock_guard<std::mutex> lock(doc_freqs_mu_);
    auto it = doc_freqs_.find(key);
    if (it != doc_freqs_.end()) return it->second;
  }
  // Computed outside the lock: two threads may both count a term, to the
  // same result.
  uint64_t df = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const SegmentReader& seg = *segments_[i];
    auto f = seg.schema().FindField(field);
    if (!f || live_in_segment_[i] == 0) continue;
    const uint32_t all = seg.DocFreq(*f, token);
    if (all == 0 || live_in_segment_[i] == seg.num_docs()) {
      df += all;
      continue;
    }
    ASSIGN_OR_RETURN(auto postings, seg.Postings(*f, token));
    const std::vector<bool>& hidden = hidden_[i];
    for (uint32_t d : postings) df += hidden[d] ? 0 : 1;
  }
  std::lock_guard<std::mutex> lock(doc_freqs_mu_);
  // Bounded: a long-lived view searched for ever new terms starts over.
  constexpr size_t kMaxCachedDocFreqs = 1 << 16;
  if (doc_freqs_.size() >= kMaxCachedDocFreqs) doc_freqs_.clear();
  doc_freqs_.emplace(std::move(key), df);
  return df;
}

const std::map<std::string, IndexView::FieldLengthStats, std::less<>>& IndexView::LiveFieldLengths()
    const {
  std::call_once(field_lengths_once_, [this] {
    for (size_t i = 0; i < segments_.size(); ++i) {
      const SegmentReader& seg = *segments_[i];
      const std::vector<bool>& hidden = hidden_[i];
      const uint32_t live = live_in_segment_[i];
      const SegmentSchema& schema = seg.schema();
      for (size_t f = 0; f < schema.field_count(); ++f) {
        auto total = seg.TotalFieldLength(f);
        if (!total) continue;
        // Whichever is fewer: add the live docs' lengths, or take the
        // superseded docs' off the segment's total.
        const uint32_t superseded = seg.num_docs() - live;
        const bool add_live = live < superseded;
        uint64_t tokens = add_live ? 0 : *total;
        for (uint32_t d = 0; d < seg.num_docs() && live > 0 && superseded > 0; ++d) {
          if (hidden[d] == add_live) continue;
          const uint64_t length = seg.FieldLength(f, d).value_or(0);
          tokens = add_live ? tokens + length : tokens - length;
        }
        FieldLengthStats& stats = field_lengths_[schema.FieldName(f)];
        stats.total += tokens;
        stats.docs += live;
      }
    }
  });
  return field_lengths_;
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
  std::vector<ScoringTerm> terms;
  if (sort.kind == SortOrder::Kind::kScore && !segments_.empty()) {
    CollectScoringTerms(query, segments_.front()->schema(), &terms);
    const auto& lengths = LiveFieldLengths();
    for (ScoringTerm& t : terms) {
      ASSIGN_OR_RETURN(uint64_t df, LiveDocFreq(t.field, t.token));
      t.idf = Bm25Idf(live_docs_, std::min(df, live_docs_));
      auto stats = lengths.find(t.field);
      if (stats != lengths.end() && stats->second.docs > 0) {
        t.average_length =
            static_cast<double>(stats->second.total) / static_cast<double>(stats->second.docs);
      }
    }
  }
  std::vector<Hit> hits;
  for (size_t s = 0; s < segments_.size(); ++s) {
    const SegmentReader& seg = *segments_[s];
    ASSIGN_OR_RETURN(auto matches, Evaluate(seg, query));
    std::vector<uint32_t> docs;  // the live ones
    docs.reserve(matches.size());
    for (uint32_t d : matches) {
      if (!hidden_[s][d]) docs.push_back(d);
    }
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
      hits.push_back({keys.empty() ? 0.0 : keys[i], seg.DocId(docs[i]), &seg, docs[i]});
    }
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
  for (size_t s = segments_.size(); s-- > 0;) {  // highest layer first, the base last
    auto ord = segments_[s]->FindDoc(id);
    if (ord && !hidden_[s][*ord]) return MakeDoc(*segments_[s], *ord);
  }
  return Status::NotFound(fmt::format("doc '{}' not found", id));
}

}  // namespace freshet
