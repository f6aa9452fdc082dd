// A local folder as an ObjectStore: the embedded default.
//
// Put writes a temporary file beside the target ("name.freshet-tmp.<random>"),
// fsyncs it and renames it into place, then fsyncs the folder. PutIfAbsent
// uses link(2), which fails atomically if the target exists. Temporary files
// are never listed.
//
// PutIfMatch (compare-and-swap): the token of an object is the XXH3 hash of
// its content. The new content is written to a temporary file first; then,
// holding an exclusive flock(2) on the object's folder (taken by every
// PutIfMatch of this store, in this process or another), the current content
// is read and compared with the token, and the temporary file renamed into
// place. The lock dies with its process and rename(2) is atomic, so a crash
// at any instant leaves the old object or the new one, whole. Plain Put and
// PutIfAbsent do not take the lock: an object replaced by compare-and-swap
// must only ever be written with PutIfMatch.
#pragma once

#include <filesystem>
#include <memory>

#include "storage/object_store.h"

namespace freshet {

class LocalStore final : public ObjectStore {
 public:
  // Creates `root` if missing.
  static Result<std::unique_ptr<LocalStore>> Open(const std::filesystem::path& root);

  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<VersionedObject> GetVersioned(std::string_view key) override;
  Status PutIfMatch(std::string_view key, std::string_view data,
                    std::string_view expected_token) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  std::string Describe() const override;
  bool IsLocal() const override { return true; }
  // Objects are renamed or linked into place whole, never rewritten in
  // place, so a mapping never sees a partial or truncated file.
  Result<std::unique_ptr<MappedFile>> Map(std::string_view key) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit LocalStore(std::filesystem::path root) : root_(std::move(root)) {}
  Result<std::string> WriteTemp(std::string_view key, std::string_view data,
                                std::filesystem::path* temp);
  std::filesystem::path root_;
};

}  // namespace freshet
