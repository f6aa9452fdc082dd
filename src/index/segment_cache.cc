#include "index/segment_cache.h"

#include <set>

#include "common/log.h"

namespace freshet {

Result<std::shared_ptr<const SegmentReader>> SegmentCache::Load(ObjectStore& store,
                                                                const SegmentRef& ref) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = segments_.find(ref.key);
    if (it != segments_.end()) return it->second;
  }
  std::unique_ptr<SegmentReader> reader;
  Result<std::shared_ptr<const MappedFile>> file = Status::NotFound("no disk cache");
  if (store.IsLocal()) {
    // A local segment is served from its own file, mapped, not copied onto
    // the heap. Any failure falls back to Get, which reports it.
    if (auto mapped = store.Map(ref.key);
        mapped.ok() && VerifySegmentBytes(ref, (*mapped)->bytes()).ok()) {
      file = std::shared_ptr<const MappedFile>(std::move(*mapped));
    }
  } else if (disk_) {
    file = disk_->Fetch(store, ref);
    // A cache folder that cannot be written is not a reason to fail a read.
    if (!file.ok() && file.status().code() != StatusCode::kIOError) return file.status();
    if (!file.ok()) {
      Log(LogLevel::kWarn, "segment_cache_unusable", {{"error", file.status().message()}});
    }
  }
  // Either way the whole file has been checked against the manifest's
  // checksum (the disk cache checks what it serves): its sections' own
  // checksums would find nothing more.
  if (file.ok()) {
    std::shared_ptr<const MappedFile> mapped = *file;
    ASSIGN_OR_RETURN(
        reader, SegmentReader::Open(ref.key, std::move(*file), SectionChecksums::kCheckedWhole));
    // The checksum pass read every page; queries read only what they need.
    mapped->ReleaseResidentPages();
  } else {
    ASSIGN_OR_RETURN(std::string bytes, store.Get(ref.key));
    RETURN_IF_ERROR(VerifySegmentBytes(ref, bytes));
    ASSIGN_OR_RETURN(
        reader, SegmentReader::Open(ref.key, std::move(bytes), SectionChecksums::kCheckedWhole));
  }
  std::shared_ptr<const SegmentReader> shared(std::move(reader));
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.emplace(ref.key, shared).first->second;
}

void SegmentCache::Retain(const std::vector<std::string>& keep) {
  std::set<std::string> k(keep.begin(), keep.end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = segments_.begin(); it != segments_.end();) {
      it = k.count(it->first) ? std::next(it) : segments_.erase(it);
    }
  }
  supersessions_.Retain(keep);
}

}  // namespace freshet
