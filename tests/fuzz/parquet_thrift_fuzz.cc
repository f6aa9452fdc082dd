// libFuzzer target: an arbitrary byte string as a Thrift-encoded Parquet
// footer and as a page header; re-encodes what parses and parses it again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/parquet/parquet_metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace freshet::parquet;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto md = ParseFileMetaData(bytes);
  if (md.ok()) {
    auto again = ParseFileMetaData(SerializeFileMetaData(*md));
    if (!again.ok()) __builtin_trap();  // what we write, we must read
  }
  size_t header_size = 0;
  auto header = ParsePageHeader(bytes, &header_size);
  if (header.ok() && header_size > size) __builtin_trap();
  return 0;
}
