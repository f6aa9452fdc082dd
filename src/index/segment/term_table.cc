#include "index/segment/term_table.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/hash.h"

namespace freshet {

TermTable::TermTable() : slots_(1024) {}

uint32_t TermTable::Id(size_t field, std::string_view term, bool positions) {
  key_.assign({static_cast<char>(field >> 8), static_cast<char>(field & 0xff)});
  key_.append(term);
  const uint64_t hash = Hash64(key_);
  if ((size() + 1) * 4 > slots_.size() * 3) Grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.id == kEmpty) {
      slot.hash = hash;
      slot.id = static_cast<uint32_t>(size());
      if (key_.size() <= kInlineKeyBytes) {
        slot.size = static_cast<uint8_t>(key_.size());
        std::memcpy(slot.key, key_.data(), key_.size());
      }
      arena_.append(key_);
      key_ends_.push_back(static_cast<uint32_t>(arena_.size()));
      keeps_positions_.push_back(positions ? 1 : 0);
      return slot.id;
    }
    if (slot.hash != hash) continue;
    if (key_.size() <= kInlineKeyBytes ? std::string_view(slot.key, slot.size) == key_
                                       : key(slot.id) == key_) {
      return slot.id;
    }
  }
}

size_t TermTable::KeyField(std::string_view key) {
  return (static_cast<size_t>(static_cast<uint8_t>(key[0])) << 8) | static_cast<uint8_t>(key[1]);
}

void TermTable::Grow() {
  std::vector<Slot> bigger(slots_.size() * 2);
  const size_t mask = bigger.size() - 1;
  for (const Slot& slot : slots_) {
    if (slot.id == kEmpty) continue;
    size_t i = slot.hash & mask;
    while (bigger[i].id != kEmpty) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  slots_ = std::move(bigger);
}

std::vector<uint32_t> TermTable::SortOccurrences(std::vector<uint64_t>* starts,
                                                 std::vector<uint64_t>* position_starts) {
  const size_t n = size();
  starts->assign(n + 1, 0);
  for (const uint64_t e : log_) ++(*starts)[(e >> 32) + 1];
  position_starts->assign(n, 0);
  uint64_t positions = 0;
  for (size_t id = 0; id < n; ++id) {
    (*position_starts)[id] = positions;
    if (keeps_positions_[id]) positions += (*starts)[id + 1];
    (*starts)[id + 1] += (*starts)[id];
  }
  // Stable: each term's occurrences keep their log order (docs increasing,
  // positions increasing within a doc).
  std::vector<uint64_t> next(starts->begin(), starts->end() - 1);
  std::vector<uint64_t> next_position = *position_starts;
  docs_.resize(log_.size());
  std::vector<uint32_t> sorted_positions(positions_.size());
  size_t p = 0;
  for (const uint64_t e : log_) {
    const auto id = static_cast<uint32_t>(e >> 32);
    docs_[next[id]++] = static_cast<uint32_t>(e);
    if (keeps_positions_[id]) sorted_positions[next_position[id]++] = positions_[p++];
  }
  log_ = {};
  positions_ = std::move(sorted_positions);

  std::vector<std::pair<std::string_view, uint32_t>> keyed;
  keyed.reserve(n);
  for (size_t id = 0; id < n; ++id) keyed.emplace_back(key(id), static_cast<uint32_t>(id));
  std::sort(keyed.begin(), keyed.end());
  std::vector<uint32_t> order;
  order.reserve(n);
  for (const auto& [k, id] : keyed) order.push_back(id);
  return order;
}

}  // namespace freshet
