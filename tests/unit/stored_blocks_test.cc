#include "index/segment/stored_blocks.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <xxhash.h>

#include <random>
#include <thread>

#include "common/coding.h"

namespace freshet {
namespace {

using std::string_literals::operator""s;

// A row of an ad: title, numbers, a null, keywords; sizes vary.
Row RandomRow(std::mt19937_64& rng) {
  static const char* kWords[] = {"red", "shoes", "running", "leather", "sale", "kids", "blue"};
  auto words = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += std::string(i ? " " : "") + kWords[rng() % 7];
    return s;
  };
  Value keywords;
  keywords.type = ValueType::kStringList;
  keywords.list.resize(rng() % 4);
  for (std::string& k : keywords.list) k = words(1);
  return Row{Value::String(words(1 + rng() % 12)), Value::Int64(static_cast<int64_t>(rng())),
             Value::Double(static_cast<double>(rng() % 10000) / 100), Value(), keywords};
}

std::vector<SegmentDoc> RandomDocs(uint32_t n) {
  std::mt19937_64 rng(n + 5);
  std::vector<SegmentDoc> docs(n);
  for (SegmentDoc& d : docs) d.row = RandomRow(rng);
  return docs;
}

void ExpectRoundTrip(const std::vector<SegmentDoc>& docs) {
  const std::string section = EncodeStoredBlocks(docs);
  StoredBlocks stored;
  const uint32_t n = static_cast<uint32_t>(docs.size());
  ASSERT_TRUE(stored.Open("s.seg", {section, 100}, n).ok()) << n;
  for (uint32_t ord = 0; ord < n; ++ord) {
    Result<Row> row = stored.ReadRow("s.seg", ord);
    ASSERT_TRUE(row.ok()) << n << " " << ord << " " << row.status().message();
    ASSERT_EQ(*row, docs[ord].row) << n << " " << ord;
  }
}

TEST(StoredBlocksTest, RoundTripsAtEverySize) {
  for (uint32_t n : {0u, 1u, 127u, 128u, 129u, 1000u, 5000u}) ExpectRoundTrip(RandomDocs(n));
}

TEST(StoredBlocksTest, RoundTripsEmptyRowsAndARowLargerThanABlock) {
  std::vector<SegmentDoc> docs = RandomDocs(300);
  docs[0].row = Row{};
  docs[150].row =
      Row{Value::String(std::string(3 * StoredBlocksOptions().block_target_bytes, 'z'))};
  docs[299].row = Row{};
  ExpectRoundTrip(docs);
}

TEST(StoredBlocksTest, TheLayoutOfOneDoc) {
  // The raw block: 1 doc, row ends at width 2: [3], the row (1 value, an
  // int64, zigzag 2).
  const std::string raw =
      "\x01\x02\x03"
      "\x01\x02\x02"s;
  const uint64_t checksum = XXH64(raw.data(), raw.size(), 0);
  // A zstd frame by hand: magic, descriptor (single segment, checksum), the
  // content size, one last raw block of 6 bytes, the checksum's low 4 bytes.
  const std::string frame =
      "\x28\xb5\x2f\xfd"
      "\x24"
      "\x06"
      "\x31\x00\x00"s +
      raw +
      std::string{static_cast<char>(checksum), static_cast<char>(checksum >> 8),
                  static_cast<char>(checksum >> 16), static_cast<char>(checksum >> 24)};
  const std::string section =
      "\x01\0\0\0"s  // 1 block
      "\0\0\0\0"s    // no dictionary
      "\0\0\0\0"
      "\x06\0\0\0"
      "\x13\0\0\0\0\0\0\0"s  // doc 0, 6 raw, end 19
      + frame;
  StoredBlocks stored;
  ASSERT_TRUE(stored.Open("s.seg", {section, 100}, 1).ok());
  EXPECT_EQ(*stored.ReadRow("s.seg", 0), Row{Value::Int64(1)});
  // The writer emits the same bytes: zstd keeps 6 bytes raw.
  EXPECT_EQ(EncodeStoredBlocks({SegmentDoc{"a", 0, 0, Row{Value::Int64(1)}}}), section);
}

TEST(StoredBlocksTest, EveryTruncationIsCorruptionAtOpen) {
  const std::string section = EncodeStoredBlocks(RandomDocs(400));
  for (size_t size = 0; size < section.size(); ++size) {
    const Status s = StoredBlocks().Open("s.seg", {section.substr(0, size), 1000}, 400);
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << size;
    ASSERT_EQ(s.message().rfind("segment 's.seg': stored rows: ", 0), 0u) << s.message();
  }
  EXPECT_EQ(StoredBlocks().Open("s.seg", {section.substr(0, 3), 1000}, 400).message(),
            "segment 's.seg': stored rows: block count truncated (offset 1000)");
  EXPECT_EQ(StoredBlocks().Open("s.seg", {""s, 1000}, 0).message(),
            "segment 's.seg': stored rows: block count truncated (offset 1000)");
}

TEST(StoredBlocksTest, ABadTableEntryIsNamedAtOpen) {
  const std::string original = EncodeStoredBlocks(RandomDocs(400));
  std::string section = original;
  section[8 + 16] = 0;  // block 1 starts at doc 0, as block 0 does
  EXPECT_EQ(StoredBlocks().Open("s.seg", {section, 1000}, 400).message(),
            "segment 's.seg': stored rows: block 1 table entry (offset 1024)");
  EXPECT_EQ(StoredBlocks().Open("s.seg", {original, 1000}, 0).message(),
            fmt::format("segment 's.seg': stored rows: {} blocks for 0 docs (offset 1000)",
                        DecodeFixed32(original.data())));
}

// Opens `section` (at file offset 1000) and reads every doc's row: the first
// error, or OK when every row equals its doc's (a test failure if a row
// reads back wrong).
Status OpenAndReadAll(const std::string& section, const std::vector<SegmentDoc>& docs) {
  const uint32_t n = static_cast<uint32_t>(docs.size());
  StoredBlocks stored;
  RETURN_IF_ERROR(stored.Open("s.seg", {section, 1000}, n));
  for (uint32_t ord = 0; ord < n; ++ord) {
    Result<Row> row = stored.ReadRow("s.seg", ord);
    if (!row.ok()) return row.status();
    EXPECT_EQ(*row, docs[ord].row) << "doc " << ord;
    if (*row != docs[ord].row) return Status::OK();
  }
  return Status::OK();
}

// Every flipped byte is refused at Open or by reading some row, with the
// structure, the block and an offset within the section, or leaves every row
// intact (a bit zstd's entropy coding ignores); never a wrong row.
TEST(StoredBlocksTest, EveryFlippedByteIsCorruptionOrHarmless) {
  const std::vector<SegmentDoc> docs = RandomDocs(400);
  const std::string original = EncodeStoredBlocks(docs);
  size_t harmless = 0;
  for (size_t i = 0; i < original.size(); ++i) {
    std::string section = original;
    section[i] ^= 0x21;
    const Status status = OpenAndReadAll(section, docs);
    if (status.ok()) {
      ++harmless;
      continue;
    }
    ASSERT_EQ(status.code(), StatusCode::kCorruption) << "byte " << i;
    ASSERT_EQ(status.message().rfind("segment 's.seg': stored rows: ", 0), 0u) << status.message();
    const size_t at = status.message().rfind("(offset ");
    const uint64_t offset = std::stoull(status.message().substr(at + 8));
    EXPECT_GE(offset, 1000u);
    EXPECT_LT(offset, 1000u + section.size());
  }
  EXPECT_LT(harmless, original.size() / 100);
}

// The file offset of block b's frame in a section at offset 1000.
uint64_t FrameOffset(const std::string& section, uint32_t b) {
  const uint32_t blocks = DecodeFixed32(section.data());
  const uint32_t dictionary = DecodeFixed32(section.data() + 4);
  return 1000 + 8 + 16 * blocks + dictionary +
         (b == 0 ? 0 : DecodeFixed64(section.data() + 8 + 16 * b - 8));
}

TEST(StoredBlocksTest, AZstdErrorNamesTheBlockAndItsFrame) {
  const std::string original = EncodeStoredBlocks(RandomDocs(400));
  const uint64_t frame1 = FrameOffset(original, 1);
  std::string section = original;
  section[FrameOffset(original, 2) - 1000 - 1] ^= 0x40;  // block 1's checksum
  StoredBlocks stored;
  ASSERT_TRUE(stored.Open("s.seg", {section, 1000}, 400).ok());
  const uint32_t first_doc = DecodeFixed32(original.data() + 8 + 16);
  const std::string message = stored.ReadRow("s.seg", first_doc).status().message();
  EXPECT_EQ(message, fmt::format("segment 's.seg': stored rows: block 1: zstd: Restored data "
                                 "doesn't match checksum (offset {})",
                                 frame1));
  section = original;
  section[frame1 - 1000 + 4] ^= 0x08;  // a reserved bit of its frame header
  ASSERT_TRUE(stored.Open("s.seg", {section, 1000}, 400).ok());
  EXPECT_EQ(stored.ReadRow("s.seg", first_doc).status().message(),
            fmt::format("segment 's.seg': stored rows: block 1: zstd: bad frame header (offset {})",
                        frame1));
  EXPECT_TRUE(stored.ReadRow("s.seg", 0).ok());
}

TEST(StoredBlocksTest, ManyRowsShareATrainedDictionary) {
  const std::vector<SegmentDoc> docs = RandomDocs(8000);
  const std::string section = EncodeStoredBlocks(docs);
  const uint32_t blocks = DecodeFixed32(section.data());
  const uint32_t dictionary = DecodeFixed32(section.data() + 4);
  EXPECT_GT(dictionary, 0u);
  EXPECT_LE(dictionary, kStoredDictionaryMinBytes);  // 8000 docs: 256 samples' worth
  EXPECT_EQ(EncodeStoredBlocks(docs), section);      // the same inputs, the same bytes
  ExpectRoundTrip(docs);
  // A damaged dictionary: Corruption, or every row intact (a part of the
  // dictionary no frame refers to); never a wrong row.
  const size_t dictionary_start = 8 + 16 * blocks;
  size_t refused = 0;
  for (size_t i : {dictionary_start, dictionary_start + 9, dictionary_start + dictionary / 2,
                   dictionary_start + dictionary - 1}) {
    std::string broken = section;
    broken[i] ^= 0x10;
    const Status status = OpenAndReadAll(broken, docs);
    if (status.ok()) continue;
    ++refused;
    EXPECT_EQ(status.code(), StatusCode::kCorruption) << i;
    EXPECT_EQ(status.message().rfind("segment 's.seg': stored rows: ", 0), 0u) << status.message();
  }
  EXPECT_GE(refused, 2u);  // the dictionary's magic number and its header at least
}

// The dictionary grows with the segment: one sample row every
// docs_per_sample docs, dictionary_bytes_per_sample bytes a sample, within
// the bounds; the rows read back whatever its size.
TEST(StoredBlocksTest, TheDictionaryGrowsWithTheRows) {
  const std::vector<SegmentDoc> docs = RandomDocs(20000);
  auto dictionary_size = [&](size_t docs_per_sample, std::string* section) {
    *section = EncodeStoredBlocks(docs, StoredBlocksOptions{.docs_per_sample = docs_per_sample});
    return DecodeFixed32(section->data() + 4);
  };
  std::string small, large, largest;
  EXPECT_LE(dictionary_size(1000, &small), kStoredDictionaryMinBytes);  // 20 samples: 256
  const uint32_t grown = dictionary_size(16, &large);                   // 1250 samples
  EXPECT_GT(grown, kStoredDictionaryMinBytes);
  EXPECT_LE(grown, 1250 * StoredBlocksOptions().dictionary_bytes_per_sample);
  EXPECT_LE(dictionary_size(1, &largest),  // 20000 samples: at most the maximum
            kStoredDictionaryMaxSamples * StoredBlocksOptions().dictionary_bytes_per_sample);
  for (const std::string* section : {&small, &large, &largest}) {
    EXPECT_TRUE(OpenAndReadAll(*section, docs).ok());
  }
}

TEST(StoredBlocksTest, APageOfNeighboursDecompressesTheirBlockOnce) {
  const std::vector<SegmentDoc> docs = RandomDocs(400);
  const std::string section = EncodeStoredBlocks(docs);
  StoredBlocks stored;
  ASSERT_TRUE(stored.Open("s.seg", {section, 0}, 400).ok());
  for (uint32_t ord = 10; ord < 20; ++ord) ASSERT_TRUE(stored.ReadRow("s.seg", ord).ok());
  EXPECT_EQ(stored.blocks_decompressed(), 1u);
  ASSERT_TRUE(stored.ReadRow("s.seg", 399).ok());
  ASSERT_TRUE(stored.ReadRow("s.seg", 11).ok());
  EXPECT_EQ(stored.blocks_decompressed(), 2u);
}

TEST(StoredBlocksTest, ConcurrentReadersGetTheirRows) {
  const std::vector<SegmentDoc> docs = RandomDocs(3000);
  const std::string section = EncodeStoredBlocks(docs);
  StoredBlocks stored;
  ASSERT_TRUE(stored.Open("s.seg", {section, 0}, 3000).ok());
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 2000; ++i) {
        const uint32_t ord = rng() % 3000;
        Result<Row> row = stored.ReadRow("s.seg", ord);
        if (!row.ok() || *row != docs[ord].row) ++wrong[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace freshet
