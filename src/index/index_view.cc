#include "index/index_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/hash.h"
#include "common/log.h"
#include "index/analyzer.h"

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
  std::string key = *current;
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (!key.starts_with(kManifestsPrefix) || key.find("..") != std::string::npos) {
    return Status::Corruption(
        fmt::format("CURRENT in {} names '{}', not a manifest", store.Describe(), key));
  }
  return key;
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
  for (const SegmentRef& ref : view->manifest_.base) {
    ASSIGN_OR_RETURN(auto seg, cache->Load(store, ref));
    view->base_.push_back(std::move(seg));
  }
  for (const SegmentRef& ref : view->manifest_.delta) {
    ASSIGN_OR_RETURN(auto seg, cache->Load(store, ref));
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

Result<SearchResults> IndexView::Search(const QueryNode& query, size_t limit, size_t offset) const {
  struct Hit {
    std::string_view id;
    const SegmentReader* seg;
    uint32_t ord;
  };
  std::vector<Hit> hits;
  for (size_t b = 0; b < base_.size(); ++b) {
    ASSIGN_OR_RETURN(auto docs, Evaluate(*base_[b], query));
    for (uint32_t d : docs) {
      if (!base_hidden_[b][d]) hits.push_back({base_[b]->DocId(d), base_[b].get(), d});
    }
  }
  for (size_t s = 0; s < delta_.size(); ++s) {
    ASSIGN_OR_RETURN(auto docs, Evaluate(*delta_[s], query));
    for (uint32_t d : docs) {
      if (!delta_hidden_[s][d]) hits.push_back({delta_[s]->DocId(d), delta_[s].get(), d});
    }
  }
  SearchResults out;
  out.total = hits.size();
  size_t end = std::min(hits.size(), offset + limit);
  if (offset < end) {
    std::partial_sort(hits.begin(), hits.begin() + end, hits.end(),
                      [](const Hit& a, const Hit& b) { return a.id < b.id; });
    for (size_t i = offset; i < end; ++i) {
      ASSIGN_OR_RETURN(DocOut doc, MakeDoc(*hits[i].seg, hits[i].ord));
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
