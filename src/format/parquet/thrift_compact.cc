#include "format/parquet/thrift_compact.h"

#include <fmt/format.h>

#include <cassert>
#include <cstring>
#include <limits>

namespace freshet::parquet {
namespace {

int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

bool IsKnownType(uint8_t t) { return t <= static_cast<uint8_t>(ThriftType::kStruct); }

}  // namespace

Status ThriftCompactReader::Error(std::string_view what) const {
  return Status::Corruption(fmt::format("thrift: {} at byte {}", what, pos_));
}

Status ThriftCompactReader::EnterNested() {
  if (depth_ >= kMaxDepth) return Error(fmt::format("nesting deeper than {}", kMaxDepth));
  ++depth_;
  return Status::OK();
}

Status ThriftCompactReader::ReadVarint(uint64_t* v, int max_bytes) {
  uint64_t result = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (pos_ >= data_.size()) return Error("truncated varint");
    uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
    if (i == 9 && byte > 1) return Error("varint overflows 64 bits");
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      return Status::OK();
    }
  }
  return Error("varint too long");
}

Status ThriftCompactReader::ReadStructBegin() {
  RETURN_IF_ERROR(EnterNested());
  last_field_ids_.push_back(last_field_id_);
  last_field_id_ = 0;
  return Status::OK();
}

Status ThriftCompactReader::ReadStructEnd() {
  if (last_field_ids_.empty()) return Error("struct end without begin");
  last_field_id_ = last_field_ids_.back();
  last_field_ids_.pop_back();
  --depth_;
  return Status::OK();
}

Status ThriftCompactReader::ReadFieldBegin(int16_t* id, ThriftType* type) {
  if (pos_ >= data_.size()) return Error("truncated field header");
  uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
  uint8_t t = byte & 0x0f;
  if (t == 0) {
    if (byte != 0) return Error("malformed stop byte");
    *type = ThriftType::kStop;
    *id = 0;
    return Status::OK();
  }
  if (!IsKnownType(t)) return Error(fmt::format("unknown field type {}", t));
  uint8_t delta = byte >> 4;
  if (delta != 0) {
    int32_t next = int32_t{last_field_id_} + delta;
    if (next > std::numeric_limits<int16_t>::max()) return Error("field id overflows");
    *id = static_cast<int16_t>(next);
  } else {
    int16_t explicit_id = 0;
    RETURN_IF_ERROR(ReadI16(&explicit_id));
    *id = explicit_id;
  }
  last_field_id_ = *id;
  *type = static_cast<ThriftType>(t);
  if (*type == ThriftType::kBoolTrue || *type == ThriftType::kBoolFalse) {
    has_pending_bool_ = true;
    pending_bool_ = *type == ThriftType::kBoolTrue;
  }
  return Status::OK();
}

Status ThriftCompactReader::ReadBool(bool* v) {
  if (has_pending_bool_) {
    has_pending_bool_ = false;
    *v = pending_bool_;
    return Status::OK();
  }
  // A list element: one byte, 1 = true (some writers use 0/1 rather than 1/2).
  if (pos_ >= data_.size()) return Error("truncated bool");
  *v = data_[pos_++] == 1;
  return Status::OK();
}

Status ThriftCompactReader::ReadByte(int8_t* v) {
  if (pos_ >= data_.size()) return Error("truncated byte");
  *v = static_cast<int8_t>(data_[pos_++]);
  return Status::OK();
}

Status ThriftCompactReader::ReadI16(int16_t* v) {
  uint64_t raw = 0;
  RETURN_IF_ERROR(ReadVarint(&raw, 3));
  int64_t x = UnZigZag(raw);
  if (x < std::numeric_limits<int16_t>::min() || x > std::numeric_limits<int16_t>::max()) {
    return Error("i16 out of range");
  }
  *v = static_cast<int16_t>(x);
  return Status::OK();
}

Status ThriftCompactReader::ReadI32(int32_t* v) {
  uint64_t raw = 0;
  RETURN_IF_ERROR(ReadVarint(&raw, 5));
  int64_t x = UnZigZag(raw);
  if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
    return Error("i32 out of range");
  }
  *v = static_cast<int32_t>(x);
  return Status::OK();
}

Status ThriftCompactReader::ReadI64(int64_t* v) {
  uint64_t raw = 0;
  RETURN_IF_ERROR(ReadVarint(&raw, 10));
  *v = UnZigZag(raw);
  return Status::OK();
}

Status ThriftCompactReader::ReadDouble(double* v) {
  if (data_.size() - pos_ < 8) return Error("truncated double");
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= uint64_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
  pos_ += 8;
  std::memcpy(v, &bits, sizeof bits);
  return Status::OK();
}

Status ThriftCompactReader::ReadBinary(std::string_view* v) {
  uint64_t len = 0;
  RETURN_IF_ERROR(ReadVarint(&len, 10));
  if (len > data_.size() - pos_) {
    return Error(
        fmt::format("binary of {} bytes exceeds the {} bytes left", len, data_.size() - pos_));
  }
  *v = data_.substr(pos_, len);
  pos_ += len;
  return Status::OK();
}

Status ThriftCompactReader::ReadString(std::string* v) {
  std::string_view view;
  RETURN_IF_ERROR(ReadBinary(&view));
  v->assign(view);
  return Status::OK();
}

Status ThriftCompactReader::ReadListBegin(ThriftType* element_type, uint32_t* size) {
  if (pos_ >= data_.size()) return Error("truncated list header");
  uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
  uint8_t t = byte & 0x0f;
  uint64_t n = byte >> 4;
  if (n == 15) RETURN_IF_ERROR(ReadVarint(&n, 5));
  // Some writers (fastparquet) give an empty list the element type 0; with
  // no elements the type is never used, so only a non-empty list needs one.
  if ((t == 0 && n != 0) || (t != 0 && !IsKnownType(t))) {
    return Error(fmt::format("bad list element type {}", t));
  }
  if (n > data_.size() - pos_) {
    return Error(
        fmt::format("list of {} elements exceeds the {} bytes left", n, data_.size() - pos_));
  }
  RETURN_IF_ERROR(EnterNested());
  // Elements of type "bool true/false" are encoded as bytes; normalize.
  *element_type = t == 2 ? ThriftType::kBoolTrue : static_cast<ThriftType>(t);
  *size = static_cast<uint32_t>(n);
  return Status::OK();
}

Status ThriftCompactReader::ReadMapBegin(ThriftType* key, ThriftType* value, uint32_t* size) {
  uint64_t n = 0;
  RETURN_IF_ERROR(ReadVarint(&n, 5));
  if (n == 0) {
    *size = 0;
    *key = *value = ThriftType::kStop;
    return EnterNested();
  }
  if (pos_ >= data_.size()) return Error("truncated map header");
  uint8_t types = static_cast<uint8_t>(data_[pos_++]);
  uint8_t k = types >> 4, v = types & 0x0f;
  if (k == 0 || v == 0 || !IsKnownType(k) || !IsKnownType(v)) return Error("bad map types");
  if (n > (data_.size() - pos_) / 2) return Error("map size exceeds the bytes left");
  RETURN_IF_ERROR(EnterNested());
  *key = k == 2 ? ThriftType::kBoolTrue : static_cast<ThriftType>(k);
  *value = v == 2 ? ThriftType::kBoolTrue : static_cast<ThriftType>(v);
  *size = static_cast<uint32_t>(n);
  return Status::OK();
}

Status ThriftCompactReader::Skip(ThriftType type) {
  switch (type) {
    case ThriftType::kStop:
      return Error("unexpected stop");
    case ThriftType::kBoolTrue:
    case ThriftType::kBoolFalse: {
      bool b;
      return ReadBool(&b);
    }
    case ThriftType::kByte: {
      int8_t b;
      return ReadByte(&b);
    }
    case ThriftType::kI16:
    case ThriftType::kI32:
    case ThriftType::kI64: {
      int64_t x;
      return ReadI64(&x);
    }
    case ThriftType::kDouble: {
      double d;
      return ReadDouble(&d);
    }
    case ThriftType::kBinary: {
      std::string_view s;
      return ReadBinary(&s);
    }
    case ThriftType::kList:
    case ThriftType::kSet: {
      ThriftType element;
      uint32_t n = 0;
      RETURN_IF_ERROR(ReadListBegin(&element, &n));
      for (uint32_t i = 0; i < n; ++i) RETURN_IF_ERROR(Skip(element));
      ReadListEnd();
      return Status::OK();
    }
    case ThriftType::kMap: {
      ThriftType k, v;
      uint32_t n = 0;
      RETURN_IF_ERROR(ReadMapBegin(&k, &v, &n));
      for (uint32_t i = 0; i < n; ++i) {
        RETURN_IF_ERROR(Skip(k));
        RETURN_IF_ERROR(Skip(v));
      }
      --depth_;
      return Status::OK();
    }
    case ThriftType::kStruct: {
      RETURN_IF_ERROR(ReadStructBegin());
      while (true) {
        int16_t id;
        ThriftType t;
        RETURN_IF_ERROR(ReadFieldBegin(&id, &t));
        if (t == ThriftType::kStop) break;
        RETURN_IF_ERROR(Skip(t));
      }
      return ReadStructEnd();
    }
  }
  return Error("unknown type");
}

// ---------------------------------------------------------------------------

void ThriftCompactWriter::WriteVarint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ThriftCompactWriter::WriteStructBegin() {
  last_field_ids_.push_back(last_field_id_);
  last_field_id_ = 0;
}

void ThriftCompactWriter::WriteStructEnd() {
  assert(!last_field_ids_.empty());
  out_.push_back(0);
  last_field_id_ = last_field_ids_.back();
  last_field_ids_.pop_back();
}

void ThriftCompactWriter::WriteFieldBegin(int16_t id, ThriftType type) {
  int delta = id - last_field_id_;
  uint8_t t = static_cast<uint8_t>(type);
  if (delta > 0 && delta <= 15) {
    out_.push_back(static_cast<char>((delta << 4) | t));
  } else {
    out_.push_back(static_cast<char>(t));
    WriteI16(id);
  }
  last_field_id_ = id;
}

void ThriftCompactWriter::WriteBoolField(int16_t id, bool v) {
  WriteFieldBegin(id, v ? ThriftType::kBoolTrue : ThriftType::kBoolFalse);
}

void ThriftCompactWriter::WriteByte(int8_t v) { out_.push_back(static_cast<char>(v)); }

void ThriftCompactWriter::WriteDouble(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(bits >> (8 * i)));
}

void ThriftCompactWriter::WriteBinary(std::string_view v) {
  WriteVarint(v.size());
  out_.append(v);
}

void ThriftCompactWriter::WriteListBegin(ThriftType element_type, uint32_t size) {
  uint8_t t = static_cast<uint8_t>(element_type == ThriftType::kBoolFalse ? ThriftType::kBoolTrue
                                                                          : element_type);
  if (size < 15) {
    out_.push_back(static_cast<char>((size << 4) | t));
  } else {
    out_.push_back(static_cast<char>(0xf0 | t));
    WriteVarint(size);
  }
}

}  // namespace freshet::parquet
