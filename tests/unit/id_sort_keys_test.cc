#include "index/search/id_sort_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace freshet {
namespace {

IdSortKeys KeysOf(const std::vector<std::string>& ids) {
  return IdSortKeys(static_cast<uint32_t>(ids.size()),
                    [&](uint32_t ord) { return std::string_view(ids[ord]); });
}

TEST(IdSortKeysTest, KeysFollowTheSharedPrefix) {
  const std::vector<std::string> ids = {"ad-0000144", "ad-0003161", "ad-0003", "ad-1"};
  IdSortKeys keys = KeysOf(ids);
  // The prefix "ad-" is left out: the keys are the next 4 bytes.
  EXPECT_EQ(keys.key(0), 0x30303030u);  // "0000"
  EXPECT_EQ(keys.key(1), 0x30303033u);  // "0003"
  EXPECT_EQ(keys.key(2), 0x30303033u);  // "0003": equal keys, the ids decide
  EXPECT_EQ(keys.key(3), 0x31000000u);  // "1", zero-padded
  auto bound = keys.Before("ad-0003161");
  EXPECT_TRUE(bound.MayPrecede(keys.key(0)));
  EXPECT_TRUE(bound.MayPrecede(keys.key(2)));
  EXPECT_FALSE(bound.MayPrecede(keys.key(3)));
  // Ids outside the prefix: below it, no doc precedes; above it, every doc may.
  EXPECT_FALSE(keys.Before("ad").MayPrecede(0));
  EXPECT_FALSE(keys.Before("ab-9").MayPrecede(0));
  EXPECT_TRUE(keys.Before("ae").MayPrecede(0xffffffffu));
}

TEST(IdSortKeysTest, EmptySegmentAndOneDoc) {
  IdSortKeys none = KeysOf({});
  EXPECT_FALSE(none.Before("").MayPrecede(1));
  IdSortKeys one = KeysOf({"only"});  // the whole id is the prefix: key 0
  EXPECT_EQ(one.key(0), 0u);
  EXPECT_TRUE(one.Before("only").MayPrecede(one.key(0)));  // equal ids: the ids decide
  EXPECT_FALSE(one.Before("on").MayPrecede(one.key(0)));
  EXPECT_TRUE(one.Before("onlz").MayPrecede(one.key(0)));
}

TEST(IdSortKeysTest, RunMinIsTheSmallestKeyOfEach64Docs) {
  std::mt19937 rng(3);
  std::vector<std::string> ids(200);  // 3 full runs of 64 and a short one
  for (auto& id : ids) id = "ad-" + std::to_string(rng() % 100000);
  IdSortKeys keys = KeysOf(ids);
  for (uint32_t d = 0; d < ids.size(); ++d) {
    const uint32_t first = d / IdSortKeys::kRunDocs * IdSortKeys::kRunDocs;
    uint32_t min = keys.key(first);
    for (uint32_t e = first; e < std::min<uint32_t>(200, first + IdSortKeys::kRunDocs); ++e) {
      min = std::min(min, keys.key(e));
    }
    EXPECT_EQ(keys.RunMin(d), min) << d;
  }
}

// Random ids (shared prefixes or none, zero bytes, ids prefixes of others):
// a doc is rejected only if its id does not sort before the bound's id, and
// smaller keys mean smaller ids.
TEST(IdSortKeysTest, NeverRejectsAnIdThatSortsBefore) {
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    const std::string prefix = std::string("ad-").substr(0, rng() % 4);
    const std::string alphabet = rng() % 2 ? std::string("01\0a", 4) : "0123456789";
    auto random_id = [&] {
      std::string id = rng() % 8 == 0 ? "" : prefix;
      const size_t n = rng() % 7;
      for (size_t i = 0; i < n; ++i) id.push_back(alphabet[rng() % alphabet.size()]);
      return id;
    };
    std::vector<std::string> ids(1 + rng() % 40);
    for (auto& id : ids) id = random_id();
    IdSortKeys keys = KeysOf(ids);
    for (size_t a = 0; a < ids.size(); ++a) {
      for (size_t b = 0; b < ids.size(); ++b) {
        if (keys.key(a) < keys.key(b)) {
          ASSERT_LT(ids[a], ids[b]) << round;
        }
      }
    }
    for (int probe = 0; probe < 20; ++probe) {
      const std::string bound_id = probe % 2 ? ids[rng() % ids.size()] : random_id();
      auto bound = keys.Before(bound_id);
      for (size_t d = 0; d < ids.size(); ++d) {
        if (ids[d] <= bound_id) {
          ASSERT_TRUE(bound.MayPrecede(keys.key(d))) << round << " " << ids[d] << " " << bound_id;
        }
      }
    }
  }
}

}  // namespace
}  // namespace freshet
