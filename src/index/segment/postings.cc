#include "index/segment/postings.h"

namespace freshet {

void PostingsWriter::Add(const PostingList& list, uint64_t* offset, uint64_t* length) {
  *offset = bytes_.size();
  uint32_t prev = 0;
  for (size_t i = 0; i < list.docs.size(); ++i) {
    PutVarint(&bytes_, list.docs[i] - prev);
    PutVarint(&bytes_, list.freqs[i]);
    prev = list.docs[i];
  }
  *length = bytes_.size() - *offset;
}

bool PostingsCursor::Next() {
  if (remaining_ == 0 || corrupt_) return false;
  uint64_t delta, tf;
  if (!cursor_.GetVarint(&delta) || !cursor_.GetVarint(&tf)) {
    corrupt_ = true;
    return false;
  }
  doc_ += delta;
  if (doc_ >= num_docs_ || (started_ && delta == 0) || tf > UINT32_MAX) {
    corrupt_ = true;
    return false;
  }
  started_ = true;
  freq_ = static_cast<uint32_t>(tf);
  --remaining_;
  return true;
}

}  // namespace freshet
