// The doc-id index: the DOC_ID_INDEX section, every doc ordinal as a u32
// (frozen), sorted by doc id bytes: FindDoc by binary search.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
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
  // more, once it has answered num_docs / kSearchesPerTable look-ups so, by
  // a hash table of the ordinals built then. A binary search decodes some 20
  // ids; the table decodes and hashes every id once. So a process that looks
  // up a few thousand ids in a million-doc base (a restarted runner's first
  // batch: the changed ids, in the build and in the open before its commit)
  // does not build it, and one that looks up many more (a runner's batches
  // one after another, a whole-window layer's open) pays at most about twice
  // the table's cost before having it.
  std::optional<uint32_t> Find(std::string_view id) const;
  static constexpr uint32_t kHashedFrom = 4096;
  static constexpr uint32_t kSearchesPerTable = 16;

 private:
  uint32_t OrdinalAt(size_t i) const;
  struct Hashed {
    std::atomic<uint32_t> searches{0};  // answered by binary search so far
    OrdinalHash table;
  };
  std::unique_ptr<Hashed> hashed_;  // null: always a binary search

  std::string_view section_;
  uint32_t num_docs_ = 0;
  IdOf id_of_;
};

}  // namespace freshet
