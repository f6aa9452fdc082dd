// The parts of AWS Signature Version 4 that libcurl leaves to its caller.
//
// libcurl (CURLOPT_AWS_SIGV4) computes the signature, but it signs the URL's
// path and query exactly as written and takes the payload hash from the
// caller's `x-amz-content-sha256` header. So the request URL must already be
// in SigV4 canonical form (every byte except A-Za-z0-9-._~ percent-encoded
// with uppercase hex, query parameters sorted, `key=` for empty values), and
// the caller supplies the payload's SHA-256. These functions produce exactly
// that. All of them are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace freshet {

// SHA-256 of the empty payload, in lowercase hex.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Lowercase hex SHA-256 of `data`: the `x-amz-content-sha256` header value.
std::string Sha256Hex(std::string_view data);

// Percent-encodes every byte except the unreserved A-Za-z0-9-._~ (and '/' if
// `keep_slash`), with uppercase hex: SigV4's UriEncode.
std::string UriEncode(std::string_view text, bool keep_slash);

// Reverses percent-encoding. With `plus_is_space`, '+' decodes to ' ' (form
// encoding, as in listings requested with encoding-type=url). Malformed
// escapes are kept as they are.
std::string UriDecode(std::string_view text, bool plus_is_space);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The canonical query string: names and values UriEncode'd, sorted by encoded
// name then value, joined with '&', "name=" for an empty value.
std::string CanonicalQueryString(const QueryParams& params);

// The CURLOPT_AWS_SIGV4 parameter for S3 in `region`.
std::string CurlSigV4Parameter(std::string_view region);

}  // namespace freshet
