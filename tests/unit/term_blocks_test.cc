#include "index/segment/term_blocks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace freshet {
namespace {

constexpr uint64_t kSectionOffset = 100;

std::vector<TermEntry> Entries(const TermBlocks& d) {
  std::vector<TermEntry> out;
  EXPECT_TRUE(d.ForEach([&](const TermEntry& e) {
                 out.push_back(e);
                 return true;
               }).ok());
  return out;
}

std::string Write(const std::vector<TermEntry>& entries, uint32_t per_block = kTermsPerBlock) {
  TermBlocksWriter w(per_block);
  for (const TermEntry& e : entries) {
    w.Add(e.field, e.term, e.postings_offset, e.postings_length, e.doc_freq);
  }
  return w.Finish();
}

// n distinct sorted entries over 3 fields with shared prefixes, postings laid
// out back to back except now and then (a gap), from a fixed seed.
std::vector<TermEntry> RandomEntries(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::pair<size_t, std::string>> keys;
  while (keys.size() < n) {
    std::string term;
    const size_t length = rng() % 12;
    for (size_t i = 0; i < length; ++i) term.push_back(static_cast<char>('a' + rng() % 4));
    if (rng() % 50 == 0) term.push_back(static_cast<char>(rng() % 256));  // any byte
    keys.emplace(rng() % 3, term);
  }
  std::vector<TermEntry> entries;
  uint64_t offset = 0;
  for (const auto& [field, term] : keys) {
    if (rng() % 20 == 0) offset += rng() % 1000;
    const uint64_t length = 1 + rng() % 5000;
    entries.push_back({field, term, offset, length, 1 + rng() % 3000});
    offset += length;
  }
  return entries;
}

TEST(TermBlocksTest, RoundTripsAndFindsEveryEntryAtBlockBoundarySizes) {
  for (size_t n : {0, 1, 127, 128, 129, 1000, 5000}) {
    SCOPED_TRACE(n);
    const std::vector<TermEntry> entries = RandomEntries(n, 7);
    const std::string section = Write(entries);
    TermBlocks d;
    ASSERT_TRUE(d.Open("t.seg", {section, kSectionOffset}).ok());
    EXPECT_EQ(d.size(), n);
    EXPECT_EQ(Entries(d), entries);
    for (const TermEntry& e : entries) {
      auto found = d.Find(e.field, e.term);
      ASSERT_TRUE(found.ok());
      ASSERT_TRUE(found.value().has_value()) << e.field << " " << e.term;
      EXPECT_EQ(*found.value(), e);
    }
  }
}

TEST(TermBlocksTest, MissingKeysAreNotFound) {
  const std::vector<TermEntry> entries = RandomEntries(1000, 11);
  const std::string section = Write(entries, 16);
  TermBlocks d;
  ASSERT_TRUE(d.Open("t.seg", {section, kSectionOffset}).ok());
  const std::set<std::pair<size_t, std::string>> present = [&] {
    std::set<std::pair<size_t, std::string>> s;
    for (const TermEntry& e : entries) s.emplace(e.field, e.term);
    return s;
  }();
  // Before the first key, after the last, between keys and in unknown fields.
  for (const auto& [field, term] : std::vector<std::pair<size_t, std::string>>{
           {0, ""}, {0, "a"}, {0, "abcab"}, {1, "dddddddddddddd"}, {2, "\xff\xff"}, {9, "a"}}) {
    auto found = d.Find(field, term);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found.value().has_value(), present.count({field, term}) == 1) << field << term;
  }
  for (const TermEntry& e : entries) {
    auto found = d.Find(e.field, e.term + "zz");  // a longer term is another term
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found.value().has_value(), present.count({e.field, e.term + "zz"}) == 1);
  }
}

TEST(TermBlocksTest, KeepsEmptyTermsPrefixesAndHugeNumbers) {
  const uint64_t big = UINT64_MAX;
  const std::vector<TermEntry> entries = {
      {0, "", 0, 1, 1},    {0, "a", big - 5, 5, big}, {0, "ab", 0, big, 2},
      {0, "abc", 7, 0, 0}, {5, "ab", 3, 1, 1},        {big, std::string(300, 'x'), 1, 1, 1}};
  const std::string section = Write(entries, 2);
  TermBlocks d;
  ASSERT_TRUE(d.Open("t.seg", {section, kSectionOffset}).ok());
  EXPECT_EQ(Entries(d), entries);
  EXPECT_EQ(*d.Find(0, "").value(), entries[0]);
  EXPECT_EQ(*d.Find(big, std::string(300, 'x')).value(), entries[5]);
}

TEST(TermBlocksTest, ForEachStopsWhenAsked) {
  const std::string section = Write(RandomEntries(100, 3));
  TermBlocks d;
  ASSERT_TRUE(d.Open("t.seg", {section, kSectionOffset}).ok());
  size_t seen = 0;
  ASSERT_TRUE(d.ForEach([&](const TermEntry&) { return ++seen < 40; }).ok());
  EXPECT_EQ(seen, 40u);
}

// Two blocks of two entries: (0 "blue" 0+2 df 1), (0 "blur" 2+3 df 1),
// (3 "acme" 9+2 df 4).
const char kTinyLayout[] =
    // block 0, entry 0: header (shared 0, new field, new offset), field 0,
    // suffix "blue", offset 0, length 2, doc freq 1
    "\x03\x00\x04"
    "blue"
    "\x00\x02\x01"
    // entry 1: header (shared 3), suffix "r", length 3, doc freq 1
    "\x0c\x01r\x03\x01"
    // block 1 at byte 15: header, field 3, "acme", offset 9, length 2, df 4
    "\x03\x03\x04"
    "acme"
    "\x09\x02\x04"
    // block starts 0 and 15 at 5 bits (blocks_bytes 25): 15 << 5 = 0x1e0
    "\xe0\x01"
    // term count 3, blocks bytes 25, entries per block 2
    "\x03\x00\x00\x00\x00\x00\x00\x00"
    "\x19\x00\x00\x00\x00\x00\x00\x00"
    "\x02\x00\x00\x00";

std::string TinySection() { return std::string(kTinyLayout, sizeof(kTinyLayout) - 1); }

TEST(TermBlocksTest, WritesTheDocumentedLayout) {
  EXPECT_EQ(Write({{0, "blue", 0, 2, 1}, {0, "blur", 2, 3, 1}, {3, "acme", 9, 2, 4}}, 2),
            TinySection());
  const std::string section = TinySection();
  TermBlocks d;
  ASSERT_TRUE(d.Open("t.seg", {section, kSectionOffset}).ok());
  EXPECT_EQ(*d.Find(0, "blur").value(), (TermEntry{0, "blur", 2, 3, 1}));
  EXPECT_EQ(*d.Find(3, "acme").value(), (TermEntry{3, "acme", 9, 2, 4}));
  EXPECT_FALSE(d.Find(0, "blu").value().has_value());
}

TEST(TermBlocksTest, TruncationIsCorruptionNamingTheDictionary) {
  const std::string section = TinySection();
  EXPECT_EQ(TermBlocks().Open("t.seg", {section.substr(0, 19), kSectionOffset}).message(),
            "segment 't.seg': term dictionary truncated (offset 100)");
  // One byte short: the trailer is read one byte early and does not fit.
  EXPECT_EQ(
      TermBlocks().Open("t.seg", {section.substr(0, section.size() - 1), kSectionOffset}).message(),
      "segment 't.seg': term dictionary trailer (offset 126)");
}

TEST(TermBlocksTest, FlippedBytesAreCorruptionInsideTheSection) {
  std::string section = TinySection();
  section[15] = '\x07';  // block 1's first entry claims a shared prefix
  TermBlocks d;
  ASSERT_TRUE(d.Open("t.seg", {section, kSectionOffset}).ok());  // blocks are checked lazily
  EXPECT_EQ(d.Find(3, "acme").status().message(),
            "segment 't.seg': term dictionary block 1 entry (offset 115)");
  EXPECT_EQ(d.ForEach([](const TermEntry&) { return true; }).message(),
            "segment 't.seg': term dictionary block 1 entry (offset 115)");

  // Any single flipped byte: an error naming the dictionary and an offset in
  // the section, or entries that still decode; never a read out of bounds.
  const std::string tiny = TinySection();
  for (size_t i = 0; i < tiny.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = tiny;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      TermBlocks f;
      Status st = f.Open("t.seg", {flipped, kSectionOffset});
      if (st.ok()) st = f.ForEach([](const TermEntry&) { return true; });
      if (st.ok()) st = f.Find(3, "acme").status();
      if (st.ok()) continue;
      EXPECT_EQ(st.code(), StatusCode::kCorruption);
      const std::string& m = st.message();
      EXPECT_EQ(m.rfind("segment 't.seg': term dictionary ", 0), 0u) << m;
      const uint64_t at = std::stoull(m.substr(m.rfind("offset ") + 7));
      EXPECT_GE(at, kSectionOffset) << m;
      EXPECT_LT(at, kSectionOffset + tiny.size()) << m;
    }
  }
}

}  // namespace
}  // namespace freshet
