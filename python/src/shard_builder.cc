#include "shard_builder.h"

#include <fmt/format.h>

#include "pipeline/group_build.h"

namespace freshet {

Result<std::unique_ptr<ShardBuilder>> ShardBuilder::Create(PipelineConfig config, int shard,
                                                           int shards) {
  if (shards < 1 || shard < 0 || shard >= shards) {
    return Status::InvalidArgument(
        fmt::format("shard {} of {}: expected 0 <= shard < shards", shard, shards));
  }
  return std::unique_ptr<ShardBuilder>(new ShardBuilder(std::move(config), shard, shards));
}

Status ShardBuilder::Add(bool groups, const std::string& source,
                         const std::function<Status(RowSink&)>& read) {
  if (groups && !config_.has_group) {
    return Status::InvalidArgument(fmt::format(
        "pipeline '{}' has no group stream ([group] section): group records cannot be added",
        config_.name));
  }
  const RecordSchema schema =
      groups ? RecordSchema::ForGroups(config_) : RecordSchema::ForDocs(config_);
  auto file = std::make_shared<ParsedFile>();
  file->key = source;
  file->table = std::make_unique<RecordTable>(schema.columns.size());
  RETURN_IF_ERROR(ReduceRows(schema, config_.bad_records, read, file.get()));
  records_ += file->records;
  bad_records_ += file->bad_records;
  for (const std::string& b : file->bad) {
    if (quarantine_.size() < kMaxBadListed) quarantine_.push_back(b);
  }
  (groups ? group_files_ : doc_files_).push_back(std::move(file));
  return Status::OK();
}

Result<SegmentObject> ShardBuilder::Build() const {
  BuildStats stats;
  ASSIGN_OR_RETURN(std::vector<SegmentData> segments,
                   BuildBase(config_, ReduceNewest(doc_files_), ReduceNewest(group_files_), shards_,
                             &stats, shard_));
  return EncodeSegment(segments[static_cast<size_t>(shard_)],
                       static_cast<uint32_t>(config_.segment_format));
}

}  // namespace freshet
