// The guard against publishing a collapse (DESIGN.md, invariant 9): a base or
// delta built only from bad records (a misspelt column makes every record
// bad), or one that would drop more than `pipeline.max_shrink` of the live
// docs, is refused before anything is published, unless the operator allows
// it (--allow-shrink).
//
// Pure functions over in-memory segments and an open view: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/index_view.h"
#include "index/segment.h"
#include "pipeline/config.h"
#include "pipeline/records.h"

namespace freshet {

// Records one stream read for a generation: good ones and bad ones.
struct StreamRecordCounts {
  int64_t good = 0;
  int64_t bad = 0;
};

struct GenerationFigures {
  std::string_view kind;  // "base" or "delta"
  StreamRecordCounts docs;
  StreamRecordCounts groups;  // zero without a group stream
  uint64_t live_before = 0;   // live docs of the generation in service (0: none)
  uint64_t live_after = 0;    // live docs of the generation to publish
};

// OK if the generation may be published. CollapseRefused (FailedPrecondition)
// naming the pipeline and every figure if the records of a stream that read
// any are all bad, or if it drops more than config.max_shrink of
// live_before. With `allow`, such a generation is logged (`collapse_allowed`,
// at WARN) and OK is returned.
Status CheckNoCollapse(const PipelineConfig& config, const GenerationFigures& figures, bool allow);

// Live docs of the generation that lays delta layer `layer` over `view`'s
// base and, if `keep_delta`, over its delta too (an added layer), as readers
// will resolve it: a group of `layer` supersedes its docs below.
uint64_t LiveDocsWithDelta(const IndexView& view, bool keep_delta,
                           const std::vector<SegmentData>& layer);

// Live docs of a generation of new base segments under the delta of `view`
// (nullptr: no delta kept), which supersedes the base group by group
// (formats 3 and 4) or doc by doc (format 5: its docs and tombstones),
// counted as the base's segments are built (Add is thread-safe).
class BaseLiveDocs {
 public:
  explicit BaseLiveDocs(const IndexView* view);
  void Add(const SegmentData& segment);
  void Add(const SegmentReader& segment);
  uint64_t live() const;

 private:
  bool Superseded(std::string_view group, std::string_view id) const {
    return superseded_.count(group) || superseded_ids_.count(id);
  }
  std::set<std::string, std::less<>> superseded_;      // group keys whole-group layers hold
  std::set<std::string, std::less<>> superseded_ids_;  // ids format-5 layers hold
  mutable std::mutex mu_;
  int64_t live_ = 0;
};

// BaseLiveDocs over all of `base`.
uint64_t LiveDocsWithBase(const std::vector<SegmentData>& base, const IndexView* view);
// The same for base segments already written and opened.
uint64_t LiveDocsWithBase(const std::vector<std::shared_ptr<const SegmentReader>>& base,
                          const IndexView* view);

}  // namespace freshet
