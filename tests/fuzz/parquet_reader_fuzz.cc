// libFuzzer target: an arbitrary byte string as a Parquet file. Opens it,
// reads every flat column, and verifies every chunk; any outcome but a crash,
// a sanitizer report, a hang or a huge allocation is fine.
#include <cstddef>
#include <cstdint>
#include <string>

#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_verify.h"
#include "storage/memory_store.h"

namespace {

using namespace freshet;

// Stops runaway reads: a tiny file may legitimately announce billions of
// (all-null) rows.
class BoundedSink final : public RowSink {
 public:
  Status OnRow(Row&, uint64_t row_number) override {
    return row_number > 200000 ? Status::Aborted("enough rows") : Status::OK();
  }
  Status OnBadRow(uint64_t, uint64_t, std::string) override { return Status::OK(); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<ObjectStore> memory = NewMemoryStore();
  ObjectStore& store = *memory;
  (void)store.Put("fuzz.parquet", std::string(reinterpret_cast<const char*>(data), size));
  auto info = store.Head("fuzz.parquet");
  auto file = parquet::ParquetFile::Open(store, *info);
  if (!file.ok()) return 0;
  std::vector<std::string> columns;
  for (const auto& c : (*file)->schema().columns()) columns.push_back(c.name);
  for (bool checksums : {false, true}) {
    parquet::ParquetReadOptions options;
    options.threads = 1;
    options.verify_checksums = checksums;
    parquet::ParquetReader reader(options);
    BoundedSink sink;
    (void)reader.ReadFile(**file, columns, sink);
  }
  if ((*file)->metadata().num_rows < 200000) (void)parquet::VerifyParquet(store, "fuzz.parquet");
  return 0;
}
