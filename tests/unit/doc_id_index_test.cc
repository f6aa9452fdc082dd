#include "index/segment/doc_id_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/coding.h"
#include "index/segment/doc_headers.h"

namespace freshet {
namespace {

TEST(DocIdIndexTest, FindsEveryDocByIdWhateverItsOrdinal) {
  const std::vector<std::string_view> ids = {"ad-9", "ad-10", "ad-1", "b"};
  const std::string section = EncodeDocIdIndex(ids);
  ASSERT_EQ(section.size(), 16u);
  EXPECT_EQ(DecodeFixed32(section.data()), 2u);  // "ad-1" sorts first
  DocIdIndex index;
  ASSERT_TRUE(index.Open("i.seg", {section, 100}, &ids).ok());
  for (uint32_t ord = 0; ord < ids.size(); ++ord) EXPECT_EQ(*index.Find(ids[ord]), ord);
  EXPECT_FALSE(index.Find("ad-2").has_value());
  EXPECT_FALSE(index.Find("").has_value());
  EXPECT_FALSE(index.Find("c").has_value());
}

TEST(DocIdIndexTest, OrdersIdsBytewisePastTheirSharedPrefixAndItsFirstEightBytes) {
  // Ids sharing "item-", then differing only past 8 more bytes, one a prefix
  // of another, one holding a zero byte where another ends.
  const std::string zero("item-1234\0", 10);
  const std::vector<std::string_view> ids = {"item-12345678b", "item-12345678a", "item-1234", zero,
                                             "item-12345678",  "item-2",         "item-1"};
  const std::string section = EncodeDocIdIndex(ids);
  std::vector<std::string_view> sorted;
  for (size_t i = 0; i < ids.size(); ++i)
    sorted.push_back(ids[DecodeFixed32(section.data() + 4 * i)]);
  EXPECT_EQ(sorted, (std::vector<std::string_view>{"item-1", "item-1234", zero, "item-12345678",
                                                   "item-12345678a", "item-12345678b", "item-2"}));
}

// From kHashedFrom docs on, Find goes through a hash table of the ordinals:
// the same answers, from any number of threads at once (it is built by the
// first call).
TEST(DocIdIndexTest, ALargeIndexFindsThroughItsHashTableAlike) {
  std::vector<std::string> owned;
  for (uint32_t i = 0; i < 3 * DocIdIndex::kHashedFrom; ++i) {
    owned.push_back("ad-" + std::to_string((i * 7919u) % 100003u));
  }
  const std::vector<std::string_view> ids(owned.begin(), owned.end());
  const std::string section = EncodeDocIdIndex(ids);
  DocIdIndex index;
  ASSERT_TRUE(index.Open("i.seg", {section, 0}, &ids).ok());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint32_t ord = t; ord < ids.size(); ord += 4) {
        if (index.Find(ids[ord]) != std::optional<uint32_t>(ord)) ++wrong;
      }
      for (int miss = 0; miss < 1000; ++miss) {
        if (index.Find("zz-" + std::to_string(miss + 1000 * t))) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_FALSE(index.Find("ad-").has_value());
  EXPECT_FALSE(index.Find("").has_value());
}

// Before its hash table, a large index searches its samples (each id's 8
// bytes past the shared prefix) and then the entries between two of them:
// the same answers as a scan, for ids whose 8 bytes there are equal across
// many samples, ids that are prefixes of others, ids holding a zero byte,
// and look-ups without the prefix or between two ids.
TEST(DocIdIndexTest, ALargeIndexFindsThroughItsSamplesAlike) {
  std::vector<std::string> owned;
  for (uint32_t i = 0; owned.size() < 40000; ++i) {
    const std::string n = std::to_string(1000000 + (i * 7919u) % 100003u);
    // 1 in 64 share their first 8 bytes past "item-", over many samples.
    if (i % 64 == 0) {
      owned.push_back("item-00000000-" + n);
    } else if (i % 64 == 1) {
      owned.push_back("item-" + n.substr(0, 4));  // a prefix of some ids
    } else if (i % 64 == 2) {
      owned.push_back(std::string("item-") + n + std::string(1, '\0') + "z");
    } else {
      owned.push_back("item-" + n);
    }
  }
  std::sort(owned.begin(), owned.end());
  owned.erase(std::unique(owned.begin(), owned.end()), owned.end());
  std::vector<std::string_view> ids(owned.begin(), owned.end());
  std::reverse(ids.begin(), ids.end());  // ordinals not in id order
  std::map<std::string_view, uint32_t> scan;
  for (uint32_t ord = 0; ord < ids.size(); ++ord) scan.emplace(ids[ord], ord);
  const std::string section = EncodeDocIdIndex(ids);
  DocIdIndex index;
  ASSERT_TRUE(index.Open("i.seg", {section, 0}, &ids).ok());
  std::vector<std::string> probes = {"", "item-", "item", "itel-1", "iten", "item-\xff", "zz"};
  for (size_t i = 0; i < ids.size(); i += 17) {
    const std::string id(ids[i]);
    probes.push_back(id);
    probes.push_back(id + "0");
    probes.push_back(id.substr(0, id.size() - 1));
  }
  ASSERT_LT(probes.size(), ids.size() / DocIdIndex::kSearchesPerTable);  // no table yet
  for (const std::string& p : probes) {
    const auto it = scan.find(p);
    EXPECT_EQ(index.Find(p), it == scan.end() ? std::nullopt : std::optional<uint32_t>(it->second))
        << p;
  }
}

TEST(DocIdIndexTest, AWrongSizeOrAnOrdinalPastTheDocsIsCorruption) {
  const std::vector<std::string_view> ids = {"a", "b"};
  std::string section = EncodeDocIdIndex(ids);
  EXPECT_EQ(DocIdIndex().Open("i.seg", {section.substr(0, 6), 100}, &ids).message(),
            "segment 'i.seg': doc id index size (offset 100)");
  section[4] = 2;  // the second entry: ordinal 2 of 2 docs
  EXPECT_EQ(DocIdIndex().Open("i.seg", {section, 100}, &ids).message(),
            "segment 'i.seg': doc id index entry out of range (offset 104)");
}

TEST(DocIdIndexTest, FindsDocsThroughFormat3DocHeaders) {
  std::vector<SegmentDoc> docs;
  for (const char* id : {"ad-9", "ad-10", "ad-1", "b"}) docs.push_back(SegmentDoc{id, 0, 0, {}});
  const std::string headers_section = EncodeDocHeaders(docs);
  DocHeaders headers;
  ASSERT_TRUE(headers.Open("i.seg", {headers_section, 0}, 4, 1).ok());
  const std::string section = EncodeDocIdIndex({"ad-9", "ad-10", "ad-1", "b"});
  DocIdIndex index;
  ASSERT_TRUE(
      index.Open("i.seg", {section, 100}, 4, [&](uint32_t ord) { return headers.Id(ord); }).ok());
  EXPECT_EQ(index.Find("ad-9"), 0u);
  EXPECT_EQ(index.Find("ad-10"), 1u);
  EXPECT_EQ(index.Find("ad-1"), 2u);
  EXPECT_EQ(index.Find("b"), 3u);
  EXPECT_FALSE(index.Find("ad-2").has_value());
  EXPECT_EQ(DocIdIndex()
                .Open("i.seg", {section, 100}, 3, [&](uint32_t ord) { return headers.Id(ord); })
                .message(),
            "segment 'i.seg': doc id index size (offset 100)");
}

}  // namespace
}  // namespace freshet
