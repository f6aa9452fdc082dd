// The build-time inverted index of one segment: every occurrence of a
// (field, term) in a doc, keyed by 2 bytes of field id then the term.
//
// The hottest loop of a build. Occurrences are logged in doc order, one
// 8-byte entry each (and a position where the field keeps positions), and
// turned into posting lists only at the end, by one counting sort over the
// log: no list grows (and moves) while docs are added, and the table's terms
// are interned once, in one arena, behind open addressing over XXH3 hashes.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/segment/postings.h"

namespace freshet {

class TermTable {
 public:
  TermTable();

  // The id of (field, term), added if new; `positions`: whether its field
  // keeps positions (the same for every term of one field). REQUIRES: field
  // < 65536.
  uint32_t Id(size_t field, std::string_view term, bool positions);
  // Counts an occurrence of term `id` in `doc`, at `position` when the term
  // keeps positions. REQUIRES: docs in nondecreasing order over all calls,
  // positions increasing within one doc and term.
  void Add(uint32_t id, uint32_t doc, uint32_t position = 0) {
    log_.push_back(static_cast<uint64_t>(id) << 32 | doc);
    if (keeps_positions_[id]) positions_.push_back(position);
  }
  void Add(size_t field, std::string_view term, uint32_t doc, uint32_t position, bool positions) {
    Add(Id(field, term, positions), doc, position);
  }

  size_t size() const { return key_ends_.size(); }
  // The key of term `id`.
  std::string_view key(size_t id) const {
    const uint32_t begin = id == 0 ? 0 : key_ends_[id - 1];
    return std::string_view(arena_).substr(begin, key_ends_[id] - begin);
  }
  // The field and the term of a key.
  static size_t KeyField(std::string_view key);
  static std::string_view KeyTerm(std::string_view key) { return key.substr(2); }

  // Calls fn(key, list) for every (field, term), in key order (field, then
  // term bytes), with its posting list (docs increasing, their frequencies
  // and, for a term that keeps them, its positions doc by doc); the list is
  // valid during the call. Consumes the occurrences: call once, last.
  template <typename Fn>
  void Drain(Fn&& fn);

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  // A slot holds a short key itself (most are): a look-up then reads one
  // cache line, not the arena too.
  static constexpr size_t kInlineKeyBytes = 19;
  struct Slot {
    uint64_t hash = 0;
    uint32_t id = kEmpty;
    uint8_t size = 0;  // of the key, when at most kInlineKeyBytes
    char key[kInlineKeyBytes];
  };
  static_assert(sizeof(Slot) == 32);
  void Grow();
  // The counting sort: docs_ and positions_ grouped by term (each term's
  // slice in log order); starts[id], position_starts[id]: where its slices
  // begin. Returns the ids in key order.
  std::vector<uint32_t> SortOccurrences(std::vector<uint64_t>* starts,
                                        std::vector<uint64_t>* position_starts);

  std::string key_;          // scratch: the key looked up
  std::vector<Slot> slots_;  // a power of two, at most 3/4 full
  std::string arena_;        // every key, in id order
  std::vector<uint32_t> key_ends_;
  std::vector<uint8_t> keeps_positions_;
  std::vector<uint64_t> log_;        // (id << 32 | doc), in the order added
  std::vector<uint32_t> positions_;  // of the logged occurrences that keep them
  std::vector<uint32_t> docs_;       // after SortOccurrences
};

template <typename Fn>
void TermTable::Drain(Fn&& fn) {
  std::vector<uint64_t> starts, position_starts;
  const std::vector<uint32_t> order = SortOccurrences(&starts, &position_starts);
  PostingList list;
  for (const uint32_t id : order) {
    list.docs.clear();
    list.freqs.clear();
    list.positions.clear();
    const uint64_t begin = starts[id], end = starts[id + 1];
    for (uint64_t i = begin; i < end; ++i) {
      if (!list.docs.empty() && list.docs.back() == docs_[i]) {
        ++list.freqs.back();
      } else {
        list.docs.push_back(docs_[i]);
        list.freqs.push_back(1);
      }
    }
    if (keeps_positions_[id]) {
      const uint64_t p = position_starts[id];
      list.positions.assign(positions_.begin() + static_cast<ptrdiff_t>(p),
                            positions_.begin() + static_cast<ptrdiff_t>(p + (end - begin)));
    }
    fn(key(id), static_cast<const PostingList&>(list));
  }
  docs_ = {};
  positions_ = {};
}

}  // namespace freshet
