// libFuzzer target over the Delta Lake log reader (source/delta_log.h). The
// first input byte picks what the rest is:
//   0: one commit file's text (ParseDeltaCommit);
//   1: a whole log: the rest cut at each "\n--\n" into the commits of
//      versions 0, 1, ... of a table in a memory store, read with
//      LoadDeltaSnapshot from scratch, then again from its first version
//      (the incremental path);
//   2: a checkpoint: the rest as the Parquet checkpoint of version 0, named
//      by _last_checkpoint, beside a commit of version 1.
// Every input must give a state or a Status, never crash, hang or allocate
// without bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "source/delta_log.h"
#include "storage/memory_store.h"

namespace {

using namespace freshet;

void LoadTwice(ObjectStore& store) {
  auto all = LoadDeltaSnapshot(store, std::nullopt);
  if (!all.ok()) return;
  DeltaSnapshot first;
  first.version = 0;
  auto commits = ReadDeltaCommits(store, 0, 0);
  if (commits.ok() && !commits->empty() && (*commits)[0].metadata) {
    first.metadata = *(*commits)[0].metadata;
    (void)LoadDeltaSnapshot(store, std::move(first));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      (void)ParseDeltaCommit("fuzz.json", in);
      break;
    case 1: {
      std::unique_ptr<ObjectStore> store = NewMemoryStore();
      int64_t version = 0;
      for (size_t pos = 0; pos <= in.size() && version < 64; ++version) {
        size_t end = in.find("\n--\n", pos);
        if (end == std::string_view::npos) end = in.size();
        (void)store->Put(DeltaCommitKey(version), in.substr(pos, end - pos));
        pos = end + 4;
      }
      LoadTwice(*store);
      break;
    }
    default: {
      std::unique_ptr<ObjectStore> store = NewMemoryStore();
      (void)store->Put("_delta_log/00000000000000000000.checkpoint.parquet", in);
      (void)store->Put("_delta_log/_last_checkpoint", R"({"version":0,"size":1})");
      (void)store->Put(DeltaCommitKey(1), R"({"commitInfo":{}})");
      LoadTwice(*store);
      break;
    }
  }
  return 0;
}
