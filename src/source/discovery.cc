#include "source/discovery.h"

#include <fmt/format.h>

#include <set>

#include "common/hash.h"

namespace freshet {

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
      if (start < from || start >= to) continue;
      if (start % spec.period != 0) {
        out.rejected.push_back(
            fmt::format("path '{}': partition time {} is not aligned to the {} period", obj.key,
                        FormatTimestamp(start), FormatDuration(spec.period)));
        continue;
      }
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

bool IsReady(const SourceSpec& spec, const Discovery& d, TimeMicros start, TimeMicros now) {
  if (!spec.marker.empty()) {
    auto it = d.partitions.find(start);
    if (it != d.partitions.end() && it->second.has_marker) return true;
  }
  return now >= start + spec.period + spec.delay;
}

std::string WindowFingerprint(const Discovery& d, TimeMicros from, TimeMicros to) {
  std::string all;
  for (auto it = d.partitions.lower_bound(from); it != d.partitions.end() && it->first <= to;
       ++it) {
    for (const ObjectInfo& f : it->second.files) {
      all += f.key;
      all += '\0';
      all += f.fingerprint;
      all += '\n';
    }
  }
  return ContentHash(all);
}

}  // namespace freshet
