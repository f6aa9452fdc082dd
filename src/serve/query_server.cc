#include "serve/query_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <thread>

#include "common/json.h"
#include "common/log.h"
#include "index/query.h"
#include "serve/dashboard_page.h"
#include "serve/output.h"

namespace freshet {
namespace {

constexpr const char* kJson = "application/json";

// Terms and ranges of a parsed query (what max_query_terms bounds).
size_t CountTerms(const QueryNode& q) {
  size_t n = (q.kind == QueryNode::Kind::kTerm || q.kind == QueryNode::Kind::kRange) ? 1 : 0;
  for (const auto& c : q.children) n += CountTerms(*c);
  return n;
}

int HttpCode(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void SendError(httplib::Response& res, int code, std::string_view message) {
  res.status = code;
  JsonWriter w;
  w.BeginObject().Field("error", message).EndObject();
  res.set_content(w.text() + "\n", kJson);
}

// Parses an optional non-negative integer parameter.
bool SizeParam(const httplib::Request& req, const char* name, size_t* out, httplib::Response& res) {
  if (!req.has_param(name)) return true;
  const std::string v = req.get_param_value(name);
  size_t value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
    SendError(res, 400, fmt::format("{}: '{}' is not a non-negative integer", name, v));
    return false;
  }
  *out = value;
  return true;
}

std::string EndpointOf(const std::string& path) {
  for (const char* e : {"/search", "/healthz", "/readyz", "/status", "/metrics", "/api/batches"}) {
    if (path == e) return e;
  }
  if (path.starts_with("/doc/")) return "/doc";
  if (path == "/") return "/";
  return "other";
}

double Seconds(TimeMicros t) { return static_cast<double>(t) / kMicrosPerSecond; }

// The instant up to which a generation's data is complete: the end of the
// delta's target partition, or the base's cut.
TimeMicros FreshAsOf(const Manifest& m, TimeMicros period) {
  return m.has_delta ? m.target + period : m.base_cut;
}

}  // namespace

void WaitUntilListening(httplib::Server& http) {
  // stop() before the accept loop has started would be lost (the library
  // ignores it), and the loop would then run forever.
  for (int i = 0; i < 5000 && !http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

class QueryServer::Impl {
 public:
  Impl(ServeOptions options, std::vector<std::unique_ptr<ServedPipeline>> pipelines, Clock& clock)
      : options_(std::move(options)), pipelines_(std::move(pipelines)), clock_(clock) {}

  void Routes();
  void ReloadAll();
  ServedPipeline* Pick(const httplib::Request& req, httplib::Response& res);
  void Search(const httplib::Request& req, httplib::Response& res);
  void Doc(const httplib::Request& req, httplib::Response& res);
  void Ready(httplib::Response& res);
  void StatusPage(httplib::Response& res);
  void Metrics(httplib::Response& res);
  void Batches(const httplib::Request& req, httplib::Response& res);
  // Times `handler` into the endpoint's latency histogram.
  template <typename Fn>
  httplib::Server::Handler Timed(const std::string& endpoint, Fn handler);
  void Count(const std::string& endpoint, int code);

  ServeOptions options_;
  std::vector<std::unique_ptr<ServedPipeline>> pipelines_;
  Clock& clock_;
  httplib::Server http_;
  std::mutex metrics_mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;          // (endpoint, code)
  std::map<std::string, std::unique_ptr<LatencyHistogram>> latency_;  // fixed at Routes()
  std::map<std::string, std::string> last_reload_error_;  // by pipeline; reload thread only
};

template <typename Fn>
httplib::Server::Handler QueryServer::Impl::Timed(const std::string& endpoint, Fn handler) {
  LatencyHistogram* histogram =
      latency_.emplace(endpoint, std::make_unique<LatencyHistogram>()).first->second.get();
  return [histogram, handler](const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    handler(req, res);
    histogram->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
}

void QueryServer::Impl::Count(const std::string& endpoint, int code) {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  ++requests_[{endpoint, code}];
}

void QueryServer::Impl::Routes() {
  http_.set_payload_max_length(options_.limits.max_request_bytes);
  http_.set_keep_alive_max_count(10000);
  http_.set_keep_alive_timeout(options_.keep_alive_timeout_seconds);
  // The library writes a response as two sends (status line and headers,
  // then the body). With Nagle's algorithm the body waits for the client to
  // acknowledge the headers, which a client delays by up to 40 ms on a
  // keep-alive connection: every request after the first would take 40 ms.
  http_.set_tcp_nodelay(true);
  const int threads = std::max(1, options_.threads);
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    Count(EndpointOf(req.path), res.status);
  });
  http_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string what = res.status == 404   ? fmt::format("no such endpoint: {}", req.path)
                       : res.status == 413 ? "request body too large"
                       : res.status == 414 ? "request URI too long (use POST /search)"
                                           : "request failed";
    SendError(res, res.status, what);
  });
  auto search = Timed("/search", [this](const auto& req, auto& res) { Search(req, res); });
  http_.Get("/search", search);
  http_.Post("/search", search);
  http_.Get(R"(/doc/(.+))", Timed("/doc", [this](const auto& req, auto& res) { Doc(req, res); }));
  http_.Get("/healthz", Timed("/healthz", [](const auto&, auto& res) {
              res.set_content("ok\n", "text/plain");
            }));
  http_.Get("/readyz", Timed("/readyz", [this](const auto&, auto& res) { Ready(res); }));
  http_.Get("/status", Timed("/status", [this](const auto&, auto& res) { StatusPage(res); }));
  http_.Get("/metrics", Timed("/metrics", [this](const auto&, auto& res) { Metrics(res); }));
  http_.Get("/api/batches",
            Timed("/api/batches", [this](const auto& req, auto& res) { Batches(req, res); }));
  http_.Get("/", Timed("/", [](const auto&, auto& res) {
              res.set_content(std::string(kDashboardHtml), "text/html; charset=utf-8");
            }));
}

void QueryServer::Impl::ReloadAll() {
  for (auto& p : pipelines_) {
    ServedIndex& index = *p->index;
    auto swapped = index.Reload(clock_);
    std::string& last_error = last_reload_error_[index.name()];
    if (!swapped.ok()) {
      // Logged once per distinct error, not at every poll.
      if (last_error != swapped.status().ToString()) {
        last_error = swapped.status().ToString();
        Log(LogLevel::kWarn, "reload_failed", {{"pipeline", index.name()}, {"error", last_error}});
      }
      continue;
    }
    last_error.clear();
    if (*swapped) {
      auto g = index.Acquire();
      Log(LogLevel::kInfo, "generation_loaded",
          {{"pipeline", index.name()},
           {"manifest", g->view().manifest_key()},
           {"version", g->view().manifest().version},
           {"open_generations", index.open_generations()}});
    }
  }
}

ServedPipeline* QueryServer::Impl::Pick(const httplib::Request& req, httplib::Response& res) {
  if (!req.has_param("pipeline")) {
    if (pipelines_.size() == 1) return pipelines_.front().get();
    std::string names;
    for (const auto& p : pipelines_) names += (names.empty() ? "" : ", ") + p->index->name();
    SendError(res, 400, fmt::format("pipeline: required with several pipelines ({})", names));
    return nullptr;
  }
  const std::string name = req.get_param_value("pipeline");
  for (auto& p : pipelines_) {
    if (p->index->name() == name) return p.get();
  }
  SendError(res, 404, fmt::format("pipeline: no pipeline named '{}'", name));
  return nullptr;
}

void QueryServer::Impl::Search(const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  const ServeLimits& limits = options_.limits;
  ServedPipeline* p = Pick(req, res);
  if (!p) return;
  std::string text;
  if (req.method == "POST") {
    text = req.body;
  } else if (req.has_param("q")) {
    text = req.get_param_value("q");
  } else {
    return SendError(res, 400, "q: missing (the query, e.g. q=red+shoes or q=*)");
  }
  size_t limit = 10, offset = 0;
  if (!SizeParam(req, "limit", &limit, res) || !SizeParam(req, "offset", &offset, res)) return;
  if (limit > limits.max_limit) {
    return SendError(res, 400,
                     fmt::format("limit: {} exceeds the maximum of {}", limit, limits.max_limit));
  }
  if (offset > limits.max_window || limit > limits.max_window - offset) {
    return SendError(res, 400,
                     fmt::format("offset + limit: exceeds the maximum of {}", limits.max_window));
  }
  // total_hits=N: count matches exactly up to N, then the total may be a
  // lower bound (the search passes over docs that cannot enter the page).
  size_t total_hits = 0;
  const bool bounded = req.has_param("total_hits");
  if (!SizeParam(req, "total_hits", &total_hits, res)) return;
  auto sort = ParseSortOrder(req.has_param("sort") ? req.get_param_value("sort") : "score");
  if (!sort.ok()) return SendError(res, 400, sort.status().message());
  auto query = ParseQuery(text);
  if (!query.ok()) return SendError(res, 400, query.status().message());
  if (size_t n = CountTerms(**query); n > limits.max_query_terms) {
    return SendError(
        res, 400,
        fmt::format("query: {} terms exceed the maximum of {}", n, limits.max_query_terms));
  }
  // One generation for the whole request.
  std::shared_ptr<const Generation> gen = p->index->Acquire();
  if (!gen) return SendError(res, 503, "nothing published yet for this pipeline");
  const IndexView& view = gen->view();
  SearchOptions search{limit, offset, *sort};
  if (bounded) search.total_hits_threshold = total_hits;
  auto results = view.Search(**query, search);
  if (!results.ok()) return SendError(res, HttpCode(results.status()), results.status().message());
  const Manifest& m = view.manifest();
  const bool scored = sort->kind == SortOrder::Kind::kScore;
  JsonWriter w;
  w.BeginObject().Field("pipeline", p->index->name());
  WriteGenerationFields(w, view.manifest_key(), m);
  WriteTotalFields(w, *results, bounded);
  w.Field("offset", offset).Field("limit", limit).Field("sort", sort->ToString());
  WriteHitsField(w, *results, scored);
  const double took =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::string out = w.Field("took_ms", took).EndObject().Take() + "\n";
  res.set_content(out, kJson);
}

void QueryServer::Impl::Doc(const httplib::Request& req, httplib::Response& res) {
  ServedPipeline* p = Pick(req, res);
  if (!p) return;
  std::shared_ptr<const Generation> gen = p->index->Acquire();
  if (!gen) return SendError(res, 503, "nothing published yet for this pipeline");
  auto doc = gen->view().GetDoc(req.matches[1].str());
  if (!doc.ok()) return SendError(res, HttpCode(doc.status()), doc.status().message());
  JsonWriter w;
  w.BeginObject()
      .Field("pipeline", p->index->name())
      .Field("version", gen->view().manifest().version)
      .Key("doc");
  WriteDoc(w, *doc);
  res.set_content(w.EndObject().Take() + "\n", kJson);
}

void QueryServer::Impl::Ready(httplib::Response& res) {
  for (const auto& p : pipelines_) {
    if (!p->index->Acquire()) {
      res.status = 503;
      res.set_content(fmt::format("not ready: pipeline '{}' has no generation loaded ({})\n",
                                  p->index->name(), p->index->reload_stats().last_error),
                      "text/plain");
      return;
    }
  }
  res.set_content("ready\n", "text/plain");
}

void QueryServer::Impl::StatusPage(httplib::Response& res) {
  const TimeMicros now = clock_.Now();
  JsonWriter w;
  w.BeginObject().Field("now", FormatTimestamp(now)).Key("pipelines").BeginArray();
  for (const auto& served : pipelines_) {
    const ServedIndex& index = *served->index;
    const ReloadStats stats = index.reload_stats();
    w.BeginObject()
        .Field("name", index.name())
        .Field("period_seconds", Seconds(index.period()))
        .Field("has_batch_log", served->metastore != nullptr)
        .Field("reloads", stats.swaps)
        .Field("reload_failures", stats.failures)
        .Field("last_error", stats.last_error)
        .Field("open_generations", index.open_generations())
        .Key("generation");
    auto gen = index.Acquire();
    if (!gen) {
      w.Null().EndObject();
      continue;
    }
    const IndexView& v = gen->view();
    const Manifest& m = v.manifest();
    w.BeginObject()
        .Field("manifest", v.manifest_key())
        .Field("version", m.version)
        .Field("epoch", m.epoch)
        .Field("created_at", FormatTimestamp(m.created_at))
        .Field("loaded_at", FormatTimestamp(gen->loaded_at()))
        .Field("base_cut", FormatTimestamp(m.base_cut))
        .Field("target", OptionalTimestamp(m.has_delta ? std::optional(m.target) : std::nullopt))
        .Field("base_segments", v.base().size())
        .Field("delta_segments", v.delta().size())
        .Field("live_docs", v.LiveDocs())
        .Field("lag_seconds", Seconds(now - FreshAsOf(m, index.period())))
        .EndObject()
        .EndObject();
  }
  res.set_content(w.EndArray().EndObject().Take() + "\n", kJson);
}

void QueryServer::Impl::Metrics(httplib::Response& res) {
  MetricsPage page;
  const TimeMicros now = clock_.Now();
  for (const auto& p : pipelines_) {
    const ServedIndex& index = *p->index;
    const MetricLabels labels = {{"pipeline", index.name()}};
    const ReloadStats stats = index.reload_stats();
    page.Counter("freshet_serve_reloads_total", "Generations put in service.", stats.swaps, labels);
    page.Counter("freshet_serve_reload_failures_total",
                 "Reloads that failed (the generation in service stayed).", stats.failures, labels);
    page.Gauge("freshet_serve_open_generations",
               "Generations alive: the one in service and older ones still held by queries.",
               static_cast<double>(index.open_generations()), labels);
    auto gen = index.Acquire();
    page.Gauge("freshet_serve_ready", "1 once a generation is in service.", gen ? 1 : 0, labels);
    if (!gen) continue;
    const Manifest& m = gen->view().manifest();
    page.Gauge("freshet_serve_generation_version", "Manifest version in service.",
               static_cast<double>(m.version), labels);
    page.Gauge("freshet_serve_generation_fresh_as_of_seconds",
               "Unix time up to which the served data is complete (delta target end, or base "
               "cut).",
               Seconds(FreshAsOf(m, index.period())), labels);
    page.Gauge("freshet_serve_lag_seconds",
               "Now minus the time up to which the served data is complete.",
               Seconds(now - FreshAsOf(m, index.period())), labels);
    page.Gauge("freshet_serve_generation_loaded_seconds",
               "Unix time the generation in service was loaded.", Seconds(gen->loaded_at()),
               labels);
    page.Gauge("freshet_serve_live_docs", "Docs served (base docs not superseded, plus delta).",
               static_cast<double>(gen->view().LiveDocs()), labels);
  }
  {
    std::lock_guard<std::mutex> lock(metrics_mu_);
    for (const auto& [key, n] : requests_) {
      page.Counter("freshet_serve_requests_total", "HTTP requests by endpoint and status code.",
                   static_cast<double>(n),
                   {{"endpoint", key.first}, {"code", std::to_string(key.second)}});
    }
  }
  for (const auto& [endpoint, h] : latency_) {
    page.Histogram("freshet_serve_request_duration_seconds",
                   "Time to handle a request, by endpoint.", h->Bounds(), h->Counts(), h->Sum(),
                   {{"endpoint", endpoint}});
  }
  res.set_content(page.text(), "text/plain; version=0.0.4; charset=utf-8");
}

void QueryServer::Impl::Batches(const httplib::Request& req, httplib::Response& res) {
  ServedPipeline* p = Pick(req, res);
  if (!p) return;
  size_t n = 200;
  if (!SizeParam(req, "n", &n, res)) return;
  n = std::min<size_t>(n, 10000);
  if (!p->metastore) {
    return SendError(
        res, 404,
        fmt::format("pipeline '{}' was given without a config: no batch log", p->index->name()));
  }
  Result<std::vector<BatchRecord>> batches = [&] {
    std::lock_guard<std::mutex> lock(p->metastore_mu);
    return p->metastore->RecentBatches(p->index->name(), static_cast<int>(n));
  }();
  if (!batches.ok()) return SendError(res, 503, batches.status().ToString());
  JsonWriter w;
  w.BeginArray();
  for (const BatchRecord& b : *batches) WriteBatch(w, b);
  res.set_content(w.EndArray().Take() + "\n", kJson);
}

QueryServer::QueryServer(ServeOptions options,
                         std::vector<std::unique_ptr<ServedPipeline>> pipelines, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(pipelines), clock)) {}

QueryServer::~QueryServer() = default;

Status QueryServer::Start() {
  impl_->Routes();
  impl_->ReloadAll();
  const ServeOptions& o = impl_->options_;
  if (o.port == 0) {
    port_ = impl_->http_.bind_to_any_port(o.host);
    if (port_ < 0) port_ = 0;
  } else if (impl_->http_.bind_to_port(o.host, o.port)) {
    port_ = o.port;
  }
  if (port_ <= 0) {
    return Status::IOError(fmt::format("serve: cannot listen on {}:{}", o.host, o.port));
  }
  return Status::OK();
}

void QueryServer::ReloadAll() { impl_->ReloadAll(); }

void QueryServer::Run(const std::atomic<bool>& stop) {
  std::thread listener([this] { impl_->http_.listen_after_bind(); });
  WaitUntilListening(impl_->http_);
  const auto poll = std::chrono::microseconds(impl_->options_.poll_interval);
  auto next = std::chrono::steady_clock::now() + poll;
  while (!stop) {
    if (std::chrono::steady_clock::now() >= next) {
      impl_->ReloadAll();
      next = std::chrono::steady_clock::now() + poll;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::microseconds>(poll, std::chrono::milliseconds(20)));
  }
  // Stops accepting; the thread pool finishes the requests in flight.
  impl_->http_.stop();
  listener.join();
}

}  // namespace freshet
