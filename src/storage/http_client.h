// One HTTP request over a pooled libcurl handle, optionally signed with AWS
// Signature Version 4 by libcurl. No retries here: the caller classifies the
// outcome (transport error, status) and decides.
//
// Thread-safe: Send may be called from many threads at once.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/curl_handle_pool.h"

namespace freshet {

struct HttpRequest {
  std::string method;                // GET, HEAD, PUT, POST, DELETE
  std::string url;                   // sent and signed exactly as written
  std::vector<std::string> headers;  // "Name: value"; all of them are signed
  // Payload of PUT and POST. REQUIRES: stays valid until Send returns.
  std::string_view body;
  // Limit for the whole attempt; zero means none.
  std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
  // Transport outcome: empty when an HTTP response arrived complete;
  // otherwise what went wrong (connection refused, timeout, body shorter
  // than its Content-Length, ...), and `status` may be 0.
  std::string transport_error;
  bool transport_retryable = false;  // a transient transport failure
  bool request_sent = false;         // the request may have reached the server
  long status = 0;
  std::map<std::string, std::string> headers;  // names in lowercase
  std::string body;

  bool ok() const { return transport_error.empty(); }
  // The header's value, or "" when absent. `name` in lowercase.
  std::string Header(const std::string& name) const;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // An attempt during which no byte moves for this long fails (retryable).
  std::chrono::milliseconds stall_timeout{30'000};
  std::string ca_bundle;  // empty: the system's CAs. TLS peers are always verified.
  // SigV4 signing: libcurl's CURLOPT_AWS_SIGV4 parameter and the key pair.
  // Empty `sigv4`: requests are not signed.
  std::string sigv4;
  std::string access_key_id;
  std::string secret_access_key;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options) : options_(std::move(options)) {}

  // Performs one attempt. Never throws; every failure is in the response.
  HttpResponse Send(const HttpRequest& request);

  // Idle pooled connections' handles (for tests of reuse).
  size_t idle_handles() const { return pool_.idle(); }

 private:
  const HttpClientOptions options_;
  CurlHandlePool pool_;
};

}  // namespace freshet
