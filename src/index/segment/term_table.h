// The build-time map from (field, term) to its posting list, keyed by 2
// bytes of field id then the term: open addressing over XXH3 hashes (the
// hottest loop of a build). Adding an existing term allocates nothing: the
// key is assembled in a scratch buffer. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "index/segment/postings.h"

namespace freshet {

class TermTable {
 public:
  TermTable();

  // The list of (field, term), created empty if new. The pointer stays valid
  // for the table's life (lists live in a deque). REQUIRES: field < 65536.
  PostingList* Get(size_t field, std::string_view term);

  size_t size() const { return keys_.size(); }
  // The i-th (field, term) added, as its key, and its list.
  std::string_view key(size_t i) const { return keys_[i]; }
  const PostingList& list(size_t i) const { return lists_[i]; }
  // The field and the term of a key.
  static size_t KeyField(std::string_view key);
  static std::string_view KeyTerm(std::string_view key) { return key.substr(2); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = kEmpty;  // into keys_ and lists_
  };
  void Grow();

  std::string key_;
  std::vector<Slot> slots_;  // a power of two, at most 3/4 full
  std::vector<std::string> keys_;
  std::deque<PostingList> lists_;
};

}  // namespace freshet
