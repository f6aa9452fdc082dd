// Query latency of freshet in-process: opens the generation CURRENT names in
// a published index (base + newest delta, as `freshet query` and `serve` do)
// and runs a query file through IndexView::Search, single-threaded, warm.
//
//   query_bench INDEX_URL QUERIES.jsonl [--passes N] [--manifest KEY]
//               [--total-hits-threshold N]
//
// QUERIES.jsonl: one query a line, as bench/query_set.py writes them; this
// program reads `id`, `query` (the query language of `freshet query`) and
// `sort` ("id", "score" or a numeric FIELD[:asc|desc], as `--sort`). Every
// query runs once untimed (the warm-up pass), then N timed passes (default
// 3) over the whole file. Each query is timed from its text to its page of
// 10 hits (parse + search), as a `/search` request spends it. `--manifest`
// opens that generation instead of CURRENT's (e.g. the base alone, before a
// delta was published over it). `--total-hits-threshold N` counts N matches
// exactly, then lets a search pass over runs of docs that cannot enter the
// page (SearchOptions::total_hits_threshold; default: every match counted).
//
// Output, JSON Lines on stdout: first {"engine":"freshet","docs":LIVE,...},
// then one line per query: {"id":ID,"total":HITS,"hits":[10 doc ids],
// "keys":[their scores, or their sort field's values],"us":[one time per
// pass]}, with "total_is_lower_bound":true when the total is a lower bound. Exit 1 with the message
// on stderr if the query file or the index cannot be read (naming the file and line) or a query
// fails (naming its id).
#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "common/json.h"
#include "index/index_view.h"
#include "index/query.h"
#include "index/ranking.h"
#include "storage/object_store.h"

namespace {

using namespace freshet;

struct BenchQuery {
  int64_t id = 0;
  std::string text;
  SortOrder sort;
};

Result<std::vector<BenchQuery>> ReadQueries(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(fmt::format("{}: cannot open", path));
  std::vector<BenchQuery> out;
  simdjson::dom::parser parser;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    simdjson::dom::element root;
    std::string_view text, sort;
    int64_t id = 0;
    if (parser.parse(line).get(root) || root["id"].get(id) || root["query"].get(text) ||
        root["sort"].get(sort)) {
      return Status::InvalidArgument(
          fmt::format("{}:{}: expected an object with id, query and sort", path, number));
    }
    auto order = ParseSortOrder(sort);
    if (!order.ok()) return order.status().WithContext(fmt::format("{}:{}", path, number));
    out.push_back({id, std::string(text), *order});
  }
  return out;
}

double SortKey(const DocOut& doc, const SortOrder& sort) {
  if (sort.kind == SortOrder::Kind::kScore) return doc.score;
  for (const auto& [name, value] : doc.fields) {
    if (name != sort.field) continue;
    if (value.type == ValueType::kDouble) return value.d;
    if (value.type == ValueType::kInt64) return static_cast<double>(value.i);
  }
  return 0;
}

int Run(const std::string& url, const std::string& query_path, int passes,
        const std::string& manifest, uint64_t total_hits_threshold) {
  auto queries = ReadQueries(query_path);
  if (!queries.ok()) {
    std::cerr << queries.status().ToString() << "\n";
    return 1;
  }
  auto store = ObjectStore::Open(url);
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }
  SegmentCache cache;
  const auto open_start = std::chrono::steady_clock::now();
  auto view = manifest.empty() ? IndexView::OpenCurrent(**store, &cache)
                               : IndexView::OpenManifest(**store, manifest, &cache);
  if (!view.ok()) {
    std::cerr << view.status().ToString() << "\n";
    return 1;
  }
  const double open_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - open_start).count();
  const Manifest& m = (*view)->manifest();
  std::cout << fmt::format(
      "{{\"engine\":\"freshet\",\"docs\":{},\"manifest\":{},\"has_delta\":{},"
      "\"base_segments\":{},\"delta_segments\":{},\"open_seconds\":{:.3f},\"passes\":{},"
      "\"total_hits_threshold\":{}}}\n",
      (*view)->LiveDocs(), JsonQuote((*view)->manifest_key()), m.has_delta ? "true" : "false",
      (*view)->base().size(), (*view)->delta().size(), open_seconds, passes,
      total_hits_threshold == kExactTotal ? "null" : std::to_string(total_hits_threshold));

  std::vector<std::vector<double>> micros(queries->size());
  std::vector<SearchResults> answers(queries->size());
  for (int pass = 0; pass <= passes; ++pass) {  // pass 0: the warm-up
    for (size_t i = 0; i < queries->size(); ++i) {
      const BenchQuery& q = (*queries)[i];
      const auto start = std::chrono::steady_clock::now();
      auto parsed = ParseQuery(q.text);
      Result<SearchResults> results =
          parsed.ok()
              ? (*view)->Search(**parsed, SearchOptions{10, 0, q.sort, total_hits_threshold})
              : Result<SearchResults>(parsed.status());
      const auto end = std::chrono::steady_clock::now();
      if (!results.ok()) {
        std::cerr << fmt::format("{}: query {} ({}): {}\n", query_path, q.id, q.text,
                                 results.status().ToString());
        return 1;
      }
      if (pass == 0) {
        answers[i] = std::move(*results);
      } else {
        micros[i].push_back(std::chrono::duration<double, std::micro>(end - start).count());
      }
    }
  }
  for (size_t i = 0; i < queries->size(); ++i) {
    const BenchQuery& q = (*queries)[i];
    std::string hits, keys, us;
    for (const DocOut& d : answers[i].docs) {
      hits += (hits.empty() ? "" : ",") + JsonQuote(d.id);
      keys += (keys.empty() ? "" : ",") + JsonNumber(SortKey(d, q.sort));
    }
    for (double t : micros[i]) us += fmt::format("{}{:.1f}", us.empty() ? "" : ",", t);
    std::cout << fmt::format(
        "{{\"id\":{},\"total\":{},{}\"hits\":[{}],\"keys\":[{}],\"us\":[{}]}}\n", q.id,
        answers[i].total, answers[i].total_is_lower_bound ? "\"total_is_lower_bound\":true," : "",
        hits, keys, us);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  int passes = 3;
  std::string manifest;
  uint64_t total_hits_threshold = kExactTotal;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--passes" && i + 1 < argc) {
      passes = std::atoi(argv[++i]);
    } else if (a == "--manifest" && i + 1 < argc) {
      manifest = argv[++i];
    } else if (a == "--total-hits-threshold" && i + 1 < argc) {
      total_hits_threshold = std::strtoull(argv[++i], nullptr, 10);
    } else {
      args.push_back(a);
    }
  }
  if (args.size() != 2 || passes < 1) {
    std::cerr << "usage: query_bench INDEX_URL QUERIES.jsonl [--passes N] [--manifest KEY] "
                 "[--total-hits-threshold N]\n";
    return 2;
  }
  return Run(args[0], args[1], passes, manifest, total_hits_threshold);
}
