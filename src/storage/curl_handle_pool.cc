#include "storage/curl_handle_pool.h"

#include <curl/curl.h>

namespace freshet {
namespace {

// curl_global_init is not thread-safe: run it once, before any handle exists.
void GlobalInitOnce() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

}  // namespace

CurlHandlePool::CurlHandlePool(size_t max_idle) : max_idle_(max_idle) { GlobalInitOnce(); }

CurlHandlePool::~CurlHandlePool() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CurlHandlePool::Lease::~Lease() {
  if (handle_ != nullptr) pool_->Return(handle_);
}

void CurlHandlePool::Lease::Discard() {
  if (handle_ != nullptr) curl_easy_cleanup(handle_);
  handle_ = nullptr;
}

CurlHandlePool::Lease CurlHandlePool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      return Lease(this, h);
    }
  }
  return Lease(this, curl_easy_init());
}

void CurlHandlePool::Return(CURL* handle) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(handle);
}

size_t CurlHandlePool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

}  // namespace freshet
