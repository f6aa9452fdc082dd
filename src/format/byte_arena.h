// ByteArena: append-only storage for byte strings whose views must stay
// valid while the arena lives (Parquet values rebuilt by DELTA_BYTE_ARRAY or
// BYTE_STREAM_SPLIT, the strings of a RecordTable). Blocks never move, so a
// view returned by Append stays valid until the arena is destroyed, and
// destruction frees every block at once. Not thread-safe.
#pragma once

#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace freshet {

class ByteArena {
 public:
  static constexpr size_t kBlockBytes = 64 << 10;

  std::string_view Append(std::string_view bytes) {
    if (bytes.empty()) return {};
    if (bytes.size() > left_) {
      size_t size = bytes.size() > kBlockBytes ? bytes.size() : kBlockBytes;
      blocks_.push_back(std::make_unique<char[]>(size));
      next_ = blocks_.back().get();
      left_ = size;
    }
    std::memcpy(next_, bytes.data(), bytes.size());
    std::string_view out(next_, bytes.size());
    next_ += bytes.size();
    left_ -= bytes.size();
    total_ += bytes.size();
    return out;
  }

  // Bytes appended so far.
  size_t total() const { return total_; }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  size_t left_ = 0;
  size_t total_ = 0;
};

}  // namespace freshet
