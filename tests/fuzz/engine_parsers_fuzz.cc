// libFuzzer target over the engine's own parsers: JSON Lines records, the
// pipeline config (TOML), manifests, the query language, segments, the
// server's sort orders and listening addresses, chain records, supersession
// objects, and partition layouts with the keys they parse. The first input byte picks the parser;
// the rest is its input. Segments are
// fuzzed by edits to a valid segment built at start-up (bytes at offsets,
// then a truncation), so that mutations get past the checksums' gate only
// when the reader must detect them. Every parser must return a Status, never
// crash, hang or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/coding.h"
#include "common/hash.h"
#include "common/json.h"
#include "format/jsonl_reader.h"
#include "index/manifest.h"
#include "index/query.h"
#include "index/ranking.h"
#include "index/search/segment_query.h"
#include "index/segment.h"
#include "index/supersession_object.h"
#include "pipeline/chain_record.h"
#include "pipeline/config.h"
#include "serve/http_address.h"
#include "source/partition_layout.h"

namespace {

using namespace freshet;

class CountingSink final : public RowSink {
 public:
  Status OnRow(Row& row, uint64_t) override {
    rows += row.size();
    return Status::OK();
  }
  Status OnBadRow(uint64_t, uint64_t, std::string) override {
    ++bad;
    return Status::OK();
  }
  size_t rows = 0, bad = 0;
};

std::string ValidSegment(uint32_t format_version) {
  SegmentData d;
  d.kind = SegmentKind::kDelta;
  d.schema.doc_columns = {"id", "title", "bid"};
  d.schema.doc_roles = {kRoleStored, kRoleText | kRoleKeyword | kRoleStored, kRoleNumeric};
  d.schema.group_columns = {"brand"};
  d.schema.group_roles = {kRoleText | kRoleStored};
  d.schema.group_prefix = "g_";
  d.schema.aggregate_names = {"g_count"};
  if (format_version >= 4) {
    // Positions (POSITIONS and GROUP_POSITIONS) for the text fields.
    d.schema.doc_positions = {false, true, false};
    d.schema.group_positions = {true};
  }
  d.groups = {SegmentGroup{"g1", true, 3, Row{Value::String("Acme Co")}, {2}, 0, 2},
              SegmentGroup{"g2", false, 0, Row{}, {1}, 2, 1}};
  d.docs = {
      SegmentDoc{"a", 0, 1, Row{Value::String("a"), Value::String("red shoe"), Value::Double(1)}},
      SegmentDoc{"b", 0, 2, Row{Value::String("b"), Value::String("blue"), Value::Int64(2)}},
      SegmentDoc{"c", 1, 3, Row{Value::String("c"), Value(), Value::Double(3)}}};
  // Written by format 5 only: a doc deleted from g1, one moved out of g2.
  d.tombstones = {SegmentTombstone{"z", 0, 4, TombstoneKind::kDeleted},
                  SegmentTombstone{"y", 1, 5, TombstoneKind::kMoved}};
  return WriteSegment(d, format_version);
}

void ExerciseSegment(const std::string& bytes) {
  auto seg = SegmentReader::Open("fuzz.seg", bytes);
  if (!seg.ok()) return;
  const SegmentReader& s = **seg;
  for (uint32_t d = 0; d < s.num_docs(); ++d) (void)s.DocRow(d);
  for (uint32_t g = 0; g < s.num_groups(); ++g) (void)s.Group(g);
  (void)s.ForEachTerm([&](size_t field, std::string_view term, uint64_t) {
    std::vector<uint32_t> freqs;
    (void)s.Postings(field, term, &freqs);
    (void)s.DocFreq(field, term);
    // A cursor driven by Advance and block bounds, as queries drive it.
    auto cursor = s.OpenPostings(field, term);
    if (cursor.ok() && *cursor) {
      for (uint32_t d = (*cursor)->Advance(1); d != kNoMoreDocs; d = (*cursor)->Advance(d + 2)) {
        (void)(*cursor)->freq();
        (void)(*cursor)->BlockBound(d + 1);
      }
    }
    for (uint32_t d = 0; d < s.num_docs(); ++d) {
      (void)s.FieldLength(field, d);
      if (s.schema().FieldRoles(field) & kRoleNumeric) (void)s.Numeric(field, d);
    }
    if (s.schema().FieldRoles(field) & kRoleNumeric) (void)s.NextInRange(field, 0, 0, 2);
    (void)s.TotalFieldLength(field);
    return true;
  });
  for (uint32_t d = 0; d < s.num_docs(); ++d) {
    (void)s.DocId(d);
    (void)s.DocVersion(d);
  }
  for (const Tombstones::Entry& t : s.tombstones().entries()) (void)s.GroupKey(t.group);
  (void)s.FindDoc("b");
  (void)s.FindGroup("g2");
  // Phrases: through the positions when the segment has them.
  for (const char* q : {"title:\"red shoe\"", "g_brand:\"acme co\"", "\"shoe red\""}) {
    auto query = ParseQuery(q);
    if (!query.ok()) continue;
    auto it = CompileQuery(s, **query);
    if (!it.ok()) continue;
    while ((*it)->Next() != kNoMoreDocs) {
    }
    (void)(*it)->status();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::string kSegments[4] = {ValidSegment(kSegmentFormatVersion), ValidSegment(4),
                                           ValidSegment(3), ValidSegment(2)};
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 10) {
    case 0: {
      CountingSink sink;
      (void)JsonLinesReader::Parse("fuzz.jsonl", in, {"id", "title", "bid", "tags"}, sink);
      break;
    }
    case 1:
      (void)ParsePipelineConfig(in, "fuzz.toml", "/tmp");
      break;
    case 2:
      // Raw, or (odd second selector digit) sealed with a valid checksum.
      (void)ParseManifest("fuzz.json", (data[0] / 10) % 2 == 0
                                           ? std::string(in)
                                           : TrailingChecksum{"  \"checksum\": \"", "\"\n}\n"}.Seal(
                                                 std::string(in)));
      break;
    case 3:
      (void)ParseQuery(in);
      break;
    case 4:
    case 7: {
      // Edits: (u32 offset, u8 value) pairs, then an optional u32 length cut,
      // of a segment of the newest format (5, with tombstones) or of an older
      // one (7: format 4, 3 or 2, by the input's length).
      std::string seg = kSegments[data[0] % 10 == 4 ? 0 : 1 + size % 3];
      Cursor c(in);
      uint32_t off;
      uint8_t b;
      while (c.GetFixed32(&off) && c.GetByte(&b)) {
        if (off == 0xffffffff) break;
        seg[off % seg.size()] = static_cast<char>(b);
      }
      uint32_t cut;
      if (c.GetFixed32(&cut)) seg.resize(cut % (seg.size() + 1));
      ExerciseSegment(seg);
      break;
    }
    case 5:
      // A sort order (second selector digit 0 mod 3), or a supersession
      // object, raw (1) or sealed with a valid trailing checksum (2) so that
      // mutations reach the body's parser. One that parses must encode to
      // the same bytes (sealed: the same body).
      if ((data[0] / 10) % 3 == 0) {
        (void)ParseSortOrder(in);
      } else {
        std::string bytes(in);
        if ((data[0] / 10) % 3 == 2) PutFixed64(&bytes, Hash64(bytes));
        auto object = DecodeSupersession("supersessions/fuzz.sup", bytes);
        if (object.ok() && EncodeSupersession(*object) != bytes) {
          // Only the doc encoding may differ: the writer picks the smaller.
          auto again = DecodeSupersession("again", EncodeSupersession(*object));
          if (!again.ok() || again->supersession.docs != object->supersession.docs ||
              again->supersession.groups != object->supersession.groups) {
            __builtin_trap();
          }
        }
      }
      break;
    case 6:
      (void)ParseHttpAddress(in);
      break;
    case 8: {
      // A chain record, raw or (odd second selector digit) sealed with a
      // valid trailing checksum so that mutations reach the members' parser.
      // One of the written format that parses must serialize to one that
      // parses back to the same value.
      const std::string sealed =
          (data[0] / 10) % 2 == 0
              ? std::string(in)
              : TrailingChecksum{",\"checksum\":\"", "\"}\n"}.Seal(std::string(in));
      auto record = ParseChainRecord("inputs/fuzz.json", sealed);
      if (record.ok() && record->deletes_known) {
        auto again = ParseChainRecord("inputs/again.json", SerializeChainRecord(*record));
        if (!again.ok() || !(*again == *record)) __builtin_trap();
      }
      break;
    }
    case 9: {
      // A layout template, a newline, then keys (one per line) it parses.
      const size_t eol = in.find('\n');
      auto layout = PartitionLayout::Parse(in.substr(0, eol));
      if (!layout.ok() || eol == std::string_view::npos) break;
      std::string_view keys = in.substr(eol + 1);
      while (!keys.empty()) {
        const size_t end = keys.find('\n');
        (void)layout->ParseKey(keys.substr(0, end));
        keys = end == std::string_view::npos ? std::string_view() : keys.substr(end + 1);
      }
      break;
    }
  }
  return 0;
}
