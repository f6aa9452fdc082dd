#include "pipeline/segment_object.h"

#include <gtest/gtest.h>

#include "storage/memory_store.h"

namespace freshet {
namespace {

SegmentObject OneDoc() {
  SegmentData d;
  d.schema.doc_columns = {"title"};
  d.schema.doc_roles = {kRoleText | kRoleStored};
  d.groups = {SegmentGroup{"g", false, 0, Row{}, {}, 0, 1}};
  d.docs = {SegmentDoc{"a", 0, 1, Row{Value::String("red shoes")}}};
  return EncodeSegment(d, 5);
}

TEST(PutContentAddressedTest, WritesOnceAndLeavesTheSameBytesAlone) {
  auto store = NewMemoryStore();
  const SegmentObject object = OneDoc();
  ASSERT_TRUE(PutContentAddressed(*store, object.ref.key, object.bytes).ok());
  ASSERT_TRUE(PutContentAddressed(*store, object.ref.key, object.bytes).ok());  // a retry
  EXPECT_EQ(*store->Get(object.ref.key), object.bytes);
}

// A segment damaged after it was written (a flipped byte: same size; cut
// short: another size) would fail every reader and every retry of the batch
// that writes it again: the retry puts the bytes its name stands for back.
TEST(PutContentAddressedTest, ADamagedObjectOfTheNameIsReplaced) {
  const SegmentObject object = OneDoc();
  std::string flipped = object.bytes;
  flipped[flipped.size() / 2] ^= 0x20;
  for (const std::string& damaged : {flipped, object.bytes.substr(0, object.bytes.size() - 7)}) {
    auto store = NewMemoryStore();
    ASSERT_TRUE(store->Put(object.ref.key, damaged).ok());
    const Status st = PutContentAddressed(*store, object.ref.key, object.bytes);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(*store->Get(object.ref.key), object.bytes);
  }
}

}  // namespace
}  // namespace freshet
