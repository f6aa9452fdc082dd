#include "pipeline/spill.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/coding.h"
#include "common/hash.h"
#include "index/segment/row_coding.h"

namespace freshet {
namespace {

// Blocks are written once this many bytes are buffered for a run.
constexpr size_t kBlockBytes = 64 << 10;
constexpr size_t kBlockHeader = 12;  // fixed32 size, fixed64 checksum

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

Result<std::unique_ptr<SpillFolder>> SpillFolder::Create(const std::string& parent) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("spill folder: cannot create '{}': {}", parent, ec.message()));
  }
  std::string pattern = (std::filesystem::path(parent) / "freshet-spill-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::IOError(
        fmt::format("spill folder: cannot create a folder in '{}': {}", parent, ErrnoText()));
  }
  return std::unique_ptr<SpillFolder>(new SpillFolder(std::move(pattern)));
}

SpillFolder::~SpillFolder() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

NewestRecords LoadedRecords::Newest() const {
  NewestRecords newest;
  newest.Reserve(records.size());
  newest.OfferAll(records);
  return newest;
}

BucketRuns::BucketRuns(const SpillFolder& folder, std::string name, size_t buckets, size_t columns)
    : folder_(folder.path()), columns_(columns), runs_(buckets) {
  for (size_t b = 0; b < buckets; ++b) {
    runs_[b].path = (std::filesystem::path(folder_) / fmt::format("{}-{}.run", name, b)).string();
  }
}

BucketRuns::~BucketRuns() {
  for (Run& run : runs_) {
    if (run.fd >= 0) ::close(run.fd);
  }
}

Status BucketRuns::WriteBlock(Run& run) {
  if (run.block.empty()) return Status::OK();
  if (run.fd < 0) {
    run.fd = ::open(run.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (run.fd < 0) {
      return Status::IOError(
          fmt::format("spill folder '{}': cannot create '{}': {}", folder_, run.path, ErrnoText()));
    }
  }
  std::string header;
  PutFixed32(&header, static_cast<uint32_t>(run.block.size()));
  PutFixed64(&header, Hash64(run.block));
  for (std::string_view part : {std::string_view(header), std::string_view(run.block)}) {
    while (!part.empty()) {
      ssize_t n = ::write(run.fd, part.data(), part.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Status::IOError(fmt::format(
            "spill folder '{}': writing '{}' failed after {} bytes: {} (set "
            "pipeline.spill_dir to a folder with more room, or raise pipeline.memory_budget)",
            folder_, run.path, run.written, n < 0 ? ErrnoText() : "no progress"));
      }
      part.remove_prefix(static_cast<size_t>(n));
      run.written += static_cast<uint64_t>(n);
    }
  }
  run.block.clear();
  return Status::OK();
}

Status BucketRuns::Append(size_t bucket, uint32_t file_index, const KeyedRecord& rec) {
  thread_local std::string encoded;
  encoded.clear();
  PutVarint(&encoded, file_index);
  PutVarint(&encoded, ZigZag(rec.version));
  encoded.push_back(rec.deleted ? 1 : 0);
  PutLengthPrefixed(&encoded, rec.id);
  PutLengthPrefixed(&encoded, rec.group);
  for (size_t c = 0; c < columns_; ++c) {
    const ValueView v = rec.table->View(rec.row, c);
    if (v.type == ValueType::kStringList) {
      PutValue(&encoded, rec.table->RowAt(rec.row)[c]);  // a table's view holds no elements
    } else {
      PutValue(&encoded, v);
    }
  }
  std::lock_guard lock(mu_);
  Run& run = runs_[bucket];
  run.block += encoded;
  return run.block.size() >= kBlockBytes ? WriteBlock(run) : Status::OK();
}

Status BucketRuns::Flush() {
  std::lock_guard lock(mu_);
  for (Run& run : runs_) RETURN_IF_ERROR(WriteBlock(run));
  return Status::OK();
}

uint64_t BucketRuns::bytes(size_t bucket) const {
  std::lock_guard lock(mu_);
  const Run& run = runs_[bucket];
  return run.written + run.block.size();
}

Result<LoadedRecords> BucketRuns::Load(std::span<const size_t> buckets) const {
  LoadedRecords out;
  out.table = std::make_unique<RecordTable>(columns_);
  Row values(columns_);
  std::string bytes;
  for (size_t bucket : buckets) {
    const Run& run = runs_[bucket];
    if (run.written == 0) continue;
    bytes.resize(run.written);
    int fd = ::open(run.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Status::IOError(fmt::format("spill run '{}': cannot open: {}", run.path, ErrnoText()));
    }
    size_t got = 0;
    while (got < bytes.size()) {
      ssize_t n = ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    auto bad = [&](uint64_t offset, std::string_view what) {
      return Status::Corruption(
          fmt::format("spill run '{}': {} (offset {})", run.path, what, offset));
    };
    if (got != bytes.size()) return bad(got, "shorter than written");
    for (size_t pos = 0; pos < bytes.size();) {
      if (bytes.size() - pos < kBlockHeader) return bad(pos, "truncated block header");
      const uint32_t size = DecodeFixed32(bytes.data() + pos);
      const uint64_t checksum = DecodeFixed64(bytes.data() + pos + 4);
      if (bytes.size() - pos - kBlockHeader < size) return bad(pos, "truncated block");
      std::string_view block(bytes.data() + pos + kBlockHeader, size);
      if (Hash64(block) != checksum) return bad(pos, "block checksum mismatch");
      Cursor in(block);
      while (!in.done()) {
        uint64_t file, version;
        uint8_t deleted;
        std::string_view id, group;
        if (!in.GetVarint(&file) || file > UINT32_MAX || !in.GetVarint(&version) ||
            !in.GetByte(&deleted) || !in.GetLengthPrefixed(&id) || !in.GetLengthPrefixed(&group)) {
          return bad(pos, "bad record");
        }
        for (Value& v : values) {
          if (!GetValue(in, &v)) return bad(pos, "bad value");
        }
        KeyedRecord rec{.id = out.table->Store(id),
                        .group = out.table->Store(group),
                        .version = UnZigZag(version),
                        .hash = Hash64(id),
                        .table = out.table.get(),
                        .row = out.table->Append(values),
                        .deleted = deleted != 0};
        out.records.push_back(rec);
        out.file_index.push_back(static_cast<uint32_t>(file));
      }
      pos += kBlockHeader + size;
    }
  }
  // File order, as the files were offered before they were spilled.
  std::vector<uint32_t> order(out.records.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return out.file_index[a] < out.file_index[b]; });
  std::vector<KeyedRecord> records(order.size());
  std::vector<uint32_t> files(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    records[i] = out.records[order[i]];
    files[i] = out.file_index[order[i]];
  }
  out.records = std::move(records);
  out.file_index = std::move(files);
  return out;
}

}  // namespace freshet
