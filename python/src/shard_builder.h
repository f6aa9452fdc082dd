// ShardBuilder: one shard's base segment, built from records handed over in
// any number of sources (Arrow streams, Python records), exactly as
// `freshet build-full` builds that shard: the same bad-record policy and
// checks (pipeline/records.h), the same reduction (newest version per key,
// deletions; across sources in the order they were added, as build-full
// reduces across snapshot files in key order) and the same segment writer
// (pipeline/group_build.h). Records of groups of other shards are dropped.
//
// Not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/config.h"
#include "pipeline/records.h"
#include "pipeline/segment_object.h"

namespace freshet {

class ShardBuilder {
 public:
  // InvalidArgument unless 0 <= shard < shards.
  static Result<std::unique_ptr<ShardBuilder>> Create(PipelineConfig config, int shard, int shards);

  // Reduces the records that `read` delivers to the sink it is given (group
  // records with `groups`, doc records otherwise), naming them `source` in
  // bad-record reports. InvalidArgument for group records when the pipeline
  // has no group stream; with pipeline.bad_records = "stop", Corruption
  // naming the first bad record; `read`'s error otherwise. Nothing of a
  // failed source is kept.
  Status Add(bool groups, const std::string& source, const std::function<Status(RowSink&)>& read);

  // The shard's segment over every record added so far.
  Result<SegmentObject> Build() const;

  int shard() const { return shard_; }
  int shards() const { return shards_; }
  const PipelineConfig& config() const { return config_; }
  int64_t records() const { return records_; }
  int64_t bad_records() const { return bad_records_; }
  // "SOURCE:ROW: reason", the first kMaxBadListed.
  const std::vector<std::string>& quarantine() const { return quarantine_; }

 private:
  ShardBuilder(PipelineConfig config, int shard, int shards)
      : config_(std::move(config)), shard_(shard), shards_(shards) {}

  PipelineConfig config_;
  int shard_;
  int shards_;
  std::vector<std::shared_ptr<const ParsedFile>> doc_files_, group_files_;
  int64_t records_ = 0;
  int64_t bad_records_ = 0;
  std::vector<std::string> quarantine_;
};

}  // namespace freshet
