#include "index/group_directory.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/log.h"
#include "common/parallel.h"
#include "index/supersession_object.h"

namespace freshet {
namespace {

// The first group of `seg` at or after `lo` whose key is not below `key`,
// galloping from `lo`: a walk over u sorted keys of an upper segment costs
// O(u log(l / u)) key reads of the l groups here, not O(u log l) as a
// binary search for each (a steady layer over a large base).
uint32_t GroupBoundFrom(const SegmentReader& seg, uint32_t lo, std::string_view key) {
  const uint32_t n = seg.num_groups();
  uint32_t hi = lo;
  for (uint64_t step = 1; hi < n && seg.GroupKey(hi) < key; step *= 2) {
    lo = hi + 1;
    hi = static_cast<uint32_t>(std::min<uint64_t>(n, hi + step));
  }
  // Every key before lo is below `key`; hi is n or holds a key not below.
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (seg.GroupKey(mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

Supersession Compute(const SegmentReader& upper, const SegmentReader& lower) {
  Supersession s;
  // Both group tables are sorted by key: one merge. An upper key out of
  // order (never written so) restarts the search from the first group.
  uint32_t gl = 0;
  std::string_view previous;
  for (uint32_t gu = 0; gu < upper.num_groups(); ++gu) {
    const std::string_view key = upper.GroupKey(gu);
    if (gu > 0 && key <= previous) gl = 0;
    previous = key;
    gl = GroupBoundFrom(lower, gl, key);
    if (gl < lower.num_groups() && lower.GroupKey(gl) == key) s.groups.emplace_back(gl, gu);
  }
  std::sort(s.groups.begin(), s.groups.end());
  if (!upper.SupersedesDocsById()) return s;
  auto hide = [&](std::string_view id) {
    if (auto ord = lower.FindDoc(id)) s.docs.push_back(*ord);
  };
  for (uint32_t d = 0; d < upper.num_docs(); ++d) hide(upper.DocId(d));
  for (const Tombstones::Entry& t : upper.tombstones().entries()) hide(t.id);
  std::sort(s.docs.begin(), s.docs.end());
  s.docs.erase(std::unique(s.docs.begin(), s.docs.end()), s.docs.end());
  return s;
}

}  // namespace

std::shared_ptr<const Supersession> SupersessionCache::Get(const SegmentReader& upper,
                                                           const SegmentReader& lower,
                                                           ObjectStore* store) {
  Found found = Find(upper, lower, store);
  return found.supersession ? std::move(found.supersession)
                            : Compute(upper, lower, store, found.replace);
}

SupersessionCache::Found SupersessionCache::Find(const SegmentReader& upper,
                                                 const SegmentReader& lower, ObjectStore* store) {
  auto key = std::make_pair(upper.name(), lower.name());
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pairs_.find(key);
    if (it != pairs_.end()) return Found{it->second};
  }
  // Read outside the lock: two threads may both take a pair, to the same
  // result.
  const std::optional<std::string> object_key =
      store ? SupersessionKey(upper.name(), lower.name()) : std::nullopt;
  if (!object_key || (writes_ && (Written(upper.name()) || Written(lower.name())))) return {};
  auto bytes = store->Get(*object_key);
  Status error = bytes.status();
  if (bytes.ok()) {
    auto object = DecodeSupersession(*object_key, *bytes);
    error = object.status();
    if (object.ok() &&
        (object->upper != upper.name() || object->lower != lower.name() ||
         object->lower_docs != lower.num_docs() || object->lower_groups != lower.num_groups() ||
         object->upper_groups != upper.num_groups())) {
      error = Status::Corruption(fmt::format(
          "supersession object '{}': its header describes '{}' ({} groups) over '{}' ({} docs, "
          "{} groups), not these segments",
          *object_key, object->upper, object->upper_groups, object->lower, object->lower_docs,
          object->lower_groups));
    } else if (const size_t hiders = upper.num_docs() + upper.tombstones().entries().size();
               object.ok() && object->supersession.docs.size() > hiders) {
      // Each superseded doc's id is one of the upper segment's docs or
      // tombstones.
      error = Status::Corruption(fmt::format(
          "supersession object '{}': {} superseded docs, but '{}' holds {} docs and tombstones",
          *object_key, object->supersession.docs.size(), upper.name(), hiders));
    } else if (object.ok()) {
      auto s = std::make_shared<const Supersession>(std::move(object->supersession));
      std::lock_guard<std::mutex> lock(mu_);
      return Found{pairs_.emplace(std::move(key), std::move(s)).first->second};
    }
  }
  if (error.IsNotFound()) return {};
  // Only a cache: a damaged object is recomputed, and replaced by a writer;
  // one of a format this freshet does not read is left alone (a newer
  // runner's, during an upgrade).
  Log(LogLevel::kWarn, "supersession_object_unusable",
      {{"key", *object_key}, {"error", error.ToString()}});
  return Found{nullptr, bytes.ok() && error.code() == StatusCode::kCorruption};
}

std::shared_ptr<const Supersession> SupersessionCache::Compute(const SegmentReader& upper,
                                                               const SegmentReader& lower,
                                                               ObjectStore* store, bool replace) {
  auto s = std::make_shared<const Supersession>(freshet::Compute(upper, lower));
  const std::optional<std::string> object_key =
      store ? SupersessionKey(upper.name(), lower.name()) : std::nullopt;
  if (object_key && writes_) {
    const std::string bytes = EncodeSupersession(SupersessionObject{
        upper.name(), lower.name(), lower.num_docs(), lower.num_groups(), upper.num_groups(), *s});
    Status st = replace ? store->Delete(*object_key) : Status::OK();
    if (st.ok()) st = store->PutIfAbsent(*object_key, bytes);
    if (!st.ok() && st.code() != StatusCode::kAlreadyExists) {
      Log(LogLevel::kWarn, "supersession_object_not_written",
          {{"key", *object_key}, {"error", st.ToString()}});
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  return pairs_.emplace(std::make_pair(upper.name(), lower.name()), std::move(s)).first->second;
}

void SupersessionCache::NoteWritten(std::string_view segment) {
  std::lock_guard<std::mutex> lock(mu_);
  written_.emplace(segment);
}

bool SupersessionCache::Written(std::string_view segment) {
  std::lock_guard<std::mutex> lock(mu_);
  return written_.contains(segment);
}

void SupersessionCache::Retain(const std::vector<std::string>& keep) {
  const std::set<std::string, std::less<>> k(keep.begin(), keep.end());
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(pairs_, [&](const auto& entry) {
    return !k.count(entry.first.first) || !k.count(entry.first.second);
  });
  std::erase_if(written_, [&](const std::string& segment) { return !k.count(segment); });
}

Result<std::unique_ptr<GroupDirectory>> GroupDirectory::Build(
    std::vector<const SegmentReader*> segments, const std::vector<uint32_t>& layers,
    std::string_view manifest_key, SupersessionCache* cache, ObjectStore* store) {
  std::unique_ptr<GroupDirectory> dir(new GroupDirectory());
  const size_t n = segments.size();
  dir->segments_ = std::move(segments);
  dir->hidden_docs_.resize(n);
  dir->superseded_.resize(n);
  dir->records_.resize(n);
  dir->imported_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    dir->hidden_docs_[i].assign(dir->segments_[i]->num_docs(), false);
    dir->superseded_[i].assign(dir->segments_[i]->num_groups(), false);
  }
  // What each upper segment supersedes of each lower one: the pairs are
  // independent, so the ones not cached are computed on every core.
  struct Pair {
    size_t upper, lower;
    std::shared_ptr<const Supersession> supersession;
  };
  std::vector<Pair> pairs;
  for (size_t u = 0; u < n; ++u) {
    const SegmentReader& upper = *dir->segments_[u];
    for (size_t i = 0; i < n; ++i) {
      if (layers[i] >= layers[u]) continue;
      const SegmentReader& lower = *dir->segments_[i];
      if (upper.SupersedesDocsById() && !lower.HasGroupSpace()) {
        return Status::NotSupported(fmt::format(
            "manifest '{}': segment '{}' (format {}) supersedes docs by id, but lies over "
            "segment '{}' of format {}, whose docs hold their group's fields in their own "
            "postings; rebuild the base (build-full or compact) in format 4 or later",
            manifest_key, upper.name(), upper.format_version(), lower.name(),
            lower.format_version()));
      }
      pairs.push_back(Pair{u, i, nullptr});
    }
  }
  // The pairs kept in a remote store are read on more threads than there
  // are cores (a read is a round trip, not work), as the Delta log's
  // commits are; the pairs no object answers are computed on every core.
  std::vector<SupersessionCache::Found> found(pairs.size());
  if (cache) {
    ParallelFor(pairs.size(), store ? ReadThreads(*store) : DefaultThreads(), [&](size_t p) {
      found[p] =
          cache->Find(*dir->segments_[pairs[p].upper], *dir->segments_[pairs[p].lower], store);
    });
  }
  ParallelFor(pairs.size(), DefaultThreads(), [&](size_t p) {
    const SegmentReader& upper = *dir->segments_[pairs[p].upper];
    const SegmentReader& lower = *dir->segments_[pairs[p].lower];
    if (found[p].supersession) {
      pairs[p].supersession = std::move(found[p].supersession);
    } else {
      pairs[p].supersession = cache ? cache->Compute(upper, lower, store, found[p].replace)
                                    : std::make_shared<const Supersession>(Compute(upper, lower));
    }
  });
  // Applied with upper segments in serving order: a later one is of the
  // same or a higher layer, so the last entry assigned to a record is the
  // highest.
  for (const Pair& p : pairs) {
    const size_t u = p.upper, i = p.lower;
    const SegmentReader& lower = *dir->segments_[i];
    const bool by_id = dir->segments_[u]->SupersedesDocsById();
    std::vector<bool>& hidden = dir->hidden_docs_[i];
    std::vector<RecordLocation>& records = dir->records_[i];
    for (const auto& [g, gu] : p.supersession->groups) {
      dir->superseded_[i][g] = true;
      if (!by_id) {
        // The group's docs here are all superseded: its record serves none.
        const uint32_t first = lower.GroupFirstDoc(g);
        std::fill(hidden.begin() + first, hidden.begin() + first + lower.GroupDocCount(g), true);
        continue;
      }
      if (records.empty()) {
        records.resize(lower.num_groups());
        for (uint32_t k = 0; k < lower.num_groups(); ++k) {
          records[k] = RecordLocation{static_cast<uint32_t>(i), k};
        }
      }
      records[g] = RecordLocation{static_cast<uint32_t>(u), gu};
    }
    for (uint32_t ord : p.supersession->docs) hidden[ord] = true;
  }
  dir->imports_by_record_.resize(n);
  dir->served_.assign(n, std::vector<std::vector<uint32_t>>(n));
  std::vector<size_t> bucket_start(n + 1);
  for (size_t i = 0; i < n; ++i) {
    const std::vector<RecordLocation>& records = dir->records_[i];
    std::fill(bucket_start.begin(), bucket_start.end(), 0);
    for (uint32_t g = 0; g < records.size(); ++g) {
      const RecordLocation at = records[g];
      if (at.segment == i) continue;
      dir->imported_[i].push_back(g);
      ++bucket_start[at.segment + 1];
      std::vector<uint32_t>& served = dir->served_[i][at.segment];
      if (served.empty()) served.assign(dir->segments_[at.segment]->num_groups(), kNoGroup);
      served[at.group] = g;
    }
    // By record: bucketed by the record's segment, in group order within a
    // bucket, which is the record's group order too (both segments' groups
    // are sorted by key, and a record serves the group of its own key).
    for (size_t s = 0; s < n; ++s) bucket_start[s + 1] += bucket_start[s];
    std::vector<Import>& by_record = dir->imports_by_record_[i];
    by_record.resize(dir->imported_[i].size());
    for (uint32_t g : dir->imported_[i]) {
      const RecordLocation at = records[g];
      by_record[bucket_start[at.segment]++] = Import{at.segment, at.group, g};
    }
  }
  return dir;
}

}  // namespace freshet
