#include "pipeline/segment_object.h"

#include <fmt/format.h>

#include <utility>

#include "common/hash.h"

namespace freshet {

SegmentObject EncodeSegment(const SegmentData& data, uint32_t format) {
  return NameSegment(WriteSegment(data, format), static_cast<uint32_t>(data.docs.size()),
                     static_cast<uint32_t>(data.groups.size()));
}

SegmentObject NameSegment(std::string bytes, uint32_t docs, uint32_t groups) {
  SegmentObject out;
  out.bytes = std::move(bytes);
  out.ref.key = fmt::format("{}{}.seg", kSegmentsPrefix, ContentHash(out.bytes));
  out.ref.bytes = out.bytes.size();
  out.ref.checksum = Hex64(Hash64(out.bytes));
  out.ref.docs = docs;
  out.ref.groups = groups;
  return out;
}

Status PutContentAddressed(ObjectStore& store, const std::string& key, const std::string& bytes) {
  Status st = store.PutIfAbsent(key, bytes);
  if (!st.IsAlreadyExists()) return st;
  // Same name, same content (names are content hashes): a retry or a crash
  // redo, unless the object was damaged since it was written. Read back, as
  // a reader would: a damaged copy would fail every reader of every
  // generation naming it, and every retry of this write if left.
  Result<std::string> there = store.Get(key);
  if (there.ok() && *there == bytes) return Status::OK();
  if (!there.ok() && !there.status().IsNotFound()) return there.status();
  // Damaged (or deleted meanwhile): the bytes its name stands for again.
  // Whoever else writes under the name writes these same bytes.
  return store.Put(key, bytes);
}

}  // namespace freshet
