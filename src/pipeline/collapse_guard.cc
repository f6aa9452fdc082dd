#include "pipeline/collapse_guard.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>

#include "common/crash_point.h"
#include "common/log.h"

namespace freshet {
namespace {

// Docs of group `key` in `seg`, not counting those `hidden` marks.
uint64_t GroupDocs(const SegmentReader& seg, std::string_view key,
                   const std::function<bool(uint32_t)>& hidden) {
  auto g = seg.FindGroup(key);
  if (!g) return 0;
  uint64_t n = 0;
  const uint32_t first = seg.GroupFirstDoc(*g);
  for (uint32_t ord = first; ord < first + seg.GroupDocCount(*g); ++ord) {
    if (!hidden(ord)) ++n;
  }
  return n;
}

// Live docs of group `key` in `view`: in its base, and in its delta if
// `with_delta`.
uint64_t LiveGroupDocs(const IndexView& view, bool with_delta, std::string_view key) {
  uint64_t n = 0;
  for (size_t s = 0; s < view.base().size(); ++s) {
    n += GroupDocs(*view.base()[s], key,
                   [&](uint32_t ord) { return with_delta && view.BaseHidden(s, ord); });
  }
  if (!with_delta) return n;
  for (size_t s = 0; s < view.delta().size(); ++s) {
    n += GroupDocs(*view.delta()[s], key, [&](uint32_t ord) { return view.DeltaHidden(s, ord); });
  }
  return n;
}

std::string DescribeStream(std::string_view name, const StreamRecordCounts& c) {
  return fmt::format("{} records read {} ({} bad)", name, c.good + c.bad, c.bad);
}

}  // namespace

Status CheckNoCollapse(const PipelineConfig& config, const GenerationFigures& f, bool allow) {
  std::string reason;
  if (f.docs.good == 0 && f.docs.bad > 0) {
    reason = fmt::format("every doc record is bad (columns.doc_id is '{}')", config.columns.id);
  } else if (f.groups.good == 0 && f.groups.bad > 0) {
    reason = fmt::format("every group record is bad (group.key is '{}')", config.group_columns.id);
  } else if (f.live_after<f.live_before&& static_cast<double>(f.live_before - f.live_after)> config
                 .max_shrink *
             static_cast<double>(f.live_before)) {
    reason =
        fmt::format("it would drop {} of {} live docs ({:.0f}%), more than pipeline.max_shrink {}",
                    f.live_before - f.live_after, f.live_before,
                    100.0 * static_cast<double>(f.live_before - f.live_after) /
                        static_cast<double>(f.live_before),
                    config.max_shrink);
  }
  if (reason.empty() || SafeguardDisabled("collapse_refusal")) return Status::OK();
  const std::string figures =
      fmt::format("{}{}; live docs before {}, after {}", DescribeStream("doc", f.docs),
                  config.has_group ? ", " + DescribeStream("group", f.groups) : std::string(),
                  f.live_before, f.live_after);
  if (allow) {
    Log(LogLevel::kWarn, "collapse_allowed",
        {{"pipeline", config.name},
         {"kind", f.kind},
         {"reason", reason},
         {"records", f.docs.good + f.docs.bad},
         {"bad_records", f.docs.bad},
         {"docs_before", f.live_before},
         {"docs_after", f.live_after}});
    return Status::OK();
  }
  return Status::CollapseRefused(fmt::format(
      "{} of pipeline '{}' refused: {}: {}. Nothing was published; the generation in service "
      "stays. To publish it anyway, run again with --allow-shrink",
      f.kind, config.name, reason, figures));
}

uint64_t LiveDocsWithDelta(const IndexView& view, bool keep_delta,
                           const std::vector<SegmentData>& layer) {
  int64_t live = 0;
  if (keep_delta) {
    live = static_cast<int64_t>(view.LiveDocs());
  } else {
    for (const auto& seg : view.base()) live += seg->num_docs();
  }
  for (const SegmentData& seg : layer) {
    for (const SegmentGroup& g : seg.groups) {
      live -= static_cast<int64_t>(LiveGroupDocs(view, keep_delta, g.key));
    }
    live += static_cast<int64_t>(seg.docs.size());
  }
  return static_cast<uint64_t>(std::max<int64_t>(live, 0));
}

BaseLiveDocs::BaseLiveDocs(const IndexView* view) {
  if (view == nullptr) return;
  for (size_t s = 0; s < view->delta().size(); ++s) {
    const SegmentReader& seg = *view->delta()[s];
    if (seg.SupersedesDocsById()) {
      for (uint32_t ord = 0; ord < seg.num_docs(); ++ord) superseded_ids_.emplace(seg.DocId(ord));
      for (const auto& t : seg.tombstones().entries()) superseded_ids_.emplace(t.id);
    } else {
      for (uint32_t g = 0; g < seg.num_groups(); ++g) superseded_.emplace(seg.GroupKey(g));
    }
    for (uint32_t ord = 0; ord < seg.num_docs(); ++ord) {
      if (!view->DeltaHidden(s, ord)) ++live_;
    }
  }
}

void BaseLiveDocs::Add(const SegmentData& segment) {
  int64_t live = static_cast<int64_t>(segment.docs.size());
  if (!superseded_.empty() || !superseded_ids_.empty()) {
    for (const SegmentDoc& d : segment.docs) live -= Superseded(segment.groups[d.group].key, d.id);
  }
  std::lock_guard lock(mu_);
  live_ += live;
}

void BaseLiveDocs::Add(const SegmentReader& segment) {
  int64_t live = segment.num_docs();
  if (!superseded_.empty() || !superseded_ids_.empty()) {
    for (uint32_t ord = 0; ord < segment.num_docs(); ++ord) {
      live -= Superseded(segment.GroupKey(segment.DocGroup(ord)), segment.DocId(ord));
    }
  }
  std::lock_guard lock(mu_);
  live_ += live;
}

uint64_t BaseLiveDocs::live() const {
  std::lock_guard lock(mu_);
  return static_cast<uint64_t>(std::max<int64_t>(live_, 0));
}

uint64_t LiveDocsWithBase(const std::vector<SegmentData>& base, const IndexView* view) {
  BaseLiveDocs live(view);
  for (const SegmentData& seg : base) live.Add(seg);
  return live.live();
}

uint64_t LiveDocsWithBase(const std::vector<std::shared_ptr<const SegmentReader>>& base,
                          const IndexView* view) {
  BaseLiveDocs live(view);
  for (const auto& seg : base) live.Add(*seg);
  return live.live();
}

}  // namespace freshet
