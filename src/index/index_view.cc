#include "index/index_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "common/crash_point.h"
#include "common/hash.h"
#include "common/parallel.h"
#include "format/number.h"
#include "index/analyzer.h"
#include "index/current_pointer.h"
#include "index/search/bm25_scorer.h"
#include "index/search/boolean_iterators.h"
#include "index/search/live_group_fields.h"
#include "index/search/segment_query.h"
#include "index/search/top_hits.h"

namespace freshet {

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

Result<Manifest> IndexView::ReadManifest(ObjectStore& store, const std::string& key) {
  ASSIGN_OR_RETURN(std::string json, store.Get(key));
  return ParseManifest(key, json);
}

Result<std::shared_ptr<IndexView>> IndexView::OpenManifest(ObjectStore& store,
                                                           const std::string& key,
                                                           SegmentCache* cache) {
  SegmentCache local;
  if (!cache) cache = &local;
  std::shared_ptr<IndexView> view(new IndexView());
  view->manifest_key_ = key;
  ASSIGN_OR_RETURN(view->manifest_, ReadManifest(store, key));
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
  // Each segment's bytes are checked whole when it is opened: a cold open
  // (a restarted runner, serve) checks them on every core, or reads a remote
  // store's several at a time. The first failure in manifest order is told.
  std::vector<const SegmentRef*> refs;
  for (const SegmentRef& ref : view->manifest_.base) refs.push_back(&ref);
  for (const SegmentRef& ref : view->manifest_.delta) refs.push_back(&ref);
  std::vector<Result<std::shared_ptr<const SegmentReader>>> loaded(refs.size(),
                                                                   Status::NotFound("not loaded"));
  ParallelFor(refs.size(), ReadThreads(store), [&](size_t i) { loaded[i] = load(*refs[i]); });
  for (size_t i = 0; i < refs.size(); ++i) {
    ASSIGN_OR_RETURN(auto seg, std::move(loaded[i]));
    (i < view->manifest_.base.size() ? view->base_ : view->delta_).push_back(std::move(seg));
  }
  for (const auto& s : view->base_) view->segments_.push_back(s.get());
  for (const auto& s : view->delta_) view->segments_.push_back(s.get());
  std::vector<uint32_t> layers(view->base_.size(), 0);
  for (const SegmentRef& ref : view->manifest_.delta) layers.push_back(ref.layer + 1);
  ASSIGN_OR_RETURN(view->directory_, GroupDirectory::Build(view->segments_, layers, key,
                                                           cache->supersessions(), &store));
  for (size_t i = 0; i < view->segments_.size(); ++i) {
    // The superseded docs as sorted runs [first, end).
    const std::vector<bool>& hidden = view->directory_->HiddenDocs(i);
    auto& runs = view->hidden_runs_.emplace_back();
    auto& words = view->hidden_words_.emplace_back();
    // Word by word without a branch per doc (a generation's base holds a
    // million docs, many of them superseded, and every batch opens it):
    // a word's bits first, then its runs by counting zeros and ones.
    uint32_t superseded = 0;
    const auto num_docs = static_cast<uint32_t>(hidden.size());
    for (uint32_t first = 0; first < num_docs; first += 64) {
      const uint32_t bits = std::min<uint32_t>(64, num_docs - first);
      uint64_t word = 0;
      for (uint32_t b = 0; b < bits; ++b) word |= uint64_t{hidden[first + b]} << b;
      if (word == 0) continue;
      if (words.empty()) words.resize((num_docs + 63) / 64);
      words[first / 64] = word;
      superseded += static_cast<uint32_t>(std::popcount(word));
      for (uint64_t rest = word; rest != 0;) {
        const int start = std::countr_zero(rest);
        const int length = std::countr_one(rest >> start);
        const uint32_t d = first + static_cast<uint32_t>(start);
        if (!runs.empty() && runs.back().second == d) {
          runs.back().second += static_cast<uint32_t>(length);
        } else {
          runs.emplace_back(d, d + static_cast<uint32_t>(length));
        }
        rest = start + length >= 64 ? 0 : rest & (~uint64_t{0} << (start + length));
      }
    }
    const uint32_t live = view->segments_[i]->num_docs() - superseded;
    view->live_in_segment_.push_back(live);
    view->live_docs_ += live;
  }
  return view;
}

Result<DocOut> IndexView::MakeDoc(size_t segment, uint32_t ord) const {
  const SegmentReader& seg = *segments_[segment];
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
  // The group's fields and aggregates from the record that serves it.
  const RecordLocation live = directory_->LiveRecord(segment, g);
  ASSIGN_OR_RETURN(auto group, segments_[live.segment]->Group(live.group));
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

namespace {

// The scoring (field, token) pairs of `q`: text terms outside NOT, each
// analyzed by its field's analyzer in `schema`. A term without a field
// scores in every text field of `schema`.
void CollectScoringTerms(const QueryNode& q, const SegmentSchema& schema,
                         std::vector<ScoringTerm>* out) {
  switch (q.kind) {
    case QueryNode::Kind::kTerm: {
      for (size_t f = 0; f < schema.field_count(); ++f) {
        if (!(schema.FieldRoles(f) & kRoleText)) continue;
        std::string name = schema.FieldName(f);
        if (!q.field.empty() && q.field != name) continue;
        std::vector<std::string> tokens;
        Tokenize(schema.FieldAnalyzer(f), q.text, &tokens);
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

const std::vector<IdSortKeys>& IndexView::DocIdSortKeys() const {
  std::call_once(id_keys_once_, [this] {
    id_keys_.reserve(segments_.size());
    for (const SegmentReader* seg : segments_) id_keys_.emplace_back(*seg);
  });
  return id_keys_;
}

Result<SearchResults> IndexView::Search(const QueryNode& query,
                                        const SearchOptions& options) const {
  const SortOrder& sort = options.sort;
  // The scoring terms of each segment, analyzed by its fields' analyzers:
  // segments with the same schema share one list. A term's document
  // frequency counts every segment holding that same term.
  std::vector<std::vector<ScoringTerm>> term_lists;
  std::vector<size_t> terms_of(segments_.size(), 0);
  if (sort.kind == SortOrder::Kind::kScore) {
    for (size_t s = 0; s < segments_.size(); ++s) {
      const SegmentSchema& schema = segments_[s]->schema();
      size_t same = 0;
      while (same < s && !(segments_[same]->schema() == schema)) ++same;
      if (same < s) {
        terms_of[s] = terms_of[same];
        continue;
      }
      terms_of[s] = term_lists.size();
      std::vector<ScoringTerm>& terms = term_lists.emplace_back();
      CollectScoringTerms(query, schema, &terms);
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
  }
  // Every live match is counted (totals are exact) unless
  // total_hits_threshold is reached; only those that could enter the page
  // are scored and kept.
  const size_t capacity =
      options.offset > SIZE_MAX - options.limit ? SIZE_MAX : options.offset + options.limit;
  TopHits top(sort, capacity);
  SearchResults out;
  // Doc-id keys serve from a view's second search sorted by doc id on: a
  // one-shot query never pays for building them.
  const bool by_id = sort.kind == SortOrder::Kind::kDocId && capacity > 0 &&
                     id_sorted_searches_.fetch_add(1, std::memory_order_relaxed) > 0;
  for (size_t s = 0; s < segments_.size(); ++s) {
    const SegmentReader& seg = *segments_[s];
    const LiveGroupFields fields(*directory_, s);
    const LiveGroupFields* live = fields.imports() ? &fields : nullptr;
    const bool scores = !term_lists.empty() && !term_lists[terms_of[s]].empty();
    // A term or an OR of terms, every match counted and scored: the
    // scorer's cursors find the matches too (scored a window at a time).
    std::vector<std::unique_ptr<DocIterator>> keywords;  // matches that score no term
    bool by_scored_windows = false;
    if (scores && capacity > 0 && options.total_hits_threshold == kExactTotal) {
      ASSIGN_OR_RETURN(by_scored_windows,
                       MatchesScoringTermsOrKeywords(seg, query, live, &keywords));
      if (!by_scored_windows) keywords.clear();
    }
    std::unique_ptr<DocIterator> matches;
    if (!by_scored_windows) {
      ASSIGN_OR_RETURN(matches, CompileQuery(seg, query, live));
    }
    std::optional<size_t> sort_field;
    if (sort.kind == SortOrder::Kind::kField) {
      sort_field = seg.schema().FindField(sort.field);
      if (!sort_field || !(seg.schema().FieldRoles(*sort_field) & kRoleNumeric)) {
        return Status::InvalidArgument(
            fmt::format("sort: '{}' is not a numeric field", sort.field));
      }
    }
    std::unique_ptr<SegmentScorer> scorer;
    if (scores) {
      ASSIGN_OR_RETURN(scorer, SegmentScorer::Open(seg, term_lists[terms_of[s]], live));
    }
    const std::vector<bool>& hidden = directory_->HiddenDocs(s);
    // Sorted by doc id, once the page is full, a match whose id key is above
    // the worst kept id's is not kept: its id is never read.
    const IdSortKeys* id_keys = nullptr;
    std::optional<IdSortKeys::Bound> id_bound;
    auto bound_ids = [&] {
      if (!id_keys && top.full()) id_keys = &DocIdSortKeys()[s];
      if (id_keys) id_bound = id_keys->Before(top.worst().id);
    };
    if (by_id && top.full()) bound_ids();
    // Counts a live match and keeps it if it can enter the page.
    auto collect = [&](uint32_t d) {
      ++out.total;
      if (capacity == 0) return;  // a count only
      Hit hit{0.0, {}, &seg, d};
      if (scorer) {
        // A cheap bound first, then one over the terms the doc holds.
        if (top.full() &&
            (!top.MightKeepKey(scorer->Bound(d)) || !top.MightKeepKey(scorer->TightBound(d)))) {
          return;
        }
        hit.key = scorer->Score(d);
        // Most docs scored fall short of the page: their id is never read.
        if (top.full() && !top.MightKeepKey(hit.key)) return;
      } else if (sort_field) {
        hit.key = live ? live->Numeric(*sort_field, d) : seg.Numeric(*sort_field, d);
        if (top.full() && !top.MightKeepKey(hit.key)) return;
      } else if (id_bound && !id_bound->MayPrecede(id_keys->key(d))) {
        return;
      }
      hit.id = seg.DocId(d);
      if (top.Add(hit) && by_id && top.full()) bound_ids();
    };
    std::optional<NumericBlockRange> values;  // sort_field's block holding the last doc asked
    const bool values_bounded = sort_field && !(live && seg.schema().IsGroupField(*sort_field));
    // With the page full: the last doc of a run of docs from `d` on that a
    // block bound rules out together (none can enter the page, as it is or
    // once better hits fill it), by the block bounds of scores, of the sort
    // field's values or of doc ids; nullopt when `d` is not ruled out.
    auto ruled_out_to = [&](uint32_t d) -> std::optional<uint32_t> {
      if (scorer) {
        if (!top.MightKeepKey(scorer->Bound(d))) return scorer->BoundLastDoc();
      } else if (values_bounded) {
        if (!values || d > values->last_doc) values = seg.NumericBlock(*sort_field, d);
        if (values && !top.MightKeepKey(sort.descending ? values->max : values->min)) {
          return values->last_doc;
        }
      } else if (id_bound && !id_bound->MayPrecede(id_keys->RunMin(d))) {
        return std::min(seg.num_docs(), (d / IdSortKeys::kRunDocs + 1) * IdSortKeys::kRunDocs) - 1;
      }
      return std::nullopt;
    };
    auto may_skip = [&] {
      return capacity > 0 && out.total >= options.total_hits_threshold && top.full();
    };
    bool done = by_scored_windows;
    if (by_scored_windows) {
      const std::vector<uint64_t>& hidden_words = hidden_words_[s];
      DocWindow window;
      std::span<const double> window_scores;
      while (scorer->NextWindow(
          keywords, top.full() ? top.worst().key : -std::numeric_limits<double>::infinity(),
          &window, &window_scores)) {
        for (size_t w = 0; w < window.words.size(); ++w) {
          uint64_t bits = window.words[w];
          if (bits == 0) continue;
          if (!hidden_words.empty()) bits &= ~hidden_words[window.first / 64 + w];
          out.total += static_cast<uint64_t>(std::popcount(bits));
          if (window_scores.empty()) continue;  // none can enter the page
          for (; bits != 0; bits &= bits - 1) {
            const uint32_t bit = static_cast<uint32_t>(w * 64 + std::countr_zero(bits));
            const double score = window_scores[bit];
            // Most docs fall short of the page: their id is never read.
            if (top.full() && !top.MightKeepKey(score)) continue;
            top.Add({score, seg.DocId(window.first + bit), &seg, window.first + bit});
          }
        }
      }
    } else if (CopiesDocs(*matches)) {
      // Docs come by the window of bits, 64 at a time: a word of docs that a
      // block bound rules out is counted by its bits, none of its docs looked
      // at; the others' live docs are collected one by one. Once runs may be
      // skipped uncounted, the rest go one by one (below) where bounds of
      // scores or of doc values rule out long runs (runs of doc-id keys are
      // 64 docs, not worth leaving the windows for).
      const std::vector<uint64_t>& hidden_words = hidden_words_[s];
      const bool long_runs = scorer || values_bounded;
      std::optional<uint32_t> out_to;  // the last doc of the last run ruled out
      DocWindow window;
      while (!(long_runs && may_skip()) && !(done = !NextWindow(*matches, &window))) {
        for (size_t w = 0; w < window.words.size(); ++w) {
          const uint32_t first = window.first + static_cast<uint32_t>(w * 64);
          uint64_t bits = window.words[w];
          if (!hidden_words.empty() && bits != 0) bits &= ~hidden_words[first / 64];
          if (bits == 0) continue;
          if (capacity > 0 && top.full()) {
            if (!out_to || *out_to < first) out_to = ruled_out_to(first);
            if (out_to && *out_to >= first + 63) {
              out.total += static_cast<uint64_t>(std::popcount(bits));
              continue;
            }
          }
          for (; bits != 0; bits &= bits - 1) {
            collect(first + static_cast<uint32_t>(std::countr_zero(bits)));
          }
        }
      }
    }
    if (!done) {
      const auto& runs = hidden_runs_[s];
      size_t run = 0;  // the first superseded run not before the current doc
      for (uint32_t d = matches->Next(); d != kNoMoreDocs;) {
        if (hidden[d]) {
          // Past the rest of the superseded run (a group or more).
          while (runs[run].second <= d) ++run;
          d = matches->Advance(runs[run].second);
          continue;
        }
        if (may_skip()) {
          if (const auto last = ruled_out_to(d)) {
            out.total_is_lower_bound = true;
            d = *last == kNoMoreDocs ? kNoMoreDocs : matches->Advance(*last + 1);
            continue;
          }
        }
        collect(d);
        d = matches->Next();
      }
    }
    if (matches) RETURN_IF_ERROR(matches->status());
    for (const auto& k : keywords) RETURN_IF_ERROR(k->status());
    if (scorer) RETURN_IF_ERROR(scorer->status());
  }
  std::vector<Hit> hits = top.TakeSorted();
  for (size_t i = options.offset; i < hits.size(); ++i) {
    const size_t segment = static_cast<size_t>(
        std::find(segments_.begin(), segments_.end(), hits[i].segment) - segments_.begin());
    ASSIGN_OR_RETURN(DocOut doc, MakeDoc(segment, hits[i].ord));
    if (sort.kind == SortOrder::Kind::kScore) doc.score = hits[i].key;
    out.docs.push_back(std::move(doc));
  }
  return out;
}

std::optional<IndexView::DocLocation> IndexView::FindLive(std::string_view id) const {
  for (size_t s = segments_.size(); s-- > 0;) {  // highest layer first, the base last
    auto ord = segments_[s]->FindDoc(id);
    if (ord && !directory_->HiddenDocs(s)[*ord]) return DocLocation{segments_[s], *ord};
  }
  return std::nullopt;
}

Result<DocOut> IndexView::GetDoc(std::string_view id) const {
  if (auto loc = FindLive(id)) {
    const size_t segment = static_cast<size_t>(
        std::find(segments_.begin(), segments_.end(), loc->segment) - segments_.begin());
    return MakeDoc(segment, loc->ord);
  }
  return Status::NotFound(fmt::format("doc '{}' not found", id));
}

}  // namespace freshet
