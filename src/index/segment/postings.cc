#include "index/segment/postings.h"

#include <fmt/format.h>

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

namespace {

class VarintPostingsIterator final : public PostingsIterator {
 public:
  VarintPostingsIterator(std::string_view segment_name, SectionView list, uint64_t doc_freq,
                         uint32_t num_docs)
      : segment_name_(segment_name),
        list_(list),
        doc_freq_(doc_freq),
        num_docs_(num_docs),
        cursor_(list.bytes, doc_freq, num_docs) {}

  uint32_t Next() override {
    const size_t start = cursor_.position();  // of the posting about to be read
    if (cursor_.Next()) return doc_ = cursor_.doc();
    at_end_ = true;
    if (cursor_.corrupt() && status_.ok()) {
      status_ = SegmentCorruption(
          segment_name_,
          "postings: bad posting (a doc past the segment's, not increasing, or truncated)",
          list_.offset + start);
    } else if (status_.ok() && cursor_.position() != list_.bytes.size()) {
      status_ = SegmentCorruption(
          segment_name_, fmt::format("postings: bytes after the {} docs of the list", doc_freq_),
          list_.offset + cursor_.position());
    }
    return doc_ = kNoMoreDocs;
  }

  uint32_t Advance(uint32_t target) override {
    while (Next() < target) {
    }
    return doc_;
  }

  uint32_t freq() override { return cursor_.freq(); }
  uint64_t cost() const override { return doc_freq_; }

  PostingsBound BlockBound(uint32_t target) override {
    if (at_end_ || doc_freq_ == 0 || target >= num_docs_) {
      return {kNoMoreDocs, 0, 0};
    }
    return ListBound();
  }

  PostingsBound ListBound() const override {
    if (doc_freq_ == 0) return {kNoMoreDocs, 0, 0};
    return {num_docs_ - 1, UINT32_MAX, 0};
  }

  Status status() const override { return status_; }

 private:
  std::string_view segment_name_;
  SectionView list_;
  uint64_t doc_freq_;
  uint32_t num_docs_;
  PostingsCursor cursor_;
  bool at_end_ = false;
  Status status_;
};

}  // namespace

std::unique_ptr<PostingsIterator> OpenVarintPostings(std::string_view segment_name,
                                                     SectionView list, uint64_t doc_freq,
                                                     uint32_t num_docs) {
  return std::make_unique<VarintPostingsIterator>(segment_name, list, doc_freq, num_docs);
}

}  // namespace freshet
