#include "common/json.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

namespace freshet {

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04x}", c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // Copy a valid UTF-8 sequence; escape stray bytes.
      size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
      bool valid = len > 0 && i + len <= s.size();
      for (size_t k = 1; valid && k < len; ++k) {
        valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      }
      if (valid) {
        out.append(s.substr(i, len));
        i += len - 1;
      } else {
        out += fmt::format("\\u{:04x}", c);
      }
    }
  }
  out += '"';
  return out;
}

std::string JsonNumber(double d) {
  if (!std::isfinite(d)) return "null";
  return fmt::format("{}", d);
}

void JsonWriter::BeforeValue() {
  if (key_pending_) {
    key_pending_ = false;
    return;
  }
  if (levels_.empty()) return;
  assert(!levels_.back().object && "JsonWriter: a value in an object needs a Key()");
  if (!levels_.back().empty) out_ += ',';
  levels_.back().empty = false;
}

void JsonWriter::Open(char bracket, bool object) {
  BeforeValue();
  out_ += bracket;
  levels_.push_back(Level{object, true});
}

void JsonWriter::Close(char bracket, bool object) {
  assert(!levels_.empty() && levels_.back().object == object && !key_pending_ &&
         "JsonWriter: End does not match Begin");
  (void)object;
  levels_.pop_back();
  out_ += bracket;
}

JsonWriter& JsonWriter::BeginObject() {
  Open('{', true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  Close('}', true);
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Open('[', false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  Close(']', false);
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  assert(!levels_.empty() && levels_.back().object && !key_pending_ &&
         "JsonWriter: Key() outside an object or twice");
  if (!levels_.back().empty) out_ += ',';
  levels_.back().empty = false;
  out_ += JsonQuote(key);
  out_ += ':';
  key_pending_ = true;
  return *this;
}

JsonWriter& JsonWriter::Null() { return Raw("null"); }

JsonWriter& JsonWriter::String(std::string_view s) {
  BeforeValue();
  out_ += JsonQuote(s);
  return *this;
}

JsonWriter& JsonWriter::Number(double d) { return Raw(JsonNumber(d)); }

JsonWriter& JsonWriter::Bool(bool b) { return Raw(b ? "true" : "false"); }

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_ += json;
  return *this;
}

}  // namespace freshet
