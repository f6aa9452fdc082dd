// Decoding 128-doc posting blocks: the shared fixed-width bit packing of
// format 3 (common/bit_packing.h) against libstreamvbyte (when installed), on
// lists shaped as ads-1m's: a 1 M-doc segment, doc gaps geometric at a
// term's density (1 doc in 1000, 100, 10 and 2), frequencies 1 for 85% of
// the docs and 2-5 otherwise. Fixed seed; figures per list density:
//
//   bytes_per_posting  the doc gaps' encoded size per doc (with the per-block
//                      width byte or the stream-vbyte control bytes)
//   ns_per_block       decoding 128 docs (gaps to doc ordinals)
//
// BM_BitPacking decodes with the generic UnpackBits32, BM_BitPacking128 with
// Unpack128Bits32, the routine the postings iterator uses.
//
// BM_BlockPostingsNext walks a whole BLOCK_POSTINGS list (doc gaps, skip
// table and frequencies, as the segment stores them) with the iterator,
// asking every doc's frequency; its bytes_per_posting is the list's size.
//
//   postings_bench [--benchmark_min_time=0.2]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/bit_packing.h"
#include "index/segment/block_postings.h"

#ifdef FRESHET_HAVE_STREAMVBYTE
#include <streamvbyte.h>
#include <streamvbytedelta.h>
#endif

namespace freshet {
namespace {

constexpr uint32_t kSegmentDocs = 1'000'000;

// A term's postings over the segment: every doc holds it with probability
// 1 / `one_doc_in`.
PostingList MakeList(uint32_t one_doc_in) {
  std::mt19937 rng(42 + one_doc_in);
  std::geometric_distribution<uint32_t> gap(1.0 / one_doc_in);
  std::uniform_int_distribution<uint32_t> percent(0, 99), extra(2, 5);
  PostingList list;
  for (uint64_t doc = gap(rng); doc < kSegmentDocs; doc += 1 + gap(rng)) {
    list.docs.push_back(static_cast<uint32_t>(doc));
    list.freqs.push_back(percent(rng) < 85 ? 1 : extra(rng));
  }
  // Whole blocks only: the codecs are compared on full blocks.
  list.docs.resize(list.docs.size() / kPostingsBlockSize * kPostingsBlockSize);
  list.freqs.resize(list.docs.size());
  return list;
}

// Gaps as format 3 codes them: doc - (previous doc + 1).
std::vector<uint32_t> Gaps(const PostingList& list) {
  std::vector<uint32_t> gaps(list.docs.size());
  uint32_t next_min = 0;
  for (size_t i = 0; i < gaps.size(); ++i) {
    gaps[i] = list.docs[i] - next_min;
    next_min = list.docs[i] + 1;
  }
  return gaps;
}

void Report(benchmark::State& state, size_t postings, size_t bytes) {
  const double blocks = static_cast<double>(postings / kPostingsBlockSize);
  state.counters["bytes_per_posting"] = static_cast<double>(bytes) / static_cast<double>(postings);
  state.counters["ns_per_block"] = benchmark::Counter(
      blocks * 1e-9, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Bit-packed gaps, a width byte per block, decoded by UnpackBits32 (any
// count; BM_BitPacking) or Unpack128Bits32 (specialised; BM_BitPacking128).
template <bool kSpecialised>
void BM_BitPacking(benchmark::State& state) {
  const PostingList list = MakeList(static_cast<uint32_t>(state.range(0)));
  const std::vector<uint32_t> gaps = Gaps(list);
  std::string packed;
  std::vector<size_t> starts;
  for (size_t b = 0; b < gaps.size(); b += kPostingsBlockSize) {
    uint32_t bits = 0;
    for (size_t i = b; i < b + kPostingsBlockSize; ++i) bits |= gaps[i];
    starts.push_back(packed.size());
    packed.push_back(static_cast<char>(BitWidth(bits)));
    PackBits32(&gaps[b], kPostingsBlockSize, BitWidth(bits), &packed);
  }
  uint32_t docs[kPostingsBlockSize];
  for (auto _ : state) {
    uint32_t next_min = 0;
    for (size_t start : starts) {
      const uint32_t width = static_cast<uint8_t>(packed[start]);
      if constexpr (kSpecialised) {
        Unpack128Bits32(packed.data() + start + 1, width, docs);
      } else {
        UnpackBits32(packed.data() + start + 1, kPostingsBlockSize, width, docs);
      }
      for (uint32_t& doc : docs) {
        doc += next_min;
        next_min = doc + 1;
      }
      benchmark::DoNotOptimize(docs);
    }
  }
  Report(state, gaps.size(), packed.size());
}
BENCHMARK(BM_BitPacking<false>)->Name("BM_BitPacking")->Arg(1000)->Arg(100)->Arg(10)->Arg(2);
BENCHMARK(BM_BitPacking<true>)->Name("BM_BitPacking128")->Arg(1000)->Arg(100)->Arg(10)->Arg(2);

#ifdef FRESHET_HAVE_STREAMVBYTE
// libstreamvbyte's differential coding (1-4 bytes a gap, SIMD prefix sum).
void BM_StreamVByteDelta(benchmark::State& state) {
  const PostingList list = MakeList(static_cast<uint32_t>(state.range(0)));
  std::vector<uint8_t> encoded(streamvbyte_max_compressedbytes(kPostingsBlockSize) *
                               (list.docs.size() / kPostingsBlockSize));
  std::vector<size_t> starts;
  size_t size = 0;
  for (size_t b = 0; b < list.docs.size(); b += kPostingsBlockSize) {
    starts.push_back(size);
    size += streamvbyte_delta_encode(&list.docs[b], kPostingsBlockSize, encoded.data() + size,
                                     b == 0 ? 0 : list.docs[b - 1]);
  }
  uint32_t docs[kPostingsBlockSize];
  for (auto _ : state) {
    uint32_t previous = 0;
    for (size_t start : starts) {
      streamvbyte_delta_decode(encoded.data() + start, docs, kPostingsBlockSize, previous);
      previous = docs[kPostingsBlockSize - 1];
      benchmark::DoNotOptimize(docs);
    }
  }
  Report(state, list.docs.size(), size);
}
BENCHMARK(BM_StreamVByteDelta)->Arg(1000)->Arg(100)->Arg(10)->Arg(2);

// libstreamvbyte's 0/1/2/4-byte variant on format 3's gaps (0 bytes for
// consecutive docs), with the same prefix sum as the bit-packed blocks.
void BM_StreamVByte0124(benchmark::State& state) {
  const PostingList list = MakeList(static_cast<uint32_t>(state.range(0)));
  const std::vector<uint32_t> gaps = Gaps(list);
  std::vector<uint8_t> encoded(streamvbyte_max_compressedbytes(kPostingsBlockSize) *
                               (gaps.size() / kPostingsBlockSize));
  std::vector<size_t> starts;
  size_t size = 0;
  for (size_t b = 0; b < gaps.size(); b += kPostingsBlockSize) {
    starts.push_back(size);
    size += streamvbyte_encode_0124(&gaps[b], kPostingsBlockSize, encoded.data() + size);
  }
  uint32_t docs[kPostingsBlockSize];
  for (auto _ : state) {
    uint32_t next_min = 0;
    for (size_t start : starts) {
      streamvbyte_decode_0124(encoded.data() + start, docs, kPostingsBlockSize);
      for (uint32_t& doc : docs) {
        doc += next_min;
        next_min = doc + 1;
      }
      benchmark::DoNotOptimize(docs);
    }
  }
  Report(state, gaps.size(), size);
}
BENCHMARK(BM_StreamVByte0124)->Arg(1000)->Arg(100)->Arg(10)->Arg(2);
#endif

void BM_BlockPostingsNext(benchmark::State& state) {
  const PostingList list = MakeList(static_cast<uint32_t>(state.range(0)));
  std::vector<uint16_t> lengths(kSegmentDocs, 12);
  BlockPostingsWriter writer;
  uint64_t offset, length;
  writer.Add(list, lengths.data(), &offset, &length);
  const std::string section = writer.Finish();
  for (auto _ : state) {
    auto it = OpenBlockPostings("bench", SectionView{section, 0}, list.docs.size(), kSegmentDocs);
    uint64_t sum = 0;
    for (uint32_t doc = it->Next(); doc != kNoMoreDocs; doc = it->Next()) sum += it->freq();
    benchmark::DoNotOptimize(sum);
  }
  Report(state, list.docs.size(), section.size());
}
BENCHMARK(BM_BlockPostingsNext)->Arg(1000)->Arg(100)->Arg(10)->Arg(2);

}  // namespace
}  // namespace freshet

BENCHMARK_MAIN();
