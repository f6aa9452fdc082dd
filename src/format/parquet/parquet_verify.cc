#include "format/parquet/parquet_verify.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>

#include "format/parquet/parquet_codecs.h"
#include "format/parquet/parquet_column_reader.h"
#include "format/parquet/parquet_encodings.h"
#include "format/parquet/parquet_reader.h"

namespace freshet::parquet {
namespace {

// Page headers carry int32 sizes; decompressors bound what they allocate.
constexpr int64_t kMaxPageBytes = INT32_MAX;

class NullSink final : public RowSink {
 public:
  Status OnRow(Row&, uint64_t) override { return Status::OK(); }
  Status OnBadRow(uint64_t row, uint64_t offset, std::string reason) override {
    return Status::Corruption(fmt::format("row {} at byte {}: {}", row, offset, reason));
  }
};

// Decodes `n` levels from `levels` and checks that none exceeds `max_level`.
Status CheckLevels(LevelStream& levels, int max_level, int64_t n, std::string_view what) {
  std::vector<uint32_t> scratch(static_cast<size_t>(std::min<int64_t>(n, 4096)));
  for (int64_t done = 0; done < n;) {
    size_t k = static_cast<size_t>(std::min<int64_t>(n - done, 4096));
    Status st = levels.Get(scratch.data(), k);
    if (!st.ok()) {
      return st.WithContext(
          fmt::format("{} levels: {} decoded of the page's {} values", what, done, n));
    }
    for (size_t i = 0; i < k; ++i) {
      if (scratch[i] > static_cast<uint32_t>(max_level)) {
        return Status::Corruption(
            fmt::format("{} level {} above the maximum {}", what, scratch[i], max_level));
      }
    }
    done += static_cast<int64_t>(k);
  }
  return Status::OK();
}

// The repetition and definition levels of a page whose levels are in
// `rep` and `def`, already initialized.
Status CheckPageLevels(const LeafColumn& leaf, LevelStream& rep, LevelStream& def, int64_t n) {
  if (leaf.max_repetition_level > 0) {
    RETURN_IF_ERROR(CheckLevels(rep, leaf.max_repetition_level, n, "repetition"));
  }
  if (leaf.max_definition_level > 0) {
    RETURN_IF_ERROR(CheckLevels(def, leaf.max_definition_level, n, "definition"));
  }
  return Status::OK();
}

Status CheckPages(const ParquetFile& file, size_t row_group, const LeafColumn& leaf,
                  const ColumnMetaData& meta, const ParquetFile::ChunkBytes& chunk) {
  std::string_view bytes(*chunk.bytes);
  size_t pos = 0;
  int64_t values = 0;
  std::string buffer;
  uint64_t page_offset = chunk.offset;
  auto context = [&](const Status& st) {
    return st.WithContext(fmt::format("{}: column '{}', row group {}, page at byte {}", file.name(),
                                      leaf.path, row_group, page_offset));
  };
  if (!IsSupportedCodec(meta.codec)) {
    return context(
        Status::NotSupported(fmt::format("compression codec {}", CodecName(meta.codec))));
  }
  while (pos < bytes.size() && values < meta.num_values) {
    page_offset = chunk.offset + pos;
    size_t header_size = 0;
    auto parsed = ParsePageHeader(bytes.substr(pos), &header_size);
    if (!parsed.ok()) return context(parsed.status().WithContext("page header"));
    const PageHeader& h = *parsed;
    size_t left = bytes.size() - pos - header_size;
    if (h.compressed_page_size < 0 || static_cast<size_t>(h.compressed_page_size) > left ||
        h.uncompressed_page_size < 0 || h.uncompressed_page_size > kMaxPageBytes) {
      return context(
          Status::Corruption(fmt::format("invalid page sizes {} / {} ({} bytes left)",
                                         h.compressed_page_size, h.uncompressed_page_size, left)));
    }
    std::string_view page = bytes.substr(pos + header_size, h.compressed_page_size);
    pos += header_size + h.compressed_page_size;
    if (h.crc) {
      uint32_t actual = static_cast<uint32_t>(
          crc32(0, reinterpret_cast<const Bytef*>(page.data()), static_cast<uInt>(page.size())));
      if (actual != *h.crc) return context(Status::Corruption("page CRC mismatch"));
    }
    Status st;
    if (h.type == PageType::kDictionaryPage) {
      st = Decompress(meta.codec, page, h.uncompressed_page_size, &buffer);
    } else if (h.type == PageType::kDataPage) {
      if (!h.data_page_header) return context(Status::Corruption("data page without its header"));
      const DataPageHeader& d = *h.data_page_header;
      if (d.num_values < 0) return context(Status::Corruption("negative value count"));
      st = Decompress(meta.codec, page, h.uncompressed_page_size, &buffer);
      std::string_view data = buffer;
      LevelStream rep, def;
      size_t n = static_cast<size_t>(d.num_values);
      if (st.ok() && leaf.max_repetition_level > 0) {
        st = rep.InitV1(d.repetition_level_encoding, &data, leaf.max_repetition_level, n)
                 .WithContext("repetition levels");
      }
      if (st.ok() && leaf.max_definition_level > 0) {
        st = def.InitV1(d.definition_level_encoding, &data, leaf.max_definition_level, n)
                 .WithContext("definition levels");
      }
      if (st.ok()) st = CheckPageLevels(leaf, rep, def, d.num_values);
      values += d.num_values;
    } else if (h.type == PageType::kDataPageV2) {
      if (!h.data_page_header_v2)
        return context(Status::Corruption("data page v2 without its header"));
      const DataPageHeaderV2& d = *h.data_page_header_v2;
      int64_t rep = d.repetition_levels_byte_length, def = d.definition_levels_byte_length;
      if (d.num_values < 0 || rep < 0 || def < 0 || rep + def > static_cast<int64_t>(page.size()) ||
          rep + def > h.uncompressed_page_size) {
        return context(Status::Corruption("invalid data page v2 header"));
      }
      LevelStream rep_levels, def_levels;
      rep_levels.InitV2(page.substr(0, rep), leaf.max_repetition_level);
      def_levels.InitV2(page.substr(rep, def), leaf.max_definition_level);
      st = CheckPageLevels(leaf, rep_levels, def_levels, d.num_values);
      size_t values_size = static_cast<size_t>(h.uncompressed_page_size - rep - def);
      if (st.ok() && values_size > 0 && d.is_compressed) {
        st = Decompress(meta.codec, page.substr(rep + def), values_size, &buffer);
      }
      values += d.num_values;
    }
    if (!st.ok()) return context(st);
  }
  if (values != meta.num_values) {
    return context(Status::Corruption(fmt::format(
        "the chunk's pages hold {} values, its metadata says {}", values, meta.num_values)));
  }
  return Status::OK();
}

}  // namespace

Status VerifyParquet(ObjectStore& store, std::string_view key) {
  ASSIGN_OR_RETURN(ObjectInfo info, store.Head(key));
  ASSIGN_OR_RETURN(std::unique_ptr<ParquetFile> file, ParquetFile::Open(store, info));
  const auto& leaves = file->schema().leaves();
  for (size_t g = 0; g < file->metadata().row_groups.size(); ++g) {
    const RowGroup& group = file->metadata().row_groups[g];
    if (group.num_rows == 0) continue;
    for (size_t l = 0; l < leaves.size(); ++l) {
      ASSIGN_OR_RETURN(ParquetFile::ChunkBytes chunk,
                       file->FetchChunk(g, l, leaves[l].path, leaves[l].physical_type));
      RETURN_IF_ERROR(CheckPages(*file, g, leaves[l], *group.columns[l].meta_data, chunk));
    }
  }
  std::vector<std::string> flat;
  for (const ColumnDescriptor& c : file->schema().columns()) flat.push_back(c.name);
  NullSink sink;
  ParquetReader reader;
  return reader.ReadFile(*file, flat, sink);
}

}  // namespace freshet::parquet
