#include "storage/memory_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

namespace freshet {
namespace {

class MemoryStore final : public ObjectStore {
 public:
  explicit MemoryStore(std::string_view name) : url_(fmt::format("memory://{}", name)) {}

  Result<std::string> Get(std::string_view key) override {
    ASSIGN_OR_RETURN(VersionedObject object, GetVersioned(key));
    return std::move(object.data);
  }

  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(const Object* object, Find(key));
    uint64_t begin = std::min<uint64_t>(offset, object->data.size());
    return object->data.substr(begin, length);
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(const Object* object, Find(key));
    return Info(key, *object);
  }

  Status Put(std::string_view key, std::string_view data) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    Write(key, data);
    return Status::OK();
  }

  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    if (objects_.count(key) != 0) {
      return Status::AlreadyExists(fmt::format("object '{}' already exists in {}", key, url_));
    }
    Write(key, data);
    return Status::OK();
  }

  Result<VersionedObject> GetVersioned(std::string_view key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(const Object* object, Find(key));
    return VersionedObject{object->data, Token(*object)};
  }

  Status PutIfMatch(std::string_view key, std::string_view data,
                    std::string_view expected_token) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    const bool present = it != objects_.end();
    const bool matches =
        expected_token.empty() ? !present : present && Token(it->second) == expected_token;
    if (!matches) {
      return Status::FailedPrecondition(fmt::format(
          "object '{}' {} since it was read (compare-and-swap refused)", key,
          present ? (expected_token.empty() ? "was created" : "changed") : "was deleted"));
    }
    Write(key, data);
    return Status::OK();
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::lock_guard lock(mu_);
    std::vector<ObjectInfo> out;
    for (auto it = objects_.lower_bound(prefix);
         it != objects_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
      out.push_back(Info(it->first, it->second));
    }
    return out;
  }

  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it != objects_.end()) objects_.erase(it);
    return Status::OK();
  }

  std::string Describe() const override { return url_; }
  // Reads are as cheap as a local file's: nothing to cache on disk.
  bool IsLocal() const override { return true; }

 private:
  struct Object {
    std::string data;
    uint64_t sequence = 0;  // of the write that stored `data`
  };

  static std::string Token(const Object& object) { return fmt::format("w{}", object.sequence); }

  static ObjectInfo Info(std::string_view key, const Object& object) {
    return ObjectInfo{std::string(key), object.data.size(), Token(object)};
  }

  // REQUIRES: mu_ held.
  Result<const Object*> Find(std::string_view key) const {
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      return Status::NotFound(fmt::format("object '{}' not found in {}", key, url_));
    }
    return &it->second;
  }

  // REQUIRES: mu_ held.
  void Write(std::string_view key, std::string_view data) {
    Object& object = objects_[std::string(key)];
    object.data.assign(data);
    object.sequence = ++last_sequence_;
  }

  const std::string url_;
  std::mutex mu_;
  std::map<std::string, Object, std::less<>> objects_;  // guarded by mu_
  uint64_t last_sequence_ = 0;                          // guarded by mu_
};

}  // namespace

std::unique_ptr<ObjectStore> NewMemoryStore(std::string_view name) {
  // Caches key objects by the store's URL: two stores never share one.
  static std::atomic<uint64_t> stores{0};
  uint64_t n = ++stores;
  return std::make_unique<MemoryStore>(name.empty() ? fmt::format("store-{}", n)
                                                    : fmt::format("{}-{}", name, n));
}

}  // namespace freshet
