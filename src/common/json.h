// Writing JSON text: JsonWriter for every document the engine writes (CLI
// output, HTTP responses, JSON logs), JsonQuote and JsonNumber for its
// scalars. Reading JSON is simdjson's job.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace freshet {

// `s` as a JSON string literal, quotes included: always valid JSON in valid
// UTF-8. Control characters are escaped ("\n", "\u0001"); a byte that does
// not start a valid UTF-8 sequence (shortest form, no surrogates) becomes
// U+FFFD.
std::string JsonQuote(std::string_view s);

// A number as JSON: NaN and infinities become null.
std::string JsonNumber(double d);

// Builds one compact JSON text (no spaces, no newline) in call order; the
// writer places the commas and the colons. Inside an object every value is
// preceded by its Key() (or given by Field()); Begin and End calls pair up.
// These REQUIRES are asserted in debug builds.
//
//   JsonWriter w;
//   w.BeginObject().Field("id", "ad-1").Field("bid", 1.5).Key("tags").BeginArray();
//   w.Value("red").EndArray().EndObject();
//   w.text();  // {"id":"ad-1","bid":1.5,"tags":["red"]}
//
// Not thread-safe.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The next member's name. REQUIRES: inside an object, no key pending.
  JsonWriter& Key(std::string_view key);

  JsonWriter& Null();
  JsonWriter& String(std::string_view s);  // quoted as JsonQuote does
  JsonWriter& Number(double d);            // as JsonNumber: NaN and infinities become null
  JsonWriter& Bool(bool b);
  // Text that is already one JSON value, copied as is.
  JsonWriter& Raw(std::string_view json);

  // A string, a number (integers exactly), a bool, or null for an empty
  // optional.
  template <class T>
  JsonWriter& Value(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return Bool(v);
    } else if constexpr (std::is_integral_v<T>) {
      return Raw(fmt::format("{}", v));
    } else if constexpr (std::is_floating_point_v<T>) {
      return Number(v);
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      return String(v);
    } else {
      static_assert(IsOptional<T>::value, "JsonWriter::Value: no JSON form for this type");
      return v ? Value(*v) : Null();
    }
  }
  template <class T>
  JsonWriter& Field(std::string_view key, const T& v) {
    Key(key);
    return Value(v);
  }

  // The text so far; a whole document once every Begin has its End.
  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  template <class T>
  struct IsOptional : std::false_type {};
  template <class T>
  struct IsOptional<std::optional<T>> : std::true_type {};

  // Before a value: the comma after a previous element, unless a key was
  // just written (it wrote the comma).
  void BeforeValue();
  void Open(char bracket, bool object);
  void Close(char bracket, bool object);

  struct Level {
    bool object = false;
    bool empty = true;
  };
  std::string out_;
  std::vector<Level> levels_;
  bool key_pending_ = false;
};

// A JSON document ending with a checksum member: the xxh3-64 (Hex64 of
// Hash64, common/hash.h) of every byte before the member's text. `member`
// is that text up to the value's opening quote, `end` what follows its
// closing quote; each format freezes both (manifests, chain records).
struct TrailingChecksum {
  std::string_view member;
  std::string_view end;

  // `body`, then the member holding the checksum of `body`, then `end`.
  std::string Seal(std::string body) const;
  // nullopt when `json` ends with the member holding `recorded` and
  // `recorded` is the checksum of the bytes before it; else what is wrong:
  // `not_last`, or "checksum mismatch: recorded R, content hashes to C".
  std::optional<std::string> Problem(std::string_view json, std::string_view recorded,
                                     std::string_view not_last) const;
};

}  // namespace freshet
