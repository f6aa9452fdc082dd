// Prometheus text exposition format (version 0.0.4): a builder for one
// scrape's page, and a latency histogram that request threads update.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace freshet {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Not thread-safe: one builder per scrape.
class MetricsPage {
 public:
  // Writes "# HELP" and "# TYPE" once per metric name, then the sample.
  void Gauge(std::string_view name, std::string_view help, double value,
             const MetricLabels& labels = {});
  void Counter(std::string_view name, std::string_view help, double value,
               const MetricLabels& labels = {});
  // A cumulative histogram: `bounds` ascending, `counts[i]` observations in
  // (bounds[i-1], bounds[i]], `counts.back()` those above the last bound.
  void Histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                 const std::vector<uint64_t>& counts, double sum, const MetricLabels& labels = {});
  const std::string& text() const { return text_; }

 private:
  void Header(std::string_view name, std::string_view help, std::string_view type);
  void Sample(std::string_view name, const MetricLabels& labels, double value);
  std::string text_;
  std::vector<std::string> declared_;
};

// Request latencies in seconds. Thread-safe (relaxed atomics): a scrape may
// see an observation in the count before the sum, never a torn value.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1,    2.5};
  void Observe(double seconds);
  std::vector<uint64_t> Counts() const;
  double Sum() const;
  std::vector<double> Bounds() const { return {kBounds.begin(), kBounds.end()}; }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<uint64_t> sum_micros_{0};
};

}  // namespace freshet
