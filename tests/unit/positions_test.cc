#include "index/segment/positions.h"

#include <gtest/gtest.h>

#include <random>

#include "common/bit_packing.h"
#include "common/coding.h"
#include "index/segment/block_postings.h"
#include "index/segment/postings.h"

namespace freshet {
namespace {

// Where the tests place the section in a segment file: offsets in errors
// count from there.
constexpr uint64_t kSectionOffset = 7000;

struct Fixture {
  std::vector<PostingList> lists;  // keyed 10, 20, 30, ...
  std::string section;

  void Encode(std::vector<size_t> fields = {2, 5}) {
    PositionsWriter writer;
    for (size_t i = 0; i < lists.size(); ++i) writer.Add(10 * (i + 1), lists[i]);
    section = writer.Finish(fields);
  }
  Result<PositionsCursor> Open(const PositionsIndex& index, size_t list) const {
    return index.OpenList(10 * (list + 1), lists[list].docs.size());
  }
};

// `size` docs, frequencies mostly 1, positions increasing within each doc
// with gaps up to `max_gap`.
PostingList RandomList(size_t size, uint32_t max_gap, uint32_t seed) {
  std::mt19937 rng(seed);
  PostingList list;
  for (uint32_t doc = 0; doc < size; ++doc) {
    const uint32_t freq = rng() % 5 == 0 ? 1 + rng() % 30 : 1;
    uint32_t position = rng() % (max_gap + 1);
    for (uint32_t k = 0; k < freq; ++k) {
      list.AddAt(doc * 2, position);
      position += 1 + rng() % (max_gap + 1);
    }
  }
  return list;
}

// The occurrences before doc `index` in its block of 128 docs.
uint64_t Before(const PostingList& list, size_t index) {
  uint64_t before = 0;
  for (size_t i = index / kPostingsBlockSize * kPostingsBlockSize; i < index; ++i) {
    before += list.freqs[i];
  }
  return before;
}

std::vector<uint32_t> Expected(const PostingList& list, size_t index) {
  size_t start = 0;
  for (size_t i = 0; i < index; ++i) start += list.freqs[i];
  return {list.positions.begin() + start, list.positions.begin() + start + list.freqs[index]};
}

TEST(PositionsTest, RoundTripsListsOfEverySize) {
  Fixture f;
  // A tail, exactly one block, a block and a tail, many blocks with wide gaps.
  for (size_t size : {1, 5, 127, 128, 129, 300, 1000}) {
    f.lists.push_back(RandomList(size, size == 1000 ? 5000 : 12, static_cast<uint32_t>(size)));
  }
  f.Encode();
  PositionsIndex index;
  ASSERT_TRUE(index.Open("seg-1", {f.section, kSectionOffset}, 6).ok());
  EXPECT_EQ(index.fields(), (std::vector<size_t>{2, 5}));
  EXPECT_TRUE(index.HasField(5));
  EXPECT_FALSE(index.HasField(3));
  for (size_t l = 0; l < f.lists.size(); ++l) {
    const PostingList& list = f.lists[l];
    auto cursor = f.Open(index, l);
    ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
    std::vector<uint32_t> got;
    // Forward, then every third doc backwards (random access: no state).
    for (size_t i = 0; i < list.docs.size(); ++i) {
      ASSERT_TRUE(cursor->Read(i, Before(list, i), list.freqs[i], &got)) << l << " " << i;
      ASSERT_EQ(got, Expected(list, i)) << "list " << l << " doc " << i;
    }
    for (size_t i = list.docs.size(); i-- > 0; i -= std::min<size_t>(i, 2)) {
      ASSERT_TRUE(cursor->Read(i, Before(list, i), list.freqs[i], &got));
      ASSERT_EQ(got, Expected(list, i)) << "list " << l << " doc " << i;
    }
  }
  EXPECT_FALSE(index.OpenList(15, 1).ok());  // no list there
}

TEST(PositionsTest, BitPacksEachBlockAtItsWidestGap) {
  // 128 docs, one position each, all below 4: one width byte and 128 values
  // of 2 bits.
  Fixture f;
  PostingList list;
  for (uint32_t doc = 0; doc < 128; ++doc) list.AddAt(doc, doc % 4);
  f.lists.push_back(list);
  f.Encode({0});
  // Header: version, 1 field, field 0, 1 list, key width 4 (10), end width
  // 6 (33), the two 1-value runs; then the list: width 2 and 32 bytes.
  ASSERT_EQ(f.section.size(), 8u + 1 + 32);
  EXPECT_EQ(f.section[8], 2);
}

TEST(PositionsTest, ForEachPositionedTermCountsTermsOnlyAndGapsListValues) {
  std::vector<std::pair<std::string, uint32_t>> got;
  std::string scratch;
  Value v;
  v.type = ValueType::kStringList;
  v.list = {"Red, shoes!", "blue — hat"};
  const uint64_t n = ForEachPositionedTerm(
      kUnicodeAnalyzer, v, scratch,
      [&](std::string_view t, uint32_t position) { got.emplace_back(std::string(t), position); });
  EXPECT_EQ(n, 4u);
  // The comma, "!" and the dash take no position; the second value starts
  // one position after the first ends plus one.
  EXPECT_EQ(got, (std::vector<std::pair<std::string, uint32_t>>{
                     {"red", 0}, {"shoes", 1}, {"blue", 3}, {"hat", 4}}));
}

// Where the lists start in `section`, read as positions.h documents it.
size_t ListsBegin(std::string_view section) {
  Cursor c(section);
  uint8_t version = 0, key_width = 0, end_width = 0;
  uint64_t fields = 0, field = 0, count = 0;
  EXPECT_TRUE(c.GetByte(&version) && c.GetVarint(&fields));
  for (uint64_t i = 0; i < fields; ++i) EXPECT_TRUE(c.GetVarint(&field));
  EXPECT_TRUE(c.GetVarint(&count) && c.GetByte(&key_width) && c.GetByte(&end_width));
  return c.position() + PackedBytes(count, key_width) + PackedBytes(count, end_width);
}

void ExpectCorruption(const Status& st, std::string_view what, uint64_t offset) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  const std::string& m = st.message();
  EXPECT_NE(m.find("segment 'seg-1': positions: "), std::string::npos) << m;
  EXPECT_NE(m.find(what), std::string::npos) << m;
  EXPECT_NE(m.find("(offset " + std::to_string(offset) + ")"), std::string::npos) << m;
}

TEST(PositionsTest, CorruptionNamesTheSegmentAndTheOffset) {
  Fixture f;
  f.lists.push_back(RandomList(300, 12, 1));  // three blocks
  f.Encode({0});
  const size_t list = ListsBegin(f.section);
  // The list: u8 start width, 2 starts, then block 0 (its width byte first).
  const uint32_t start_width = static_cast<uint8_t>(f.section[list]);
  const size_t block0 = list + 1 + PackedBytes(2, start_width);
  const size_t block2 =
      block0 + static_cast<size_t>(PackedValue(f.section.data() + list + 1, 1, start_width));
  const PostingList& l = f.lists[0];
  std::vector<uint32_t> got;
  auto read = [&](const std::string& section, size_t i, uint32_t freq) {
    PositionsIndex index;
    Status st = index.Open("seg-1", {section, kSectionOffset}, 1);
    if (!st.ok()) return st;
    auto cursor = index.OpenList(10, l.docs.size());
    if (!cursor.ok()) return cursor.status();
    cursor->Read(i, Before(l, i), freq, &got);
    return cursor->status();
  };
  ASSERT_TRUE(read(f.section, 299, l.freqs[299]).ok());

  std::string bad = f.section;
  bad[block2] = 40;  // a width over 32
  ExpectCorruption(read(bad, 299, l.freqs[299]), "block 2 position width 40",
                   kSectionOffset + block2);
  // Other blocks still read: a cursor decodes only the block it needs.
  EXPECT_TRUE(read(bad, 0, l.freqs[0]).ok());

  // A frequency larger than the block holds.
  ExpectCorruption(read(f.section, 299, 100000), "block 2 holds fewer than",
                   kSectionOffset + block2);

  bad = f.section;
  bad[list] = 65;  // a start width over 64
  ExpectCorruption(read(bad, 0, l.freqs[0]), "bad block start width", kSectionOffset + list);

  bad = f.section;
  bad[list + 1] = static_cast<char>(0xff);  // block 1 starts past the list
  bad[list + 2] = static_cast<char>(0xff);
  ExpectCorruption(read(bad, 200, l.freqs[200]), "block 1 spans", kSectionOffset + block0);

  bad = f.section;
  bad.pop_back();  // the table says the lists take one more byte
  ExpectCorruption(read(bad, 0, l.freqs[0]), "lists' size", kSectionOffset + list);

  bad = f.section;
  bad[0] = 9;  // an unknown section version
  ExpectCorruption(read(bad, 0, l.freqs[0]), "section version 9", kSectionOffset);

  // A list the index does not have.
  PositionsIndex index;
  ASSERT_TRUE(index.Open("seg-1", {f.section, kSectionOffset}, 1).ok());
  ExpectCorruption(index.OpenList(11, 3).status(), "no list for postings at 11", kSectionOffset);
  // A field id past the schema's.
  EXPECT_FALSE(PositionsIndex().Open("seg-1", {f.section, kSectionOffset}, 0).ok());
}

}  // namespace
}  // namespace freshet
