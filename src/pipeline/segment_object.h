// A segment as an object of the output store: its bytes under a name derived
// from them (manifest.h's layout), written once. A retried or repeated build
// of the same segment writes the same bytes under the same name, so a
// publication may be redone by any process, any number of times.
//
// Thread-safe (pure functions; the store's calls are).
#pragma once

#include <string>

#include "common/status.h"
#include "index/manifest.h"
#include "index/segment.h"
#include "storage/object_store.h"

namespace freshet {

struct SegmentObject {
  SegmentRef ref;     // key "segments/<content hash>.seg", size, checksum, counts
  std::string bytes;  // the segment file
};

// Writes `data` in segment format `format` and names it by its content.
SegmentObject EncodeSegment(const SegmentData& data, uint32_t format);
// Names `bytes`, a segment file of `docs` docs and `groups` groups, by
// their content.
SegmentObject NameSegment(std::string bytes, uint32_t docs, uint32_t groups);

// Writes `bytes` under `key` (a name derived from them) unless they are
// there already (a retry or a crash redo), read back to be sure: an object
// of the name with other bytes (damaged since it was written) is replaced.
// The store's error otherwise.
Status PutContentAddressed(ObjectStore& store, const std::string& key, const std::string& bytes);

}  // namespace freshet
