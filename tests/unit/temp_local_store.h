// A test fixture: a LocalStore over a fresh temporary folder, removed after
// each test.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/local_store.h"

namespace freshet {

class TempLocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/freshet-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = LocalStore::Open(dir_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;                     // the temporary folder
  std::unique_ptr<ObjectStore> store_;  // a LocalStore over dir_
};

}  // namespace freshet
