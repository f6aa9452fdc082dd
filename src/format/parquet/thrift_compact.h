// Thrift compact protocol: the encoding of Parquet's footer and page headers.
//
// ThriftCompactReader decodes a byte range defensively: every length and
// count is checked against the bytes that remain before anything is
// allocated, varints longer than their type allows are rejected, and nesting
// (structs, lists, maps, and skipping of unknown fields) is limited to
// kMaxDepth. Errors are Corruption with the byte offset of the problem,
// relative to the start of the range (callers add file and position).
//
// ThriftCompactWriter is the matching encoder. Neither class is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshet::parquet {

// Frozen: the compact protocol's wire type ids.
enum class ThriftType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class ThriftCompactReader {
 public:
  static constexpr int kMaxDepth = 64;

  // `data` must outlive the reader and every view it returns.
  explicit ThriftCompactReader(std::string_view data) : data_(data) {}

  // Bytes consumed so far.
  size_t position() const { return pos_; }

  // Struct framing. ReadStructBegin fails past kMaxDepth.
  Status ReadStructBegin();
  Status ReadStructEnd();
  // Reads the next field header. On kStop the struct has no more fields.
  // For boolean fields the value is in the header: call ReadBool next.
  Status ReadFieldBegin(int16_t* id, ThriftType* type);

  Status ReadBool(bool* v);
  Status ReadByte(int8_t* v);
  Status ReadI16(int16_t* v);
  Status ReadI32(int32_t* v);
  Status ReadI64(int64_t* v);
  Status ReadDouble(double* v);
  // The view points into the reader's input.
  Status ReadBinary(std::string_view* v);
  Status ReadString(std::string* v);

  // List or set header. `size` is checked against the remaining bytes (every
  // element takes at least one byte). An empty list may carry element type 0
  // (kStop), as some writers encode it. Call ReadListEnd after the elements.
  Status ReadListBegin(ThriftType* element_type, uint32_t* size);
  void ReadListEnd() { --depth_; }

  // Skips one value of `type` (fields, containers and structs included).
  Status Skip(ThriftType type);

 private:
  Status ReadVarint(uint64_t* v, int max_bytes);
  Status Error(std::string_view what) const;
  Status EnterNested();
  Status ReadMapBegin(ThriftType* key, ThriftType* value, uint32_t* size);

  std::string_view data_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::vector<int16_t> last_field_ids_;
  int16_t last_field_id_ = 0;
  // A boolean field's value, carried by its header.
  bool pending_bool_ = false;
  bool has_pending_bool_ = false;
};

// Encodes into an internal buffer; take it with Release(). Misuse (e.g.
// unbalanced struct calls) is a programming error checked by assert.
class ThriftCompactWriter {
 public:
  void WriteStructBegin();
  void WriteStructEnd();  // writes the stop byte
  // Field header; for booleans use WriteBoolField instead.
  void WriteFieldBegin(int16_t id, ThriftType type);
  void WriteBoolField(int16_t id, bool v);

  void WriteByte(int8_t v);
  void WriteI16(int16_t v) { WriteVarint(ZigZag(v)); }
  void WriteI32(int32_t v) { WriteVarint(ZigZag(v)); }
  void WriteI64(int64_t v) { WriteVarint(ZigZag(v)); }
  void WriteDouble(double v);
  void WriteBinary(std::string_view v);
  // Elements follow; a list of booleans is written as one byte per element.
  void WriteListBegin(ThriftType element_type, uint32_t size);
  void WriteBoolElement(bool v) { out_.push_back(v ? 1 : 2); }

  // Convenience: a field and its value.
  void WriteI32Field(int16_t id, int32_t v) {
    WriteFieldBegin(id, ThriftType::kI32);
    WriteI32(v);
  }
  void WriteI64Field(int16_t id, int64_t v) {
    WriteFieldBegin(id, ThriftType::kI64);
    WriteI64(v);
  }
  void WriteBinaryField(int16_t id, std::string_view v) {
    WriteFieldBegin(id, ThriftType::kBinary);
    WriteBinary(v);
  }

  const std::string& buffer() const { return out_; }
  std::string Release() { return std::move(out_); }

  void WriteVarint(uint64_t v);
  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }

 private:
  std::string out_;
  std::vector<int16_t> last_field_ids_;
  int16_t last_field_id_ = 0;
};

}  // namespace freshet::parquet
