#include "index/segment/segment_merger.h"

#include <fmt/format.h>

#include <algorithm>
#include <queue>

#include "common/parallel.h"

namespace freshet {

Status AppendGroup(const SegmentReader& reader, uint32_t g, GroupRecord record, SegmentData* out) {
  const uint32_t first = reader.GroupFirstDoc(g);
  const uint32_t count = reader.GroupDocCount(g);
  const uint32_t group_ord = static_cast<uint32_t>(out->groups.size());
  out->groups.push_back(SegmentGroup{
      std::string(reader.GroupKey(g)), record.has_record, record.version, std::move(record.row),
      std::move(record.aggregates), static_cast<uint32_t>(out->docs.size()), count});
  for (uint32_t ord = first; ord < first + count; ++ord) {
    ASSIGN_OR_RETURN(Row row, reader.DocRow(ord));
    out->docs.push_back(SegmentDoc{std::string(reader.DocId(ord)), group_ord,
                                   reader.DocVersion(ord), std::move(row)});
  }
  return Status::OK();
}

Result<SegmentData> DecodeSegment(const SegmentReader& reader) {
  SegmentData d;
  d.kind = reader.kind();
  d.schema = reader.schema();
  for (uint32_t g = 0; g < reader.num_groups(); ++g) {
    ASSIGN_OR_RETURN(GroupRecord record, reader.Group(g));
    RETURN_IF_ERROR(AppendGroup(reader, g, std::move(record), &d));
  }
  for (const Tombstones::Entry& t : reader.tombstones().entries()) {
    d.tombstones.push_back(SegmentTombstone{std::string(t.id), t.group, t.version, t.kind});
  }
  return d;
}

namespace {

// A group entry of a source.
struct Cursor {
  size_t source;
  uint32_t group;
};

// Everything the sources hold of one key: the entry whose record is served
// (none: source == kNone) and every entry with docs that are served.
struct KeyPlan {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  Cursor record{kNone, 0};
  std::vector<Cursor> docs;
};

// Whether doc `ord` of `s`, of group `g`, is served.
bool Served(const MergeSource& s, uint32_t g, uint32_t ord) {
  return s.hidden_docs ? !(*s.hidden_docs)[ord] : !(s.superseded && (*s.superseded)[g]);
}

bool HasServedDocs(const MergeSource& s, uint32_t g) {
  const uint32_t first = s.segment->GroupFirstDoc(g);
  for (uint32_t ord = first; ord < first + s.segment->GroupDocCount(g); ++ord) {
    if (Served(s, g, ord)) return true;
  }
  return false;
}

// Appends the key of `plan`, with `record` and the served docs of its
// entries sorted by id, to `out`. Corruption naming the segments if two
// entries serve one id.
Status AppendMergedGroup(std::span<const MergeSource> sources, const KeyPlan& plan,
                         GroupRecord record, SegmentData* out) {
  const SegmentReader& holder = *sources[plan.record.source].segment;
  struct Copy {
    std::string_view id;
    size_t source;
    uint32_t ord;
  };
  std::vector<Copy> copies;
  for (const Cursor& c : plan.docs) {
    const MergeSource& s = sources[c.source];
    const uint32_t first = s.segment->GroupFirstDoc(c.group);
    for (uint32_t ord = first; ord < first + s.segment->GroupDocCount(c.group); ++ord) {
      if (Served(s, c.group, ord)) copies.push_back({s.segment->DocId(ord), c.source, ord});
    }
  }
  std::sort(copies.begin(), copies.end(), [](const Copy& a, const Copy& b) { return a.id < b.id; });
  const uint32_t group_ord = static_cast<uint32_t>(out->groups.size());
  out->groups.push_back(
      SegmentGroup{std::string(holder.GroupKey(plan.record.group)), record.has_record,
                   record.version, std::move(record.row), std::move(record.aggregates),
                   static_cast<uint32_t>(out->docs.size()), static_cast<uint32_t>(copies.size())});
  for (size_t i = 0; i < copies.size(); ++i) {
    const SegmentReader& seg = *sources[copies[i].source].segment;
    if (i > 0 && copies[i].id == copies[i - 1].id) {
      return Status::Corruption(
          fmt::format("merge: doc '{}' is served by both segment '{}' and segment '{}'",
                      copies[i].id, sources[copies[i - 1].source].segment->name(), seg.name()));
    }
    ASSIGN_OR_RETURN(Row row, seg.DocRow(copies[i].ord));
    out->docs.push_back(SegmentDoc{std::string(copies[i].id), group_ord,
                                   seg.DocVersion(copies[i].ord), std::move(row)});
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<SegmentData>> MergeSegments(std::span<const MergeSource> sources,
                                               const SegmentSchema& schema, int shards, int threads,
                                               MergeStats* stats) {
  if (shards < 1) return Status::InvalidArgument(fmt::format("merge into {} shards", shards));
  for (const MergeSource& s : sources) {
    // Analyzers may differ (a base built before a change of analyzer): the
    // merged segments analyze the decoded text anew with `schema`'s.
    if (!s.segment->schema().SameColumns(schema)) {
      return Status::InvalidArgument(
          fmt::format("segment '{}' was built with other columns than the merged segments' schema",
                      s.segment->name()));
    }
  }
  // 1. Every key in order, with the entry serving its record and those
  // serving docs, each key to its shard: keys only.
  auto key_of = [&](const Cursor& c) { return sources[c.source].segment->GroupKey(c.group); };
  auto after = [&](const Cursor& a, const Cursor& b) {
    const int order = key_of(a).compare(key_of(b));
    return order != 0 ? order > 0 : a.source > b.source;
  };
  std::priority_queue<Cursor, std::vector<Cursor>, decltype(after)> heap(after);
  for (size_t i = 0; i < sources.size(); ++i) {
    if (sources[i].segment->num_groups() > 0) heap.push(Cursor{i, 0});
  }
  std::vector<std::vector<KeyPlan>> plan(static_cast<size_t>(shards));
  while (!heap.empty()) {
    const std::string_view key = key_of(heap.top());
    KeyPlan key_plan;
    while (!heap.empty() && key_of(heap.top()) == key) {
      const Cursor c = heap.top();
      heap.pop();
      const MergeSource& source = sources[c.source];
      const SegmentReader& seg = *source.segment;
      if (source.superseded && (*source.superseded)[c.group]) {
        ++stats->superseded_groups;
      } else if (key_plan.record.source != KeyPlan::kNone) {
        return Status::Corruption(
            fmt::format("merge: group '{}' is served by both segment '{}' and segment '{}'", key,
                        sources[key_plan.record.source].segment->name(), seg.name()));
      } else {
        key_plan.record = c;
      }
      if (HasServedDocs(source, c.group)) key_plan.docs.push_back(c);
      Cursor next{c.source, c.group + 1};
      if (next.group >= seg.num_groups()) continue;
      if (key_of(next) <= key_of(c)) {
        return Status::Corruption(
            fmt::format("merge: segment '{}': group {} ('{}') does not sort "
                        "after group {} ('{}')",
                        seg.name(), next.group, key_of(next), c.group, key_of(c)));
      }
      heap.push(next);
    }
    if (key_plan.record.source == KeyPlan::kNone) {
      if (key_plan.docs.empty()) continue;
      return Status::Corruption(fmt::format(
          "merge: segment '{}' serves docs of group '{}', whose record no segment serves",
          sources[key_plan.docs.front().source].segment->name(), key));
    }
    plan[ShardOfGroup(key, plan.size())].push_back(std::move(key_plan));
  }

  // 2. Each shard's groups decoded, shards in parallel.
  std::vector<SegmentData> out(plan.size());
  std::vector<Status> errors(plan.size());
  std::vector<MergeStats> shard_stats(plan.size());
  ParallelFor(plan.size(), threads, [&](size_t shard) {
    SegmentData& data = out[shard];
    data.kind = SegmentKind::kBase;
    data.schema = schema;
    for (const KeyPlan& key_plan : plan[shard]) {
      const SegmentReader& seg = *sources[key_plan.record.source].segment;
      auto record = seg.Group(key_plan.record.group);
      if (!record.ok()) {
        errors[shard] = record.status();
        return;
      }
      if (!record->has_record) {
        if (key_plan.docs.empty()) {
          ++shard_stats[shard].emptied_groups;
          continue;
        }
        record->version = 0;
        record->row.clear();
      }
      if (Status st = AppendMergedGroup(sources, key_plan, std::move(*record), &data); !st.ok()) {
        errors[shard] = st;
        return;
      }
    }
    shard_stats[shard].groups = static_cast<int64_t>(data.groups.size());
    shard_stats[shard].docs = static_cast<int64_t>(data.docs.size());
  });
  for (size_t shard = 0; shard < plan.size(); ++shard) {
    RETURN_IF_ERROR(errors[shard]);
    stats->docs += shard_stats[shard].docs;
    stats->groups += shard_stats[shard].groups;
    stats->emptied_groups += shard_stats[shard].emptied_groups;
  }
  return out;
}

}  // namespace freshet
