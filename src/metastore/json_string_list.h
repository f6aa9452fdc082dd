// A list of strings as one JSON array of strings: how the batch log stores
// its quarantine list in a single text column, readable by any SQL client.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshet {

// Always valid JSON in valid UTF-8: bytes that are not valid UTF-8 become
// U+FFFD, control characters are escaped ("\n", "\u0001").
std::string EncodeJsonStringList(const std::vector<std::string>& items);

// Corruption, naming what was expected, if `json` is not an array of strings.
Result<std::vector<std::string>> DecodeJsonStringList(std::string_view json);

}  // namespace freshet
