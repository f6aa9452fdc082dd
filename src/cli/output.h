// Rendering engine results for people (text) and for programs (--json).
#pragma once

#include <string>

#include "format/row.h"
#include "index/index_view.h"
#include "metastore/metastore.h"

namespace freshet {

std::string ValueToJson(const Value& v);
std::string DocToJson(const DocOut& doc);
std::string DocToText(const DocOut& doc);
std::string BatchToJson(const BatchRecord& b);

}  // namespace freshet
