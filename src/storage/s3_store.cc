#include "storage/s3_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "common/log.h"
#include "storage/s3_signing.h"
#include "storage/s3_xml.h"

namespace freshet {
namespace {

HttpClientOptions ClientOptions(const S3Config& c) {
  HttpClientOptions o;
  o.connect_timeout = c.connect_timeout;
  o.stall_timeout = c.stall_timeout;
  o.ca_bundle = c.ca_bundle;
  if (!c.credentials.anonymous()) {
    o.sigv4 = CurlSigV4Parameter(c.region);
    o.access_key_id = c.credentials.access_key_id;
    o.secret_access_key = c.credentials.secret_access_key;
  }
  return o;
}

RetryPolicy PolicyFor(const S3Config& c) {
  RetryPolicy p;
  p.max_attempts = c.max_attempts;
  p.deadline = c.timeout;
  return p;
}

// Whether an HTTP answer is transient: worth another attempt.
bool RetryableStatus(long status, const S3Error& error, bool conditional_write) {
  if (status >= 500 && status != 501) return true;  // InternalError, SlowDown (503), ...
  if (status == 429 || status == 408) return true;
  if (status == 400 && error.code == "RequestTimeout") return true;
  if (status == 409 && conditional_write &&
      (error.code == "ConditionalRequestConflict" || error.code == "OperationAborted")) {
    return true;
  }
  return false;
}

// "HTTP 503 SlowDown: Please reduce your request rate."
std::string DescribeHttpError(const HttpResponse& r, const S3Error& error) {
  std::string out = fmt::format("HTTP {}", r.status);
  if (!error.code.empty()) out += " " + error.code;
  if (!error.message.empty()) out += ": " + error.message;
  return out;
}

std::string StripQuotes(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

// Maps a non-success answer onto a Status naming the call and the object.
Status ErrorStatus(std::string_view op, std::string_view name, const HttpResponse& r) {
  S3Error error = ParseS3Error(r.body);
  std::string what = DescribeHttpError(r, error);
  if (r.status == 404) {
    if (error.code == "NoSuchBucket") {
      return Status::NotFound(fmt::format("{} {}: the bucket does not exist ({})", op, name, what));
    }
    return Status::NotFound(fmt::format("{} {}: not found ({})", op, name, what));
  }
  if (r.status == 403 || r.status == 401) {
    return Status::IOError(fmt::format(
        "{} {}: access denied ({}); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the region",
        op, name, what));
  }
  return Status::IOError(fmt::format("{} {}: {}", op, name, what));
}

}  // namespace

Result<std::unique_ptr<S3Store>> S3Store::Open(S3Config config) {
  if (config.bucket.empty()) return Status::InvalidArgument("S3 store without a bucket");
  return std::unique_ptr<S3Store>(new S3Store(std::move(config)));
}

S3Store::S3Store(S3Config config)
    : config_(std::move(config)), retry_(PolicyFor(config_)), http_(ClientOptions(config_)) {}

std::string S3Store::Describe() const { return config_.Describe(); }

std::string S3Store::FullKey(std::string_view key) const {
  return config_.prefix.empty() ? std::string(key) : config_.prefix + "/" + std::string(key);
}

std::string S3Store::ObjectName(std::string_view key) const {
  return "s3://" + config_.bucket + "/" + FullKey(key);
}

Result<HttpResponse> S3Store::Execute(Call& call) {
  Retrier retrier(retry_);
  std::string last_error;
  const std::string payload_hash =
      call.body.empty() ? std::string(kEmptyPayloadSha256) : Sha256Hex(call.body);
  while (retrier.NextAttempt()) {
    HttpRequest request;
    request.method = call.method;
    request.url = call.url;
    request.headers = call.headers;
    request.headers.push_back("x-amz-content-sha256: " + payload_hash);
    if (!config_.credentials.session_token.empty()) {
      request.headers.push_back("x-amz-security-token: " + config_.credentials.session_token);
    }
    request.body = call.body;
    request.timeout = std::max(retrier.Remaining(), std::chrono::milliseconds(1));
    HttpResponse response = http_.Send(request);

    if (!response.ok()) {
      last_error = response.transport_error;
      if (!response.transport_retryable) {
        return Status::IOError(fmt::format("{} {}: {}", call.op, call.name, last_error));
      }
      if (response.request_sent) call.maybe_applied = true;
    } else {
      S3Error error = ParseS3Error(response.body);
      // CompleteMultipartUpload may fail after its 200 status line: the
      // error is then in the body.
      bool error_in_ok_body = response.status == 200 && !error.code.empty() &&
                              response.body.find("<Error") != std::string::npos &&
                              call.method == "POST";
      if (error_in_ok_body) response.status = error.code == "SlowDown" ? 503 : 500;
      if (!RetryableStatus(response.status, error, call.conditional_write)) return response;
      last_error = DescribeHttpError(response, error);
      if (response.status >= 500) call.maybe_applied = true;
      std::string retry_after = response.Header("retry-after");
      if (!retry_after.empty()) {
        long seconds = std::strtol(retry_after.c_str(), nullptr, 10);
        if (seconds > 0) retrier.SetMinimumDelay(std::chrono::seconds(std::min(seconds, 10L)));
      }
    }
    Log(LogLevel::kWarn, "s3_retry",
        {{"op", call.op},
         {"object", call.name},
         {"attempt", retrier.attempts()},
         {"error", last_error}});
  }
  return Status::Unavailable(fmt::format("{} {}: gave up after {} attempts in {:.1f}s: {}", call.op,
                                         call.name, retrier.attempts(),
                                         retrier.Elapsed().count() / 1000.0, last_error));
}

Result<HttpResponse> S3Store::GetObject(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::string name = ObjectName(key);
  Call call{"GET", name, "GET", config_.RequestUrl(FullKey(key))};
  ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
  if (r.status != 200) return ErrorStatus("GET", name, r);
  return r;
}

Result<std::string> S3Store::Get(std::string_view key) {
  ASSIGN_OR_RETURN(HttpResponse r, GetObject(key));
  return std::move(r.body);
}

Result<std::string> S3Store::GetRange(std::string_view key, uint64_t offset, uint64_t length) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (length == 0) {
    RETURN_IF_ERROR(Head(key).status());
    return std::string();
  }
  std::string name = ObjectName(key);
  std::string range = length > UINT64_MAX - offset
                          ? fmt::format("Range: bytes={}-", offset)
                          : fmt::format("Range: bytes={}-{}", offset, offset + length - 1);
  Call call{"GET", name, "GET", config_.RequestUrl(FullKey(key)), {range}};
  ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
  if (r.status == 206) {
    if (r.body.size() > length) {
      return Status::Corruption(fmt::format("GET {} range {}+{}: the server sent {} bytes", name,
                                            offset, length, r.body.size()));
    }
    return std::move(r.body);
  }
  if (r.status == 200) {  // the server ignored the range: cut it here
    if (offset >= r.body.size()) return std::string();
    return r.body.substr(offset, std::min<uint64_t>(length, r.body.size() - offset));
  }
  if (r.status == 416) return std::string();  // the object exists; the range starts past its end
  return ErrorStatus("GET", name, r);
}

Result<ObjectInfo> S3Store::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::string name = ObjectName(key);
  Call call{"HEAD", name, "HEAD", config_.RequestUrl(FullKey(key))};
  ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
  if (r.status != 200) return ErrorStatus("HEAD", name, r);
  ObjectInfo info;
  info.key = std::string(key);
  info.size = std::strtoull(r.Header("content-length").c_str(), nullptr, 10);
  info.fingerprint = StripQuotes(r.Header("etag"));
  return info;
}

std::string S3Store::WriteCondition::Header() const {
  switch (kind) {
    case Kind::kNone:
      return "";
    case Kind::kIfAbsent:
      return "If-None-Match: *";
    case Kind::kIfMatch:
      return "If-Match: \"" + etag + "\"";
  }
  return "";
}

Status S3Store::WriteCondition::Refused(const std::string& name) const {
  if (kind == Kind::kIfAbsent) {
    return Status::AlreadyExists(fmt::format("object '{}' already exists", name));
  }
  return Status::FailedPrecondition(
      fmt::format("object '{}' changed since it was read (compare-and-swap refused)", name));
}

Status S3Store::Put(std::string_view key, std::string_view data) {
  return Write(key, data, WriteCondition{});
}

Status S3Store::PutIfAbsent(std::string_view key, std::string_view data) {
  return Write(key, data, WriteCondition{WriteCondition::Kind::kIfAbsent, ""});
}

Result<VersionedObject> S3Store::GetVersioned(std::string_view key) {
  ASSIGN_OR_RETURN(HttpResponse r, GetObject(key));
  std::string etag = StripQuotes(r.Header("etag"));
  if (etag.empty()) {
    return Status::NotSupported(fmt::format("GET {}: the answer has no ETag", ObjectName(key)));
  }
  return VersionedObject{std::move(r.body), std::move(etag)};
}

Status S3Store::PutIfMatch(std::string_view key, std::string_view data,
                           std::string_view expected_token) {
  if (expected_token.empty()) {
    Status st = PutIfAbsent(key, data);
    if (!st.IsAlreadyExists()) return st;
    return Status::FailedPrecondition(fmt::format(
        "object '{}' was created since it was read (compare-and-swap refused)", ObjectName(key)));
  }
  return Write(key, data,
               WriteCondition{WriteCondition::Kind::kIfMatch, std::string(expected_token)});
}

Status S3Store::Write(std::string_view key, std::string_view data,
                      const WriteCondition& condition) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (data.size() > config_.multipart_threshold) return WriteMultipart(key, data, condition);
  std::string name = ObjectName(key);
  Call call{"PUT", name, "PUT", config_.RequestUrl(FullKey(key))};
  call.body = data;
  const bool conditional = condition.kind != WriteCondition::Kind::kNone;
  if (conditional) {
    call.headers.push_back(condition.Header());
    call.conditional_write = true;
  }
  ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
  if (r.status == 200) return Status::OK();
  if (conditional && r.status == 412) {
    if (call.maybe_applied) return ResolveConditionalConflict(key, data, condition);
    return condition.Refused(name);
  }
  // If-Match on an object that is gone.
  if (condition.kind == WriteCondition::Kind::kIfMatch && r.status == 404) {
    return condition.Refused(name);
  }
  return ErrorStatus("PUT", name, r);
}

Status S3Store::ResolveConditionalConflict(std::string_view key, std::string_view data,
                                           const WriteCondition& condition) {
  std::string name = ObjectName(key);
  auto current = Get(key);
  if (!current.ok() && !current.status().IsNotFound()) return current.status();
  if (current.ok() && *current == data) {
    Log(LogLevel::kInfo, "s3_conditional_write_confirmed", {{"object", name}});
    return Status::OK();
  }
  return condition.Refused(name);
}

Status S3Store::WriteMultipart(std::string_view key, std::string_view data,
                               const WriteCondition& condition) {
  const std::string name = ObjectName(key);
  const std::string full_key = FullKey(key);
  const uint64_t part_size = std::max<uint64_t>(config_.part_size, (data.size() + 9999) / 10000);

  Call start{"CreateMultipartUpload", name, "POST",
             config_.RequestUrl(full_key, {{"uploads", ""}})};
  ASSIGN_OR_RETURN(HttpResponse created, Execute(start));
  if (created.status != 200) return ErrorStatus("CreateMultipartUpload", name, created);
  std::optional<std::string> upload_id = XmlElementText(created.body, "UploadId");
  if (!upload_id || upload_id->empty()) {
    return Status::Corruption(
        fmt::format("CreateMultipartUpload {}: the answer has no UploadId", name));
  }

  auto abort = [&](Status cause) {
    Call call{"AbortMultipartUpload", name, "DELETE",
              config_.RequestUrl(full_key, {{"uploadId", *upload_id}})};
    Result<HttpResponse> r = Execute(call);
    if (!r.ok() || (r->status != 204 && r->status != 200 && r->status != 404)) {
      Log(LogLevel::kWarn, "s3_abort_failed",
          {{"object", name},
           {"error", r.ok() ? fmt::format("HTTP {}", r->status) : r.status().ToString()}});
    }
    return cause;
  };

  std::vector<std::string> etags;
  for (uint64_t offset = 0, part = 1; offset < data.size(); offset += part_size, ++part) {
    std::string_view chunk = data.substr(offset, part_size);
    Call call{"UploadPart", name, "PUT",
              config_.RequestUrl(full_key,
                                 {{"partNumber", std::to_string(part)}, {"uploadId", *upload_id}})};
    call.body = chunk;
    Result<HttpResponse> r = Execute(call);
    if (!r.ok()) return abort(r.status());
    if (r->status != 200) return abort(ErrorStatus("UploadPart", name, *r));
    std::string etag = StripQuotes(r->Header("etag"));
    if (etag.empty()) {
      return abort(Status::Corruption(
          fmt::format("UploadPart {} part {}: the answer has no ETag", name, part)));
    }
    etags.push_back(std::move(etag));
  }

  std::string body = CompleteMultipartUploadXml(etags);
  Call complete{"CompleteMultipartUpload", name, "POST",
                config_.RequestUrl(full_key, {{"uploadId", *upload_id}})};
  complete.body = body;
  complete.headers.push_back("Content-Type: application/xml");
  const bool conditional = condition.kind != WriteCondition::Kind::kNone;
  if (conditional) {
    complete.headers.push_back(condition.Header());
    complete.conditional_write = true;
  }
  Result<HttpResponse> r = Execute(complete);
  if (!r.ok()) return abort(r.status());
  if (r->status == 200) return Status::OK();
  if (conditional && r->status == 412) {
    Status st = complete.maybe_applied ? ResolveConditionalConflict(key, data, condition)
                                       : condition.Refused(name);
    return abort(st);
  }
  if (r->status == 404 && complete.maybe_applied) {
    // NoSuchUpload after a lost reply: the upload may have completed.
    auto head = Head(key);
    if (head.ok() && head->size == data.size() &&
        head->fingerprint.ends_with("-" + std::to_string(etags.size()))) {
      return Status::OK();
    }
  }
  return abort(ErrorStatus("CompleteMultipartUpload", name, *r));
}

Result<std::vector<ObjectInfo>> S3Store::List(std::string_view prefix) {
  std::string root = config_.prefix.empty() ? std::string() : config_.prefix + "/";
  std::string full_prefix = root + std::string(prefix);
  std::string name = "s3://" + config_.bucket + "/" + full_prefix;
  std::vector<ObjectInfo> out;
  std::string token;
  for (int page_number = 0;; ++page_number) {
    QueryParams query = {{"list-type", "2"},
                         {"encoding-type", "url"},
                         {"max-keys", "1000"},
                         {"prefix", full_prefix}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    Call call{"ListObjectsV2", name, "GET", config_.RequestUrl("", query)};
    ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
    if (r.status != 200) return ErrorStatus("ListObjectsV2", name, r);
    auto page = ParseListObjectsV2(r.body, /*url_encoded=*/true);
    if (!page.ok()) return page.status().WithContext(fmt::format("ListObjectsV2 {}", name));
    for (S3ListEntry& e : page->entries) {
      if (!e.key.starts_with(full_prefix) || e.key.ends_with('/')) continue;
      out.push_back(ObjectInfo{e.key.substr(root.size()), e.size, std::move(e.etag)});
    }
    if (!page->truncated) break;
    if (page->next_continuation_token == token) {
      return Status::Corruption(
          fmt::format("ListObjectsV2 {}: the server repeated a continuation token", name));
    }
    token = std::move(page->next_continuation_token);
  }
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status S3Store::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::string name = ObjectName(key);
  Call call{"DELETE", name, "DELETE", config_.RequestUrl(FullKey(key))};
  ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
  if (r.status == 204 || r.status == 200 || r.status == 404) return Status::OK();
  return ErrorStatus("DELETE", name, r);
}

}  // namespace freshet
