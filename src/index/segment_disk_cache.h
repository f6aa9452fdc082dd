// SegmentDiskCache: segments of remote stores (S3) kept on local disk, so
// that a reader or a restarted runner maps them instead of fetching them
// again.
//
// Segments are immutable and named by their content hash, so a cached file
// never goes stale; every use still checks its size and checksum against the
// manifest, and a cached copy that fails is fetched again. Files are written
// beside their final name and renamed into place, then mapped read-only.
// Beyond `max_bytes`, the least recently used files are deleted (a mapped
// file stays readable until unmapped).
//
// Thread-safe; several processes may share one folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "index/manifest.h"
#include "storage/mapped_file.h"
#include "storage/object_store.h"

namespace freshet {

// OK if `bytes` has the size and whole-file checksum that `ref` names;
// Corruption naming the segment otherwise.
Status VerifySegmentBytes(const SegmentRef& ref, std::string_view bytes);

class SegmentDiskCache {
 public:
  // The cache the environment asks for: FRESHET_SEGMENT_CACHE names the
  // folder ("off" disables it; default $XDG_CACHE_HOME/freshet/segments, else
  // $HOME/.cache/freshet/segments) and FRESHET_SEGMENT_CACHE_BYTES its limit
  // (default 20 GiB). nullptr when disabled or when no folder can be named.
  static std::shared_ptr<SegmentDiskCache> FromEnvironment();

  SegmentDiskCache(std::filesystem::path dir, uint64_t max_bytes)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}

  // The bytes of segment `ref`, mapped from the cache; on a miss (or a
  // cached copy that fails verification) fetched from `store`, verified and
  // written to the cache first. Errors of the store pass through; IOError
  // if the folder cannot be written.
  Result<std::shared_ptr<const MappedFile>> Fetch(ObjectStore& store, const SegmentRef& ref);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  // Deletes the least recently used files until the folder holds at most
  // max_bytes_, never `keep`.
  void Trim(const std::filesystem::path& keep);

  std::filesystem::path dir_;
  uint64_t max_bytes_;
};

}  // namespace freshet
