#include "storage/local_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "common/crash_point.h"
#include "common/hash.h"

namespace freshet {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kTempMarker = ".freshet-tmp.";

Status ErrnoStatus(std::string_view what, const fs::path& path, int err) {
  std::string msg = fmt::format("{} '{}': {}", what, path.string(), std::strerror(err));
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}

Status WriteAll(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open folder", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus("fsync folder", dir, err);
  return Status::OK();
}

std::string Fingerprint(const struct stat& st) {
  return fmt::format("{}-{}.{:09}-{}", st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                     st.st_ino);
}

// The PutIfMatch token of a local object: a hash of its content.
std::string ContentToken(std::string_view data) { return Hex64(Hash64(data)); }

// An exclusive flock(2) on a folder, released when destroyed (or when its
// process dies).
class FolderLock {
 public:
  ~FolderLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Lock(const fs::path& dir) {
    fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) return ErrnoStatus("open folder", dir, errno);
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return ErrnoStatus("lock folder", dir, errno);
    }
    return Status::OK();
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Unique among writers: the process id keeps processes forked after the
// generator was seeded (which share its state) apart.
uint64_t TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng() ^ (counter.fetch_add(1) << 48) ^ (static_cast<uint64_t>(::getpid()) << 16);
}

}  // namespace

Result<std::unique_ptr<LocalStore>> LocalStore::Open(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot create store folder '{}': {}", root.string(), ec.message()));
  }
  fs::path abs = fs::absolute(root, ec);
  if (ec) abs = root;
  return std::unique_ptr<LocalStore>(new LocalStore(abs.lexically_normal()));
}

std::string LocalStore::Describe() const { return "file://" + root_.string(); }

Result<std::string> LocalStore::Get(std::string_view key) { return GetRange(key, 0, UINT64_MAX); }

Result<std::unique_ptr<MappedFile>> LocalStore::Map(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  return MappedFile::Open((root_ / std::string(key)).string());
}

Result<std::string> LocalStore::GetRange(std::string_view key, uint64_t offset, uint64_t length) {
  RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = root_ / std::string(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("stat", path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::NotFound(fmt::format("'{}' is a folder, not an object", path.string()));
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t begin = std::min(offset, size);
  uint64_t n = std::min(length, size - begin);
  std::string out(n, '\0');
  uint64_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(begin + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus("read", path, err);
    }
    if (r == 0) break;  // truncated underneath us
    done += static_cast<uint64_t>(r);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

Result<ObjectInfo> LocalStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = root_ / std::string(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::NotFound(fmt::format("'{}' is not a regular file", path.string()));
  }
  return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size), Fingerprint(st)};
}

Result<std::string> LocalStore::WriteTemp(std::string_view key, std::string_view data,
                                          fs::path* temp) {
  RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = root_ / std::string(key);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot create folder '{}': {}", path.parent_path().string(), ec.message()));
  }
  *temp = path;
  temp->concat(fmt::format("{}{:016x}", kTempMarker, TempSuffix()));
  int fd = ::open(temp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create", *temp, errno);
  Status st = WriteAll(fd, data, *temp);
  if (st.ok() && ::fsync(fd) != 0) st = ErrnoStatus("fsync", *temp, errno);
  ::close(fd);
  if (!st.ok()) {
    ::unlink(temp->c_str());
    return st;
  }
  return path.string();
}

Status LocalStore::Put(std::string_view key, std::string_view data) {
  fs::path temp;
  ASSIGN_OR_RETURN(std::string path, WriteTemp(key, data, &temp));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoStatus("rename into", path, err);
  }
  return SyncDir(fs::path(path).parent_path());
}

Status LocalStore::PutIfAbsent(std::string_view key, std::string_view data) {
  if (SafeguardDisabled("create_if_absent")) return Put(key, data);
  fs::path temp;
  ASSIGN_OR_RETURN(std::string path, WriteTemp(key, data, &temp));
  int rc = ::link(temp.c_str(), path.c_str());
  int err = errno;
  ::unlink(temp.c_str());
  if (rc != 0) {
    if (err == EEXIST) {
      return Status::AlreadyExists(fmt::format("object '{}' already exists", key));
    }
    return ErrnoStatus("link into", path, err);
  }
  return SyncDir(fs::path(path).parent_path());
}

Result<VersionedObject> LocalStore::GetVersioned(std::string_view key) {
  // One open file: the bytes and their token belong to the same version even
  // if the object is replaced meanwhile (a rename leaves this file intact).
  ASSIGN_OR_RETURN(std::string data, Get(key));
  std::string token = ContentToken(data);
  return VersionedObject{std::move(data), std::move(token)};
}

Status LocalStore::PutIfMatch(std::string_view key, std::string_view data,
                              std::string_view expected_token) {
  fs::path temp;
  ASSIGN_OR_RETURN(std::string path, WriteTemp(key, data, &temp));
  auto give_up = [&](Status st) {
    ::unlink(temp.c_str());
    return st;
  };
  const fs::path dir = fs::path(path).parent_path();
  FolderLock lock;
  if (Status st = lock.Lock(dir); !st.ok()) return give_up(st);
  auto current = Get(key);
  if (!current.ok() && !current.status().IsNotFound()) return give_up(current.status());
  const bool matches = expected_token.empty()
                           ? !current.ok()
                           : current.ok() && ContentToken(*current) == expected_token;
  if (!matches) {
    return give_up(Status::FailedPrecondition(fmt::format(
        "object '{}' {} since it was read (compare-and-swap refused)", key,
        current.ok() ? (expected_token.empty() ? "was created" : "changed") : "was deleted")));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return give_up(ErrnoStatus("rename into", path, errno));
  }
  if (::fsync(lock.fd()) != 0) return ErrnoStatus("fsync folder", dir, errno);
  return Status::OK();
}

Result<std::vector<ObjectInfo>> LocalStore::List(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  // Walk from the deepest folder fully named by the prefix.
  std::string_view dir_part = prefix;
  size_t slash = prefix.rfind('/');
  dir_part = slash == std::string_view::npos ? std::string_view() : prefix.substr(0, slash);
  if (!dir_part.empty()) RETURN_IF_ERROR(ValidateKey(dir_part));
  fs::path start = dir_part.empty() ? root_ : root_ / std::string(dir_part);
  // A folder that does not exist lists as empty; one that cannot be read is
  // an error (an empty answer would publish its partitions as empty).
  struct stat start_st;
  if (::stat(start.c_str(), &start_st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    return ErrnoStatus("list", start, errno);
  }
  if (!S_ISDIR(start_st.st_mode)) return out;
  std::error_code ec;
  fs::recursive_directory_iterator it(start, ec);
  if (ec) {
    return Status::IOError(fmt::format("list '{}': {}", start.string(), ec.message()));
  }
  const std::string root_str = root_.string();
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return Status::IOError(fmt::format("list '{}': {}", start.string(), ec.message()));
    }
    const fs::directory_entry& entry = *it;
    if (!entry.is_regular_file(ec)) continue;
    std::string full = entry.path().string();
    if (full.size() <= root_str.size() + 1) continue;
    std::string key = full.substr(root_str.size() + 1);
    if (!key.starts_with(prefix)) continue;
    if (entry.path().filename().string().find(kTempMarker) != std::string::npos) continue;
    struct stat st;
    if (::stat(entry.path().c_str(), &st) != 0) continue;  // deleted while listing
    out.push_back(ObjectInfo{std::move(key), static_cast<uint64_t>(st.st_size), Fingerprint(st)});
  }
  // A failed increment may also end the iteration.
  if (ec) return Status::IOError(fmt::format("list '{}': {}", start.string(), ec.message()));
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status LocalStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = root_ / std::string(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("delete", path, errno);
  return Status::OK();
}

}  // namespace freshet
