// Rendering engine results for people (text) and for programs: the JSON of
// `query --json`, `status --json` and the HTTP server, written once here so
// that the command line and the server answer alike.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "format/row.h"
#include "index/index_view.h"
#include "index/manifest.h"
#include "metastore/metastore.h"

namespace freshet {

// FormatTimestamp(*t), or nothing (JSON null) without a time.
std::optional<std::string> OptionalTimestamp(std::optional<TimeMicros> t);

void WriteValue(JsonWriter& w, const Value& v);
// {"id","group","version"[,"score"],"fields":{...}}; with `with_score`, the
// doc's ranking score.
void WriteDoc(JsonWriter& w, const DocOut& doc, bool with_score = false);
// The generation an answer comes from, as members of the open object:
// "manifest", "version", "base_cut", "target" (null without a delta).
void WriteGenerationFields(JsonWriter& w, std::string_view manifest_key, const Manifest& m);
// The "hits" member of the open object: the docs of `results`, with their
// scores when they are ranked by score.
void WriteHitsField(JsonWriter& w, const SearchResults& results, bool scored);
void WriteBatch(JsonWriter& w, const BatchRecord& b);
// The answer of `query --json` (and of the Python binding's Index.search):
// {"total", the generation's fields, "hits"}, from `view`'s `results`.
// "total" and, when the search had a total-hits threshold (`bounded`),
// "total_relation": "eq" (the exact count) or "gte" (a lower bound). Without
// one the output is what it was before thresholds existed.
void WriteTotalFields(JsonWriter& w, const SearchResults& results, bool bounded);

std::string QueryResultJson(const IndexView& view, const SearchResults& results, bool scored,
                            bool bounded = false);

std::string ValueToJson(const Value& v);
std::string DocToJson(const DocOut& doc, bool with_score = false);
std::string DocToText(const DocOut& doc);

}  // namespace freshet
