#include "serve/prometheus.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace freshet {
namespace {

std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace

void MetricsPage::Header(std::string_view name, std::string_view help, std::string_view type) {
  if (std::find(declared_.begin(), declared_.end(), name) != declared_.end()) return;
  declared_.emplace_back(name);
  text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void MetricsPage::Sample(std::string_view name, const MetricLabels& labels, double value) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) text_ += ',';
      text_ += fmt::format("{}=\"{}\"", labels[i].first, EscapeLabel(labels[i].second));
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += FormatValue(value);
  text_ += '\n';
}

void MetricsPage::Gauge(std::string_view name, std::string_view help, double value,
                        const MetricLabels& labels) {
  Header(name, help, "gauge");
  Sample(name, labels, value);
}

void MetricsPage::Counter(std::string_view name, std::string_view help, double value,
                          const MetricLabels& labels) {
  Header(name, help, "counter");
  Sample(name, labels, value);
}

void MetricsPage::Histogram(std::string_view name, std::string_view help,
                            const std::vector<double>& bounds, const std::vector<uint64_t>& counts,
                            double sum, const MetricLabels& labels) {
  Header(name, help, "histogram");
  uint64_t cumulative = 0;
  const std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i <= bounds.size() && i < counts.size(); ++i) {
    cumulative += counts[i];
    MetricLabels l = labels;
    l.emplace_back("le", i < bounds.size() ? FormatValue(bounds[i]) : "+Inf");
    Sample(bucket, l, static_cast<double>(cumulative));
  }
  Sample(std::string(name) + "_sum", labels, sum);
  Sample(std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

void LatencyHistogram::Observe(double seconds) {
  size_t i = static_cast<size_t>(std::lower_bound(kBounds.begin(), kBounds.end(), seconds) -
                                 kBounds.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e6),
                        std::memory_order_relaxed);
}

std::vector<uint64_t> LatencyHistogram::Counts() const {
  std::vector<uint64_t> out;
  for (const auto& c : counts_) out.push_back(c.load(std::memory_order_relaxed));
  return out;
}

double LatencyHistogram::Sum() const {
  return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

}  // namespace freshet
