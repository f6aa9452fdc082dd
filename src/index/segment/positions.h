// Token positions: the optional POSITIONS section (id 25, positions of the
// doc text fields, beside BLOCK_POSTINGS) and GROUP_POSITIONS (id 26, of the
// group text fields, beside GROUP_POSTINGS, by group ordinal). A segment
// has them only when some text field keeps positions; a reader that does
// not know them ignores them (section_container.h) and answers every query
// without them. They answer phrase queries (search/phrase_iterator.h).
//
// A position is the index of a term in its field's token stream: the first
// term of a value is at 0, the next at 1, and so on; what the analyzer drops
// (spaces, punctuation, symbols) takes no position, and a term cut at
// kMaxTokenBytes takes one. The values of a list field follow each other
// with a gap of one position, so that no phrase spans two values.
//
// Layout (section version 1; integers little-endian, bit runs as in
// common/bit_packing.h):
//   u8 section version (1)
//   varint field count, then the fields with positions, varint ids,
//     increasing
//   varint list count n, u8 key_width, u8 end_width, then two bit runs of n
//     values: the key of each list, the byte offset of its posting list in
//     BLOCK_POSTINGS (GROUP_POSTINGS), strictly increasing; and the end of
//     each list in bytes, counted from the first list's first byte (a list
//     starts where the previous one ends)
//   the lists, back to back.
// One list, for a posting list of df docs, in blocks of kPostingsBlockSize
// docs as the posting list's (the single tail of a shorter list is one
// block), so that a cursor skipping postings blocks skips their positions:
//   df > 128:      u8 start_width, one bit run of ceil(df / 128) - 1 values:
//                  where blocks 1, 2, ... start, in bytes from the first
//                  block's first byte (block 0 starts at 0)
//   per block:     u8 width, then the position gaps of the block's docs, in
//                  doc order, packed at width bits: per doc (as many as its
//                  frequency in BLOCK_POSTINGS), increasing positions, each
//                  as position - (previous position + 1), the doc's first
//                  as position - 0.
// A doc's positions are found without decoding others: its block from its
// index in the posting list, then the frequencies of the docs before it in
// the block.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/row.h"
#include "index/analyzer.h"
#include "index/segment/section_container.h"

namespace freshet {

struct PostingList;

// Frozen: the version byte the sections start with.
inline constexpr uint8_t kPositionsSectionVersion = 1;

// Calls fn(term, position) for each term `analyzer` makes of text value `v`
// (each string of a list, a string, or another value's text), positions as
// described above; returns the number of terms. Nothing for null.
template <typename Fn>
uint64_t ForEachPositionedTerm(uint32_t analyzer, const Value& v, std::string& scratch, Fn&& fn) {
  uint64_t terms = 0, next_position = 0;
  auto add = [&](std::string_view text) {
    ForEachToken(analyzer, text, scratch, [&](std::string_view t) {
      ++terms;
      fn(t, static_cast<uint32_t>(next_position++));
    });
  };
  if (v.is_null()) return terms;
  if (v.type == ValueType::kStringList) {
    for (size_t i = 0; i < v.list.size(); ++i) {
      if (i > 0) ++next_position;
      add(v.list[i]);
    }
  } else {
    add(v.type == ValueType::kString ? std::string_view(v.s) : ValueToText(v));
  }
  return terms;
}

// Builds a POSITIONS (GROUP_POSITIONS) section. Not thread-safe.
class PositionsWriter {
 public:
  // Appends the positions of `list`, whose posting list starts at
  // `postings_offset`. REQUIRES: offsets strictly increase from call to
  // call; list.positions holds sum(list.freqs) positions, increasing within
  // each doc.
  void Add(uint64_t postings_offset, const PostingList& list);
  // The section, naming `fields` (increasing). REQUIRES: called once, last.
  std::string Finish(const std::vector<size_t>& fields);

 private:
  std::vector<uint64_t> keys_, ends_;
  std::string lists_;
};

// A cursor over one list: the positions of the docs of its posting list,
// by their index in the list. Never fails silently: on bad bytes Read
// returns false and status() is Corruption naming the segment, "positions"
// and the file offset.
class PositionsCursor {
 public:
  PositionsCursor() = default;
  PositionsCursor(std::string_view segment_name, SectionView list, uint64_t doc_freq);

  // The positions of the list's `index`-th doc (which holds the term `freq`
  // times, after `before` occurrences in the docs of its block before it)
  // into `out`. REQUIRES: index < doc_freq.
  bool Read(uint64_t index, uint64_t before, uint32_t freq, std::vector<uint32_t>* out);
  Status status() const { return status_; }

 private:
  bool Fail(size_t at, std::string_view what);

  std::string_view segment_name_;
  SectionView list_;
  uint64_t doc_freq_ = 0;
  uint64_t num_blocks_ = 0;
  uint32_t start_width_ = 0;
  const char* starts_ = nullptr;
  size_t data_begin_ = 0;  // first block's first byte, in list_
  Status status_;
};

// A parsed POSITIONS (GROUP_POSITIONS) section. Thread-safe after Open.
class PositionsIndex {
 public:
  // Empty `section`: no field has positions. `field_count`: the schema's.
  Status Open(std::string_view segment_name, SectionView section, size_t field_count);
  const std::vector<size_t>& fields() const { return fields_; }
  bool HasField(size_t field) const;
  // The cursor of the posting list at `postings_offset` (of `doc_freq`
  // docs); Corruption when the section has no list for it.
  Result<PositionsCursor> OpenList(uint64_t postings_offset, uint64_t doc_freq) const;

 private:
  std::string_view segment_name_;
  SectionView section_;
  std::vector<size_t> fields_;
  size_t count_ = 0;
  uint32_t key_width_ = 0, end_width_ = 0;
  const char* keys_ = nullptr;
  const char* ends_ = nullptr;
  SectionView lists_;
};

}  // namespace freshet
