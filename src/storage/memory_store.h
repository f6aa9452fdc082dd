// An ObjectStore held in memory, for tests and tools that need a real store
// without a folder or a server: the whole ObjectStore contract, compare-and-
// swap included, with the same errors as the other backends (InvalidArgument
// for a bad key, NotFound naming the key, AlreadyExists, FailedPrecondition).
// The content is lost with the object. IsLocal(): its reads need no disk cache.
//
// Tokens and fingerprints are the write's sequence number in this store: any
// Put, PutIfAbsent or PutIfMatch of a key gives it a new one, even with the
// same bytes.
//
// Thread-safety: every method may be called concurrently from many threads.
#pragma once

#include <memory>
#include <string_view>

#include "storage/object_store.h"

namespace freshet {

// A new, empty store. Describe() returns "memory://<name>-<n>", unique in the
// process (caches key objects by their store's URL).
std::unique_ptr<ObjectStore> NewMemoryStore(std::string_view name = "");

}  // namespace freshet
