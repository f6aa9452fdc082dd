#include "source/discovery.h"

#include <fmt/format.h>

#include <set>
#include <utility>

#include "common/hash.h"

namespace freshet {

namespace {

// Whether the partition `start` of `key` falls in [from, to) and is aligned
// to the period; a misaligned one is rejected into `d`.
bool InRange(const SourceSpec& spec, std::string_view key, TimeMicros start, TimeMicros from,
             TimeMicros to, Discovery* d) {
  if (start < from || start >= to) return false;
  if (start % spec.period != 0) {
    d->rejected.push_back(
        fmt::format("path '{}': partition time {} is not aligned to the {} period", key,
                    FormatTimestamp(start), FormatDuration(spec.period)));
    return false;
  }
  return true;
}

}  // namespace

Result<Discovery> DiscoverPartitions(ObjectStore& store, const SourceSpec& spec, TimeMicros from,
                                     TimeMicros to) {
  Discovery out;
  std::set<std::string> prefixes;
  for (TimeMicros h = from - ((from % kMicrosPerHour) + kMicrosPerHour) % kMicrosPerHour; h < to;
       h += kMicrosPerHour) {
    prefixes.insert(spec.layout.HourPrefix(h));
  }
  for (const std::string& prefix : prefixes) {
    ASSIGN_OR_RETURN(auto objects, store.List(prefix));
    ++out.listings;
    for (ObjectInfo& obj : objects) {
      auto parsed = spec.layout.ParseKey(obj.key);
      if (!parsed.ok()) {
        out.rejected.push_back(parsed.status().message());
        continue;
      }
      TimeMicros start = parsed->start;
      if (!InRange(spec, obj.key, start, from, to, &out)) continue;
      const std::string& file = parsed->file;
      PartitionListing& p = out.partitions[start];
      p.start = start;
      if (!spec.marker.empty() && file == spec.marker) {
        p.has_marker = true;
      } else if (file.find('/') != std::string::npos) {
        out.rejected.push_back(
            fmt::format("path '{}': nested folder inside a partition is not read", obj.key));
      } else if (IsDataFile(spec.format, file)) {
        p.files.push_back(std::move(obj));
      }
      // Other files (_committed, .crc, ...) are producers' bookkeeping: ignored.
    }
  }
  return out;
}

Discovery DiscoverDeltaPartitions(const DeltaSnapshot& table, const SourceSpec& spec,
                                  TimeMicros from, TimeMicros to) {
  Discovery out;
  out.table_version = table.version;
  const std::vector<std::string>& columns = table.metadata.partition_columns;
  for (const auto& [path, f] : table.files) {
    std::string key;
    std::string problem;
    if (path.find("://") != std::string::npos || path.starts_with('/')) {
      // A shallow clone's files live outside the table's root.
      problem = "an absolute path (a file outside the table's root) is not read";
    }
    for (size_t i = 0; i < columns.size() && problem.empty(); ++i) {
      const std::string& column = columns[i];
      auto it = f.partition_values.find(column);
      if (it == f.partition_values.end() || !it->second) {
        problem = fmt::format("partition column '{}' has no value", column);
        break;
      }
      key += column + "=" + *it->second + "/";
    }
    // The file's name after its partition's folders (npos + 1 is 0).
    key = columns.empty() ? path : key + path.substr(path.rfind('/') + 1);
    Result<PartitionLayout::Parsed> parsed = Status::InvalidArgument(problem);
    if (problem.empty()) parsed = spec.layout.ParseKey(key);
    if (!parsed.ok()) {
      out.rejected.push_back(fmt::format("Delta file '{}' (partition '{}'): {}", path, key,
                                         parsed.status().message()));
      continue;
    }
    if (!InRange(spec, path, parsed->start, from, to, &out)) continue;
    PartitionListing& p = out.partitions[parsed->start];
    p.start = parsed->start;
    p.files.push_back(ObjectInfo{path, f.size, fmt::format("{}:{}", f.size, f.modification_time)});
  }
  return out;
}

Result<Discovery> DiscoverSource(ObjectStore& store, const SourceSpec& spec,
                                 std::optional<DeltaSnapshot>* table, TimeMicros from,
                                 TimeMicros to) {
  if (spec.kind == SourceKind::kFolders) return DiscoverPartitions(store, spec, from, to);
  ASSIGN_OR_RETURN(DeltaSnapshot now,
                   LoadDeltaSnapshot(store, std::exchange(*table, std::nullopt)));
  *table = std::move(now);
  Discovery d = DiscoverDeltaPartitions(**table, spec, from, to);
  d.listings = 1;
  return d;
}

bool IsReady(const SourceSpec& spec, const Discovery& d, TimeMicros start, TimeMicros now) {
  if (!spec.marker.empty()) {
    auto it = d.partitions.find(start);
    if (it != d.partitions.end() && it->second.has_marker) return true;
  }
  return now >= start + spec.period + spec.delay;
}

std::vector<WindowObject> WindowObjects(const Discovery& d, TimeMicros from, TimeMicros to) {
  std::vector<WindowObject> out;
  for (auto it = d.partitions.lower_bound(from); it != d.partitions.end() && it->first <= to;
       ++it) {
    for (const ObjectInfo& f : it->second.files) out.push_back(WindowObject{it->first, &f});
  }
  return out;
}

std::string WindowFingerprint(const Discovery& d, TimeMicros from, TimeMicros to) {
  std::string all;
  for (const WindowObject& o : WindowObjects(d, from, to)) {
    all += o.info->key;
    all += '\0';
    all += o.info->fingerprint;
    all += '\n';
  }
  return ContentHash(all);
}

}  // namespace freshet
