// S3 store URLs and the configuration they resolve to.
//
//   s3://BUCKET[/PREFIX][?OPTION=VALUE&...]
//
// Keys of the store are relative to PREFIX. Options (all optional):
//   endpoint=URL          http(s)://host[:port] of an S3-compatible server
//                         (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or
//                         https://s3.REGION.amazonaws.com)
//   region=NAME           signing region (default: AWS_REGION,
//                         AWS_DEFAULT_REGION, or us-east-1)
//   addressing=path|virtual
//                         bucket in the path (http://host/bucket/key) or in the
//                         host name (http://bucket.host/key); default: path
//                         with a custom endpoint, virtual on AWS
//   multipart_threshold=SIZE, part_size=SIZE
//                         Put sends objects larger than the threshold as a
//                         multipart upload of part_size parts (defaults 64MiB
//                         and 16MiB; SIZE is bytes or KiB/MiB/GiB)
//   timeout=DURATION      deadline of one call, retries included (default 5m)
//   connect_timeout=DURATION (default 10s)
//   stall_timeout=DURATION   an attempt that moves no byte for this long is
//                            abandoned and retried (default 30s)
//   max_attempts=N        attempts per call (default 8)
// DURATION is `250ms`, `30s`, `5m` or whole seconds.
//
// Credentials come only from the environment: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (none: anonymous requests).
// AWS_CA_BUNDLE names a PEM file of trusted CAs. A URL that tries to carry
// credentials is rejected without repeating them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/s3_signing.h"

namespace freshet {

enum class S3Addressing { kPath, kVirtualHost };

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never logged, never in a message
  std::string session_token;      // never logged, never in a message
  bool anonymous() const { return access_key_id.empty(); }
};

struct S3Config {
  std::string bucket;
  std::string prefix;  // without leading or trailing '/'; may be empty
  // "http(s)://host[:port]", no trailing '/'.
  std::string endpoint;
  bool endpoint_from_url = false;  // given as an option: part of Describe()
  std::string region = "us-east-1";
  S3Addressing addressing = S3Addressing::kPath;
  S3Credentials credentials;
  std::string ca_bundle;  // empty: the system's CAs

  uint64_t multipart_threshold = 64ull << 20;
  uint64_t part_size = 16ull << 20;
  std::chrono::milliseconds timeout{300'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{30'000};
  int max_attempts = 8;

  // "s3://bucket/prefix", plus "?endpoint=..." when the URL chose the
  // endpoint. Safe to log; reopening it gives the same store.
  std::string Describe() const;

  // The request URL for the object whose full key (prefix included) is
  // `object_key`, or for the bucket when it is empty, with `query` in
  // canonical form: what libcurl must sign as is.
  std::string RequestUrl(std::string_view object_key, const QueryParams& query = {}) const;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// The process environment.
EnvLookup ProcessEnvironment();

// Parses an s3:// URL, filling what it leaves out from `env`. Fails with
// InvalidArgument naming the bad part (never a credential).
Result<S3Config> ParseS3Url(std::string_view url, const EnvLookup& env);

}  // namespace freshet
