#include "serve/served_index.h"

#include "common/log.h"

namespace freshet {

Generation::Generation(std::shared_ptr<const IndexView> view, TimeMicros loaded_at,
                       std::shared_ptr<std::atomic<int64_t>> live_counter)
    : view_(std::move(view)), loaded_at_(loaded_at), live_counter_(std::move(live_counter)) {
  ++*live_counter_;
}

Generation::~Generation() { --*live_counter_; }

ServedIndex::ServedIndex(std::string name, std::unique_ptr<ObjectStore> store, TimeMicros period)
    : name_(std::move(name)), store_(std::move(store)), period_(period) {}

std::shared_ptr<const Generation> ServedIndex::Acquire() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Result<bool> ServedIndex::Reload(Clock& clock) {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  auto fail = [&](const Status& st) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.failures;
    stats_.last_error = st.ToString();
    return st;
  };
  auto key = IndexView::ReadCurrent(*store_);
  if (!key.ok()) return fail(key.status());
  std::shared_ptr<const Generation> old = Acquire();
  if (old && old->view().manifest_key() == *key) return false;
  if (old) {
    auto parts = ParseManifestKey(*key);
    if (!parts.ok()) return fail(parts.status().WithContext("CURRENT"));
    if (parts->version < old->view().manifest().version) {
      if (ignored_key_ != *key) {
        Log(LogLevel::kWarn, "current_older_ignored",
            {{"pipeline", name_}, {"current", *key}, {"serving", old->view().manifest_key()}});
        ignored_key_ = *key;
      }
      return false;
    }
  }
  auto view = IndexView::OpenManifest(*store_, *key, &cache_);
  if (!view.ok()) return fail(view.status());
  auto next = std::make_shared<const Generation>(std::move(*view), clock.Now(), live_);
  // Keep in the cache only what the new generation uses; the old generation
  // holds its own references to the segments it still needs.
  std::vector<std::string> keys;
  for (const auto& s : next->view().base()) keys.push_back(s->name());
  for (const auto& s : next->view().delta()) keys.push_back(s->name());
  cache_.Retain(keys);
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(next);
    ++stats_.swaps;
  }
  return true;  // `old` is released here unless a query still holds it
}

ReloadStats ServedIndex::reload_stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace freshet
