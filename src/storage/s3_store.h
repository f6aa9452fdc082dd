// An S3 bucket (AWS S3, MinIO, any S3-compatible server) as an ObjectStore.
//
// Requests go through libcurl, signed with libcurl's SigV4 (every request
// carries the SHA-256 of its payload, so the server rejects a body damaged
// in transit). Connections are reused through a pool of handles. Every call
// is retried with exponential backoff and jitter on transient failures (5xx,
// 429 and SlowDown, timeouts and stalls, refused or reset connections,
// bodies shorter than their Content-Length), within the URL's `timeout` and
// `max_attempts`; then it fails with Unavailable naming the object and the
// last error. Messages and logs never contain credentials.
//
// Mapping onto the ObjectStore contract:
//   Get/GetRange   GET (with Range); a range past the end gives "".
//   Head           HEAD; fingerprint = ETag.
//   Put            one PUT up to `multipart_threshold`, else a multipart
//                  upload of `part_size` parts (aborted on failure). S3 makes
//                  an object visible only once complete: atomic.
//   PutIfAbsent    the same with `If-None-Match: *`; 412 -> AlreadyExists,
//                  409 ConditionalRequestConflict is retried. If an earlier
//                  attempt of the same call may have been applied (its reply
//                  was lost) and a retry then gets 412, the object is read
//                  back: identical bytes mean this call's write won (OK).
//   GetVersioned   GET; token = the ETag of the answer (same response as
//                  the bytes).
//   PutIfMatch     PUT with `If-Match: "<ETag>"` (`If-None-Match: *` for an
//                  empty token); 412, or 404 (the object is gone), ->
//                  FailedPrecondition; 409 ConditionalRequestConflict is
//                  retried; after a lost reply, a 412 is resolved by reading
//                  the object back as for PutIfAbsent. Needs a server that
//                  honours conditional writes (AWS S3 since 2024, MinIO).
//   List           ListObjectsV2 pages of up to 1000 keys (continuation
//                  token), keys url-encoded by the server; sorted by key.
//                  Keys ending in '/' (folder markers) are skipped.
//   Delete         DELETE; absent is OK.
//
// Thread-safe: every method may be called from many threads at once.
#pragma once

#include <memory>

#include "storage/http_client.h"
#include "storage/object_store.h"
#include "storage/retry_policy.h"
#include "storage/s3_url.h"

namespace freshet {

class S3Store final : public ObjectStore {
 public:
  // No request is made: a missing bucket or bad credentials show at the
  // first call.
  static Result<std::unique_ptr<S3Store>> Open(S3Config config);

  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<VersionedObject> GetVersioned(std::string_view key) override;
  Status PutIfMatch(std::string_view key, std::string_view data,
                    std::string_view expected_token) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  std::string Describe() const override;

  const S3Config& config() const { return config_; }

 private:
  explicit S3Store(S3Config config);

  // One logical request, retried as the policy allows.
  struct Call {
    std::string_view op;    // "GET", "PUT", ... or an S3 action name, for messages
    std::string_view name;  // the object, as shown in messages
    std::string method;
    std::string url;
    std::vector<std::string> headers;  // beyond the signing ones
    std::string_view body;
    bool conditional_write = false;  // 409 ConditionalRequestConflict is retried
    // Out: an earlier attempt may have been applied although its reply was lost.
    bool maybe_applied = false;
  };
  // The final response: a success or a permanent error. Unavailable when the
  // retries ran out.
  Result<HttpResponse> Execute(Call& call);
  // GET of the whole object: the 200 answer, else the error naming it.
  Result<HttpResponse> GetObject(std::string_view key);

  // A write's precondition: none, the key absent, or the object's ETag.
  struct WriteCondition {
    enum class Kind { kNone, kIfAbsent, kIfMatch } kind = Kind::kNone;
    std::string etag;  // kIfMatch only, without quotes
    // The conditional header, empty for kNone.
    std::string Header() const;
    // What a refused precondition means (AlreadyExists or FailedPrecondition).
    Status Refused(const std::string& name) const;
  };
  Status Write(std::string_view key, std::string_view data, const WriteCondition& condition);
  Status WriteMultipart(std::string_view key, std::string_view data,
                        const WriteCondition& condition);
  // After a 412 that may answer this call's own lost write: OK if the object
  // holds exactly `data`, else the condition's refusal.
  Status ResolveConditionalConflict(std::string_view key, std::string_view data,
                                    const WriteCondition& condition);

  std::string FullKey(std::string_view key) const;
  std::string ObjectName(std::string_view key) const;

  const S3Config config_;
  const RetryPolicy retry_;
  HttpClient http_;
};

}  // namespace freshet
