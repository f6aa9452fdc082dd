#include "pipeline/group_build.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/crash_point.h"
#include "common/parallel.h"
#include "format/number.h"

namespace freshet {
namespace {

struct DocState {
  std::string id;
  int64_t version = 0;
  Row row;
};

struct GroupState {
  bool has_record = false;
  int64_t version = 0;
  Row row;
  std::vector<DocState> docs;
};

uint8_t RolesOf(const std::string& col, const ColumnRoles& roles) {
  auto in = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), col) != v.end();
  };
  uint8_t r = 0;
  if (in(roles.text)) r |= kRoleText;
  if (in(roles.keyword)) r |= kRoleKeyword;
  if (in(roles.numeric)) r |= kRoleNumeric;
  if (in(roles.stored)) r |= kRoleStored;
  return r;
}

std::vector<double> ComputeAggregates(const PipelineConfig& config,
                                      const std::vector<std::string>& doc_columns,
                                      const std::vector<DocState>& docs) {
  return AggregateOver(config, doc_columns, docs.size(),
                       [&](size_t i, size_t col) -> std::optional<double> {
                         const Row& row = docs[i].row;
                         return col < row.size() ? NumberOf(row[col]) : std::nullopt;
                       });
}

// Lays groups out as `shards` segments (a group's shard: hash of its key).
std::vector<SegmentData> Assemble(const PipelineConfig& config, SegmentKind kind,
                                  std::map<std::string, GroupState>& groups, int shards,
                                  BuildStats* stats) {
  SegmentSchema schema = MakeSegmentSchema(config);
  std::vector<SegmentData> out(static_cast<size_t>(shards));
  std::vector<size_t> docs_of(out.size(), 0);
  for (const auto& [key, g] : groups) docs_of[ShardOfGroup(key, out.size())] += g.docs.size();
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].kind = kind;
    out[i].schema = schema;
    out[i].docs.reserve(docs_of[i]);
  }
  for (auto& [key, g] : groups) {  // sorted by key
    SegmentData& seg = out[ShardOfGroup(key, out.size())];
    std::sort(g.docs.begin(), g.docs.end(),
              [](const DocState& a, const DocState& b) { return a.id < b.id; });
    SegmentGroup sg;
    sg.key = key;
    sg.has_record = g.has_record;
    sg.version = g.version;
    sg.row = std::move(g.row);
    sg.aggregates = ComputeAggregates(config, schema.doc_columns, g.docs);
    sg.first_doc = static_cast<uint32_t>(seg.docs.size());
    sg.doc_count = static_cast<uint32_t>(g.docs.size());
    uint32_t group_ord = static_cast<uint32_t>(seg.groups.size());
    for (DocState& d : g.docs) {
      seg.docs.push_back(SegmentDoc{std::move(d.id), group_ord, d.version, std::move(d.row)});
    }
    seg.groups.push_back(std::move(sg));
    stats->docs += static_cast<int64_t>(g.docs.size());
  }
  stats->groups += static_cast<int64_t>(groups.size());
  return out;
}

}  // namespace

std::vector<double> AggregateOver(
    const PipelineConfig& config, const std::vector<std::string>& doc_columns, size_t n,
    const std::function<std::optional<double>(size_t doc, size_t column)>& number) {
  std::vector<double> out;
  for (const Aggregate& a : config.aggregates) {
    if (a.function == "count") {
      out.push_back(static_cast<double>(n));
      continue;
    }
    const size_t col =
        std::find(doc_columns.begin(), doc_columns.end(), a.column) - doc_columns.begin();
    double acc = std::numeric_limits<double>::quiet_NaN();
    double sum = 0;
    int64_t count = 0;
    for (size_t i = 0; i < n; ++i) {
      const std::optional<double> number_i = number(i, col);
      if (!number_i) continue;
      const double v = *number_i;
      ++count;
      sum += v;
      if (a.function == "min") acc = std::isnan(acc) ? v : std::min(acc, v);
      if (a.function == "max") acc = std::isnan(acc) ? v : std::max(acc, v);
    }
    if (a.function == "sum") acc = count ? sum : std::nan("");
    if (a.function == "avg") acc = count ? sum / static_cast<double>(count) : std::nan("");
    out.push_back(acc);
  }
  return out;
}

void ApplyGroupRecord(const KeyedRecord* rec, bool* has_record, int64_t* version, Row* row) {
  if (!rec) return;
  if (*has_record && rec->version < *version) return;  // the base is newer
  *version = rec->version;
  if (rec->deleted) {
    *has_record = false;
    row->clear();
    return;
  }
  *has_record = true;
  *row = rec->Values();
}

std::optional<BaseDocLocation> FindBaseDoc(const std::vector<const SegmentReader*>& base,
                                           std::string_view id) {
  for (const SegmentReader* seg : base) {
    if (auto ord = seg->FindDoc(id)) return BaseDocLocation{seg, *ord};
  }
  return std::nullopt;
}

SegmentSchema MakeSegmentSchema(const PipelineConfig& config) {
  SegmentSchema s;
  s.doc_columns = config.DocProjection();
  for (const auto& c : s.doc_columns) {
    s.doc_roles.push_back(RolesOf(c, config.columns));
    s.doc_analyzers.push_back(config.columns.AnalyzerOf(c));
    s.doc_positions.push_back(config.columns.PositionsOf(c));
  }
  if (config.has_group) {
    s.group_columns = config.GroupProjection();
    for (const auto& c : s.group_columns) {
      s.group_roles.push_back(RolesOf(c, config.group_columns));
      s.group_analyzers.push_back(config.group_columns.AnalyzerOf(c));
      s.group_positions.push_back(config.group_columns.PositionsOf(c));
    }
    s.group_prefix = config.group_prefix;
  }
  for (const Aggregate& a : config.aggregates)
    s.aggregate_names.push_back(a.FieldName(config.group_prefix));
  return s;
}

Result<std::vector<SegmentData>> BuildDelta(const PipelineConfig& config,
                                            const std::vector<const SegmentReader*>& base,
                                            const NewestRecords& docs, const NewestRecords& groups,
                                            int shards, BuildStats* stats,
                                            const std::set<std::string>* only_groups) {
  const SegmentSchema expected = MakeSegmentSchema(config);
  for (const SegmentReader* seg : base) {
    // The analyzers may differ: a delta analyzes the stored values again.
    if (!seg->schema().SameColumns(expected)) {
      return Status::InvalidArgument(fmt::format(
          "base segment '{}' was built with other columns than the pipeline config names; "
          "rebuild the base with `freshet build-full`",
          seg->name()));
    }
  }

  // 1. Touched groups; window doc records that beat their base version.
  std::set<std::string> touched;
  std::vector<const KeyedRecord*> winners;
  if (only_groups) {
    touched = *only_groups;
    std::unordered_set<std::string_view> wanted(only_groups->begin(), only_groups->end());
    for (const KeyedRecord* rec : docs) {
      const bool joins = !rec->deleted && wanted.count(rec->group);
      if (!joins && !rec->deleted) continue;  // leaves its base group, if wanted, in step 2
      auto loc = FindBaseDoc(base, rec->id);
      if (loc && loc->version() > rec->version) continue;  // base is newer
      if (loc && rec->deleted && wanted.count(loc->group())) {
        ++stats->deleted_docs;
      }
      if (joins) winners.push_back(rec);
    }
  } else {
    winners.reserve(docs.size());
    for (const KeyedRecord* rec : docs) {
      auto loc = FindBaseDoc(base, rec->id);
      if (loc) {
        if (loc->version() > rec->version) continue;  // base is newer
        std::string_view old_group = loc->group();
        touched.emplace(old_group);
        if (rec->deleted) ++stats->deleted_docs;
        if (!rec->deleted && rec->group != old_group) ++stats->moved_docs;
      }
      if (!rec->deleted) touched.emplace(rec->group);
      winners.push_back(rec);
    }
    for (const KeyedRecord* rec : groups) touched.emplace(rec->id);
  }

  // 2. Each touched group from the base, minus docs the window decides.
  std::map<std::string, GroupState> states;
  for (const std::string& key : touched) {
    GroupState& g = states[key];
    for (const SegmentReader* seg : base) {
      auto bg = seg->FindGroup(key);
      if (!bg) continue;
      ASSIGN_OR_RETURN(auto rec, seg->Group(*bg));
      g.has_record = rec.has_record;
      g.version = rec.version;
      g.row = std::move(rec.row);
      uint32_t first = seg->GroupFirstDoc(*bg), n = seg->GroupDocCount(*bg);
      for (uint32_t ord = first; ord < first + n; ++ord) {
        const KeyedRecord* w = docs.Find(seg->DocId(ord));
        if (w && w->version >= seg->DocVersion(ord)) continue;  // the window decides
        if (SafeguardDisabled("group_recompute")) continue;
        ASSIGN_OR_RETURN(Row row, seg->DocRow(ord));
        g.docs.push_back(
            DocState{std::string(seg->DocId(ord)), seg->DocVersion(ord), std::move(row)});
      }
      break;
    }
    ApplyGroupRecord(groups.Find(key), &g.has_record, &g.version, &g.row);
  }
  // 3. The window's upserts join their (new) group.
  for (const KeyedRecord* rec : winners) {
    if (rec->deleted) continue;
    states[std::string(rec->group)].docs.push_back(
        DocState{std::string(rec->id), rec->version, rec->Values()});
  }
  auto segments = Assemble(config, SegmentKind::kDelta, states, shards, stats);
  if (only_groups) {
    std::erase_if(segments, [](const SegmentData& s) { return s.groups.empty(); });
  }
  return segments;
}

Result<std::vector<SegmentData>> BuildBase(const PipelineConfig& config, const NewestRecords& docs,
                                           const NewestRecords& groups, int shards,
                                           BuildStats* stats, int only_shard) {
  if (only_shard >= shards) {
    return Status::InvalidArgument(
        fmt::format("shard {} out of range: the build has {} shards (0 to {})", only_shard, shards,
                    shards - 1));
  }
  // Groups by key first (views into the records, in a flat hash table:
  // one probe per record), then in key order for Assemble.
  KeyIndex index;
  index.Reserve(groups.size());
  std::vector<std::string_view> keys;
  std::vector<GroupState> by_position;
  std::vector<std::vector<const KeyedRecord*>> doc_records;  // by position
  // Whether a group of key hash `hash` lies in the shard built
  // (ShardOfGroup).
  const auto inside = [&](uint64_t hash) {
    return only_shard < 0 ||
           hash % static_cast<uint64_t>(shards) == static_cast<uint64_t>(only_shard);
  };
  const auto position_of = [&](std::string_view key, uint64_t hash) -> uint32_t {
    const auto position = static_cast<uint32_t>(keys.size());
    const uint32_t found =
        index.FindOrAdd(hash, key, position, [&](uint32_t p) { return keys[p]; });
    if (found == position) {
      keys.push_back(key);
      by_position.emplace_back();
      doc_records.emplace_back();
    }
    return found;
  };
  for (const KeyedRecord* rec : docs) {
    const uint64_t hash = Hash64(rec->group);
    if (!inside(hash)) continue;
    if (rec->deleted) {
      ++stats->deleted_docs;
      continue;
    }
    doc_records[position_of(rec->group, hash)].push_back(rec);
  }
  // Groups without docs are kept too: a later delta that adds a doc to one
  // takes its group record from the base. A group record's hash is its
  // key's.
  for (const KeyedRecord* rec : groups) {
    if (inside(rec->hash)) {
      GroupState& g = by_position[position_of(rec->id, rec->hash)];
      ApplyGroupRecord(rec, &g.has_record, &g.version, &g.row);
    }
  }
  std::vector<uint32_t> order(keys.size());
  for (uint32_t p = 0; p < order.size(); ++p) order[p] = p;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return keys[a] < keys[b]; });
  std::map<std::string, GroupState> states;
  for (const uint32_t p : order) {
    // The docs' values are copied out of the records in the order the
    // segment lays them out (by group key, then id), each group's at once.
    std::vector<const KeyedRecord*>& records = doc_records[p];
    std::sort(records.begin(), records.end(),
              [](const KeyedRecord* a, const KeyedRecord* b) { return a->id < b->id; });
    GroupState& g = by_position[p];
    g.docs.reserve(records.size());
    for (const KeyedRecord* rec : records) {
      g.docs.push_back(DocState{std::string(rec->id), rec->version, rec->Values()});
    }
    records = {};
    states.emplace_hint(states.end(), std::string(keys[p]), std::move(g));
  }
  by_position.clear();
  return Assemble(config, SegmentKind::kBase, states, shards, stats);
}

}  // namespace freshet
