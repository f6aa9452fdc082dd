// The encoding of stored values (frozen): a u8 ValueType, then null: nothing;
// bool: u8; int64: zigzag varint; double: f64; string: length-prefixed bytes;
// string list: varint count, length-prefixed strings. A row is a varint
// count of values, then the values.
#pragma once

#include <string>

#include "common/coding.h"
#include "format/record_batch.h"
#include "format/row.h"

namespace freshet {

void PutValue(std::string* out, const Value& v);
// The same encoding from a view (REQUIRES: a list's view has its elements).
void PutValue(std::string* out, const ValueView& v);
void PutRow(std::string* out, const Row& row);

// False when the bytes at `c` are not one well-formed value (or row).
bool GetValue(Cursor& c, Value* v);
bool GetRow(Cursor& c, Row* row);

}  // namespace freshet
