// ObjectStore: where input and output live. A flat namespace of immutable
// objects addressed by '/'-separated keys relative to the store's root, in
// the spirit of S3: no append, no rename, one atomic write per object. One
// kind of object may be replaced under a condition (PutIfMatch): the small
// pointer a reader follows (the index's CURRENT).
//
// Thread-safety: every method may be called concurrently from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/mapped_file.h"

namespace freshet {

struct ObjectInfo {
  std::string key;  // relative to the store's root
  uint64_t size = 0;
  // Changes whenever the object's content may have changed (size + mtime for
  // local files, ETag for S3). Used to detect late and rewritten files.
  std::string fingerprint;
};

// An object's bytes as read, with the token of exactly those bytes.
struct VersionedObject {
  std::string data;
  // Opaque; identifies this content of the object for PutIfMatch (the ETag on
  // S3, a hash of the content in a local folder). Never empty.
  std::string token;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Opens a store from a URL: "file:///abs/dir", "file://rel/dir" or a plain
  // path (local folder, created if missing), or "s3://bucket/prefix?options"
  // (see s3_url.h; no request is made yet). Fails with InvalidArgument for an
  // unknown scheme or a bad URL, naming the URL without any credentials.
  static Result<std::unique_ptr<ObjectStore>> Open(std::string_view url);

  // The whole object. NotFound if absent.
  virtual Result<std::string> Get(std::string_view key) = 0;

  // Bytes [offset, offset + length) of the object, fewer at the end of the
  // object. NotFound if absent.
  virtual Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) = 0;

  // NotFound if absent.
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  // Writes the object atomically: readers see the old content or the new,
  // never a partial one. Durable when it returns OK.
  virtual Status Put(std::string_view key, std::string_view data) = 0;

  // Like Put, but fails with AlreadyExists if the key exists; of two
  // concurrent callers at most one succeeds.
  virtual Status PutIfAbsent(std::string_view key, std::string_view data) = 0;

  // The whole object and the token of the bytes returned (read in one
  // request, so the two always belong together). NotFound if absent.
  // NotSupported by stores without compare-and-swap (the default).
  virtual Result<VersionedObject> GetVersioned(std::string_view key);

  // Compare-and-swap: writes the object as Put does (atomic, durable when it
  // returns OK) only if its content is still the one `expected_token` (from
  // GetVersioned) identifies, or, with an empty `expected_token`, only if the
  // key is absent. FailedPrecondition if the object changed, appeared or
  // disappeared since: nothing was written, read it again and decide anew. Of
  // concurrent callers holding the same token at most one succeeds. A crash
  // at any instant leaves the old object or the new one, whole. NotSupported
  // by stores without compare-and-swap (the default).
  virtual Status PutIfMatch(std::string_view key, std::string_view data,
                            std::string_view expected_token);

  // Every object whose key starts with `prefix`, recursively, sorted by key.
  // In-progress writes are never listed.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;

  // Removes the object; OK if it was already absent.
  virtual Status Delete(std::string_view key) = 0;

  // The store's URL, safe to log (no credentials).
  virtual std::string Describe() const = 0;

  // True if reads are local (a folder, memory): no point in caching them on disk.
  virtual bool IsLocal() const { return false; }

  // The whole object mapped read-only into memory, for stores whose objects
  // are files written once and never rewritten in place (a local folder);
  // the bytes stay valid while the mapping lives, even if the object is
  // deleted. NotFound if absent; NotSupported by other stores (the default):
  // read with Get instead.
  virtual Result<std::unique_ptr<MappedFile>> Map(std::string_view key);
};

// Reads of a remote store kept in flight at once: each is a round trip, not
// work, so more of them than there are cores.
inline constexpr int kRemoteReadsInFlight = 8;

// Threads for reading many objects of `store`: kRemoteReadsInFlight for a
// remote one, as many as there are cores for a local one (its reads are work).
int ReadThreads(const ObjectStore& store);

// Rejects keys that could escape the store's root or that no backend can
// hold: empty, absolute, "." or ".." segments, empty segments, NUL bytes.
Status ValidateKey(std::string_view key);

// Joins key parts with '/', skipping empty parts.
std::string JoinKey(std::string_view a, std::string_view b);

}  // namespace freshet
