// ObjectStoreWrapper: an ObjectStore that forwards every call to another one,
// except Map: reads through a wrapper go through Get, where an override sees
// them. Subclass it and override the calls to observe or alter (count reads,
// inject an error on the third Put, delay a listing) without restating the
// others.
//
// Thread-safety: as the target's; an override that keeps state must guard it.
#pragma once

#include "storage/object_store.h"

namespace freshet {

class ObjectStoreWrapper : public ObjectStore {
 public:
  // REQUIRES: `target` outlives this wrapper. It is borrowed, not owned.
  explicit ObjectStoreWrapper(ObjectStore* target) : target_(target) {}

  ObjectStore* target() const { return target_; }

  Result<std::string> Get(std::string_view key) override { return target_->Get(key); }
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    return target_->GetRange(key, offset, length);
  }
  Result<ObjectInfo> Head(std::string_view key) override { return target_->Head(key); }
  Status Put(std::string_view key, std::string_view data) override {
    return target_->Put(key, data);
  }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    return target_->PutIfAbsent(key, data);
  }
  Result<VersionedObject> GetVersioned(std::string_view key) override {
    return target_->GetVersioned(key);
  }
  Status PutIfMatch(std::string_view key, std::string_view data,
                    std::string_view expected_token) override {
    return target_->PutIfMatch(key, data, expected_token);
  }
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    return target_->List(prefix);
  }
  Status Delete(std::string_view key) override { return target_->Delete(key); }
  std::string Describe() const override { return target_->Describe(); }
  bool IsLocal() const override { return target_->IsLocal(); }

 private:
  ObjectStore* target_;
};

}  // namespace freshet
