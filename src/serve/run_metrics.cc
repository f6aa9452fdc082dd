#include "serve/run_metrics.h"

#include <fmt/format.h>
#include <httplib.h>

#include <thread>

#include "serve/prometheus.h"
#include "serve/query_server.h"

namespace freshet {
namespace {
double Seconds(TimeMicros t) { return static_cast<double>(t) / kMicrosPerSecond; }
}  // namespace

RunMetrics::RunMetrics(std::string pipeline, TimeMicros period, Clock& clock)
    : pipeline_(std::move(pipeline)), period_(period), clock_(clock) {}

void RunMetrics::SetLease(std::string state, int64_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  lease_ = std::move(state);
  epoch_ = epoch;
}

void RunMetrics::SetWatermark(std::optional<TimeMicros> watermark, int64_t manifest_version) {
  std::lock_guard<std::mutex> lock(mu_);
  watermark_ = watermark;
  manifest_version_ = manifest_version;
}

void RunMetrics::RecordBatch(const BatchRecord& record, bool published) {
  std::lock_guard<std::mutex> lock(mu_);
  failed_in_a_row_ = 0;
  if (!published) {
    ++idle_;
    return;
  }
  ++committed_;
  records_ += record.records;
  bad_records_ += record.bad_records;
  skipped_ += record.publications_skipped;
  docs_ += record.docs;
  bytes_ += record.bytes_written;
  if (record.target_partition) watermark_ = record.target_partition;
  manifest_version_ = record.manifest_version;
  last_ = record;
}

void RunMetrics::RecordFailure(const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++failed_;
  ++failed_in_a_row_;
  last_error_ = status.ToString();
}

bool RunMetrics::Healthy(std::string* why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_in_a_row_ >= 3) {
    *why = fmt::format("{} batches failed in a row; last: {}", failed_in_a_row_, last_error_);
    return false;
  }
  if (lease_ == "lost") {
    *why = "the writer lease was lost: " + last_error_;
    return false;
  }
  *why = fmt::format("lease {}", lease_);
  return true;
}

std::string RunMetrics::PrometheusText() {
  const TimeMicros now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  MetricsPage page;
  const MetricLabels p = {{"pipeline", pipeline_}};
  for (const char* state : {"standby", "held", "released", "lost"}) {
    MetricLabels l = p;
    l.emplace_back("state", state);
    page.Gauge("freshet_run_lease_state", "1 for the writer lease's current state.",
               lease_ == state ? 1 : 0, l);
  }
  page.Gauge("freshet_run_epoch", "Epoch (fencing token) of the lease held.",
             static_cast<double>(epoch_), p);
  if (watermark_) {
    page.Gauge("freshet_run_watermark_seconds",
               "Watermark: start of the newest published "
               "partition (Unix time).",
               Seconds(*watermark_), p);
    page.Gauge("freshet_run_lag_seconds", "Now minus the end of the watermark's partition.",
               Seconds(now - (*watermark_ + period_)), p);
  }
  page.Gauge("freshet_run_manifest_version", "Manifest version last committed.",
             static_cast<double>(manifest_version_), p);
  for (auto [outcome, n] : {std::pair{"committed", committed_}, std::pair{"idle", idle_},
                            std::pair{"failed", failed_}}) {
    MetricLabels l = p;
    l.emplace_back("outcome", outcome);
    page.Counter("freshet_run_batches_total",
                 "Batches by outcome: committed, idle (nothing to publish), failed.",
                 static_cast<double>(n), l);
  }
  page.Counter("freshet_run_records_total", "Records read by committed batches.",
               static_cast<double>(records_), p);
  page.Counter("freshet_run_bad_records_total", "Bad records skipped by committed batches.",
               static_cast<double>(bad_records_), p);
  page.Counter("freshet_run_publications_skipped_total",
               "Ready partitions not published on their own (lag policy latest or bounded).",
               static_cast<double>(skipped_), p);
  page.Counter("freshet_run_docs_total", "Docs written by committed batches.",
               static_cast<double>(docs_), p);
  page.Counter("freshet_run_bytes_written_total", "Bytes written by committed batches.",
               static_cast<double>(bytes_), p);
  if (last_) {
    const BatchRecord& b = *last_;
    for (auto [phase, micros] :
         {std::pair{"list", b.list_micros}, std::pair{"read", b.read_micros},
          std::pair{"build", b.build_micros}, std::pair{"publish", b.publish_micros},
          std::pair{"commit", b.commit_micros}}) {
      MetricLabels l = p;
      l.emplace_back("phase", phase);
      page.Gauge("freshet_run_last_batch_phase_seconds",
                 "Duration of each phase of the last committed batch.", Seconds(micros), l);
    }
    page.Gauge("freshet_run_last_batch_records", "Records read by the last committed batch.",
               static_cast<double>(b.records), p);
    page.Gauge("freshet_run_last_batch_bad_records", "Bad records of the last committed batch.",
               static_cast<double>(b.bad_records), p);
    page.Gauge("freshet_run_last_batch_finished_seconds",
               "When the last committed batch finished (Unix time).", Seconds(b.finished_at), p);
  }
  return page.text();
}

class RunMetricsEndpoint::Impl {
 public:
  httplib::Server http;
  std::thread thread;
  int port = 0;
};

Result<std::unique_ptr<RunMetricsEndpoint>> RunMetricsEndpoint::Start(const HttpAddress& address,
                                                                      RunMetrics& metrics) {
  auto impl = std::make_unique<Impl>();
  impl->http.new_task_queue = [] { return new httplib::ThreadPool(2); };
  impl->http.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.PrometheusText(), "text/plain; version=0.0.4; charset=utf-8");
  });
  impl->http.Get("/healthz", [&metrics](const httplib::Request&, httplib::Response& res) {
    std::string why;
    bool ok = metrics.Healthy(&why);
    res.status = ok ? 200 : 503;
    res.set_content((ok ? "ok: " : "unhealthy: ") + why + "\n", "text/plain");
  });
  impl->port = address.port == 0
                   ? impl->http.bind_to_any_port(address.host)
                   : (impl->http.bind_to_port(address.host, address.port) ? address.port : -1);
  if (impl->port <= 0) {
    return Status::IOError(
        fmt::format("--metrics-addr: cannot listen on {}:{}", address.host, address.port));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->http.listen_after_bind(); });
  WaitUntilListening(impl->http);
  return std::unique_ptr<RunMetricsEndpoint>(new RunMetricsEndpoint(std::move(impl)));
}

RunMetricsEndpoint::RunMetricsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RunMetricsEndpoint::~RunMetricsEndpoint() {
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int RunMetricsEndpoint::port() const { return impl_->port; }

}  // namespace freshet
