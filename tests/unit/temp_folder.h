// A fresh folder under /tmp for one test, removed with its content when the
// object is destroyed. For tests where a real folder is the point (a local
// store's files, SQLite, a disk cache); others use NewMemoryStore().
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace freshet {

class TempFolder {
 public:
  TempFolder() {
    std::string tmpl = "/tmp/freshet-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace freshet
