// Supersessions kept with the index (index/supersession_object.h): the
// format round-trips in both doc encodings, the golden objects of every
// pair of the segment-v5 index read and are what this freshet writes byte
// for byte, and damage is reported naming the object and the offset.
#include "index/supersession_object.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/coding.h"
#include "common/hash.h"
#include "index/index_view.h"
#include "storage/object_store.h"

namespace freshet {
namespace {

SupersessionObject Sample(uint32_t lower_docs, std::vector<uint32_t> docs) {
  SupersessionObject o;
  o.upper = "segments/0123456789abcdef0123456789abcdef.seg";
  o.lower = "segments/fedcba9876543210fedcba9876543210.seg";
  o.lower_docs = lower_docs;
  o.lower_groups = 40;
  o.upper_groups = 7;
  o.supersession.groups = {{0, 0}, {5, 1}, {6, 3}, {39, 6}};
  o.supersession.docs = std::move(docs);
  return o;
}

void ExpectSame(const SupersessionObject& a, const SupersessionObject& b) {
  EXPECT_EQ(a.upper, b.upper);
  EXPECT_EQ(a.lower, b.lower);
  EXPECT_EQ(a.lower_docs, b.lower_docs);
  EXPECT_EQ(a.lower_groups, b.lower_groups);
  EXPECT_EQ(a.upper_groups, b.upper_groups);
  EXPECT_EQ(a.supersession.groups, b.supersession.groups);
  EXPECT_EQ(a.supersession.docs, b.supersession.docs);
}

TEST(SupersessionObjectTest, RoundTripsSparseAsGapsAndDenseAsABitmap) {
  // 3 docs of 1 M: gaps (a bitmap would be 125 KB).
  const SupersessionObject sparse = Sample(1000000, {0, 7, 999999});
  const std::string a = EncodeSupersession(sparse);
  EXPECT_LT(a.size(), 200u);
  auto da = DecodeSupersession("a", a);
  ASSERT_TRUE(da.ok()) << da.status().ToString();
  ExpectSame(*da, sparse);
  // Every third doc of 30 000: a bitmap of 3 750 bytes, not 10 000 gaps.
  std::vector<uint32_t> every_third;
  for (uint32_t d = 0; d < 30000; d += 3) every_third.push_back(d);
  const SupersessionObject dense = Sample(30000, every_third);
  const std::string b = EncodeSupersession(dense);
  EXPECT_LT(b.size(), 3900u);
  auto db = DecodeSupersession("b", b);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ExpectSame(*db, dense);
  // None superseded.
  const SupersessionObject none = Sample(5, {});
  auto dn = DecodeSupersession("n", EncodeSupersession(none));
  ASSERT_TRUE(dn.ok()) << dn.status().ToString();
  ExpectSame(*dn, none);
}

// A sparse object as the first commit that writes format 1 encodes it
// (the golden index's pairs are small enough to be bitmaps or empty).
TEST(SupersessionObjectTest, GoldenSparseObjectIsReadAndWritten) {
  const char* golden = std::getenv("FRESHET_GOLDEN_DIR");
  ASSERT_NE(golden, nullptr) << "FRESHET_GOLDEN_DIR names tests/golden (set by ctest)";
  auto objects = ObjectStore::Open(std::string(golden) + "/supersession");
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  const SupersessionObject want = Sample(1000000, {0, 7, 999999});
  auto bytes = (*objects)->Get("sparse-gaps.sup");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto read = DecodeSupersession("sparse-gaps.sup", *bytes);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ExpectSame(*read, want);
  EXPECT_EQ(EncodeSupersession(want), *bytes);
}

TEST(SupersessionObjectTest, KeysNameBothSegments) {
  const std::string u = "segments/0123456789abcdef0123456789abcdef.seg";
  const std::string l = "segments/fedcba9876543210fedcba9876543210.seg";
  auto key = SupersessionKey(u, l);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(*key,
            "supersessions/r1/"
            "0123456789abcdef0123456789abcdef-fedcba9876543210fedcba9876543210.sup");
  auto named = SegmentsOfSupersessionKey(*key);
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->first, u);
  EXPECT_EQ(named->second, l);
  // Another revision's object names the same segments (and is collected
  // with them); one without a revision is no object of any freshet.
  auto other = SegmentsOfSupersessionKey(
      "supersessions/r12/0123456789abcdef0123456789abcdef-fedcba9876543210fedcba9876543210.sup");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(*other, *named);
  EXPECT_FALSE(SegmentsOfSupersessionKey("supersessions/0123456789abcdef0123456789abcdef-"
                                         "fedcba9876543210fedcba9876543210.sup")
                   .has_value());
  EXPECT_FALSE(SegmentsOfSupersessionKey("supersessions/rx/0123456789abcdef0123456789abcdef-"
                                         "fedcba9876543210fedcba9876543210.sup")
                   .has_value());
  // Segments not named by their content have no object.
  EXPECT_FALSE(SupersessionKey("base.seg", l).has_value());
  EXPECT_FALSE(SegmentsOfSupersessionKey("supersessions/x.sup").has_value());
  EXPECT_FALSE(SegmentsOfSupersessionKey("segments/ab.seg").has_value());
}

TEST(SupersessionObjectTest, DamageIsReportedNamingTheObjectAndOffset) {
  const std::string key = "supersessions/a-b.sup";
  const std::string bytes = EncodeSupersession(Sample(1000, {1, 2, 900}));
  // Every truncation, and every flipped byte, is refused.
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodeSupersession(key, bytes.substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("offset"), std::string::npos) << r.status().ToString();
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    EXPECT_FALSE(DecodeSupersession(key, damaged).ok()) << i;
  }
  auto checksum = DecodeSupersession(key, bytes.substr(0, bytes.size() - 1) + "x");
  EXPECT_NE(checksum.status().message().find("checksum mismatch"), std::string::npos);
  EXPECT_NE(checksum.status().message().find(fmt::format("offset {}", bytes.size() - 8)),
            std::string::npos)
      << checksum.status().ToString();
  // A format this freshet does not know, sealed with a valid checksum.
  std::string v2 = bytes.substr(0, bytes.size() - 8);
  v2[4] = 2;
  PutFixed64(&v2, Hash64(v2));
  auto unknown = DecodeSupersession(key, v2);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotSupported) << unknown.status().ToString();
  EXPECT_NE(unknown.status().message().find(key), std::string::npos);
}

// Both segments' group tables are sorted by key, each key once, so a
// pair's groups rise in both: any other order is refused.
TEST(SupersessionObjectTest, GroupPairsThatDoNotRiseAreRefused) {
  const std::vector<std::vector<std::pair<uint32_t, uint32_t>>> bad = {
      {{5, 1}, {5, 2}}, {{5, 1}, {6, 1}}, {{5, 2}, {6, 1}}};
  for (const auto& groups : bad) {
    SupersessionObject o = Sample(10, {1});
    o.supersession.groups = groups;
    auto r = DecodeSupersession("k", EncodeSupersession(o));
    ASSERT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
    EXPECT_NE(r.status().message().find("not after"), std::string::npos) << r.status().ToString();
  }
}

// The objects of every pair of the segment-v5 golden index's committed
// generation, as the first commit that writes format 1 wrote them: read
// back to what is computed, and written byte for byte.
TEST(SupersessionObjectTest, GoldenObjectsOfEachPairAreReadAndWritten) {
  const char* golden = std::getenv("FRESHET_GOLDEN_DIR");
  ASSERT_NE(golden, nullptr) << "FRESHET_GOLDEN_DIR names tests/golden (set by ctest)";
  auto index = ObjectStore::Open(std::string(golden) + "/segment-v5/index");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  auto objects = ObjectStore::Open(std::string(golden) + "/supersession");
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  SegmentCache cache;
  auto view = IndexView::OpenCurrent(**index, &cache);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  std::vector<const SegmentReader*> lower;
  for (const auto& s : (*view)->base()) lower.push_back(s.get());
  size_t pairs = 0;
  for (const auto& upper : (*view)->delta()) {
    for (const SegmentReader* l : lower) {
      SupersessionCache computing;
      const Supersession s = *computing.Get(*upper, *l);
      const SupersessionObject want{upper->name(),   l->name(),           l->num_docs(),
                                    l->num_groups(), upper->num_groups(), s};
      auto key = SupersessionKey(upper->name(), l->name());
      ASSERT_TRUE(key.has_value());
      auto bytes = (*objects)->Get(*key);
      ASSERT_TRUE(bytes.ok()) << *key << ": " << bytes.status().ToString();
      auto read = DecodeSupersession(*key, *bytes);
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      ExpectSame(*read, want);
      EXPECT_EQ(EncodeSupersession(want), *bytes) << *key;
      ++pairs;
    }
    lower.push_back(upper.get());
  }
  EXPECT_EQ(pairs, 3u);  // layer 0 over the base, layer 1 over both
}

}  // namespace
}  // namespace freshet
