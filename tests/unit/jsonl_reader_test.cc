#include "format/jsonl_reader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "format/record_batch.h"
#include "storage/memory_store.h"

namespace freshet {
namespace {

struct Collected {
  std::vector<std::pair<uint64_t, Row>> rows;
  std::vector<std::string> bad;  // "line@offset: reason"
};

class CollectingSink final : public RowSink {
 public:
  explicit CollectingSink(Collected* out) : out_(out) {}
  Status OnRow(Row& row, uint64_t row_number) override {
    out_->rows.emplace_back(row_number, row);
    return Status::OK();
  }
  Status OnBadRow(uint64_t row_number, uint64_t byte_offset, std::string reason) override {
    out_->bad.push_back(std::to_string(row_number) + "@" + std::to_string(byte_offset) + ": " +
                        reason);
    return Status::OK();
  }

 private:
  Collected* out_;
};

Collected Parse(std::string_view bytes, std::vector<std::string> columns = {"id", "n", "tags"}) {
  Collected out;
  CollectingSink sink(&out);
  EXPECT_TRUE(JsonLinesReader::Parse("f.jsonl", bytes, columns, sink).ok());
  return out;
}

TEST(JsonLinesReaderTest, ProjectsColumnsInOrderWithMissingOnesNull) {
  Collected c = Parse(R"({"n": 2, "id": "a", "other": {"x": 1}})"
                      "\n"
                      R"({"id": "b", "tags": ["x", 3, null, true]})"
                      "\n");
  ASSERT_TRUE(c.bad.empty()) << c.bad[0];
  ASSERT_EQ(c.rows.size(), 2u);
  const Row& a = c.rows[0].second;
  EXPECT_EQ(c.rows[0].first, 1u);
  EXPECT_EQ(a[0].s, "a");
  EXPECT_EQ(a[1].type, ValueType::kInt64);
  EXPECT_EQ(a[1].i, 2);
  EXPECT_TRUE(a[2].is_null());
  const Row& b = c.rows[1].second;
  EXPECT_TRUE(b[1].is_null());
  ASSERT_EQ(b[2].type, ValueType::kStringList);
  EXPECT_EQ(b[2].list, (std::vector<std::string>{"x", "3", "true"}));  // nulls left out
}

TEST(JsonLinesReaderTest, ScalarTypes) {
  Collected c =
      Parse(R"({"id": true, "n": 1.5, "tags": 18446744073709551615})", {"id", "n", "tags"});
  ASSERT_EQ(c.rows.size(), 1u);
  const Row& r = c.rows[0].second;
  EXPECT_EQ(r[0].type, ValueType::kBool);
  EXPECT_TRUE(r[0].b);
  EXPECT_EQ(r[1].type, ValueType::kDouble);
  EXPECT_EQ(r[1].d, 1.5);
  EXPECT_EQ(r[2].type, ValueType::kDouble);  // beyond int64: a double
}

TEST(JsonLinesReaderTest, CrlfBlankLinesAndNoFinalNewline) {
  Collected c = Parse("{\"id\":\"a\"}\r\n\r\n   \n\t\n{\"id\":\"b\"}");
  ASSERT_TRUE(c.bad.empty());
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].second[0].s, "a");  // no '\r' left in the value
  EXPECT_EQ(c.rows[1].first, 5u);         // line numbers count blank lines
  EXPECT_EQ(c.rows[1].second[0].s, "b");
}

TEST(JsonLinesReaderTest, BadLinesAreReportedWithLineAndOffsetAndReadingGoesOn) {
  const std::string text =
      "{\"id\":\"a\"}\n"      // line 1, offset 0
      "{\"id\":\n"            // line 2, offset 11: truncated
      "[1, 2]\n"              // line 3, offset 18: not an object
      "{\"id\":{\"x\":1}}\n"  // line 4, offset 25: an object in a column
      "{\"id\":\"\xff\"}\n"   // line 5, offset 40: invalid UTF-8
      "{\"id\":\"z\"}\n";     // line 6
  Collected c = Parse(text);
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[1].first, 6u);
  ASSERT_EQ(c.bad.size(), 4u);
  EXPECT_TRUE(c.bad[0].starts_with("2@11: invalid JSON")) << c.bad[0];
  EXPECT_EQ(c.bad[1], "3@18: record is not a JSON object");
  EXPECT_EQ(c.bad[2], "4@25: column 'id': objects are not supported in a column");
  EXPECT_TRUE(c.bad[3].starts_with("5@40: invalid JSON")) << c.bad[3];
}

TEST(JsonLinesReaderTest, RecordOverTheLimitIsBadNotFatal) {
  std::string big = "{\"id\":\"" + std::string(JsonLinesReader::kMaxRecordBytes, 'x') + "\"}\n";
  Collected c = Parse(big + "{\"id\":\"ok\"}\n");
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_NE(c.bad[0].find("exceeds the limit of 8388608 bytes"), std::string::npos) << c.bad[0];
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].first, 2u);
}

TEST(JsonLinesReaderTest, EmptyFileHasNoRows) {
  Collected c = Parse("");
  EXPECT_TRUE(c.rows.empty());
  EXPECT_TRUE(c.bad.empty());
}

TEST(JsonLinesReaderTest, ReadsFromAStoreAndPassesItsErrorsThrough) {
  auto store = NewMemoryStore();
  ASSERT_TRUE(store->Put("p/f.jsonl", "{\"id\":\"a\"}\n").ok());
  JsonLinesReader reader;
  Collected c;
  CollectingSink sink(&c);
  ASSERT_TRUE(reader.Read(*store, *store->Head("p/f.jsonl"), {"id"}, sink).ok());
  ASSERT_EQ(c.rows.size(), 1u);
  Status missing = reader.Read(*store, ObjectInfo{"p/gone.jsonl", 1, "x"}, {"id"}, sink);
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
  EXPECT_NE(missing.message().find("p/gone.jsonl"), std::string::npos);
}

// Records what each OnBatch call holds, read while the batch is valid.
class BatchSink final : public RowSink {
 public:
  struct Seen {
    uint64_t first_line;
    std::vector<std::string> ids;
  };
  std::vector<Seen> batches;
  std::vector<std::string> events;  // "row N" / "bad N", in call order

  Status OnBatch(const RecordBatch& batch, uint64_t first_row_number) override {
    Seen seen{first_row_number, {}};
    for (size_t r = 0; r < batch.rows; ++r) {
      seen.ids.emplace_back(batch.View(0, r).s);
      events.push_back("row " + std::to_string(first_row_number + r));
    }
    batches.push_back(std::move(seen));
    return Status::OK();
  }
  Status OnRow(Row&, uint64_t) override { return Status::Aborted("rows come in batches"); }
  Status OnBadRow(uint64_t line, uint64_t, std::string) override {
    events.push_back("bad " + std::to_string(line));
    return Status::OK();
  }
};

TEST(JsonLinesReaderTest, GoodLinesArriveInBatchesOfConsecutiveLinesWithTheirOwnStrings) {
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes += fmt::format("{{\"id\": \"ad\\\"{}\"}}\n", i);
  bytes += "\n";            // line 3001, blank: ends a batch
  bytes += "{\"id\": 7\n";  // line 3002, bad
  bytes += "{\"id\": \"last\"}\n";
  BatchSink sink;
  ASSERT_TRUE(JsonLinesReader::Parse("f.jsonl", bytes, {"id"}, sink).ok());

  std::vector<std::string> ids;
  std::vector<uint64_t> firsts;
  for (const BatchSink::Seen& b : sink.batches) {
    firsts.push_back(b.first_line);
    ids.insert(ids.end(), b.ids.begin(), b.ids.end());
  }
  ASSERT_EQ(ids.size(), 3001u);
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(ids[i], fmt::format("ad\"{}", i)) << i;  // unescaped
  EXPECT_EQ(ids[3000], "last");
  EXPECT_EQ(firsts, (std::vector<uint64_t>{1, 1025, 2049, 3003}));
  ASSERT_GE(sink.events.size(), 3u);
  // The bad line is reported after every good line before it, before the one after it.
  EXPECT_EQ(sink.events[sink.events.size() - 3], "row 3000");
  EXPECT_EQ(sink.events[sink.events.size() - 2], "bad 3002");
  EXPECT_EQ(sink.events.back(), "row 3003");
}

TEST(JsonLinesReaderTest, ASinkErrorStopsTheRead) {
  class StopAtFirst final : public RowSink {
   public:
    Status OnRow(Row&, uint64_t) override { return Status::Aborted("enough"); }
    Status OnBadRow(uint64_t, uint64_t, std::string) override { return Status::OK(); }
  } sink;
  Status st = JsonLinesReader::Parse("f.jsonl", "{\"id\":1}\n{\"id\":2}\n", {"id"}, sink);
  EXPECT_EQ(st.code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace freshet
