#include "storage/s3_url.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "common/byte_size.h"
#include "storage/object_store.h"

namespace freshet {
namespace {

bool ValidBucketName(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return std::isalnum(static_cast<unsigned char>(b.front())) &&
         std::isalnum(static_cast<unsigned char>(b.back()));
}

bool ParseUnsigned(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "250ms", "30s", "5m", or whole seconds.
bool ParseDuration(std::string_view text, std::chrono::milliseconds* out) {
  uint64_t mult = 1000;
  if (text.ends_with("ms")) {
    text.remove_suffix(2);
    mult = 1;
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  } else if (text.ends_with("m")) {
    text.remove_suffix(1);
    mult = 60'000;
  }
  uint64_t n = 0;
  if (!ParseUnsigned(text, &n) || n > (1ull << 40) / mult) return false;
  *out = std::chrono::milliseconds(n * mult);
  return true;
}

// Checks "http(s)://host[:port][/]" and returns it without the trailing '/'.
Result<std::string> NormalizeEndpoint(std::string_view endpoint, std::string_view source) {
  std::string_view rest;
  if (endpoint.starts_with("http://")) {
    rest = endpoint.substr(7);
  } else if (endpoint.starts_with("https://")) {
    rest = endpoint.substr(8);
  } else {
    return Status::InvalidArgument(
        fmt::format("S3 endpoint from {} must start with http:// or https://", source));
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('@') != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("S3 endpoint from {} must not carry credentials; set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY",
                    source));
  }
  if (rest.empty() || rest.find_first_of("/?#") != std::string_view::npos) {
    return Status::InvalidArgument(fmt::format(
        "S3 endpoint '{}' from {} must be scheme://host[:port] without a path", endpoint, source));
  }
  endpoint.remove_suffix(endpoint.size() - (endpoint.find("://") + 3 + rest.size()));
  return std::string(endpoint);
}

std::optional<std::string> FirstSet(const EnvLookup& env, std::initializer_list<const char*> names,
                                    const char** found = nullptr) {
  for (const char* name : names) {
    std::optional<std::string> v = env(name);
    if (v && !v->empty()) {
      if (found) *found = name;
      return v;
    }
  }
  return std::nullopt;
}

bool IsCredentialOption(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view word : {"key", "secret", "token", "password", "credential"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::string S3Config::Describe() const {
  std::string out = "s3://" + bucket;
  if (!prefix.empty()) out += "/" + prefix;
  if (endpoint_from_url) out += "?endpoint=" + endpoint;
  return out;
}

std::string S3Config::RequestUrl(std::string_view object_key, const QueryParams& query) const {
  size_t scheme_end = endpoint.find("://") + 3;
  std::string url;
  if (addressing == S3Addressing::kVirtualHost) {
    url = endpoint.substr(0, scheme_end) + bucket + "." + endpoint.substr(scheme_end);
    url += "/";
    url += UriEncode(object_key, true);
  } else {
    url = endpoint + "/" + UriEncode(bucket, false);
    if (!object_key.empty()) url += "/" + UriEncode(object_key, true);
  }
  if (!query.empty()) url += "?" + CanonicalQueryString(query);
  return url;
}

Result<S3Config> ParseS3Url(std::string_view url, const EnvLookup& env) {
  if (!url.starts_with("s3://")) {
    return Status::InvalidArgument("an S3 store URL starts with s3://");
  }
  std::string_view rest = url.substr(5);
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (bucket.find('@') != std::string_view::npos) {
    return Status::InvalidArgument(
        "S3 URL must not carry credentials (user:secret@); set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY");
  }
  S3Config c;
  if (!ValidBucketName(bucket)) {
    return Status::InvalidArgument(fmt::format(
        "S3 URL: bucket name '{}' is not valid (3 to 63 of a-z, 0-9, '.', '-')", bucket));
  }
  c.bucket = std::string(bucket);
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  if (!prefix.empty()) {
    Status st = ValidateKey(prefix);
    if (!st.ok()) return st.WithContext("S3 URL prefix");
  }
  c.prefix = std::string(prefix);

  const char* found = nullptr;
  std::optional<std::string> endpoint =
      FirstSet(env, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}, &found);
  std::string endpoint_source = found ? found : "";
  if (auto region = FirstSet(env, {"AWS_REGION", "AWS_DEFAULT_REGION"})) c.region = *region;
  std::optional<S3Addressing> addressing;

  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string name = UriDecode(pair.substr(0, eq), false);
    std::string value = eq == std::string_view::npos ? "" : UriDecode(pair.substr(eq + 1), false);
    auto bad = [&](std::string_view expected) {
      return Status::InvalidArgument(
          fmt::format("S3 URL option {}='{}': expected {}", name, value, expected));
    };
    if (name == "endpoint") {
      endpoint = value;
      endpoint_source = "the URL";
      c.endpoint_from_url = true;
    } else if (name == "region") {
      if (value.empty()) return bad("a region name");
      c.region = value;
    } else if (name == "addressing") {
      if (value == "path") {
        addressing = S3Addressing::kPath;
      } else if (value == "virtual") {
        addressing = S3Addressing::kVirtualHost;
      } else {
        return bad("path or virtual");
      }
    } else if (name == "multipart_threshold") {
      if (!ParseByteSize(value, &c.multipart_threshold)) return bad("a size");
    } else if (name == "part_size") {
      if (!ParseByteSize(value, &c.part_size) || c.part_size < (5ull << 20) ||
          c.part_size > (5ull << 30)) {
        return bad("a size from 5MiB to 5GiB");
      }
    } else if (name == "timeout") {
      if (!ParseDuration(value, &c.timeout) || c.timeout.count() == 0) return bad("a duration");
    } else if (name == "connect_timeout") {
      if (!ParseDuration(value, &c.connect_timeout) || c.connect_timeout.count() == 0) {
        return bad("a duration");
      }
    } else if (name == "stall_timeout") {
      if (!ParseDuration(value, &c.stall_timeout) || c.stall_timeout.count() < 1000) {
        return bad("a duration of at least 1s");
      }
    } else if (name == "max_attempts") {
      uint64_t n = 0;
      if (!ParseUnsigned(value, &n) || n < 1 || n > 100) return bad("an integer from 1 to 100");
      c.max_attempts = static_cast<int>(n);
    } else if (IsCredentialOption(name)) {
      return Status::InvalidArgument(fmt::format(
          "S3 URL option '{}' is not accepted: credentials come from AWS_ACCESS_KEY_ID, "
          "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN",
          name));
    } else {
      return Status::InvalidArgument(
          fmt::format("S3 URL option '{}' is unknown (known: endpoint, region, addressing, "
                      "multipart_threshold, part_size, timeout, connect_timeout, stall_timeout, "
                      "max_attempts)",
                      name));
    }
  }

  if (endpoint) {
    ASSIGN_OR_RETURN(c.endpoint, NormalizeEndpoint(*endpoint, endpoint_source));
    c.addressing = addressing.value_or(S3Addressing::kPath);
  } else {
    c.endpoint = fmt::format("https://s3.{}.amazonaws.com", c.region);
    c.addressing = addressing.value_or(S3Addressing::kVirtualHost);
  }

  if (auto id = env("AWS_ACCESS_KEY_ID"); id && !id->empty()) c.credentials.access_key_id = *id;
  if (auto secret = env("AWS_SECRET_ACCESS_KEY"); secret && !secret->empty()) {
    c.credentials.secret_access_key = *secret;
  }
  if (auto token = env("AWS_SESSION_TOKEN"); token && !token->empty()) {
    c.credentials.session_token = *token;
  }
  if (c.credentials.access_key_id.empty() != c.credentials.secret_access_key.empty()) {
    return Status::InvalidArgument(
        c.credentials.access_key_id.empty()
            ? "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
            : "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  }
  if (auto ca = env("AWS_CA_BUNDLE"); ca && !ca->empty()) c.ca_bundle = *ca;
  return c;
}

}  // namespace freshet
