#include "storage/mapped_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace freshet {

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = fmt::format("open '{}': {}", path, std::strerror(err));
    return err == ENOENT ? Status::NotFound(message) : Status::IOError(message);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IOError(fmt::format("stat '{}': {}", path, std::strerror(err)));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  const void* data = "";  // an empty file maps to an empty view
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::IOError(fmt::format("mmap '{}': {}", path, std::strerror(err)));
    }
    data = p;
  }
  ::close(fd);
  return std::unique_ptr<MappedFile>(new MappedFile(data, size));
}

void MappedFile::ReleaseResidentPages() const {
  // Advice only: on failure the pages simply stay resident.
  if (size_ > 0) ::madvise(const_cast<void*>(data_), size_, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (size_ > 0) ::munmap(const_cast<void*>(data_), size_);
}

}  // namespace freshet
