// ServedIndex: one pipeline's published index as `freshet serve` serves it,
// following CURRENT (hot reload).
//
// A query takes the current generation with Acquire() and holds it for its
// whole life, so it sees one generation, never a mix. Reload() opens a newer
// generation beside the one in service (segments shared through a
// SegmentCache), then swaps the pointer under a mutex: queries started after
// the swap get the new generation, queries already running keep the old one,
// which is released when the last of them drops it (shared ownership).
//
// Thread-safety: Acquire(), Reload() and the accessors may be called from any
// thread; Reload() calls are serialized internally. A Generation is
// immutable and safe to read from many threads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "index/index_view.h"
#include "storage/object_store.h"

namespace freshet {

// One opened generation. Counted while alive (ServedIndex::open_generations).
class Generation {
 public:
  Generation(std::shared_ptr<const IndexView> view, TimeMicros loaded_at,
             std::shared_ptr<std::atomic<int64_t>> live_counter);
  ~Generation();
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;

  const IndexView& view() const { return *view_; }
  TimeMicros loaded_at() const { return loaded_at_; }

 private:
  std::shared_ptr<const IndexView> view_;
  TimeMicros loaded_at_;
  std::shared_ptr<std::atomic<int64_t>> live_counter_;
};

struct ReloadStats {
  int64_t swaps = 0;     // generations put in service (the first load included)
  int64_t failures = 0;  // reloads that failed (the old generation stayed in service)
  std::string last_error;
};

class ServedIndex {
 public:
  // `name` labels metrics and selects the pipeline in requests; `period` (0 if
  // unknown) is the source's partition length, used for the freshness lag.
  ServedIndex(std::string name, std::unique_ptr<ObjectStore> store, TimeMicros period);

  const std::string& name() const { return name_; }
  TimeMicros period() const { return period_; }
  ObjectStore& store() { return *store_; }

  // The generation in service; null before the first successful Reload().
  std::shared_ptr<const Generation> Acquire() const;

  // Reads CURRENT; if it names a newer manifest than the one in service,
  // opens it and swaps. Returns whether a swap happened. A CURRENT naming an
  // older version than the one in service is ignored (logged once per key as
  // `current_older_ignored`): what a reader serves never goes backwards. On
  // failure the generation in service stays (and the failure is counted).
  Result<bool> Reload(Clock& clock);

  ReloadStats reload_stats() const;
  // Generations alive: the one in service plus older ones still held by queries.
  int64_t open_generations() const { return live_->load(); }

 private:
  const std::string name_;
  const std::unique_ptr<ObjectStore> store_;
  const TimeMicros period_;
  SegmentCache cache_;
  std::mutex reload_mu_;   // serializes Reload()
  mutable std::mutex mu_;  // guards current_ and stats_
  std::shared_ptr<const Generation> current_;
  ReloadStats stats_;
  std::string ignored_key_;  // the last older CURRENT logged; guarded by reload_mu_
  std::shared_ptr<std::atomic<int64_t>> live_ = std::make_shared<std::atomic<int64_t>>(0);
};

}  // namespace freshet
