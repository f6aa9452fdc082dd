#include "index/segment/segment_merger.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <queue>
#include <utility>

#include "common/parallel.h"
#include "index/segment/row_coding.h"

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

uint64_t RowBytes(const Row& row) {
  uint64_t bytes = row.capacity() * sizeof(Value);
  for (const Value& v : row) {
    bytes += v.s.capacity() + v.list.capacity() * sizeof(std::string);
    for (const std::string& s : v.list) bytes += s.capacity();
  }
  return bytes;
}

// Appends the key of `plan`, with `record` and the served docs of its
// entries sorted by id, to `out`, and where they come from to `origins`;
// with `copy_rows`, the docs' rows as stored to origins->rows (the docs of
// `out` then have none), else decoded. Adds what the group and its docs
// take to `*bytes`: each doc counts its stored row's bytes, copied or not,
// so that parts end at the same groups either way. Corruption naming the
// segments if two entries serve one id.
Status AppendMergedGroup(std::span<const MergeSource> sources, const KeyPlan& plan,
                         GroupRecord record, bool copy_rows, SegmentData* out,
                         MergedOrigins* origins, uint64_t* bytes) {
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
  *bytes += sizeof(SegmentGroup) + holder.GroupKey(plan.record.group).size() +
            RowBytes(record.row) + record.aggregates.size() * sizeof(double);
  origins->groups.push_back(
      SourceOrdinal{static_cast<uint32_t>(plan.record.source), plan.record.group});
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
    Row row;
    if (copy_rows) {
      std::shared_ptr<const std::string> block;
      ASSIGN_OR_RETURN(const std::string_view stored, seg.DocRowBytes(copies[i].ord, &block));
      origins->AddRow(stored);
      *bytes += stored.size();
    } else {
      ASSIGN_OR_RETURN(row, seg.DocRow(copies[i].ord));
      std::string stored;
      PutRow(&stored, row);
      *bytes += stored.size();
    }
    *bytes += sizeof(SegmentDoc) + copies[i].id.size();
    out->docs.push_back(SegmentDoc{std::string(copies[i].id), group_ord,
                                   seg.DocVersion(copies[i].ord), std::move(row)});
    origins->docs.push_back(SourceOrdinal{static_cast<uint32_t>(copies[i].source), copies[i].ord});
  }
  return Status::OK();
}

// The keys of one shard in order, each with the entries that serve it: a
// k-way merge over every source's groups, the other shards' keys skipped.
class ShardKeys {
 public:
  ShardKeys(std::span<const MergeSource> sources, size_t shard, size_t shards)
      : sources_(sources), shard_(shard), shards_(shards), heap_(After{sources}) {
    for (size_t i = 0; i < sources.size(); ++i) {
      if (sources[i].segment->num_groups() > 0) heap_.push(Cursor{i, 0});
    }
  }

  // The next key of the shard whose record is served into `plan`; false at
  // the end. Corruption as MergeSegments says.
  Result<bool> Next(KeyPlan* plan, MergeStats* stats) {
    while (!heap_.empty()) {
      const std::string_view key = KeyOf(sources_, heap_.top());
      const bool mine = ShardOfGroup(key, shards_) == shard_;
      *plan = KeyPlan();
      while (!heap_.empty() && KeyOf(sources_, heap_.top()) == key) {
        const Cursor c = heap_.top();
        heap_.pop();
        const MergeSource& source = sources_[c.source];
        const SegmentReader& seg = *source.segment;
        Cursor next{c.source, c.group + 1};
        if (next.group < seg.num_groups()) {
          if (KeyOf(sources_, next) <= key) {
            return Status::Corruption(
                fmt::format("merge: segment '{}': group {} ('{}') does not sort "
                            "after group {} ('{}')",
                            seg.name(), next.group, KeyOf(sources_, next), c.group, key));
          }
          heap_.push(next);
        }
        if (!mine) continue;
        if (source.superseded && (*source.superseded)[c.group]) {
          ++stats->superseded_groups;
        } else if (plan->record.source != KeyPlan::kNone) {
          return Status::Corruption(
              fmt::format("merge: group '{}' is served by both segment '{}' and segment '{}'", key,
                          sources_[plan->record.source].segment->name(), seg.name()));
        } else {
          plan->record = c;
        }
        if (HasServedDocs(source, c.group)) plan->docs.push_back(c);
      }
      if (!mine) continue;
      if (plan->record.source != KeyPlan::kNone) return true;
      if (plan->docs.empty()) continue;
      return Status::Corruption(fmt::format(
          "merge: segment '{}' serves docs of group '{}', whose record no segment serves",
          sources_[plan->docs.front().source].segment->name(), key));
    }
    return false;
  }

 private:
  static std::string_view KeyOf(std::span<const MergeSource> sources, const Cursor& c) {
    return sources[c.source].segment->GroupKey(c.group);
  }
  struct After {
    std::span<const MergeSource> sources;
    bool operator()(const Cursor& a, const Cursor& b) const {
      const int order = KeyOf(sources, a).compare(KeyOf(sources, b));
      return order != 0 ? order > 0 : a.source > b.source;
    }
  };

  std::span<const MergeSource> sources_;
  const size_t shard_;
  const size_t shards_;
  std::priority_queue<Cursor, std::vector<Cursor>, After> heap_;
};

Status ValidateSchemas(std::span<const MergeSource> sources, const SegmentSchema& schema) {
  for (const MergeSource& s : sources) {
    // Analyzers may differ (a base built before a change of analyzer): the
    // merged segments analyze the decoded text anew with `schema`'s.
    if (!s.segment->schema().SameColumns(schema)) {
      return Status::InvalidArgument(
          fmt::format("segment '{}' was built with other columns than the merged segments' schema",
                      s.segment->name()));
    }
  }
  return Status::OK();
}

// Takes a part of a merge with where its docs and groups come from.
using PartEmit = std::function<Status(size_t shard, size_t part, SegmentData data,
                                      const MergedOrigins& origins)>;

// Shard `shard`'s groups, decoded a part at a time and handed to `emit`.
Status MergeShard(std::span<const MergeSource> sources, const SegmentSchema& schema, size_t shard,
                  size_t shards, uint64_t part_bytes, bool copy_rows, MergeStats* stats,
                  const PartEmit& emit) {
  auto fresh = [&] {
    SegmentData d;
    d.kind = SegmentKind::kBase;
    d.schema = schema;
    return d;
  };
  ShardKeys keys(sources, shard, shards);
  SegmentData data = fresh();
  MergedOrigins origins;
  uint64_t bytes = 0;
  size_t part = 0;
  KeyPlan plan;
  while (true) {
    ASSIGN_OR_RETURN(const bool more, keys.Next(&plan, stats));
    if (!more) break;
    const SegmentReader& seg = *sources[plan.record.source].segment;
    ASSIGN_OR_RETURN(GroupRecord record, seg.Group(plan.record.group));
    if (!record.has_record) {
      if (plan.docs.empty()) {
        ++stats->emptied_groups;
        continue;
      }
      record.version = 0;
      record.row.clear();
    }
    RETURN_IF_ERROR(
        AppendMergedGroup(sources, plan, std::move(record), copy_rows, &data, &origins, &bytes));
    if (bytes >= part_bytes) {
      stats->groups += static_cast<int64_t>(data.groups.size());
      stats->docs += static_cast<int64_t>(data.docs.size());
      RETURN_IF_ERROR(emit(shard, part++, std::exchange(data, fresh()), origins));
      origins = MergedOrigins();
      bytes = 0;
      // The pages of the sources read for this part are not needed again.
      for (const MergeSource& s : sources) s.segment->ReleaseResidentPages();
    }
  }
  // Every shard has a segment, an empty one if no group lies in it.
  if (part > 0 && data.groups.empty()) return Status::OK();
  stats->groups += static_cast<int64_t>(data.groups.size());
  stats->docs += static_cast<int64_t>(data.docs.size());
  return emit(shard, part, std::move(data), origins);
}

// Every shard's parts; `copy_rows` as AppendMergedGroup's.
Status MergeParts(std::span<const MergeSource> sources, const SegmentSchema& schema, int shards,
                  int threads, uint64_t part_bytes, bool copy_rows, MergeStats* stats,
                  const PartEmit& emit) {
  if (shards < 1) return Status::InvalidArgument(fmt::format("merge into {} shards", shards));
  RETURN_IF_ERROR(ValidateSchemas(sources, schema));
  const size_t n = static_cast<size_t>(shards);
  std::vector<Status> errors(n);
  std::vector<MergeStats> shard_stats(n);
  ParallelFor(n, threads, [&](size_t shard) {
    errors[shard] = MergeShard(sources, schema, shard, n, std::max<uint64_t>(1, part_bytes),
                               copy_rows, &shard_stats[shard], emit);
  });
  for (size_t shard = 0; shard < n; ++shard) {
    RETURN_IF_ERROR(errors[shard]);
    stats->docs += shard_stats[shard].docs;
    stats->groups += shard_stats[shard].groups;
    stats->superseded_groups += shard_stats[shard].superseded_groups;
    stats->emptied_groups += shard_stats[shard].emptied_groups;
  }
  return Status::OK();
}

}  // namespace

Status MergeSegmentsInParts(std::span<const MergeSource> sources, const SegmentSchema& schema,
                            int shards, int threads, uint64_t part_bytes, MergeStats* stats,
                            const MergeEmit& emit) {
  return MergeParts(sources, schema, shards, threads, part_bytes, /*copy_rows=*/false, stats,
                    [&](size_t shard, size_t part, SegmentData data, const MergedOrigins&) {
                      return emit(shard, part, std::move(data));
                    });
}

Status WriteMergedSegments(std::span<const MergeSource> sources, const SegmentSchema& schema,
                           int shards, int threads, uint64_t part_bytes, uint32_t format,
                           MergeMethod method, MergeStats* stats, const MergeWrite& write) {
  // The postings are merged if every source indexed its text as the merged
  // segments do; else every part analyzes its rows.
  std::vector<const SegmentReader*> readers;
  std::string refusal = method == MergeMethod::kRows ? "the row-level merge was asked for" : "";
  for (const MergeSource& s : sources) {
    readers.push_back(s.segment);
    if (!refusal.empty()) continue;
    ASSIGN_OR_RETURN(refusal, PostingsMergeRefusal(*s.segment, schema, format));
  }
  stats->rows_merged_because = refusal;
  return MergeParts(
      sources, schema, shards, threads, part_bytes, /*copy_rows=*/refusal.empty(), stats,
      [&](size_t shard, size_t part, SegmentData data, const MergedOrigins& origins) -> Status {
        MergedPart out{std::string(), static_cast<uint32_t>(data.docs.size()),
                       static_cast<uint32_t>(data.groups.size())};
        if (refusal.empty()) {
          ASSIGN_OR_RETURN(auto copied, MergedPostings::Read(readers, schema, origins));
          out.bytes = WriteSegment(data, format, copied->content());
          RETURN_IF_ERROR(copied->status());
        } else {
          out.bytes = WriteSegment(data, format);
        }
        data = SegmentData();  // freed before the bytes are handed on
        return write(shard, part, std::move(out));
      });
}

Result<std::vector<SegmentData>> MergeSegments(std::span<const MergeSource> sources,
                                               const SegmentSchema& schema, int shards, int threads,
                                               MergeStats* stats) {
  std::vector<SegmentData> out(static_cast<size_t>(std::max(shards, 0)));
  RETURN_IF_ERROR(MergeSegmentsInParts(sources, schema, shards, threads,
                                       std::numeric_limits<uint64_t>::max(), stats,
                                       [&](size_t shard, size_t, SegmentData data) {
                                         out[shard] = std::move(data);
                                         return Status::OK();
                                       }));
  return out;
}

}  // namespace freshet
