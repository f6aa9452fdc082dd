// Postings-level merge, as Lucene merges segments: the posting lists,
// positions, text field lengths and numeric values of a merged segment
// read from its source segments' (already analyzed) ones, doc and group
// ordinals remapped, and its stored rows copied as stored, instead of
// decoding and analyzing the merged rows again. Term order, doc
// order, frequencies and lengths are the sources', so the statistics of the
// merged segment (doc frequencies, field lengths and their sums) are those
// an analysis of its rows gives, and WriteSegment(data, format, postings)
// writes the bytes WriteSegment(data, format) would.
//
// Possible only when every source indexed its text as the merged segment
// does (PostingsMergeRefusal): the rest are merged row by row
// (segment_merger.h).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/segment/segment_reader.h"
#include "index/segment/segment_writer.h"

namespace freshet {

// An ordinal of a source segment: sources[source]'s doc (group) `ord`.
struct SourceOrdinal {
  uint32_t source = 0;
  uint32_t ord = 0;
};

// Where the docs and groups of a merged segment come from, by their new
// ordinals: a doc from the source doc it copies, a group from the source
// group whose record (or lack of one) it takes. Within one source, new
// ordinals follow the source's order (both sorted by (group key, doc id)).
struct MergedOrigins {
  std::vector<SourceOrdinal> docs;
  std::vector<SourceOrdinal> groups;
  // Each doc's stored row as its source stores it (row_coding.h), copied
  // (AddRow), not decoded.
  std::vector<std::string_view> rows;

  // Appends a copy of `row` to `rows`.
  void AddRow(std::string_view row);

 private:
  // The copies, in chunks that never move (no copy is copied again as
  // they grow).
  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t chunk_size_ = 0;
  size_t chunk_used_ = 0;
};

// Empty when a segment of `schema` in format `format` can take its postings
// from `source`'s; otherwise why not, for a log: the merged segment's
// format is not 5, or the source's (formats 3 and 4 index group fields on
// every doc, or leave the records of groups without docs out); its columns
// or analyzers differ; or a text field of `schema` keeps positions that
// the source holds terms of without them. Corruption when the source's
// dictionary cannot be read.
Result<std::string> PostingsMergeRefusal(const SegmentReader& source, const SegmentSchema& schema,
                                         uint32_t format);

// The posting lists, field lengths, numeric values and stored rows of a
// merged segment of `schema` whose docs and groups come from `origins`,
// read from `sources` (which PostingsMergeRefusal accepts; they, `schema`
// and `origins` must outlive the object). Read lists the sources'
// dictionary entries; content() reads the lists a term at a time, across
// the sources, as the writer takes them, so that a merge holds one term's
// lists, never every list of the part. One writer at a time.
class MergedPostings {
 public:
  // Corruption naming the source segment if a dictionary cannot be read.
  static Result<std::unique_ptr<MergedPostings>> Read(std::span<const SegmentReader* const> sources,
                                                      const SegmentSchema& schema,
                                                      const MergedOrigins& origins);
  ~MergedPostings();

  // For WriteSegment; valid while this object lives.
  const CopiedContent& content() const { return content_; }
  // Corruption naming the source segment if a list content() read could
  // not be: the segment written from content() is then incomplete and must
  // be dropped. Check it after WriteSegment.
  const Status& status() const { return failed_; }

 private:
  struct Lists;
  MergedPostings() = default;
  void Note(Status st);  // keeps the first failure

  std::vector<const SegmentReader*> sources_;
  const MergedOrigins* origins_ = nullptr;
  const SegmentSchema* schema_ = nullptr;
  std::vector<Lists> doc_lists_, group_lists_;  // by source
  CopiedContent content_;
  Status failed_;
};

}  // namespace freshet
