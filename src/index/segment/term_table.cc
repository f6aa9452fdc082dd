#include "index/segment/term_table.h"

#include "common/hash.h"

namespace freshet {

TermTable::TermTable() : slots_(1024) {}

PostingList* TermTable::Get(size_t field, std::string_view term) {
  key_.assign({static_cast<char>(field >> 8), static_cast<char>(field & 0xff)});
  key_.append(term);
  const uint64_t hash = Hash64(key_);
  if ((keys_.size() + 1) * 4 > slots_.size() * 3) Grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.index == kEmpty) {
      slot = {hash, static_cast<uint32_t>(keys_.size())};
      keys_.push_back(key_);
      return &lists_.emplace_back();
    }
    if (slot.hash == hash && keys_[slot.index] == key_) return &lists_[slot.index];
  }
}

size_t TermTable::KeyField(std::string_view key) {
  return (static_cast<size_t>(static_cast<uint8_t>(key[0])) << 8) | static_cast<uint8_t>(key[1]);
}

void TermTable::Grow() {
  std::vector<Slot> bigger(slots_.size() * 2);
  const size_t mask = bigger.size() - 1;
  for (const Slot& slot : slots_) {
    if (slot.index == kEmpty) continue;
    size_t i = slot.hash & mask;
    while (bigger[i].index != kEmpty) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  slots_ = std::move(bigger);
}

}  // namespace freshet
