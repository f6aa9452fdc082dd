#include "format/parquet/parquet_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "common/log.h"

namespace freshet::parquet {
namespace {

constexpr uint64_t kTailBytes = 64 << 10;
// Decoded bytes a batch aims for; batches of wide rows get fewer rows.
constexpr uint64_t kTargetBatchBytes = 16 << 20;
// Batches a row group decoded ahead may queue before its thread waits.
constexpr size_t kQueuedBatches = 2;

uint32_t LoadLittleEndian32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Rows of consecutive values of some of the projected columns.
struct RowBatch {
  size_t rows = 0;
  std::vector<ColumnBatch> columns;
};

// Rows per batch for row group `index` of `file` over `columns`: batches of
// wide rows get fewer rows. Every part of a row group uses the same count,
// so that their batches line up.
uint64_t BatchRows(const ParquetFile& file, size_t index,
                   const std::vector<const ColumnDescriptor*>& columns,
                   const ParquetReadOptions& options) {
  const RowGroup& g = file.metadata().row_groups[index];
  uint64_t row_bytes = 0;
  for (const ColumnDescriptor* c : columns) {
    const ColumnChunk& cc = g.columns[c->leaf_index];
    if (!cc.meta_data) continue;  // OpenColumn reports it
    row_bytes +=
        static_cast<uint64_t>(std::max<int64_t>(cc.meta_data->total_uncompressed_size, 0)) /
        static_cast<uint64_t>(std::max<int64_t>(g.num_rows, 1));
  }
  return std::clamp<uint64_t>(kTargetBatchBytes / std::max<uint64_t>(row_bytes, 1), 16,
                              std::max<size_t>(options.batch_rows, 1));
}

// Decodes some columns of one row group batch by batch.
class RowGroupDecoder {
 public:
  RowGroupDecoder(const ParquetFile& file, size_t index,
                  std::vector<const ColumnDescriptor*> columns, uint64_t batch_rows,
                  const ParquetReadOptions& options)
      : file_(file),
        index_(index),
        columns_(std::move(columns)),
        options_(options),
        batch_rows_(batch_rows) {}

  // Fetches the column chunks.
  Status Open() {
    rows_left_ = file_.metadata().row_groups[index_].num_rows;
    for (const ColumnDescriptor* c : columns_) {
      ASSIGN_OR_RETURN(
          auto reader,
          file_.OpenColumn(index_, *c, {options_.verify_checksums, options_.max_list_batch_bytes}));
      readers_.push_back(std::move(reader));
    }
    return Status::OK();
  }

  bool done() const { return rows_left_ == 0; }

  // REQUIRES: !done()
  Status Next(RowBatch* out) {
    size_t n =
        static_cast<size_t>(std::min<int64_t>(rows_left_, static_cast<int64_t>(batch_rows_)));
    out->rows = n;
    out->columns.resize(readers_.size());
    for (size_t i = 0; i < readers_.size(); ++i)
      RETURN_IF_ERROR(readers_[i]->Read(n, &out->columns[i]));
    rows_left_ -= static_cast<int64_t>(n);
    return Status::OK();
  }

 private:
  const ParquetFile& file_;
  size_t index_;
  std::vector<const ColumnDescriptor*> columns_;
  const ParquetReadOptions& options_;
  uint64_t batch_rows_;
  std::vector<std::unique_ptr<ColumnChunkReader>> readers_;
  int64_t rows_left_ = 0;
};

// Runs a RowGroupDecoder on its own thread, handing batches over through a
// bounded queue. Destruction cancels and joins.
class RowGroupWorker {
 public:
  RowGroupWorker(const ParquetFile& file, size_t index,
                 std::vector<const ColumnDescriptor*> columns, uint64_t batch_rows,
                 const ParquetReadOptions& options)
      : decoder_(file, index, std::move(columns), batch_rows, options) {
    thread_ = std::thread([this] { Run(); });
  }
  ~RowGroupWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // Waits for the next batch. Returns false at the end of the row group, with
  // `*status` set if decoding failed.
  bool Pop(RowBatch* out, Status* status) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty() || finished_; });
    if (!queue_.empty()) {
      *out = std::move(queue_.front());
      queue_.pop_front();
      cv_.notify_all();
      return true;
    }
    *status = status_;
    return false;
  }

 private:
  void Run() {
    Status st = decoder_.Open();
    while (st.ok() && !decoder_.done()) {
      RowBatch batch;
      st = decoder_.Next(&batch);
      if (!st.ok()) break;
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return queue_.size() < kQueuedBatches || cancelled_; });
      if (cancelled_) return;
      queue_.push_back(std::move(batch));
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    status_ = st;
    finished_ = true;
    cv_.notify_all();
  }

  RowGroupDecoder decoder_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RowBatch> queue_;
  bool finished_ = false;
  bool cancelled_ = false;
  Status status_;
  std::thread thread_;
};

// One row group decoding ahead of the caller, its columns split into
// `parts` parts of about equal uncompressed size, each on its own thread
// (so that several cores help on a file of one row group). Batches come
// back with every column in `columns` order.
class RowGroupJob {
 public:
  RowGroupJob(const ParquetFile& file, size_t index,
              const std::vector<const ColumnDescriptor*>& columns, size_t parts,
              const ParquetReadOptions& options) {
    const RowGroup& g = file.metadata().row_groups[index];
    auto bytes = [&](const ColumnDescriptor* c) -> int64_t {
      const ColumnChunk& cc = g.columns[c->leaf_index];
      return cc.meta_data ? cc.meta_data->total_uncompressed_size : 0;
    };
    parts = std::clamp<size_t>(parts, 1, std::max<size_t>(columns.size(), 1));
    // Largest first, each to the lightest part.
    std::vector<size_t> order(columns.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return bytes(columns[a]) > bytes(columns[b]); });
    std::vector<std::vector<const ColumnDescriptor*>> part_columns(parts);
    std::vector<int64_t> load(parts, 0);
    slots_.resize(columns.size());
    for (size_t i : order) {
      size_t p = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
      load[p] += std::max<int64_t>(bytes(columns[i]), 1);
      slots_[i] = {p, part_columns[p].size()};
      part_columns[p].push_back(columns[i]);
    }
    uint64_t batch_rows = BatchRows(file, index, columns, options);
    for (auto& pc : part_columns) {
      workers_.push_back(
          std::make_unique<RowGroupWorker>(file, index, std::move(pc), batch_rows, options));
    }
    part_batches_.resize(parts);
  }

  // Waits for the next batch of every part. Returns false at the end of the
  // row group, with `*status` set if decoding failed.
  bool Pop(RowBatch* out, Status* status) {
    bool more = true;
    for (size_t p = 0; p < workers_.size(); ++p) {
      Status st;
      if (!workers_[p]->Pop(&part_batches_[p], &st)) {
        more = false;
        if (!st.ok()) {
          *status = st;
          return false;
        }
      }
    }
    if (!more) return false;
    out->rows = part_batches_[0].rows;
    out->columns.resize(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
      out->columns[i] = std::move(part_batches_[slots_[i].part].columns[slots_[i].index]);
    }
    return true;
  }

 private:
  struct Slot {
    size_t part;
    size_t index;
  };
  std::vector<Slot> slots_;  // per column: its part and place there
  std::vector<std::unique_ptr<RowGroupWorker>> workers_;
  std::vector<RowBatch> part_batches_;
};

// Hands one batch to the sink, as rows `*row_number` + 1 onwards, letting
// it keep the batch (RecordBatch::owner); when it did not, `*batch` gets
// its storage back for the next batch.
Status EmitBatch(RowBatch* batch, const std::vector<int>& source, RecordBatch* view,
                 uint64_t* row_number, RowSink& sink) {
  auto owned = std::make_shared<RowBatch>(std::move(*batch));
  view->rows = owned->rows;
  view->columns.resize(source.size());
  view->owner_bytes = 0;
  for (size_t c = 0; c < source.size(); ++c) {
    view->columns[c] = source[c] < 0 ? nullptr : &owned->columns[source[c]];
  }
  for (const ColumnBatch& c : owned->columns) view->owner_bytes += c.MemoryBytes();
  view->owner = owned;
  Status st = sink.OnBatch(*view, *row_number + 1);
  view->owner.reset();
  *row_number += owned->rows;
  if (owned.use_count() == 1) *batch = std::move(*owned);
  return st;
}

}  // namespace

Result<std::unique_ptr<ParquetFile>> ParquetFile::Open(ObjectStore& store, const ObjectInfo& info) {
  uint64_t size = info.size;
  if (size == 0) {
    ASSIGN_OR_RETURN(ObjectInfo head, store.Head(info.key));
    size = head.size;
  }
  const std::string& name = info.key;
  if (size < 12) {
    return Status::Corruption(
        fmt::format("{}: {} bytes is too small for a Parquet file (at least 12)", name, size));
  }
  std::unique_ptr<ParquetFile> file(new ParquetFile(store, name, size));
  uint64_t tail_len = std::min(size, kTailBytes);
  ASSIGN_OR_RETURN(std::string tail, store.GetRange(name, size - tail_len, tail_len));
  if (tail.size() != tail_len) {
    return Status::IOError(
        fmt::format("{}: short read of the footer ({} of {} bytes)", name, tail.size(), tail_len));
  }
  std::string_view magic = std::string_view(tail).substr(tail.size() - 4);
  if (magic == "PARE") {
    return Status::NotSupported(
        fmt::format("{}: encrypted Parquet footers are not supported", name));
  }
  if (magic != "PAR1") {
    return Status::Corruption(
        fmt::format("{}: no PAR1 magic at the end of the file (byte {})", name, size - 4));
  }
  if (tail_len == size && std::string_view(tail).substr(0, 4) != "PAR1") {
    return Status::Corruption(fmt::format("{}: no PAR1 magic at the start of the file", name));
  }
  uint64_t footer_len = LoadLittleEndian32(tail.data() + tail.size() - 8);
  if (footer_len > size - 12 || footer_len > kMaxFooterBytes) {
    return Status::Corruption(
        fmt::format("{}: footer length {} at byte {} exceeds the file's {} bytes", name, footer_len,
                    size - 8, size));
  }
  file->data_end_ = size - 8 - footer_len;
  std::string footer;
  if (footer_len + 8 <= tail_len) {
    footer = tail.substr(tail_len - 8 - footer_len, footer_len);
  } else {
    ASSIGN_OR_RETURN(footer, store.GetRange(name, file->data_end_, footer_len));
    if (footer.size() != footer_len) {
      return Status::IOError(fmt::format("{}: short read of the footer", name));
    }
  }
  auto md = ParseFileMetaData(footer);
  if (!md.ok()) {
    return md.status().WithContext(fmt::format("{}: footer at byte {}", name, file->data_end_));
  }
  file->metadata_ = std::move(md).value();
  auto schema = ParquetSchema::Make(file->metadata_);
  if (!schema.ok()) return schema.status().WithContext(fmt::format("{}: schema", name));
  file->schema_ = std::move(schema).value();
  for (size_t i = 0; i < file->metadata_.row_groups.size(); ++i) {
    const RowGroup& g = file->metadata_.row_groups[i];
    if (g.columns.size() != file->schema_.num_leaves()) {
      return Status::Corruption(
          fmt::format("{}: row group {} has {} column chunks, the schema has {} columns", name, i,
                      g.columns.size(), file->schema_.num_leaves()));
    }
    if (g.num_rows < 0) {
      return Status::Corruption(fmt::format("{}: row group {} has {} rows", name, i, g.num_rows));
    }
  }
  return file;
}

Result<ParquetFile::ChunkBytes> ParquetFile::FetchChunk(size_t row_group, size_t leaf_index,
                                                        std::string_view column_name,
                                                        PhysicalType physical_type) const {
  const RowGroup& g = metadata_.row_groups[row_group];
  const ColumnChunk& cc = g.columns[leaf_index];
  auto where = [&] {
    return fmt::format("{}: column '{}', row group {}", name_, column_name, row_group);
  };
  if (!cc.meta_data) {
    if (cc.encrypted) return Status::NotSupported(where() + ": encrypted column chunk");
    return Status::Corruption(where() + ": column chunk without metadata");
  }
  if (!cc.file_path.empty()) {
    return Status::NotSupported(
        fmt::format("{}: column chunk stored in another file ('{}')", where(), cc.file_path));
  }
  const ColumnMetaData& m = *cc.meta_data;
  if (m.type != physical_type) {
    return Status::Corruption(fmt::format("{}: chunk type {} differs from the schema's {}", where(),
                                          PhysicalTypeName(m.type),
                                          PhysicalTypeName(physical_type)));
  }
  int64_t start = m.data_page_offset;
  if (m.dictionary_page_offset && *m.dictionary_page_offset > 0 &&
      *m.dictionary_page_offset < start) {
    start = *m.dictionary_page_offset;
  }
  int64_t len = m.total_compressed_size;
  if (start < 4 || len <= 0 || static_cast<uint64_t>(start) >= data_end_ ||
      static_cast<uint64_t>(len) > data_end_ - static_cast<uint64_t>(start)) {
    return Status::Corruption(
        fmt::format("{}: chunk at byte {} of {} bytes lies outside the data section [4, {})",
                    where(), start, len, data_end_));
  }
  ASSIGN_OR_RETURN(std::string bytes, store_.GetRange(name_, start, len));
  if (bytes.size() != static_cast<uint64_t>(len)) {
    return Status::IOError(fmt::format("{}: short read of {} of {} bytes at byte {}", where(),
                                       bytes.size(), len, start));
  }
  return ChunkBytes{std::make_shared<const std::string>(std::move(bytes)),
                    static_cast<uint64_t>(start)};
}

Result<std::unique_ptr<ColumnChunkReader>> ParquetFile::OpenColumn(
    size_t row_group, const ColumnDescriptor& column, ColumnReadOptions options) const {
  ASSIGN_OR_RETURN(ChunkBytes chunk,
                   FetchChunk(row_group, column.leaf_index, column.name, column.physical_type));
  const RowGroup& g = metadata_.row_groups[row_group];
  ChunkLocation location{name_, row_group, chunk.offset};
  return std::make_unique<ColumnChunkReader>(column, *g.columns[column.leaf_index].meta_data,
                                             std::move(location), std::move(chunk.bytes),
                                             g.num_rows, options);
}

Status ParquetReader::Read(ObjectStore& store, const ObjectInfo& file,
                           const std::vector<std::string>& columns, RowSink& sink) {
  ASSIGN_OR_RETURN(std::unique_ptr<ParquetFile> parquet, ParquetFile::Open(store, file));
  return ReadFile(*parquet, columns, sink);
}

Status ParquetReader::ReadFile(const ParquetFile& file, const std::vector<std::string>& columns,
                               RowSink& sink) {
  // Output column -> index among the decoded columns, or -1 (absent: null).
  std::vector<const ColumnDescriptor*> decoded;
  std::vector<int> source(columns.size(), -1);
  for (size_t c = 0; c < columns.size(); ++c) {
    const ColumnDescriptor* d = file.schema().Find(columns[c]);
    if (d == nullptr) {
      if (const SkippedField* s = file.schema().FindSkipped(columns[c])) {
        return Status::NotSupported(
            fmt::format("{}: column '{}' is a {}; only flat and list columns can be read",
                        file.name(), columns[c], s->reason));
      }
      continue;
    }
    auto it = std::find(decoded.begin(), decoded.end(), d);
    source[c] = static_cast<int>(it - decoded.begin());
    if (it == decoded.end()) decoded.push_back(d);
  }
  for (const SkippedField& s : file.schema().skipped()) {
    Log(LogLevel::kDebug, "parquet_nested_column_skipped",
        {{"file", file.name()}, {"column", s.name}, {"reason", s.reason}});
  }
  sink.OnRowCountHint(static_cast<uint64_t>(std::max<int64_t>(file.metadata().num_rows, 0)));
  uint64_t row_number = 0;
  const std::vector<RowGroup>& groups = file.metadata().row_groups;
  RowBatch batch;
  RecordBatch view;
  if (options_.threads <= 1) {
    for (size_t g = 0; g < groups.size(); ++g) {
      if (groups[g].num_rows == 0) continue;
      RowGroupDecoder decoder(file, g, decoded, BatchRows(file, g, decoded, options_), options_);
      RETURN_IF_ERROR(decoder.Open());
      while (!decoder.done()) {
        RETURN_IF_ERROR(decoder.Next(&batch));
        RETURN_IF_ERROR(EmitBatch(&batch, source, &view, &row_number, sink));
      }
    }
    return Status::OK();
  }
  // `threads` threads decode ahead: one row group each when the file has
  // enough of them, else the columns of fewer row groups split between them.
  // Rows still leave in file order.
  const size_t threads = static_cast<size_t>(options_.threads);
  size_t nonempty = 0;
  for (const RowGroup& g : groups) nonempty += g.num_rows > 0;
  const size_t parts =
      nonempty >= threads ? 1 : (threads + nonempty - 1) / std::max<size_t>(nonempty, 1);
  const size_t ahead = std::max<size_t>(threads / parts, 1);
  std::deque<std::unique_ptr<RowGroupJob>> jobs;
  size_t next = 0;
  while (true) {
    while (jobs.size() < ahead && next < groups.size()) {
      if (groups[next].num_rows > 0) {
        jobs.push_back(std::make_unique<RowGroupJob>(file, next, decoded, parts, options_));
      }
      ++next;
    }
    if (jobs.empty()) break;
    Status st;
    while (jobs.front()->Pop(&batch, &st)) {
      RETURN_IF_ERROR(EmitBatch(&batch, source, &view, &row_number, sink));
    }
    RETURN_IF_ERROR(st);
    jobs.pop_front();
  }
  return Status::OK();
}

Status DescribeParquet(ObjectStore& store, std::string_view key, std::ostream& out) {
  ASSIGN_OR_RETURN(ObjectInfo info, store.Head(key));
  ASSIGN_OR_RETURN(std::unique_ptr<ParquetFile> file, ParquetFile::Open(store, info));
  const FileMetaData& md = file->metadata();
  out << fmt::format("file: {} ({} bytes)\n", file->name(), file->size());
  if (!md.created_by.empty()) out << fmt::format("created by: {}\n", md.created_by);
  out << fmt::format("rows: {}\nrow groups: {}\n", md.num_rows, md.row_groups.size());
  out << "columns:\n";
  for (const ColumnDescriptor& c : file->schema().columns()) {
    bool optional = c.is_list() ? c.list_definition_level > 0 : c.max_definition_level > 0;
    out << fmt::format("  {}: {} {}\n", c.name, c.type_name, optional ? "optional" : "required");
  }
  for (const SkippedField& s : file->schema().skipped()) {
    out << fmt::format("  {}: skipped ({})\n", s.name, s.reason);
  }
  for (size_t g = 0; g < md.row_groups.size(); ++g) {
    const RowGroup& rg = md.row_groups[g];
    out << fmt::format("row group {}: {} rows, {} bytes\n", g, rg.num_rows, rg.total_byte_size);
    for (const ColumnDescriptor& c : file->schema().columns()) {
      const ColumnChunk& cc = rg.columns[c.leaf_index];
      if (!cc.meta_data) {
        out << fmt::format("  {}: no metadata\n", c.name);
        continue;
      }
      const ColumnMetaData& m = *cc.meta_data;
      std::string encodings;
      for (Encoding e : m.encodings) {
        if (!encodings.empty()) encodings += ",";
        encodings += EncodingName(e);
      }
      std::string nulls = m.statistics && m.statistics->null_count
                              ? fmt::format(", {} nulls", *m.statistics->null_count)
                              : "";
      out << fmt::format("  {}: {}, {}, {} values, {} bytes compressed, {} uncompressed{}\n",
                         c.name, CodecName(m.codec), encodings, m.num_values,
                         m.total_compressed_size, m.total_uncompressed_size, nulls);
    }
  }
  return Status::OK();
}

}  // namespace freshet::parquet
