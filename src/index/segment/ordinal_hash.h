// OrdinalHash: finds the ordinal of a key among a section's n keys in O(1),
// from a hash table of ordinals built on first use. A segment's doc ids and
// group keys are stored sorted (or behind a sorted permutation), so a
// binary search finds one by decoding some 17 to 20 keys; a delta layer's
// build and open look up each of its ids and group keys in every segment
// below it, which a hash table answers with one probe and one comparison.
// The table is memory only (8 bytes per slot, at most half full), never
// written to disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "common/hash.h"

namespace freshet {

// Thread-safe: the table is built once, under a once_flag, by the first
// Find; later calls only read it.
class OrdinalHash {
 public:
  // The ordinal o < n whose key_of(o) equals `key`; nullopt if none. Every
  // call on one object must pass the same n and key_of: the first builds
  // the table from them. `key_of(o)` returns a view valid for the call.
  template <class KeyOf>
  std::optional<uint32_t> Find(std::string_view key, uint32_t n, const KeyOf& key_of) const {
    std::call_once(built_, [&] { Build(n, key_of); });
    const size_t mask = slots_.size() - 1;
    const uint64_t h = Hash64(key);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.ordinal == 0) return std::nullopt;
      if (s.hash == static_cast<uint32_t>(h >> 32) && key_of(s.ordinal - 1) == key) {
        return s.ordinal - 1;
      }
    }
  }

 private:
  struct Slot {
    uint32_t hash = 0;     // upper half of the key's hash
    uint32_t ordinal = 0;  // + 1; 0: empty
  };

  template <class KeyOf>
  void Build(uint32_t n, const KeyOf& key_of) const {
    size_t capacity = 2;
    while (capacity < 2 * size_t{n}) capacity *= 2;
    slots_.assign(capacity, Slot{});
    const size_t mask = capacity - 1;
    for (uint32_t o = 0; o < n; ++o) {
      const uint64_t h = Hash64(key_of(o));
      size_t i = h & mask;
      while (slots_[i].ordinal != 0) i = (i + 1) & mask;
      slots_[i] = Slot{static_cast<uint32_t>(h >> 32), o + 1};
    }
  }

  mutable std::once_flag built_;
  mutable std::vector<Slot> slots_;  // a power of two, at most half full
};

}  // namespace freshet
