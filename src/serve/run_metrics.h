// The metrics of `freshet run` (--metrics-addr): what the runner did, as
// Prometheus text at /metrics and a health verdict at /healthz.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "metastore/metastore.h"
#include "pipeline/run_loop.h"
#include "serve/http_address.h"

namespace freshet {

// The runner's figures. Thread-safe: the batch loop records, the HTTP thread reads.
class RunMetrics final : public RunObserver {
 public:
  // `period`: the source's partition length (for the lag).
  RunMetrics(std::string pipeline, TimeMicros period, Clock& clock);

  // "standby", "held" or "released", with the epoch when held.
  void SetLease(std::string state, int64_t epoch) override;
  void SetWatermark(std::optional<TimeMicros> watermark, int64_t manifest_version) override;
  // A batch that ended (published or not); its figures go to the counters.
  void RecordBatch(const BatchRecord& record, bool published) override;
  void RecordFailure(const Status& status) override;

  std::string PrometheusText();
  // Unhealthy after 3 failed batches in a row, or once the lease is lost
  // ("released" without a clean stop). `why` says which.
  bool Healthy(std::string* why);

 private:
  const std::string pipeline_;
  const TimeMicros period_;
  Clock& clock_;
  std::mutex mu_;
  std::string lease_ = "standby";
  int64_t epoch_ = 0;
  std::optional<TimeMicros> watermark_;
  int64_t manifest_version_ = 0;
  int64_t committed_ = 0, idle_ = 0, failed_ = 0, failed_in_a_row_ = 0;
  int64_t records_ = 0, bad_records_ = 0, skipped_ = 0, docs_ = 0, bytes_ = 0;
  std::optional<BatchRecord> last_;
  std::string last_error_;
};

// Serves a RunMetrics over HTTP on its own thread until destroyed.
class RunMetricsEndpoint {
 public:
  // IOError naming the address if it cannot bind. `metrics` must outlive the endpoint.
  static Result<std::unique_ptr<RunMetricsEndpoint>> Start(const HttpAddress& address,
                                                           RunMetrics& metrics);
  ~RunMetricsEndpoint();
  int port() const;

 private:
  class Impl;
  explicit RunMetricsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshet
