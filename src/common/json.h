// Writing JSON text by hand where a DOM would be overkill (manifests, logs,
// CLI output). Reading JSON is simdjson's job.
#pragma once

#include <string>
#include <string_view>

namespace freshet {

// `s` as a JSON string literal, quotes included. Control characters and
// bytes of invalid UTF-8 are escaped as \u00XX.
std::string JsonQuote(std::string_view s);

// A number as JSON: NaN and infinities become null.
std::string JsonNumber(double d);

}  // namespace freshet
