#include "pipeline/segment_object.h"

#include <fmt/format.h>

#include "common/hash.h"

namespace freshet {

SegmentObject EncodeSegment(const SegmentData& data, uint32_t format) {
  SegmentObject out;
  out.bytes = WriteSegment(data, format);
  out.ref.key = fmt::format("{}{}.seg", kSegmentsPrefix, ContentHash(out.bytes));
  out.ref.bytes = out.bytes.size();
  out.ref.checksum = Hex64(Hash64(out.bytes));
  out.ref.docs = static_cast<uint32_t>(data.docs.size());
  out.ref.groups = static_cast<uint32_t>(data.groups.size());
  return out;
}

Status PutContentAddressed(ObjectStore& store, const std::string& key, const std::string& bytes) {
  Status st = store.PutIfAbsent(key, bytes);
  if (!st.IsAlreadyExists()) return st;
  // Same name, same content (names are content hashes): a retry or a crash redo.
  auto head = store.Head(key);
  return head.ok() && head->size == bytes.size()
             ? Status::OK()
             : Status::Corruption(fmt::format("object '{}' exists with another size", key));
}

}  // namespace freshet
