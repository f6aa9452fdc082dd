// Format 3's DOC_HEADERS + STORED_BLOCKS against format 2's DOCS, on the docs
// of existing segments: bytes per doc, time to open, time to read one
// random doc's row (a block not in the cache), and FindDoc through the
// doc-id index over each. Single-threaded, fixed seed; times are the
// thread's CPU time.
//
//   stored_bench [--repeat K] [--grid] SEGMENT_FILE...
//
// The docs of every file are read (format 1 or 2) and re-encoded; figures
// are over all of them together. --repeat K takes them K times (ids suffixed
// with "~k", groups renumbered) to measure opening and FindDoc at scale. Output: one line per
// figure on stdout. --grid also tries the writer's other choices (block
// size, dictionary samples and size). Exit 1 with the message on stderr if a
// file cannot be read or opened.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/coding.h"
#include "index/segment/doc_headers.h"
#include "index/segment/doc_id_index.h"
#include "index/segment/segment_reader.h"
#include "index/segment/stored_blocks.h"
#include "index/segment/stored_docs.h"

namespace {

using namespace freshet;
// The thread's CPU time: the figures hold on a machine others load too.
struct Clock {
  using time_point = double;  // microseconds
  static time_point now() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
  }
};

double MicrosSince(Clock::time_point start) { return Clock::now() - start; }

Result<std::vector<SegmentDoc>> ReadDocs(const std::string& path, uint32_t* num_groups) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("{}: cannot open", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> reader, SegmentReader::Open(path, bytes.str()));
  std::vector<SegmentDoc> docs;
  for (uint32_t ord = 0; ord < reader->num_docs(); ++ord) {
    ASSIGN_OR_RETURN(Row row, reader->DocRow(ord));
    docs.push_back(SegmentDoc{std::string(reader->DocId(ord)), *num_groups + reader->DocGroup(ord),
                              reader->DocVersion(ord), std::move(row)});
  }
  *num_groups += reader->num_groups();
  return docs;
}

// The mean time of `reads` calls of read(ord) over random ordinals.
template <typename Read>
double MeanMicros(uint32_t num_docs, int reads, Read read) {
  std::mt19937 rng(7);
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < reads; ++i) read(static_cast<uint32_t>(rng() % num_docs));
  return MicrosSince(start) / reads;
}

int Run(int argc, char** argv) {
  std::vector<SegmentDoc> docs;
  uint32_t num_groups = 0;
  int first_file = 1, repeat = 1;
  bool grid = false;
  for (;;) {
    if (argc > first_file + 1 && std::string_view(argv[first_file]) == "--repeat") {
      repeat = std::max(1, std::atoi(argv[first_file + 1]));
      first_file += 2;
    } else if (argc > first_file && std::string_view(argv[first_file]) == "--grid") {
      grid = true;
      first_file += 1;
    } else {
      break;
    }
  }
  for (int i = first_file; i < argc; ++i) {
    Result<std::vector<SegmentDoc>> more = ReadDocs(argv[i], &num_groups);
    if (!more.ok()) {
      std::cerr << more.status().ToString() << "\n";
      return 1;
    }
    for (SegmentDoc& d : *more) docs.push_back(std::move(d));
  }
  const size_t read = docs.size();
  for (int k = 1; k < repeat; ++k) {
    for (size_t i = 0; i < read; ++i) {
      SegmentDoc copy = docs[i];
      copy.id += fmt::format("~{}", k);
      copy.group += k * num_groups;
      docs.push_back(std::move(copy));
    }
  }
  num_groups *= repeat;
  if (docs.empty()) {
    std::cerr << "usage: stored_bench SEGMENT_FILE... (with docs)\n";
    return 1;
  }
  const uint32_t n = static_cast<uint32_t>(docs.size());
  const double per_doc = 1.0 / n;
  std::cout << fmt::format("docs {}\n", n);

  const std::string v2 = EncodeStoredDocs(docs);
  const std::string headers_section = EncodeDocHeaders(docs);
  std::cout << fmt::format("v2 DOCS: {:.1f} bytes/doc\n", v2.size() * per_doc);
  std::cout << fmt::format("v3 DOC_HEADERS: {:.1f} bytes/doc\n", headers_section.size() * per_doc);
  std::vector<StoredBlocksOptions> variants;
  for (int level : {1, 3, 6, 9, 19}) variants.push_back(StoredBlocksOptions{.zstd_level = level});
  if (grid) {
    // The writer's other choices around its defaults (docs_per_sample
    // SIZE_MAX: 256 samples, a 16 KiB dictionary, whatever the segment).
    for (size_t block : {4096, 8192}) {
      for (size_t docs_per_sample : {SIZE_MAX, size_t{512}, size_t{128}}) {
        for (size_t bytes_per_sample : {28, 64}) {
          variants.push_back(StoredBlocksOptions{.block_target_bytes = block,
                                                 .docs_per_sample = docs_per_sample,
                                                 .dictionary_bytes_per_sample = bytes_per_sample});
        }
      }
    }
  }
  for (const StoredBlocksOptions& options : variants) {
    const Clock::time_point start = Clock::now();
    const std::string stored = EncodeStoredBlocks(docs, options);
    const double encode_us = MicrosSince(start);
    StoredBlocks reader;
    if (!reader.Open("bench", {stored, 0}, n).ok()) return 1;
    const double read_us = MeanMicros(n, 2000, [&](uint32_t ord) {
      if (!reader.ReadRow("bench", ord).ok()) std::abort();
    });
    std::cout << fmt::format(
        "v3 STORED_BLOCKS zstd {} block {} docs/sample {} dictionary bytes/sample {}: {:.1f} "
        "bytes/doc (+ headers {:.1f}), dictionary {} bytes, encode {:.0f} ns/doc, random ReadRow "
        "{:.1f} us ({} decompressions / 2000)\n",
        options.zstd_level, options.block_target_bytes, options.docs_per_sample,
        options.dictionary_bytes_per_sample, stored.size() * per_doc,
        (stored.size() + headers_section.size()) * per_doc, DecodeFixed32(stored.data() + 4),
        encode_us * 1000 * per_doc, read_us, reader.blocks_decompressed());
  }

  StoredDocs v2_docs;
  Clock::time_point start = Clock::now();
  if (!v2_docs.Open("bench", {v2, 0}, n, num_groups).ok()) return 1;
  std::cout << fmt::format("v2 StoredDocs::Open {:.0f} us\n", MicrosSince(start));
  std::cout << fmt::format("v2 random ReadRow {:.2f} us\n", MeanMicros(n, 20000, [&](uint32_t ord) {
                             if (!v2_docs.ReadRow("bench", ord).ok()) std::abort();
                           }));
  DocHeaders headers;
  start = Clock::now();
  if (!headers.Open("bench", {headers_section, 0}, n, num_groups).ok()) return 1;
  std::cout << fmt::format("v3 DocHeaders::Open {:.1f} us\n", MicrosSince(start));
  const std::string stored = EncodeStoredBlocks(docs);
  StoredBlocks blocks;
  start = Clock::now();
  if (!blocks.Open("bench", {stored, 0}, n).ok()) return 1;
  std::cout << fmt::format("v3 StoredBlocks::Open {:.1f} us\n", MicrosSince(start));

  const std::string id_index = EncodeDocIdIndex(v2_docs.ids());
  DocIdIndex over_vector, over_headers;
  if (!over_vector.Open("bench", {id_index, 0}, &v2_docs.ids()).ok() ||
      !over_headers.Open("bench", {id_index, 0}, n, [&](uint32_t o) { return headers.Id(o); })
           .ok()) {
    return 1;
  }
  for (auto [index, name] : {std::pair{&over_vector, "v2 ids"}, {&over_headers, "v3 DocHeaders"}}) {
    std::cout << fmt::format("FindDoc over {}: {:.3f} us\n", name,
                             MeanMicros(n, 200000, [&](uint32_t ord) {
                               if (index->Find(docs[ord].id) != ord) std::abort();
                             }));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
