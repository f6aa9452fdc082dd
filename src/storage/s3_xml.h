// The few XML documents of the S3 API that the S3 store reads and writes:
// ListObjectsV2 pages, error bodies, multipart upload results and the
// CompleteMultipartUpload request. S3 responses are flat, namespaced only at
// the root and never nest an element inside one of the same name; a small
// scanner is enough. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshet {

// The text of the first <name> element in `xml` (entities decoded), or
// nullopt if there is none. `<name/>` gives "".
std::optional<std::string> XmlElementText(std::string_view xml, std::string_view name);

// The inner XML of every <name> element in `xml`, in order. Views into `xml`.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name);

// Escapes &, <, >, " and ' for element text.
std::string XmlEscape(std::string_view text);

struct S3ListEntry {
  std::string key;  // full key, decoded
  uint64_t size = 0;
  std::string etag;  // without quotes
};

struct S3ListPage {
  std::vector<S3ListEntry> entries;
  bool truncated = false;
  std::string next_continuation_token;
};

// Parses a ListObjectsV2 result. With `url_encoded` (encoding-type=url was
// requested) keys are percent-decoded, '+' meaning a space.
Result<S3ListPage> ParseListObjectsV2(std::string_view xml, bool url_encoded);

struct S3Error {
  std::string code;     // e.g. "NoSuchKey", "SlowDown"; empty if the body has none
  std::string message;  // the server's human-readable message
};

// The <Error> of an S3 error body; empty fields when the body is not one.
S3Error ParseS3Error(std::string_view xml);

// The body of CompleteMultipartUpload for parts 1..N with these ETags.
std::string CompleteMultipartUploadXml(const std::vector<std::string>& etags);

}  // namespace freshet
