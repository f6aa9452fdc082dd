// The doc-id index: the DOC_ID_INDEX section, every doc ordinal as a u32
// (frozen), sorted by doc id bytes: FindDoc by binary search.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/ordinal_hash.h"
#include "index/segment/section_container.h"

namespace freshet {

// `ids`: every doc id, by ordinal.
std::string EncodeDocIdIndex(const std::vector<std::string_view>& ids);

// Read access to a DOC_ID_INDEX section. Thread-safe after Open (read-only);
// the section and the ids must outlive the object.
class DocIdIndex {
 public:
  // The id of a doc ordinal (< num_docs); the view must stay valid as long
  // as the ids do.
  using IdOf = std::function<std::string_view(uint32_t ord)>;

  // Corruption naming the segment when the size is not one u32 per doc, or
  // an entry is not a doc ordinal (with the entry's offset in the section).
  Status Open(std::string_view segment_name, SectionView section, uint32_t num_docs, IdOf id_of);
  // The same over every doc id, by ordinal (format 2's decoded ids).
  Status Open(std::string_view segment_name, SectionView section,
              const std::vector<std::string_view>* ids);

  // By binary search over the index; in a segment of kHashedFrom docs or
  // more, by a binary search over samples of it (see Large) and then among
  // the kSampleEvery entries between two samples, until it has answered
  // num_docs / kSearchesPerTable look-ups so, then by a hash table of the
  // ordinals built then. A plain binary search decodes some 20 ids, a
  // sampled one some 6 (the samples are decoded once, num_docs /
  // kSampleEvery ids), the table decodes and hashes every id once. So a
  // process that looks up some ten thousand ids in a million-doc base (a
  // restarted runner's first batch: the changed ids, in the build and in the
  // open before its commit) does not build the table, and one that looks up
  // many more (a runner's batches one after another, a whole-window layer's
  // open) pays at most about twice the table's cost before having it.
  std::optional<uint32_t> Find(std::string_view id) const;
  static constexpr uint32_t kHashedFrom = 4096;
  static constexpr uint32_t kSearchesPerTable = 4;
  static constexpr uint32_t kSampleEvery = 32;

 private:
  uint32_t OrdinalAt(size_t i) const;
  // The ordinal of `id` among entries [lo, hi) of the index, by binary search.
  std::optional<uint32_t> SearchIn(std::string_view id, size_t lo, size_t hi) const;
  std::optional<uint32_t> SearchSampled(std::string_view id) const;
  // The look-up structures of a segment of kHashedFrom docs or more, each
  // built on first use. The samples are the ids of entries 0, kSampleEvery,
  // 2 kSampleEvery... as integers: each id's 8 bytes past the prefix every
  // id shares (big-endian, zero past its end), which order as the ids do
  // (as EncodeDocIdIndex sorts them), so that most of a search compares
  // integers held in memory rather than ids decoded from the segment.
  struct Large {
    std::atomic<uint32_t> searches{0};  // answered without the table so far
    std::once_flag sampled;
    std::string prefix;          // shared by every id
    std::vector<uint64_t> keys;  // of entry i * kSampleEvery
    OrdinalHash table;
  };
  std::unique_ptr<Large> large_;  // null: always a plain binary search

  std::string_view section_;
  uint32_t num_docs_ = 0;
  IdOf id_of_;
};

}  // namespace freshet
