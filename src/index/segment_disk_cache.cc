#include "index/segment_disk_cache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "common/crash_point.h"
#include "common/hash.h"
#include "common/log.h"

namespace freshet {
namespace {

constexpr uint64_t kDefaultMaxBytes = uint64_t{20} << 30;

// The cache file of a segment key ("segments/<hash>.seg" -> "<hash>.seg").
std::string FileName(std::string_view key) {
  std::string name(key.substr(key.rfind('/') + 1));
  return name.empty() ? "segment" : name;
}

}  // namespace

Status VerifySegmentBytes(const SegmentRef& ref, std::string_view bytes) {
  if (bytes.size() != ref.bytes) {
    return Status::Corruption(
        fmt::format("segment '{}': {} bytes, manifest says {}", ref.key, bytes.size(), ref.bytes));
  }
  if (Hex64(Hash64(bytes)) != ref.checksum && !SafeguardDisabled("checksum")) {
    return Status::Corruption(
        fmt::format("segment '{}': checksum mismatch with the manifest", ref.key));
  }
  return Status::OK();
}

std::shared_ptr<SegmentDiskCache> SegmentDiskCache::FromEnvironment() {
  std::filesystem::path dir;
  if (const char* v = std::getenv("FRESHET_SEGMENT_CACHE"); v && *v) {
    if (std::string_view(v) == "off") return nullptr;
    dir = v;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    dir = std::filesystem::path(xdg) / "freshet" / "segments";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = std::filesystem::path(home) / ".cache" / "freshet" / "segments";
  } else {
    return nullptr;
  }
  uint64_t max_bytes = kDefaultMaxBytes;
  if (const char* v = std::getenv("FRESHET_SEGMENT_CACHE_BYTES"); v && *v) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(v, &end, 10);
    if (end != v && *end == '\0') max_bytes = n;
  }
  return std::make_shared<SegmentDiskCache>(std::move(dir), max_bytes);
}

Result<std::shared_ptr<const MappedFile>> SegmentDiskCache::Fetch(ObjectStore& store,
                                                                  const SegmentRef& ref) {
  const std::filesystem::path path = dir_ / FileName(ref.key);
  if (auto mapped = MappedFile::Open(path.string()); mapped.ok()) {
    Status st = VerifySegmentBytes(ref, (*mapped)->bytes());
    if (st.ok()) {
      std::error_code ec;  // a use refreshes the file's age; best effort
      std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now(), ec);
      return std::shared_ptr<const MappedFile>(std::move(*mapped));
    }
    Log(LogLevel::kWarn, "segment_cache_refetch",
        {{"segment", ref.key}, {"file", path.string()}, {"reason", st.message()}});
  }
  ASSIGN_OR_RETURN(std::string bytes, store.Get(ref.key));
  RETURN_IF_ERROR(VerifySegmentBytes(ref, bytes));
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path temp =
      dir_ / fmt::format(".{}.{}-{}.tmp", FileName(ref.key), ::getpid(), counter++);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(temp, ec);
      return Status::IOError(
          fmt::format("segment cache: cannot write '{}' (set FRESHET_SEGMENT_CACHE to another "
                      "folder, or to off)",
                      temp.string()));
    }
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    return Status::IOError(fmt::format("segment cache: cannot rename into '{}'", path.string()));
  }
  Trim(path);
  ASSIGN_OR_RETURN(auto mapped, MappedFile::Open(path.string()));
  // Another process may have replaced the file meanwhile: check what we map.
  RETURN_IF_ERROR(VerifySegmentBytes(ref, mapped->bytes()));
  return std::shared_ptr<const MappedFile>(std::move(mapped));
}

void SegmentDiskCache::Trim(const std::filesystem::path& keep) {
  struct Entry {
    std::filesystem::file_time_type time;
    uint64_t bytes;
    std::filesystem::path path;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    std::error_code e1, e2;
    if (!e.is_regular_file(e1) || e.path().filename().string().starts_with(".")) continue;
    uint64_t size = e.file_size(e1);
    auto time = e.last_write_time(e2);
    if (e1 || e2) continue;
    total += size;
    entries.push_back({time, size, e.path()});
  }
  if (total <= max_bytes_) return;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.time < b.time; });
  for (const Entry& e : entries) {
    if (total <= max_bytes_) break;
    if (e.path == keep) continue;
    if (std::filesystem::remove(e.path, ec)) total -= e.bytes;
  }
}

}  // namespace freshet
