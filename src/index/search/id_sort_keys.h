// Doc ids of one segment reduced to 32-bit keys that order as the ids do
// wherever the keys differ, so that a search sorted by doc id rejects most
// matches by comparing two integers instead of reading and comparing ids.
//
// A doc's key is the 4 bytes of its id that follow the prefix every id of
// the segment shares, big-endian, zero-padded past the id's end. For ids A
// and B of the segment: key(A) < key(B) implies A < B (bytewise); equal keys
// say nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace freshet {

class SegmentReader;

// Immutable after construction: thread-safe to read.
class IdSortKeys {
 public:
  // Which docs of the segment may have an id before a given id: false only
  // for docs whose id is certainly not before it.
  class Bound {
   public:
    bool MayPrecede(uint32_t key) const { return int64_t{key} <= limit_; }

   private:
    friend class IdSortKeys;
    explicit Bound(int64_t limit) : limit_(limit) {}
    int64_t limit_;  // -1: no doc; 2^32 - 1: every doc
  };

  // The ids of docs [0, num_docs), each read at most twice through `id_of`,
  // whose views must stay valid until the constructor returns; none is kept.
  IdSortKeys(uint32_t num_docs, const std::function<std::string_view(uint32_t ord)>& id_of);
  // The ids of every doc of `segment`.
  explicit IdSortKeys(const SegmentReader& segment);

  // Docs per run of RunMin: runs are [0, kRunDocs), [kRunDocs, 2 kRunDocs)...
  static constexpr uint32_t kRunDocs = 64;

  // REQUIRES: ord below the segment's doc count.
  uint32_t key(uint32_t ord) const { return keys_[ord]; }
  // The smallest key of the run holding `ord`: when the bound rejects it,
  // it rejects every doc of the run. REQUIRES: as key.
  uint32_t RunMin(uint32_t ord) const { return run_mins_[ord / kRunDocs]; }
  // The docs of the segment whose id may sort before `id`. The view need not
  // outlive the call.
  Bound Before(std::string_view id) const;

 private:
  std::string prefix_;  // the bytes every id of the segment starts with
  std::vector<uint32_t> keys_;
  std::vector<uint32_t> run_mins_;  // per run of kRunDocs docs
};

}  // namespace freshet
