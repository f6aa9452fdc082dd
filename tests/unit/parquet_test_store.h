// InMemoryStore: a minimal ObjectStore over a map, for the Parquet unit tests
// and fuzz targets (reads only need Get, GetRange and Head). Not thread-safe
// for writers; concurrent reads are fine.
#pragma once

#include <map>
#include <string>

#include "storage/object_store.h"

namespace freshet::parquet {

class InMemoryStore final : public ObjectStore {
 public:
  Result<std::string> Get(std::string_view key) override {
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Status::NotFound(std::string(key));
    return it->second;
  }
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Status::NotFound(std::string(key));
    if (offset >= it->second.size()) return std::string();
    return it->second.substr(offset, length);
  }
  Result<ObjectInfo> Head(std::string_view key) override {
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Status::NotFound(std::string(key));
    return ObjectInfo{it->first, it->second.size(), std::to_string(it->second.size())};
  }
  Status Put(std::string_view key, std::string_view data) override {
    objects_[std::string(key)] = std::string(data);
    return Status::OK();
  }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    if (objects_.count(std::string(key))) return Status::AlreadyExists(std::string(key));
    return Put(key, data);
  }
  Result<std::vector<ObjectInfo>> List(std::string_view) override {
    return Status::NotSupported("InMemoryStore::List");
  }
  Status Delete(std::string_view key) override {
    objects_.erase(std::string(key));
    return Status::OK();
  }
  std::string Describe() const override { return "memory://"; }

 private:
  std::map<std::string, std::string> objects_;
};

}  // namespace freshet::parquet
