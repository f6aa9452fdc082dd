// libFuzzer target over what the S3 store parses from outside: server XML
// (ListObjectsV2 pages, error bodies, any element lookup), percent-encoded
// text, and s3:// URLs. The first input byte picks the parser; the rest is
// its input. Every parser must return a value or a Status, never crash, hang
// or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/s3_signing.h"
#include "storage/s3_url.h"
#include "storage/s3_xml.h"

namespace {

using namespace freshet;

std::optional<std::string> NoEnvironment(const char*) { return std::nullopt; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (which % 5) {
    case 0: {
      auto page = ParseListObjectsV2(input, (which & 0x80) != 0);
      if (page.ok()) {
        for (const S3ListEntry& e : page->entries) (void)e.key.size();
      }
      break;
    }
    case 1:
      (void)ParseS3Error(input);
      break;
    case 2:
      (void)XmlElementText(input, "Key");
      (void)XmlElements(input, "Contents").size();
      break;
    case 3: {
      std::string decoded = UriDecode(input, (which & 0x80) != 0);
      // Encoding what decoding gave must decode back to it.
      if (UriDecode(UriEncode(decoded, false), false) != decoded) __builtin_trap();
      break;
    }
    case 4: {
      auto config = ParseS3Url(input, NoEnvironment);
      if (config.ok()) (void)config->RequestUrl("k/ü y", {{"prefix", "a b"}});
      break;
    }
  }
  return 0;
}
