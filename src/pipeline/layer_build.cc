#include "pipeline/layer_build.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>

#include "common/hash.h"
#include "common/parallel.h"
#include "format/number.h"
#include "index/group_directory.h"

namespace freshet {
namespace {

// A doc copy held by a segment.
struct Copy {
  const SegmentReader* segment = nullptr;
  uint32_t ord = 0;
  std::string_view group() const { return segment->GroupKey(segment->DocGroup(ord)); }
  int64_t version() const { return segment->DocVersion(ord); }
  bool operator==(const Copy&) const = default;
};

bool Hidden(const LowerSegment& s, uint32_t ord) { return s.hidden && (*s.hidden)[ord]; }

// The copy of `id` that `layers` serve: the highest one not superseded.
// With `layer`, sets *layer to the index in `layers` of the segment holding
// it.
std::optional<Copy> ServedCopy(const std::vector<LowerSegment>& layers, std::string_view id,
                               size_t* layer = nullptr) {
  for (size_t i = layers.size(); i-- > 0;) {
    const auto ord = layers[i].segment->FindDoc(id);
    if (ord && !Hidden(layers[i], *ord)) {
      if (layer) *layer = i;
      return Copy{layers[i].segment, *ord};
    }
  }
  return std::nullopt;
}

bool SameRecord(const GroupRecord& a, const GroupRecord& b) {
  return a.has_record == b.has_record && a.version == b.version && a.row == b.row;
}

// What is served of a doc once the layer is published.
struct Served {
  bool present = false;
  int64_t version = 0;  // of the copy, or of the deleting record
  std::string_view group;
  const KeyedRecord* record = nullptr;  // the copy comes from the window...
  std::optional<Copy> copy;             // ... or from a segment
  Result<Row> RowOf() const {
    if (record) return record->Values();
    return copy->segment->DocRow(copy->ord);
  }
};

struct TouchedGroup {
  std::vector<SegmentDoc> docs;  // `group` unset until assembly
  std::vector<SegmentTombstone> tombstones;
  // The copies the group serves below the layer that the layer supersedes
  // (rewrites, moves out or deletes): (index in `below`, ord).
  std::vector<std::pair<size_t, uint32_t>> removed;
  // The record served once the layer is published, when already computed
  // (a group whose record changed); else Assemble computes it.
  std::optional<GroupRecord> record;
};

class LayerBuilder {
 public:
  LayerBuilder(const PipelineConfig& config, const LayerInput& input, LayerStats* stats)
      : config_(config), in_(input), stats_(stats), schema_(MakeSegmentSchema(config)) {}

  Result<std::vector<SegmentData>> Build(int shards) {
    superseded_.resize(in_.below.size());
    RETURN_IF_ERROR(Docs());
    for (std::vector<uint32_t>& ords : superseded_) std::sort(ords.begin(), ords.end());
    RETURN_IF_ERROR(GroupRecords());
    return Assemble(shards);
  }

 private:
  bool Decided(const std::vector<std::string>* ids, std::string_view id) const {
    return ids == nullptr || std::binary_search(ids->begin(), ids->end(), id);
  }

  // The window's rule for an id it decides (BuildDelta's): its newest
  // record, unless the base holds a newer copy; else the base copy.
  Served FromWindow(std::string_view id) const {
    Served s;
    const KeyedRecord* rec = in_.docs->Find(id);
    const auto base = FindBaseDoc(in_.base, id);
    if (rec && !(base && base->version() > rec->version)) {
      s.present = !rec->deleted;
      s.version = rec->version;
      s.group = rec->group;
      s.record = rec;
    } else if (base) {
      s.present = true;
      s.version = base->version();
      s.group = base->group();
      s.copy = Copy{base->segment, base->ord};
    }
    return s;
  }

  // For an id a folded layer holds that the batch does not decide: what the
  // committed generation serves.
  Served FromCommitted(std::string_view id) const {
    Served s;
    if (auto c = ServedCopy(in_.committed, id)) {
      s.present = true;
      s.version = c->version();
      s.group = c->group();
      s.copy = c;
    }
    return s;
  }

  Status Docs() {
    // The ids to look at: those the batch decides, and those held by the
    // layers being folded.
    std::vector<std::pair<std::string_view, bool>> ids;  // (id, decided)
    if (in_.changed) {
      for (const std::string& id : in_.changed->docs) ids.emplace_back(id, true);
    } else {
      for (const KeyedRecord* rec : *in_.docs) ids.emplace_back(rec->id, true);
    }
    // Without `changed`, the window decides every id, the folded layers'
    // too (a file removed from the window reverts its docs).
    const bool window_decides = in_.changed == nullptr;
    for (const LowerSegment& f : in_.folded) {
      for (uint32_t d = 0; d < f.segment->num_docs(); ++d) {
        ids.emplace_back(f.segment->DocId(d), window_decides);
      }
      for (const Tombstones::Entry& t : f.segment->tombstones().entries()) {
        ids.emplace_back(t.id, window_decides);
      }
    }
    // Sorted by id, a decided entry first; one entry per id.
    std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    ids.erase(std::unique(ids.begin(), ids.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              ids.end());

    // Rows copied from segments are decoded once every id is placed, in
    // segment and ord order: a block of rows is decompressed once, not once
    // per doc (a fold copies many docs of the folded layers).
    struct PendingRow {
      const SegmentReader* segment;
      uint32_t ord;
      TouchedGroup* group;
      size_t doc;  // in group->docs
    };
    // Where each id is served now and once the layer is published: look-ups
    // in the segments (a restarted runner's search ids not yet hashed), on
    // every thread; then the layer is laid out in id order.
    struct Placed {
      Served served;
      std::optional<Copy> below;
      size_t below_layer = 0;
    };
    std::vector<Placed> placed(ids.size());
    ParallelForChunked(ids.size(), 1024, config_.threads, [&](size_t i) {
      const auto& [id, decided] = ids[i];
      Placed& p = placed[i];
      p.served = decided ? FromWindow(id) : FromCommitted(id);
      p.below = ServedCopy(in_.below, id, &p.below_layer);
    });
    std::vector<PendingRow> pending;
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::string_view id = ids[i].first;
      const Served& s = placed[i].served;
      const size_t below_layer = placed[i].below_layer;
      const std::optional<Copy>& below = placed[i].below;
      if (!s.present) {
        if (!below) continue;
        const int64_t version = s.record ? s.version : below->version();
        TouchedGroup& t = Touch(below->group());
        t.tombstones.push_back(
            SegmentTombstone{std::string(id), 0, version, TombstoneKind::kDeleted});
        t.removed.emplace_back(below_layer, below->ord);
        superseded_[below_layer].push_back(below->ord);
        ++stats_->deleted_docs;
        --stats_->live_change;
        continue;
      }
      if (below && s.copy == below) continue;  // the same copy
      std::optional<Row> row;
      if (below && below->group() == s.group && below->version() == s.version) {
        // The same version: the same record unless a tie went the other way.
        ASSIGN_OR_RETURN(Row served, s.RowOf());
        ASSIGN_OR_RETURN(Row held, below->segment->DocRow(below->ord));
        if (served == held) continue;
        row = std::move(served);
      }
      TouchedGroup& t = Touch(s.group);
      if (!row && s.copy) {
        pending.push_back(PendingRow{s.copy->segment, s.copy->ord, &t, t.docs.size()});
        row.emplace();
      } else if (!row) {
        row = s.record->Values();
      }
      t.docs.push_back(SegmentDoc{std::string(id), 0, s.version, std::move(*row)});
      if (!below) {
        ++stats_->live_change;
      } else {
        superseded_[below_layer].push_back(below->ord);
        TouchedGroup& old_group = Touch(below->group());
        old_group.removed.emplace_back(below_layer, below->ord);
        if (below->group() != s.group) {
          old_group.tombstones.push_back(
              SegmentTombstone{std::string(id), 0, s.version, TombstoneKind::kMoved});
          ++stats_->moved_docs;
        }
      }
    }
    std::sort(pending.begin(), pending.end(), [](const PendingRow& a, const PendingRow& b) {
      return a.segment != b.segment ? a.segment < b.segment : a.ord < b.ord;
    });
    for (const PendingRow& p : pending) {
      ASSIGN_OR_RETURN(p.group->docs[p.doc].row, p.segment->DocRow(p.ord));
    }
    return Status::OK();
  }

  // The record group `key` has once the layer is published.
  Result<GroupRecord> ServedRecord(std::string_view key) const {
    GroupRecord r;
    if (!Decided(in_.changed ? &in_.changed->groups : nullptr, key)) {
      ASSIGN_OR_RETURN(auto top, TopRecord(in_.committed, key));
      if (top) r = std::move(*top);
      r.aggregates.clear();
      return r;
    }
    for (const SegmentReader* seg : in_.base) {
      if (const auto g = seg->FindGroup(key)) {
        ASSIGN_OR_RETURN(r, seg->Group(*g));
        r.aggregates.clear();
        break;
      }
    }
    ApplyGroupRecord(in_.groups->Find(key), &r.has_record, &r.version, &r.row);
    return r;
  }

  Status GroupRecords() {
    std::vector<std::string_view> keys;
    if (in_.changed) {
      keys.assign(in_.changed->groups.begin(), in_.changed->groups.end());
    } else {
      for (const KeyedRecord* rec : *in_.groups) keys.push_back(rec->id);
    }
    for (const LowerSegment& f : in_.folded) {
      for (uint32_t g = 0; g < f.segment->num_groups(); ++g) keys.push_back(f.segment->GroupKey(g));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (std::string_view key : keys) {
      ASSIGN_OR_RETURN(GroupRecord served, ServedRecord(key));
      ASSIGN_OR_RETURN(auto below, TopRecord(in_.below, key));
      const bool changed = below ? !SameRecord(served, *below) : served.has_record;
      if (changed) Touch(key).record = std::move(served);
    }
    return Status::OK();
  }

  // The aggregates of group `key` once the layer is published, from those
  // of its record below and the docs the layer adds and supersedes, when
  // that gives exactly what Aggregates() computes over every doc (count,
  // min and max; never sum or avg, whose rounding depends on the order of
  // the docs). nullopt where it may not: no record below, a min or max
  // that a superseded doc may have held, a NaN, or a tie between 0 and -0
  // (which of the two a scan in id order keeps depends on the ids).
  Result<std::optional<std::vector<double>>> UpdatedAggregates(std::string_view key,
                                                               const TouchedGroup& t) const {
    std::optional<std::vector<double>> none;
    ASSIGN_OR_RETURN(auto below, TopRecord(in_.below, key));
    if (!below || below->aggregates.size() != config_.aggregates.size()) return none;
    std::vector<double> out;
    for (size_t a = 0; a < config_.aggregates.size(); ++a) {
      const Aggregate& agg = config_.aggregates[a];
      const double old = below->aggregates[a];
      if (agg.function == "count") {
        out.push_back(old - static_cast<double>(t.removed.size()) +
                      static_cast<double>(t.docs.size()));
        continue;
      }
      const bool min = agg.function == "min";
      if ((!min && agg.function != "max") || std::isnan(old)) return none;
      const size_t col = static_cast<size_t>(
          std::find(schema_.doc_columns.begin(), schema_.doc_columns.end(), agg.column) -
          schema_.doc_columns.begin());
      if (col >= schema_.doc_columns.size()) return none;
      for (const auto& [layer, ord] : t.removed) {
        const SegmentReader& seg = *in_.below[layer].segment;
        if (!(seg.schema().doc_roles[col] & kRoleNumeric)) return none;
        const double v = seg.Numeric(col, ord);
        if (std::isnan(v)) continue;  // no value
        if (min ? v <= old : v >= old) return none;
      }
      double acc = old;
      for (const SegmentDoc& d : t.docs) {
        const std::optional<double> v = col < d.row.size() ? NumberOf(d.row[col]) : std::nullopt;
        if (!v) continue;
        if (std::isnan(*v)) return none;
        if (*v == acc) {
          if (std::signbit(*v) != std::signbit(acc)) return none;
          continue;
        }
        if (min ? *v < acc : *v > acc) acc = *v;
      }
      out.push_back(acc);
    }
    return std::optional<std::vector<double>>(std::move(out));
  }

  // The aggregates of group `key` over the docs it serves once the layer is
  // published: those below it that the layer does not supersede, and the
  // layer's own, in id order (as a build sums them).
  Result<std::vector<double>> Aggregates(std::string_view key, const TouchedGroup& t) {
    if (config_.aggregates.empty()) return std::vector<double>();
    if (t.docs.empty() && t.tombstones.empty()) {
      ASSIGN_OR_RETURN(auto below, TopRecord(in_.below, key));
      if (below) return std::move(below->aggregates);
    }
    ASSIGN_OR_RETURN(auto updated, UpdatedAggregates(key, t));
    if (updated) {
      ++stats_->aggregates_updated;
      return std::move(*updated);
    }
    struct Member {
      std::string_view id;                     // set when the order matters
      const SegmentReader* segment = nullptr;  // null: `row`
      uint32_t ord = 0;
      const Row* row = nullptr;
      std::optional<Row> decoded;  // the stored row, for a column that is not numeric
    };
    std::vector<Member> members;
    for (size_t i = 0; i < in_.below.size(); ++i) {
      const LowerSegment& l = in_.below[i];
      const auto g = l.segment->FindGroup(key);
      if (!g) continue;
      const uint32_t first = l.segment->GroupFirstDoc(*g);
      const uint32_t end = first + l.segment->GroupDocCount(*g);
      // The layer's superseded ords of this segment, from the group's first.
      const std::vector<uint32_t>& superseded = superseded_[i];
      auto next = std::lower_bound(superseded.begin(), superseded.end(), first);
      for (uint32_t ord = first; ord < end; ++ord) {
        if (next != superseded.end() && *next == ord) {
          ++next;
          continue;
        }
        if (Hidden(l, ord)) continue;
        members.push_back(Member{{}, l.segment, ord, nullptr, std::nullopt});
      }
    }
    for (const SegmentDoc& d : t.docs) {
      members.push_back(Member{d.id, nullptr, 0, &d.row, std::nullopt});
    }
    // Numbers from doc values where the column is numeric, else from the
    // stored row (decoded once per doc).
    for (Member& m : members) {
      if (!m.segment) continue;
      for (const Aggregate& a : config_.aggregates) {
        const size_t col = static_cast<size_t>(
            std::find(schema_.doc_columns.begin(), schema_.doc_columns.end(), a.column) -
            schema_.doc_columns.begin());
        if (a.function == "count" || col >= schema_.doc_columns.size()) continue;
        if (!(m.segment->schema().doc_roles[col] & kRoleNumeric) && !m.decoded) {
          ASSIGN_OR_RETURN(m.decoded, m.segment->DocRow(m.ord));
        }
      }
    }
    auto over_members = [&] {
      return AggregateOver(config_, schema_.doc_columns, members.size(),
                           [&](size_t i, size_t col) -> std::optional<double> {
                             const Member& m = members[i];
                             const Row* row = m.row ? m.row : m.decoded ? &*m.decoded : nullptr;
                             if (row) {
                               return col < row->size() ? NumberOf((*row)[col]) : std::nullopt;
                             }
                             const double v = m.segment->Numeric(col, m.ord);
                             return std::isnan(v) ? std::nullopt : std::optional<double>(v);
                           });
    };
    auto sort_by_id = [&] {
      for (Member& m : members) {
        if (m.segment) m.id = m.segment->DocId(m.ord);
      }
      std::sort(members.begin(), members.end(),
                [](const Member& a, const Member& b) { return a.id < b.id; });
    };
    // A sum adds the docs in id order, as a build does: its rounding depends
    // on the order. So does which zero a minimum or a maximum keeps when both
    // 0 and -0 hold it. Other counts, minima and maxima do not.
    bool by_id = false;
    for (const Aggregate& a : config_.aggregates) {
      by_id = by_id || a.function == "sum" || a.function == "avg";
    }
    if (by_id) sort_by_id();
    std::vector<double> out = over_members();
    if (!by_id && std::find(out.begin(), out.end(), 0.0) != out.end()) {
      sort_by_id();
      out = over_members();
    }
    return out;
  }

  Result<std::vector<SegmentData>> Assemble(int shards) {
    std::vector<SegmentData> out(static_cast<size_t>(shards));
    for (SegmentData& s : out) {
      s.kind = SegmentKind::kDelta;
      s.schema = schema_;
    }
    std::vector<std::pair<std::string_view, TouchedGroup*>> by_key;
    by_key.reserve(touched_.size());
    for (auto& [key, t] : touched_) by_key.emplace_back(key, &t);
    std::sort(by_key.begin(), by_key.end());
    for (auto& [key, group] : by_key) {
      TouchedGroup& t = *group;
      SegmentData& seg = out[ShardOfGroup(key, out.size())];
      const uint32_t ord = static_cast<uint32_t>(seg.groups.size());
      GroupRecord record;
      if (t.record) {
        record = std::move(*t.record);
      } else {
        ASSIGN_OR_RETURN(record, ServedRecord(key));
      }
      SegmentGroup sg;
      sg.key = key;
      sg.has_record = record.has_record;
      sg.version = record.version;
      sg.row = std::move(record.row);
      ASSIGN_OR_RETURN(sg.aggregates, Aggregates(key, t));
      auto by_id = [](const auto& a, const auto& b) { return a.id < b.id; };
      std::sort(t.docs.begin(), t.docs.end(), by_id);
      std::sort(t.tombstones.begin(), t.tombstones.end(), by_id);
      sg.first_doc = static_cast<uint32_t>(seg.docs.size());
      sg.doc_count = static_cast<uint32_t>(t.docs.size());
      for (SegmentDoc& d : t.docs) {
        d.group = ord;
        seg.docs.push_back(std::move(d));
      }
      for (SegmentTombstone& s : t.tombstones) {
        s.group = ord;
        seg.tombstones.push_back(std::move(s));
      }
      stats_->docs += sg.doc_count;
      stats_->tombstones += static_cast<int64_t>(t.tombstones.size());
      ++stats_->groups;
      seg.groups.push_back(std::move(sg));
    }
    std::erase_if(out, [](const SegmentData& s) { return s.groups.empty(); });
    return out;
  }

  const PipelineConfig& config_;
  const LayerInput& in_;
  LayerStats* stats_;
  const SegmentSchema schema_;
  TouchedGroup& Touch(std::string_view key) {
    auto it = touched_.find(key);
    return it != touched_.end() ? it->second : touched_[std::string(key)];
  }
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return Hash64(key); }
  };
  // By group key (entries stay where they are as others are added).
  std::unordered_map<std::string, TouchedGroup, KeyHash, std::equal_to<>> touched_;
  // Per segment of `in_.below`, the ords of the copies the layer
  // supersedes (writes anew or tombstones), sorted once Docs() is done.
  std::vector<std::vector<uint32_t>> superseded_;
};

void AddIds(const std::vector<const ParsedFile*>& files, std::vector<std::string>* out) {
  for (const ParsedFile* f : files) {
    for (const KeyedRecord& r : f->reduced) out->emplace_back(r.id);
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

}  // namespace

std::vector<LowerSegment> ServedSegments(const IndexView& view) {
  const GroupDirectory& dir = view.directory();
  std::vector<LowerSegment> out;
  out.reserve(dir.size());
  for (size_t i = 0; i < dir.size(); ++i) out.push_back({&dir.segment(i), &dir.HiddenDocs(i)});
  return out;
}

Result<std::optional<GroupRecord>> TopRecord(const std::vector<LowerSegment>& layers,
                                             std::string_view key) {
  for (size_t i = layers.size(); i-- > 0;) {
    if (const auto g = layers[i].segment->FindGroup(key)) {
      ASSIGN_OR_RETURN(GroupRecord r, layers[i].segment->Group(*g));
      return std::optional<GroupRecord>(std::move(r));
    }
  }
  return std::optional<GroupRecord>();
}

ChangedIds IdsOfFiles(const std::vector<const ParsedFile*>& doc_files,
                      const std::vector<const ParsedFile*>& group_files) {
  ChangedIds ids;
  AddIds(doc_files, &ids.docs);
  AddIds(group_files, &ids.groups);
  return ids;
}

Result<std::vector<SegmentData>> BuildChangedLayer(const PipelineConfig& config,
                                                   const LayerInput& input, int shards,
                                                   LayerStats* stats) {
  for (const LowerSegment& l : input.below) {
    const auto hidden = l.hidden ? std::count(l.hidden->begin(), l.hidden->end(), true) : 0;
    stats->live_below += static_cast<int64_t>(l.segment->num_docs()) - hidden;
  }
  return LayerBuilder(config, input, stats).Build(shards);
}

Result<std::vector<SegmentData>> BuildLayerOver(const PipelineConfig& config, const IndexView& view,
                                                uint32_t fold_from, const NewestRecords& docs,
                                                const NewestRecords& groups,
                                                const ChangedIds* changed, int shards,
                                                LayerStats* stats,
                                                SupersessionCache* supersessions) {
  LayerInput in;
  for (const auto& s : view.base()) in.base.push_back(s.get());
  in.docs = &docs;
  in.groups = &groups;
  in.changed = changed;
  const size_t num_base = view.base().size();
  in.committed = ServedSegments(view);
  std::vector<const SegmentReader*> kept;
  std::vector<uint32_t> layers;
  for (size_t i = 0; i < in.committed.size(); ++i) {
    const uint32_t layer = i < num_base ? 0 : view.manifest().delta[i - num_base].layer + 1;
    if (layer > fold_from) {
      in.folded.push_back(in.committed[i]);
    } else {
      kept.push_back(in.committed[i].segment);
      layers.push_back(layer);
    }
  }
  if (in.folded.empty()) {
    in.below = in.committed;
    return BuildChangedLayer(config, in, shards, stats);
  }
  // What the kept layers supersede of one another, without the folded ones.
  ASSIGN_OR_RETURN(auto below,
                   GroupDirectory::Build(kept, layers, view.manifest_key(), supersessions));
  for (size_t i = 0; i < below->size(); ++i) {
    in.below.push_back(LowerSegment{&below->segment(i), &below->HiddenDocs(i)});
  }
  return BuildChangedLayer(config, in, shards, stats);
}

uint32_t FoldFrom(const Manifest& m, uint32_t max_layers, uint64_t new_docs) {
  const uint32_t n = m.DeltaLayers();
  if (n < max_layers || n == 0) return n;
  std::vector<uint64_t> docs(n, 0);
  for (const SegmentRef& r : m.delta) docs[r.layer] += r.docs;
  uint32_t from = n - 1;
  uint64_t above = new_docs + docs[from];
  while (from > 0 && docs[from - 1] <= above) {
    --from;
    above += docs[from];
  }
  return from;
}

}  // namespace freshet
