// Rendering engine results for people (text) and for programs (--json,
// the HTTP server's JSON).
#pragma once

#include <string>

#include "format/row.h"
#include "index/index_view.h"
#include "metastore/metastore.h"

namespace freshet {

std::string ValueToJson(const Value& v);
// With `with_score`, the doc's ranking score is included ("score").
std::string DocToJson(const DocOut& doc, bool with_score = false);
std::string DocToText(const DocOut& doc);
std::string BatchToJson(const BatchRecord& b);

}  // namespace freshet
