// Postings: the POSTINGS section, the concatenated posting lists of the term
// dictionary's entries (each entry names its byte range). A list (frozen):
// per doc holding the term, in increasing ordinal order, varint (ordinal -
// previous ordinal, the first from 0) then varint term frequency.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"
#include "index/segment/postings_iterator.h"
#include "index/segment/section_container.h"

namespace freshet {

// One term's postings while a segment is built.
struct PostingList {
  std::vector<uint32_t> docs;
  std::vector<uint32_t> freqs;
  // With positions (positions.h): each occurrence's position, doc by doc,
  // freqs[i] of them for docs[i]. Empty for a field without positions.
  std::vector<uint32_t> positions;
  // Counts one occurrence in `doc`. REQUIRES: doc >= the last doc added.
  void Add(uint32_t doc) {
    if (!docs.empty() && docs.back() == doc) {
      ++freqs.back();
    } else {
      docs.push_back(doc);
      freqs.push_back(1);
    }
  }
  // Counts one occurrence in `doc` at `position`. REQUIRES: (doc, position)
  // after the last one added.
  void AddAt(uint32_t doc, uint32_t position) {
    Add(doc);
    positions.push_back(position);
  }
};

// Builds a POSTINGS section. Not thread-safe.
class PostingsWriter {
 public:
  // Appends `list`; sets the byte range it takes in the section.
  void Add(const PostingList& list, uint64_t* offset, uint64_t* length);
  // The section. REQUIRES: called once, last.
  std::string Finish() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// Iterates one posting list. Not thread-safe; the bytes must outlive it.
class PostingsCursor {
 public:
  // `bytes`: the list's byte range; `doc_freq`: its entry's doc count;
  // ordinals at or past `num_docs` are corruption.
  PostingsCursor(std::string_view bytes, uint64_t doc_freq, uint32_t num_docs)
      : cursor_(bytes), remaining_(doc_freq), num_docs_(num_docs) {}

  // Moves to the next posting: false at the end of the list, or when the
  // bytes are malformed (then corrupt() is true).
  bool Next();
  // REQUIRES: the last Next() returned true.
  uint32_t doc() const { return static_cast<uint32_t>(doc_); }
  uint32_t freq() const { return freq_; }
  bool corrupt() const { return corrupt_; }
  // Bytes of the list consumed so far (where a corrupt posting starts or
  // ends).
  size_t position() const { return cursor_.position(); }

 private:
  Cursor cursor_;
  uint64_t remaining_;
  uint32_t num_docs_;
  uint64_t doc_ = 0;
  uint32_t freq_ = 0;
  bool started_ = false;
  bool corrupt_ = false;
};

// A PostingsIterator over the format-2 list `list` (no skip data): Advance
// scans, BlockBound returns one run, the whole list, with no bounds (its
// last_doc is the segment's last ordinal, kNoMoreDocs once the list is
// exhausted). Never null; bad bytes end the iteration and status() is
// Corruption naming `segment_name`, "postings" and the file offset. Not
// thread-safe; the bytes must outlive it.
std::unique_ptr<PostingsIterator> OpenVarintPostings(std::string_view segment_name,
                                                     SectionView list, uint64_t doc_freq,
                                                     uint32_t num_docs);

}  // namespace freshet
