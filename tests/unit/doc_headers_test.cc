#include "index/segment/doc_headers.h"

#include <gtest/gtest.h>

#include <random>

namespace freshet {
namespace {

using std::string_literals::operator""s;

// `n` docs sorted by group, with ids of varying length and versions spread
// around a timestamp (some negative, some far apart), from a fixed seed.
std::vector<SegmentDoc> RandomDocs(uint32_t n, uint32_t* num_groups) {
  std::mt19937_64 rng(n + 17);
  std::vector<SegmentDoc> docs(n);
  uint32_t group = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (i > 0 && rng() % 4 == 0) group += 1 + static_cast<uint32_t>(rng() % 3);
    docs[i].id = "ad-" + std::to_string(rng() % 1000000) + std::string(rng() % 12, 'x');
    docs[i].group = group;
    docs[i].version = rng() % 10 == 0 ? -static_cast<int64_t>(rng() % 1000)
                                      : 1'780'000'000'000'000 + static_cast<int64_t>(rng() % 5000);
  }
  if (n > 2) docs[n / 2].version = INT64_MIN;
  if (n > 3) docs[n / 3].version = INT64_MAX;
  *num_groups = group + 1;
  return docs;
}

void ExpectRoundTrip(uint32_t n) {
  uint32_t num_groups = 0;
  const std::vector<SegmentDoc> docs = RandomDocs(n, &num_groups);
  const std::string section = EncodeDocHeaders(docs);
  DocHeaders headers;
  ASSERT_TRUE(headers.Open("h.seg", {section, 100}, n, num_groups).ok()) << n;
  ASSERT_EQ(headers.size(), n);
  ASSERT_TRUE(headers.CheckAll("h.seg").ok()) << n;
  for (uint32_t ord = 0; ord < n; ++ord) {
    ASSERT_EQ(headers.Id(ord), docs[ord].id) << n << " " << ord;
    ASSERT_EQ(headers.Group(ord), docs[ord].group) << n << " " << ord;
    ASSERT_EQ(headers.Version(ord), docs[ord].version) << n << " " << ord;
  }
}

TEST(DocHeadersTest, RoundTripsAroundBlockBoundaries) {
  for (uint32_t n : {0u, 1u, 127u, 128u, 129u, 1000u, 4099u}) ExpectRoundTrip(n);
}

TEST(DocHeadersTest, TheLayoutOfTwoDocs) {
  const std::vector<SegmentDoc> docs = {SegmentDoc{"a", 0, 5, {}}, SegmentDoc{"bc", 1, 7, {}}};
  // clang-format off
  const std::string expected =
      "\x02\0\0\0"s                        // 2 docs
      "\x02" "\0\0\0\0\0\0\0\0" "\x0d"s    // id ends 1, 3: width 2, base 0, 01|11
      "\x01" "\0\0\0\0\0\0\0\0" "\x02"s    // groups 0, 1: width 1, base 0, 0|1
      "\x02" "\x05\0\0\0\0\0\0\0" "\x08"s  // versions 5, 7: width 2, base 5, 00|10
      "\x03\0\0\0\0\0\0\0" "abc"s;       // the id blob
  // clang-format on
  EXPECT_EQ(EncodeDocHeaders(docs), expected);
  DocHeaders headers;
  ASSERT_TRUE(headers.Open("h.seg", {expected, 100}, 2, 2).ok());
  EXPECT_EQ(headers.Id(0), "a");
  EXPECT_EQ(headers.Id(1), "bc");
  EXPECT_EQ(headers.Group(1), 1u);
  EXPECT_EQ(headers.Version(0), 5);
  EXPECT_EQ(headers.Version(1), 7);
}

TEST(DocHeadersTest, EveryTruncationIsCorruptionWithinTheSection) {
  uint32_t num_groups = 0;
  const std::string section = EncodeDocHeaders(RandomDocs(300, &num_groups));
  for (size_t size = 0; size < section.size(); ++size) {
    const Status s = DocHeaders().Open("h.seg", {section.substr(0, size), 1000}, 300, num_groups);
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << size;
    EXPECT_NE(s.message().find("segment 'h.seg': doc headers: "), std::string::npos);
  }
  EXPECT_EQ(DocHeaders().Open("h.seg", {section.substr(0, 2), 1000}, 300, num_groups).message(),
            "segment 'h.seg': doc headers: doc count truncated (offset 1000)");
  EXPECT_EQ(DocHeaders().Open("h.seg", {section, 1000}, 301, num_groups).message(),
            "segment 'h.seg': doc headers: 300 docs, the segment has 301 (offset 1000)");
}

TEST(DocHeadersTest, ABadBlockBaseIsNamedAtOpen) {
  const std::vector<SegmentDoc> docs = {SegmentDoc{"a", 0, 5, {}}, SegmentDoc{"bc", 1, 7, {}}};
  std::string section = EncodeDocHeaders(docs);
  section[5] = 9;  // the id ends' first base: past the blob
  EXPECT_EQ(DocHeaders().Open("h.seg", {section, 100}, 2, 2).message(),
            "segment 'h.seg': doc headers: id block 0 base (offset 105)");
  section = EncodeDocHeaders(docs);
  EXPECT_EQ(DocHeaders().Open("h.seg", {section, 100}, 2, 0).message(),
            "segment 'h.seg': doc headers: group block 0 base (offset 115)");
  section[4] = 65;  // the id ends' width
  EXPECT_EQ(DocHeaders().Open("h.seg", {section, 100}, 2, 2).message(),
            "segment 'h.seg': doc headers: id ends width 65 (offset 104)");
}

TEST(DocHeadersTest, AFlippedPackedValueStaysInBoundsAndCheckDocNamesIt) {
  const std::vector<SegmentDoc> docs = {SegmentDoc{"a", 0, 5, {}}, SegmentDoc{"bc", 1, 7, {}}};
  std::string section = EncodeDocHeaders(docs);
  section[13] = '\x0f';  // id ends 3, 3: doc 0 is "abc", doc 1 empty
  section[15] = 1;       // the groups' base: groups 1, 2 of 2
  DocHeaders headers;
  ASSERT_TRUE(headers.Open("h.seg", {section, 100}, 2, 2).ok());
  EXPECT_EQ(headers.Id(0), "abc");  // within the blob
  EXPECT_EQ(headers.Group(1), 1u);  // the last group, never past it
  EXPECT_TRUE(headers.CheckDoc("h.seg", 0).ok());
  EXPECT_EQ(headers.CheckDoc("h.seg", 1).message(),
            "segment 'h.seg': doc headers: doc 1 group (offset 123)");
  EXPECT_EQ(headers.CheckAll("h.seg").message(),
            "segment 'h.seg': doc headers: doc 1 group (offset 123)");
  section[13] = '\x07';  // id ends 3, 1: doc 1 would end before it starts
  ASSERT_TRUE(headers.Open("h.seg", {section, 100}, 2, 2).ok());
  EXPECT_EQ(headers.Id(1), "");
  EXPECT_EQ(headers.CheckDoc("h.seg", 1).message(),
            "segment 'h.seg': doc headers: doc 1 id (offset 113)");
}

TEST(DocHeadersTest, EveryFlippedByteIsCorruptionOrStaysInBounds) {
  uint32_t num_groups = 0;
  const std::string original = EncodeDocHeaders(RandomDocs(300, &num_groups));
  for (size_t i = 0; i < original.size(); ++i) {
    std::string section = original;
    section[i] ^= 0x5a;
    DocHeaders headers;
    const Status open = headers.Open("h.seg", {section, 1000}, 300, num_groups);
    if (!open.ok()) {
      ASSERT_EQ(open.code(), StatusCode::kCorruption) << i;
      continue;
    }
    // Opened: every accessor stays within the section (ASan checks it).
    for (uint32_t ord = 0; ord < 300; ++ord) {
      const std::string_view id = headers.Id(ord);
      ASSERT_TRUE(id.empty() || (id.data() >= section.data() &&
                                 id.data() + id.size() <= section.data() + section.size()));
      ASSERT_LT(headers.Group(ord), num_groups);
      headers.Version(ord);
      const Status check = headers.CheckDoc("h.seg", ord);
      ASSERT_TRUE(check.ok() || check.code() == StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace freshet
