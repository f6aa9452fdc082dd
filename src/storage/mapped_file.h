// MappedFile: a whole local file mapped read-only into memory.
//
// The bytes stay valid while the object lives, even if the file is unlinked.
// Only map files that nobody rewrites in place (a truncated mapped file
// faults on access): freshet maps the files of its own segment cache, which
// are written once and renamed into place.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace freshet {

class MappedFile {
 public:
  // NotFound if `path` does not exist; IOError naming it on other failures.
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

  // Lets go of the pages read so far (after a checksum pass, say): they
  // leave this process's resident memory and come back from the page cache,
  // or the file, when next read. The bytes do not change.
  void ReleaseResidentPages() const;

 private:
  MappedFile(const void* data, size_t size) : data_(data), size_(size) {}
  const void* data_;
  size_t size_;
};

}  // namespace freshet
