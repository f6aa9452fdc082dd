#include "metastore/json_string_list.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "common/json.h"

namespace freshet {
std::string EncodeJsonStringList(const std::vector<std::string>& items) {
  JsonWriter w;
  w.BeginArray();
  for (const std::string& item : items) w.String(item);
  return w.EndArray().Take();
}

Result<std::vector<std::string>> DecodeJsonStringList(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root)) {
    return Status::Corruption(
        fmt::format("expected a JSON array of strings: {}", simdjson::error_message(error)));
  }
  simdjson::dom::array array;
  if (root.get_array().get(array)) {
    return Status::Corruption("expected a JSON array of strings, found another JSON value");
  }
  std::vector<std::string> items;
  for (simdjson::dom::element item : array) {
    std::string_view text;
    if (item.get_string().get(text)) {
      return Status::Corruption(fmt::format(
          "expected a JSON array of strings, element {} is not a string", items.size()));
    }
    items.emplace_back(text);
  }
  return items;
}

}  // namespace freshet
