#include "storage/object_store.h"

#include <fmt/format.h>

#include "common/parallel.h"
#include "storage/local_store.h"
#include "storage/s3_store.h"
#include "storage/s3_url.h"

namespace freshet {

Result<VersionedObject> ObjectStore::GetVersioned(std::string_view key) {
  return Status::NotSupported(
      fmt::format("{} cannot read '{}' with a version token", Describe(), key));
}

Status ObjectStore::PutIfMatch(std::string_view key, std::string_view, std::string_view) {
  return Status::NotSupported(
      fmt::format("{} cannot replace '{}' by compare-and-swap", Describe(), key));
}

Result<std::unique_ptr<MappedFile>> ObjectStore::Map(std::string_view key) {
  return Status::NotSupported(fmt::format("{} cannot map '{}'", Describe(), key));
}

int ReadThreads(const ObjectStore& store) {
  return store.IsLocal() ? DefaultThreads() : kRemoteReadsInFlight;
}

Status ValidateKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("empty object key");
  if (key.front() == '/') {
    return Status::InvalidArgument(fmt::format("object key '{}' is absolute", key));
  }
  if (key.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("object key contains a NUL byte");
  }
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    size_t end = slash == std::string_view::npos ? key.size() : slash;
    std::string_view part = key.substr(start, end - start);
    if (part.empty() && end != key.size()) {
      return Status::InvalidArgument(fmt::format("object key '{}' has an empty segment", key));
    }
    if (part == "." || part == "..") {
      return Status::InvalidArgument(fmt::format("object key '{}' has a '{}' segment", key, part));
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

std::string JoinKey(std::string_view a, std::string_view b) {
  while (!a.empty() && a.back() == '/') a.remove_suffix(1);
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  out += '/';
  out += b;
  return out;
}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(std::string_view url) {
  std::string_view path = url;
  if (url.starts_with("s3://")) {
    ASSIGN_OR_RETURN(S3Config config, ParseS3Url(url, ProcessEnvironment()));
    ASSIGN_OR_RETURN(auto store, S3Store::Open(std::move(config)));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  if (url.starts_with("file://")) {
    path = url.substr(7);
  } else if (url.find("://") != std::string_view::npos) {
    std::string_view scheme = url.substr(0, url.find("://"));
    return Status::InvalidArgument(fmt::format(
        "store URL scheme '{}://' is not supported (supported: file://, s3://, a plain path)",
        scheme));
  }
  if (path.empty()) return Status::InvalidArgument("store URL has an empty path");
  ASSIGN_OR_RETURN(auto store, LocalStore::Open(std::filesystem::path(std::string(path))));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace freshet
