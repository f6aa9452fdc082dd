// A pool of libcurl easy handles, so that requests reuse connections (and
// TLS sessions) instead of opening one per request.
//
// Thread-safe: any thread may Acquire; a handle is used by one thread at a
// time, the holder of its Lease. A returned handle keeps its connections;
// callers reset its options (curl_easy_reset keeps them) before use.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

typedef void CURL;

namespace freshet {

class CurlHandlePool {
 public:
  // Idle handles beyond `max_idle` are closed when returned.
  explicit CurlHandlePool(size_t max_idle = 64);
  ~CurlHandlePool();
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  // A handle on loan; returned to the pool when destroyed.
  class Lease {
   public:
    Lease(CurlHandlePool* pool, CURL* handle) : pool_(pool), handle_(handle) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), handle_(other.handle_) {
      other.handle_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    // Null only if libcurl could not allocate a handle.
    CURL* get() const { return handle_; }
    // The handle is closed instead of returned (e.g. after a protocol error).
    void Discard();

   private:
    CurlHandlePool* pool_;
    CURL* handle_;
  };

  // An idle handle, or a new one when none is idle.
  Lease Acquire();

  size_t idle() const;

 private:
  void Return(CURL* handle);

  const size_t max_idle_;
  mutable std::mutex mu_;
  std::vector<CURL*> idle_;  // guarded by mu_
};

}  // namespace freshet
