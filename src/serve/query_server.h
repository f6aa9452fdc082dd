// QueryServer: the HTTP front of `freshet serve` over one or more pipelines'
// published indexes.
//
//   GET  /search?q=QUERY[&limit=N][&offset=N][&sort=score|id|FIELD[:asc|desc]][&pipeline=NAME]
//   POST /search?...          the query in the body (text/plain), for long queries
//   GET  /doc/{id}[?pipeline=NAME]
//   GET  /healthz             200 while the process serves
//   GET  /readyz              200 once every pipeline has a generation, else 503
//   GET  /status              JSON: each pipeline's generation, reloads, lag
//   GET  /metrics             Prometheus text format
//   GET  /api/batches?pipeline=NAME[&n=N]   the batch log (pipelines given by config)
//   GET  /                    the dashboard page
// Errors are JSON {"error": "..."} with a 4xx code naming the parameter.
//
// Each request holds one generation (ServedIndex::Acquire) from start to
// end. Thread-safety: request handlers run on the server's thread pool; the
// reload loop runs on the thread that calls Run().
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "metastore/metastore.h"
#include "serve/prometheus.h"
#include "serve/served_index.h"

namespace httplib {
class Server;
}

namespace freshet {

// Returns once `http` accepts connections (after listen_after_bind() started
// on another thread), or after 5 s. REQUIRES: bound. Then stop() takes effect.
void WaitUntilListening(httplib::Server& http);

struct ServeLimits {
  size_t max_request_bytes = 128 * 1024;  // body (and URI: 8 KiB, fixed by the HTTP library)
  size_t max_query_terms = 256;           // terms and ranges in one query
  size_t max_limit = 1000;                // hits per page
  size_t max_window = 100000;             // offset + limit
};

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see QueryServer::port())
  // Request threads. Each open keep-alive connection holds one while it is
  // open (the HTTP library's model), so this bounds concurrent connections;
  // an idle connection is closed after keep_alive_timeout.
  int threads = 32;
  int keep_alive_timeout_seconds = 2;
  TimeMicros poll_interval = 1000 * 1000;  // how often CURRENT is read
  ServeLimits limits;
};

// A served pipeline: its index and, when it was given by a config, its
// metastore (for the dashboard's batch log). The metastore is used from one
// request at a time (metastore_mu).
struct ServedPipeline {
  std::unique_ptr<ServedIndex> index;
  std::unique_ptr<Metastore> metastore;  // may be null
  std::mutex metastore_mu;
};

class QueryServer {
 public:
  QueryServer(ServeOptions options, std::vector<std::unique_ptr<ServedPipeline>> pipelines,
              Clock& clock);
  ~QueryServer();

  // Loads each pipeline's current generation (a pipeline with nothing
  // published yet is served once something is) and binds the listening
  // socket. IOError naming the address if it cannot bind.
  Status Start();
  int port() const { return port_; }

  // Serves until `stop` becomes true, reloading every poll_interval; then
  // stops accepting, lets requests in flight finish, and returns.
  void Run(const std::atomic<bool>& stop);

  // One reload round over every pipeline (what Run does each poll_interval).
  void ReloadAll();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace freshet
