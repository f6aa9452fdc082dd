#include "common/json.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

#include "common/hash.h"

namespace freshet {

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (shortest form, no
// surrogate, at most U+10FFFF), or 0 if the bytes there are not one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t n;
  uint32_t min, cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04x}", c);
    } else if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER for a stray byte
        ++i;
        continue;
      }
      out.append(s.substr(i, n));
      i += n;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
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

std::string TrailingChecksum::Seal(std::string body) const {
  const std::string checksum = Hex64(Hash64(body));
  body += member;
  body += checksum;
  body += end;
  return body;
}

std::optional<std::string> TrailingChecksum::Problem(std::string_view json,
                                                     std::string_view recorded,
                                                     std::string_view not_last) const {
  const std::string tail = fmt::format("{}{}{}", member, recorded, end);
  if (!json.ends_with(tail)) return std::string(not_last);
  const std::string computed = Hex64(Hash64(json.substr(0, json.size() - tail.size())));
  if (computed == recorded) return std::nullopt;
  return fmt::format("checksum mismatch: recorded {}, content hashes to {}", recorded, computed);
}

}  // namespace freshet
