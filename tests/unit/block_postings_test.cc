#include "index/segment/block_postings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <regex>

namespace freshet {
namespace {

// Where the tests place the list in a segment file: offsets in errors count
// from there.
constexpr uint64_t kListOffset = 5000;

struct Fixture {
  PostingList list;
  std::vector<uint16_t> lengths;  // by ordinal; empty for keyword fields
  uint32_t num_docs = 0;
  std::string bytes;

  void Encode() {
    BlockPostingsWriter writer;
    PostingList other;  // a list before this one, so that its offset is not 0
    other.Add(3);
    uint64_t offset, length;
    writer.Add(other, nullptr, &offset, &length);
    writer.Add(list, lengths.empty() ? nullptr : lengths.data(), &offset, &length);
    const std::string section = writer.Finish();
    EXPECT_EQ(offset, 1u);
    EXPECT_EQ(offset + length, section.size());
    bytes = section.substr(offset, length);
  }
  std::unique_ptr<PostingsIterator> Open(std::string_view b) const {
    return OpenBlockPostings("seg-1", SectionView{b, kListOffset}, list.docs.size(), num_docs);
  }
  std::unique_ptr<PostingsIterator> Open() const { return Open(bytes); }
};

// `size` docs among `num_docs`, gaps up to `max_gap`, frequencies mostly 1.
Fixture RandomList(size_t size, uint32_t max_gap, uint32_t seed, bool with_lengths = true) {
  std::mt19937 rng(seed);
  Fixture f;
  uint32_t doc = std::uniform_int_distribution<uint32_t>(0, max_gap)(rng);
  for (size_t i = 0; i < size; ++i) {
    const uint32_t freq = rng() % 4 == 0 ? 1 + rng() % 40 : 1;
    for (uint32_t k = 0; k < freq; ++k) f.list.Add(doc);
    doc += 1 + std::uniform_int_distribution<uint32_t>(0, max_gap)(rng);
  }
  f.num_docs = doc;
  if (with_lengths) {
    f.lengths.resize(doc);
    for (auto& length : f.lengths) length = static_cast<uint16_t>(1 + rng() % 300);
  }
  f.Encode();
  return f;
}

void ExpectReadsBack(const Fixture& f) {
  auto it = f.Open();
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(it->cost(), f.list.docs.size());
  for (size_t i = 0; i < f.list.docs.size(); ++i) {
    ASSERT_EQ(it->Next(), f.list.docs[i]) << i;
    ASSERT_EQ(it->doc(), f.list.docs[i]);
    // Every other doc asks for its frequency: lazily decoded blocks too.
    if (i % 2 == 0) {
      ASSERT_EQ(it->freq(), f.list.freqs[i]) << i;
    }
  }
  EXPECT_EQ(it->Next(), kNoMoreDocs);
  EXPECT_EQ(it->Next(), kNoMoreDocs);
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

// The bounds a skip table must give for the block holding the first doc at
// or after `target`, from the plain list.
PostingsBound ExpectedBound(const Fixture& f, uint32_t target) {
  const auto& docs = f.list.docs;
  const size_t i = std::lower_bound(docs.begin(), docs.end(), target) - docs.begin();
  if (i == docs.size()) return {kNoMoreDocs, 0, 0};
  const bool blocks = docs.size() >= kPostingsBlockSize;
  const size_t begin = blocks ? i / kPostingsBlockSize * kPostingsBlockSize : 0;
  const size_t end = blocks ? std::min(docs.size(), begin + kPostingsBlockSize) : docs.size();
  PostingsBound bound{docs[end - 1], 0, blocks && !f.lengths.empty() ? 65535u : 0u};
  for (size_t k = begin; k < end; ++k) {
    bound.max_freq = std::max(bound.max_freq, f.list.freqs[k]);
    if (blocks && !f.lengths.empty()) {
      bound.min_length = std::min<uint32_t>(bound.min_length, f.lengths[docs[k]]);
    }
  }
  return bound;
}

void ExpectBoundEq(const PostingsBound& got, const PostingsBound& want, uint32_t target) {
  EXPECT_EQ(got.last_doc, want.last_doc) << "target " << target;
  EXPECT_EQ(got.max_freq, want.max_freq) << "target " << target;
  EXPECT_EQ(got.min_length, want.min_length) << "target " << target;
}

// The file offset an error message names.
uint64_t OffsetIn(const Status& status) {
  std::smatch m;
  const std::string text = status.ToString();
  EXPECT_TRUE(std::regex_search(text, m, std::regex(R"(\(offset (\d+)\))"))) << text;
  return m.empty() ? 0 : std::stoull(m[1]);
}

TEST(BlockPostingsTest, RoundTripsListsOfEverySizeAroundABlock) {
  for (size_t size : {0, 1, 2, 127, 128, 129, 255, 256, 257, 1000, 4096, 10000}) {
    SCOPED_TRACE(size);
    ExpectReadsBack(RandomList(size, 50, static_cast<uint32_t>(size)));
  }
}

TEST(BlockPostingsTest, RoundTripsRandomListsWithAFixedSeed) {
  std::mt19937 rng(20261129);
  for (int round = 0; round < 40; ++round) {
    const size_t size = rng() % 3000;
    const uint32_t max_gap = 1u << (rng() % 20);
    SCOPED_TRACE(testing::Message() << "size " << size << " max_gap " << max_gap);
    // Lengths by ordinal for segments of up to ~1.5 M docs.
    ExpectReadsBack(RandomList(size, max_gap, rng(), max_gap <= 512));
  }
}

TEST(BlockPostingsTest, ADenseListPacksItsDocsInNoBits) {
  Fixture f;
  f.num_docs = 1000;
  for (uint32_t doc = 0; doc < f.num_docs; ++doc) f.list.Add(doc);
  f.Encode();
  ExpectReadsBack(f);
  // A 6-byte header; a skip table of 8 last docs (up to 999: 10 bits) and 8
  // ends (up to 125: 7 bits), 17 bytes; 7 full blocks of 3 header bytes
  // each; a tail of 104 one-byte docs.
  EXPECT_EQ(f.bytes.size(), 6u + 17 + 7 * 3 + 104);
}

TEST(BlockPostingsTest, SparseListsReachTheLastOrdinals) {
  Fixture f;
  f.num_docs = UINT32_MAX;
  for (uint32_t i = 0; i < 300; ++i) f.list.Add(UINT32_MAX - 1 - (299 - i) * 10'000'000u);
  f.Encode();
  ExpectReadsBack(f);
  Fixture two;
  two.num_docs = UINT32_MAX;
  two.list.Add(0);
  two.list.Add(UINT32_MAX - 1);
  two.Encode();
  ExpectReadsBack(two);
}

TEST(BlockPostingsTest, AdvanceLandsOnTheFirstDocAtOrAfterEveryKindOfTarget) {
  for (size_t size : {1, 100, 128, 129, 1000, 5000}) {
    const Fixture f = RandomList(size, 20, 7 + static_cast<uint32_t>(size));
    const auto& docs = f.list.docs;
    std::vector<uint32_t> targets = {0, docs.back(), docs.back() + 1, f.num_docs + 100,
                                     kNoMoreDocs - 1};
    for (size_t i = 0; i < docs.size(); i += 17) {
      targets.push_back(docs[i]);      // a doc
      targets.push_back(docs[i] + 1);  // between docs, often inside a block
    }
    for (size_t b = kPostingsBlockSize; b < docs.size(); b += kPostingsBlockSize) {
      targets.push_back(docs[b]);      // the next block's first doc
      targets.push_back(docs[b - 1]);  // a block's last doc
    }
    for (uint32_t target : targets) {
      auto it = f.Open();
      const size_t want = std::lower_bound(docs.begin(), docs.end(), target) - docs.begin();
      if (want == docs.size()) {
        EXPECT_EQ(it->Advance(target), kNoMoreDocs) << target;
        continue;
      }
      ASSERT_EQ(it->Advance(target), docs[want]) << "size " << size << " target " << target;
      EXPECT_EQ(it->freq(), f.list.freqs[want]);
      // Then the list goes on from there.
      if (want + 1 < docs.size()) {
        EXPECT_EQ(it->Next(), docs[want + 1]);
        EXPECT_EQ(it->freq(), f.list.freqs[want + 1]);
      }
    }
  }
}

TEST(BlockPostingsTest, AdvanceAndNextInterleavedMatchTheList) {
  const Fixture f = RandomList(20000, 30, 99);
  const auto& docs = f.list.docs;
  std::mt19937 rng(5);
  auto it = f.Open();
  size_t i = 0;  // index of the next doc the cursor must return
  while (true) {
    uint32_t got, target = 0;
    if (rng() % 3 == 0 || i == 0) {
      // Near (inside the block), the next blocks, or far ahead.
      const uint32_t jumps[] = {1, 40, 700, 5000, 200000};
      target = (i == 0 ? 0 : docs[i - 1]) + jumps[rng() % 5];
      got = it->Advance(target);
      i = std::lower_bound(docs.begin() + i, docs.end(), target) - docs.begin();
    } else {
      got = it->Next();
    }
    if (i == docs.size()) {
      ASSERT_EQ(got, kNoMoreDocs);
      break;
    }
    ASSERT_EQ(got, docs[i]) << "target " << target;
    if (rng() % 2) {
      ASSERT_EQ(it->freq(), f.list.freqs[i]);
    }
    ++i;
  }
  EXPECT_TRUE(it->status().ok());
}

TEST(BlockPostingsTest, BlockBoundMatchesABruteForceComputationWithoutMovingTheCursor) {
  for (bool with_lengths : {true, false}) {
    for (size_t size : {1, 127, 128, 300, 2000}) {
      SCOPED_TRACE(testing::Message() << "size " << size << " lengths " << with_lengths);
      const Fixture f = RandomList(size, 9, 3 + static_cast<uint32_t>(size), with_lengths);
      auto it = f.Open();
      for (uint32_t target = 0; target <= f.num_docs + 1; target += 3) {
        ExpectBoundEq(it->BlockBound(target), ExpectedBound(f, target), target);
      }
      // From a position inside the list: targets after doc() as a top-k
      // search asks them.
      const uint32_t middle = f.list.docs[size / 2];
      ASSERT_EQ(it->Advance(middle), middle);
      for (uint32_t target = middle + 1; target <= f.num_docs + 1; target += 5) {
        ExpectBoundEq(it->BlockBound(target), ExpectedBound(f, target), target);
      }
      EXPECT_EQ(it->doc(), middle);
      if (size / 2 + 1 < size) {
        EXPECT_EQ(it->Next(), f.list.docs[size / 2 + 1]);
      }
    }
  }
}

TEST(BlockPostingsTest, ListBoundIsTheLargestFrequencyAndShortestField) {
  const Fixture f = RandomList(1000, 9, 11);
  const PostingsBound bound = f.Open()->ListBound();
  EXPECT_EQ(bound.last_doc, f.list.docs.back());
  EXPECT_EQ(bound.max_freq, *std::max_element(f.list.freqs.begin(), f.list.freqs.end()));
  uint32_t min_length = UINT32_MAX;
  for (uint32_t doc : f.list.docs) min_length = std::min<uint32_t>(min_length, f.lengths[doc]);
  EXPECT_EQ(bound.min_length, min_length);
  const PostingsBound empty = Fixture{}.Open("")->ListBound();
  EXPECT_EQ(empty.last_doc, kNoMoreDocs);
  EXPECT_EQ(empty.max_freq, 0u);
}

TEST(BlockPostingsTest, AShortListIsATailOfVarints) {
  Fixture f;
  f.num_docs = 11;
  for (uint32_t doc : {3, 4, 4, 4, 10}) f.list.Add(doc);
  f.Encode();
  // doc 3: gap 3, frequency 1 -> 3 << 1 | 1; doc 4: gap 0, frequency 3 ->
  // 0 << 1 | 0, then 3 - 2; doc 10: gap 5 -> 5 << 1 | 1.
  EXPECT_EQ(f.bytes, std::string("\x07\x00\x01\x0b", 4));
  ExpectReadsBack(f);
}

TEST(BlockPostingsTest, ALongListHasAHeaderASkipTableAndBlocks) {
  Fixture f;
  f.num_docs = 201;
  for (uint32_t doc = 0; doc < 128; ++doc) f.list.Add(doc);
  f.list.freqs[5] = 3;
  f.list.docs.push_back(200);
  f.list.freqs.push_back(2);
  f.lengths.assign(201, 4);
  f.lengths[7] = 2;
  f.lengths[200] = 9;
  f.Encode();
  std::string want;
  // Header: list max frequency - 1 = 2, list min length 2; widths of the
  // skip runs: last doc (200) 8 bits, block end (8) 4, max frequency - 1
  // (2) 2, min length (9) 4.
  want += std::string("\x02\x02\x08\x04\x02\x04", 6);
  want += "\x7f\xc8";  // last docs 127, 200
  want += "\x85";      // ends 5, 8 at 4 bits
  want += "\x06";      // max frequency - 1: 2, 1 at 2 bits
  want += "\x92";      // min lengths: 2, 9 at 4 bits
  // Block 0: gaps all 0 (width 0); frequencies - 1 all 0 but the sixth (2):
  // width 0 and one exception, position 5, high bits 2 - 1.
  want += std::string("\x00\x00\x01\x05\x01", 5);
  want += std::string("\x90\x01\x00", 3);  // tail: doc 200 (gap 72 << 1), frequency 2 - 2
  EXPECT_EQ(f.bytes, want);
  ExpectReadsBack(f);
  auto it = f.Open();
  ExpectBoundEq(it->BlockBound(0), {127, 3, 2}, 0);
  ExpectBoundEq(it->BlockBound(128), {200, 2, 9}, 128);
  ExpectBoundEq(it->ListBound(), {200, 3, 2}, 0);
}

TEST(BlockPostingsTest, LargeFrequenciesArePatchedOverNarrowBlocks) {
  Fixture f;
  f.num_docs = 1024;
  for (uint32_t doc = 0; doc < 512; ++doc) f.list.Add(doc * 2);
  // Block 0: one huge frequency; block 1: a third of them 2-9; block 2: all
  // large (no exception pays); block 3: the largest a frequency can be.
  f.list.freqs[7] = 1'000'000'000;
  for (uint32_t i = 128; i < 256; i += 3) f.list.freqs[i] = 2 + i % 8;
  for (uint32_t i = 256; i < 384; ++i) f.list.freqs[i] = 1000 + i;
  f.list.freqs[400] = UINT32_MAX;
  f.list.freqs[401] = UINT32_MAX - 1;
  f.Encode();
  ExpectReadsBack(f);
  auto it = f.Open();
  for (uint32_t i = 0; i < 512; ++i) {
    ASSERT_EQ(it->Next(), 2 * i);
    ASSERT_EQ(it->freq(), f.list.freqs[i]) << i;
  }
  EXPECT_EQ(it->BlockBound(0).max_freq, 1'000'000'000u);
  EXPECT_EQ(it->ListBound().max_freq, UINT32_MAX);
}

// Reads all of a list as a query would, asking every doc's frequency and
// bounds; returns its status.
Status Drain(PostingsIterator& it, uint32_t num_docs) {
  it.ListBound();
  for (uint32_t doc = it.Next(); doc != kNoMoreDocs; doc = it.Next()) {
    EXPECT_LT(doc, num_docs);
    it.freq();
    it.BlockBound(doc + 1);
  }
  return it.status();
}

void ExpectCorruptionInside(const Status& status, size_t list_size) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
  EXPECT_NE(status.ToString().find("segment 'seg-1': postings: "), std::string::npos)
      << status.ToString();
  const uint64_t offset = OffsetIn(status);
  EXPECT_GE(offset, kListOffset) << status.ToString();
  EXPECT_LE(offset, kListOffset + list_size) << status.ToString();
}

TEST(BlockPostingsTest, EveryTruncationIsCorruptionNamingAnOffsetInTheList) {
  for (size_t size : {100, 300}) {
    const Fixture f = RandomList(size, 40, 17);
    for (size_t keep = 0; keep < f.bytes.size(); ++keep) {
      SCOPED_TRACE(testing::Message() << "size " << size << " keep " << keep);
      const std::string cut = f.bytes.substr(0, keep);  // its own allocation, for ASan
      auto it = f.Open(cut);
      ExpectCorruptionInside(Drain(*it, f.num_docs), f.bytes.size());
    }
  }
}

TEST(BlockPostingsTest, FlippedBytesNeverCrashAndStructuralOnesAreCorruption) {
  const Fixture f = RandomList(300, 40, 23);
  size_t detected = 0;
  for (size_t i = 0; i < f.bytes.size(); ++i) {
    std::string flipped = f.bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    auto it = f.Open(flipped);
    const Status status = Drain(*it, f.num_docs);
    if (!status.ok()) {
      ExpectCorruptionInside(status, f.bytes.size());
      ++detected;
    }
  }
  // Frequencies and bounds are not checked against anything (the section
  // checksum covers them); doc gaps, widths, sizes and skip docs are.
  EXPECT_GT(detected, f.bytes.size() / 2);
  for (size_t i : {size_t{2}, size_t{3}, size_t{8}, f.bytes.size() - 1}) {
    std::string flipped = f.bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    SCOPED_TRACE(testing::Message() << "byte " << i);
    auto it = f.Open(flipped);
    ExpectCorruptionInside(Drain(*it, f.num_docs), f.bytes.size());
  }
}

TEST(BlockPostingsTest, DocsPastTheSegmentAndImpossibleCountsAreCorruption) {
  const Fixture f = RandomList(300, 40, 31);
  auto small =
      OpenBlockPostings("seg-1", SectionView{f.bytes, kListOffset}, 300, f.list.docs.back());
  ExpectCorruptionInside(Drain(*small, f.num_docs), f.bytes.size());
  auto too_many = OpenBlockPostings("seg-1", SectionView{f.bytes, kListOffset}, 301, 300);
  ExpectCorruptionInside(Drain(*too_many, f.num_docs), f.bytes.size());
  auto other_count = OpenBlockPostings("seg-1", SectionView{f.bytes, kListOffset}, 299, f.num_docs);
  ExpectCorruptionInside(Drain(*other_count, f.num_docs), f.bytes.size());
  const Fixture short_list = RandomList(10, 40, 37);
  auto past = OpenBlockPostings("seg-1", SectionView{short_list.bytes, kListOffset}, 10,
                                short_list.list.docs.back());
  ExpectCorruptionInside(Drain(*past, short_list.num_docs), short_list.bytes.size());
}

}  // namespace
}  // namespace freshet
