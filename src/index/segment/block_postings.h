// Block postings: the BLOCK_POSTINGS section of format 3, the concatenated
// posting lists of the term dictionary's entries (each entry names its byte
// range and its doc frequency df). Docs are coded in blocks of 128; a list's
// skip table lets a cursor jump blocks without decoding them and bounds each
// block's BM25 score (its largest frequency, its shortest field).
//
// Layout of one list (frozen; integers little-endian, bit runs as in
// common/bit_packing.h). A doc is coded as its gap, doc - (previous doc + 1)
// (the first doc of the list: doc - 0), so that docs strictly increase by
// construction and a list of consecutive docs packs at width 0.
//
//   df = 0:        no bytes.
//   df < 128:      a tail (below), no skip table.
//   df >= 128:     a header, a skip table, then ceil(df / 128) blocks: every
//                  block but the last is a full block of 128 docs; the last
//                  is a full block when 128 divides df, else a tail of
//                  df % 128 docs.
//
//   header         varint list_max_freq - 1, varint list_min_length,
//                  u8 doc_width, u8 end_width, u8 freq_width, u8 length_width
//   skip table     four bit runs of one value per block, in this order:
//                  last doc (doc_width bits), the end of the block in bytes
//                  counted from the first block's first byte (end_width), the
//                  block's max frequency - 1 (freq_width) and its min field
//                  length (length_width; 0 for keyword fields). A block
//                  starts where the previous one ends (the first at 0).
//   full block     u8 gap_width, u8 freq_width, u8 exception_count,
//                  128 gaps packed at gap_width, the low freq_width bits of
//                  the 128 (frequency - 1) packed at freq_width, then one
//                  exception per (frequency - 1) of more than freq_width
//                  bits, by increasing position: u8 position in the block,
//                  varint ((frequency - 1) >> freq_width) - 1 (its high
//                  bits, less 1). The writer picks the freq_width that takes
//                  the fewest bytes (patched frame of reference: a few large
//                  frequencies do not widen all 128).
//   tail           per doc: varint (gap << 1 | (frequency == 1)), then, when
//                  the frequency is not 1, varint (frequency - 2)
//
// Widths are at most 32 (end_width 64, length_width 16); an exception's
// frequency - 1 fits in 32 bits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/segment/postings.h"
#include "index/segment/postings_iterator.h"
#include "index/segment/section_container.h"

namespace freshet {

// Frozen: docs per block.
inline constexpr uint32_t kPostingsBlockSize = 128;

// Builds a BLOCK_POSTINGS section. Not thread-safe.
class BlockPostingsWriter {
 public:
  // Appends `list` and sets the byte range it takes in the section.
  // `lengths`: the field's token count by doc ordinal (every doc of the list
  // must be a valid index), for the blocks' min_length; nullptr for keyword
  // fields (min_length 0). REQUIRES: list.docs strictly increasing, every
  // frequency >= 1.
  void Add(const PostingList& list, const uint16_t* lengths, uint64_t* offset, uint64_t* length);
  // The section. REQUIRES: called once, last.
  std::string Finish() { return std::move(bytes_); }

 private:
  void AddFullBlock(const PostingList& list, size_t begin, uint32_t next_min);

  std::string bytes_;
  // Scratch space of the list being added (reused between lists).
  std::string blocks_;
  std::vector<uint32_t> last_docs_, ends_, max_freqs_, min_lengths_;
};

// A cursor over the list `list` of a BLOCK_POSTINGS section, whose term entry
// gives `doc_freq`; ordinals at or past `num_docs` are corruption. Open work
// is O(1) for lists of 128 docs or more (the header) and decodes the single
// tail of a shorter list. Never null: on bad bytes the cursor yields no doc
// (or stops early) and status() is Corruption naming `segment_name`,
// "postings" and the file offset. Not thread-safe; the bytes must outlive it.
// Past the end, BlockBound returns {kNoMoreDocs, 0, 0}. Lists shorter than
// 128 docs carry no lengths: their bounds have min_length 0.
std::unique_ptr<PostingsIterator> OpenBlockPostings(std::string_view segment_name, SectionView list,
                                                    uint64_t doc_freq, uint32_t num_docs);

}  // namespace freshet
