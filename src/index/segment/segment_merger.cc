#include "index/segment/segment_merger.h"

#include <fmt/format.h>

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
  return d;
}

namespace {

// A source's next served group.
struct Cursor {
  size_t source;
  uint32_t group;
};

// Moves `c` to the first served group at or after `c->group`; false at the end.
bool SkipSuperseded(const MergeSource& s, Cursor* c, MergeStats* stats) {
  const uint32_t n = s.segment->num_groups();
  while (c->group < n && s.superseded && (*s.superseded)[c->group]) {
    ++stats->superseded_groups;
    ++c->group;
  }
  return c->group < n;
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
  // 1. The served groups in key order, each to its shard: keys only.
  auto key_of = [&](const Cursor& c) { return sources[c.source].segment->GroupKey(c.group); };
  auto after = [&](const Cursor& a, const Cursor& b) {
    const int order = key_of(a).compare(key_of(b));
    return order != 0 ? order > 0 : a.source > b.source;
  };
  std::priority_queue<Cursor, std::vector<Cursor>, decltype(after)> heap(after);
  for (size_t i = 0; i < sources.size(); ++i) {
    Cursor c{i, 0};
    if (SkipSuperseded(sources[i], &c, stats)) heap.push(c);
  }
  std::vector<std::vector<Cursor>> plan(static_cast<size_t>(shards));
  while (!heap.empty()) {
    const Cursor c = heap.top();
    heap.pop();
    const std::string_view key = key_of(c);
    const SegmentReader& seg = *sources[c.source].segment;
    if (!heap.empty() && key_of(heap.top()) == key) {
      return Status::Corruption(
          fmt::format("merge: group '{}' is served by both segment '{}' and segment '{}'", key,
                      seg.name(), sources[heap.top().source].segment->name()));
    }
    plan[ShardOfGroup(key, plan.size())].push_back(c);
    Cursor next{c.source, c.group + 1};
    if (!SkipSuperseded(sources[c.source], &next, stats)) continue;
    if (key_of(next) <= key) {
      return Status::Corruption(
          fmt::format("merge: segment '{}': group {} ('{}') does not sort "
                      "after group {} ('{}')",
                      seg.name(), next.group, key_of(next), c.group, key));
    }
    heap.push(next);
  }

  // 2. Each shard's groups decoded, shards in parallel.
  std::vector<SegmentData> out(plan.size());
  std::vector<Status> errors(plan.size());
  std::vector<MergeStats> shard_stats(plan.size());
  ParallelFor(plan.size(), threads, [&](size_t shard) {
    SegmentData& data = out[shard];
    data.kind = SegmentKind::kBase;
    data.schema = schema;
    for (const Cursor& c : plan[shard]) {
      const SegmentReader& seg = *sources[c.source].segment;
      auto record = seg.Group(c.group);
      if (!record.ok()) {
        errors[shard] = record.status();
        return;
      }
      if (!record->has_record) {
        if (seg.GroupDocCount(c.group) == 0) {
          ++shard_stats[shard].emptied_groups;
          continue;
        }
        record->version = 0;
        record->row.clear();
      }
      if (Status st = AppendGroup(seg, c.group, std::move(*record), &data); !st.ok()) {
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
