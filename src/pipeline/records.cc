#include "pipeline/records.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/crash_point.h"
#include "common/huge_pages.h"

namespace freshet {

static_assert(sizeof(KeyedRecord) == 64 || sizeof(void*) != 8, "KeyedRecord grew past 64 bytes");

namespace {

int IndexOf(const std::vector<std::string>& cols, const std::string& name) {
  if (name.empty()) return -1;
  auto it = std::find(cols.begin(), cols.end(), name);
  return it == cols.end() ? -1 : static_cast<int>(it - cols.begin());
}

// Rows reserved for at most from a file's announced row count (a damaged
// footer may announce billions).
constexpr uint64_t kMaxReservedRows = uint64_t{1} << 20;

// Keys reduced in a row: how far ahead of the key being reduced the memory
// it will touch starts loading. A key's index slot first (KeyIndex::Prefetch);
// once that slot is in cache, the record kept under it (KeyIndex::Candidate),
// and once that is, the kept key's bytes, which FindOrAdd compares for a
// repeated key. Each stage waits for the one before it, so the distances
// decrease.
constexpr size_t kPrefetchDistance = 16;
constexpr size_t kRecordPrefetchDistance = 8;
constexpr size_t kKeyPrefetchDistance = 4;

// Starts loading, for the i-th of `n` keys reduced in a row, what the keys
// a few rows ahead will touch (see kPrefetchDistance). `hash_at(j)` is the
// hash of key j; `record_at(p)` the record kept at position p of `index`.
// Always inlined: GCC 12 finds a helper whose only effect is prefetching
// free of side effects and deletes the call (and every prefetch with it).
template <typename HashAt, typename RecordAt>
[[gnu::always_inline]] inline void PrefetchAhead(const KeyIndex& index, size_t i, size_t n,
                                                 const HashAt& hash_at, const RecordAt& record_at) {
  if (i + kPrefetchDistance < n) index.Prefetch(hash_at(i + kPrefetchDistance));
  if (i + kRecordPrefetchDistance < n) {
    uint32_t p = index.Candidate(hash_at(i + kRecordPrefetchDistance));
    if (p != KeyIndex::kNone) __builtin_prefetch(record_at(p));
  }
  if (i + kKeyPrefetchDistance < n) {
    uint32_t p = index.Candidate(hash_at(i + kKeyPrefetchDistance));
    if (p != KeyIndex::kNone) __builtin_prefetch(record_at(p)->id.data());
  }
}

// Sets `*out` to the text of a key: a non-empty string, or an integer
// written into `buf`. False for any other value.
bool KeyView(const ValueView& v, char (&buf)[24], std::string_view* out) {
  if (v.type == ValueType::kString && !v.s.empty()) {
    *out = v.s;
    return true;
  }
  if (v.type == ValueType::kInt64) {
    auto end = std::to_chars(buf, buf + sizeof buf, v.i).ptr;
    *out = std::string_view(buf, static_cast<size_t>(end - buf));
    return true;
  }
  return false;
}

// KeyView, or false with `*why` saying what is wrong, naming the column and,
// for a value of another type, the type (`what` is "key" or "group key").
bool KeyText(const ValueView& v, std::string_view what, std::string_view column, char (&buf)[24],
             std::string_view* out, std::string* why) {
  if (KeyView(v, buf, out)) return true;
  switch (v.type) {
    case ValueType::kString:
    case ValueType::kNull:
      break;
    default:
      *why = fmt::format("{} column '{}' holds a {} ({}); a {} must be a string or an integer",
                         what, column, ValueTypeName(v.type), ValueToText(v.ToValue()), what);
      return false;
  }
  *why = fmt::format("missing or empty {} column '{}'", what, column);
  return false;
}

// Reduces the rows of one file to the newest record per id as they arrive,
// a batch or a row at a time. Each row of a batch is checked first, in file
// order (bad records are reported in order) and its key hashed once; then
// the batch's good rows are reduced, their index slots loaded a few rows
// ahead. A row's values are copied into the file's table only while it is
// the newest of its id.
class ReducingSink final : public RowSink {
 public:
  ReducingSink(const RecordSchema& schema, BadRecordPolicy policy, ParsedFile* out)
      : schema_(schema), policy_(policy), out_(out), table_(*out->table) {}

  void OnRowCountHint(uint64_t rows) override {
    size_t n = static_cast<size_t>(std::min(rows, kMaxReservedRows));
    out_->reduced.reserve(n);
    AdviseHugePages(out_->reduced.data(), n * sizeof(KeyedRecord));
    index_.Reserve(n);
    hinted_rows_ = n;  // the table's cells are reserved if rows are copied
  }

  Status OnBatch(const RecordBatch& batch, uint64_t first_row_number) override {
    checked_.clear();
    key_text_.resize(batch.rows);
    for (size_t r = 0; r < batch.rows; ++r) {
      RETURN_IF_ERROR(Check([&](int column) { return batch.View(static_cast<size_t>(column), r); },
                            first_row_number + r, static_cast<uint32_t>(r), &key_text_[r]));
    }
    if (checked_.empty()) return Status::OK();
    const std::vector<KeyedRecord>& reduced = out_->reduced;
    // A batch the reader lets us keep is adopted whole: a kept row's values
    // (and string keys) stay where they were decoded. Else they are copied.
    const bool adopt = batch.owner != nullptr;
    uint32_t first = 0;
    if (adopt) {
      first = table_.Adopt(batch);
    } else if (hinted_rows_ > 0) {
      table_.Reserve(hinted_rows_);
      hinted_rows_ = 0;
    }
    for (size_t i = 0; i < checked_.size(); ++i) {
      PrefetchAhead(
          index_, i, checked_.size(), [&](size_t j) { return checked_[j].hash; },
          [&](uint32_t p) { return &reduced[p]; });
      const CheckedRow& c = checked_[i];
      if (adopt) {
        Reduce(c, c.id_in_batch, c.group_in_batch, [&] { return first + c.source; });
      } else {
        Reduce(c, false, false, [&] { return table_.Append(batch, c.source); });
      }
    }
    return Status::OK();
  }

  Status OnRow(Row& row, uint64_t line) override {
    checked_.clear();
    RETURN_IF_ERROR(Check([&](int column) { return ViewOf(row[static_cast<size_t>(column)]); },
                          line, 0, &key_text_one_));
    if (!checked_.empty()) Reduce(checked_[0], false, false, [&] { return table_.Append(row); });
    return Status::OK();
  }

  Status OnBadRow(uint64_t line, uint64_t offset, std::string reason) override {
    return Bad(line, offset, std::move(reason));
  }

 private:
  // A good row of the current batch: its key, version and group, and its
  // place in the batch.
  struct CheckedRow {
    std::string_view id, group;
    uint64_t hash;
    int64_t version;
    bool deleted;
    bool id_in_batch, group_in_batch;  // the key's text is the batch's (a string value)
    uint32_t source;
  };
  // The text of a row's integer keys (id, group).
  struct IntegerKeyText {
    char id[24], group[24];
  };

  // Checks one row (`at(column)` views its values): a bad record is reported,
  // a good one is added to checked_ (its integer keys written into `*text`).
  template <typename ViewAt>
  Status Check(const ViewAt& at, uint64_t line, uint32_t source, IntegerKeyText* text) {
    std::string why;
    std::string_view id, group;
    if (!KeyText(at(schema_.id_column), "key", schema_.columns[schema_.id_column], text->id, &id,
                 &why)) {
      return Bad(line, 0, std::move(why));
    }
    // An integer version is taken as it is in either format (VersionOf).
    const ValueView version_view = at(schema_.version_column);
    int64_t version = version_view.i;
    if (version_view.type != ValueType::kInt64) {
      auto parsed = VersionOf(version_view, schema_.version_format);
      if (!parsed.ok()) {
        return Bad(line, 0,
                   fmt::format("column '{}': {}", schema_.columns[schema_.version_column],
                               parsed.status().message()));
      }
      version = *parsed;
    }
    bool deleted = false;
    if (schema_.op_column >= 0) {
      ValueView op = at(schema_.op_column);
      if (op.type == ValueType::kString) {
        deleted = std::find(schema_.delete_values.begin(), schema_.delete_values.end(), op.s) !=
                  schema_.delete_values.end();
      }
    }
    if (schema_.group_column >= 0 &&
        !KeyText(at(schema_.group_column), "group key", schema_.columns[schema_.group_column],
                 text->group, &group, &why) &&
        !deleted) {
      return Bad(line, 0, std::move(why));
    }
    ++out_->records;
    const bool id_in_batch = id.data() != text->id;
    const bool group_in_batch = group.data() != text->group;
    checked_.push_back(
        CheckedRow{id, group, Hash64(id), version, deleted, id_in_batch, group_in_batch, source});
    return Status::OK();
  }

  // Keeps `c` if it is the first or the newest of its id so far; `append()`
  // puts its values into the table (or finds them there) and returns their
  // row. A key whose text is in an adopted batch (`id_kept`, `group_kept`)
  // is not copied.
  template <typename AppendRow>
  void Reduce(const CheckedRow& c, bool id_kept, bool group_kept, const AppendRow& append) {
    std::vector<KeyedRecord>& reduced = out_->reduced;
    const uint32_t position = static_cast<uint32_t>(reduced.size());
    const uint32_t found =
        index_.FindOrAdd(c.hash, c.id, position, [&](uint32_t i) { return reduced[i].id; });
    if (found == position) {
      reduced.push_back(KeyedRecord{.id = id_kept ? c.id : table_.Store(c.id),
                                    .group = group_kept ? c.group : table_.Store(c.group),
                                    .version = c.version,
                                    .hash = c.hash,
                                    .table = &table_,
                                    .row = append(),
                                    .deleted = c.deleted});
    } else if (KeyedRecord& kept = reduced[found]; c.version >= kept.version) {
      kept.version = c.version;
      kept.deleted = c.deleted;
      if (c.group != kept.group) kept.group = group_kept ? c.group : table_.Store(c.group);
      kept.row = append();
    }
  }

  Status Bad(uint64_t line, uint64_t offset, std::string reason) {
    std::string where = offset ? fmt::format("{}:{} (byte {})", out_->key, line, offset)
                               : fmt::format("{}:{}", out_->key, line);
    if (policy_ == BadRecordPolicy::kStop) {
      return Status::Corruption(fmt::format("bad record at {}: {}", where, reason));
    }
    if (SafeguardDisabled("bad_record_accounting")) return Status::OK();
    ++out_->bad_records;
    if (out_->bad.size() < kMaxBadListed) out_->bad.push_back(where + ": " + reason);
    return Status::OK();
  }

  const RecordSchema& schema_;
  BadRecordPolicy policy_;
  ParsedFile* out_;
  RecordTable& table_;
  KeyIndex index_;                        // positions in out_->reduced
  std::vector<CheckedRow> checked_;       // the current batch's good rows, in order
  std::vector<IntegerKeyText> key_text_;  // per row of the current batch
  IntegerKeyText key_text_one_;           // OnRow's
  size_t hinted_rows_ = 0;                // rows announced, until the table is reserved
};

RecordSchema MakeSchema(std::vector<std::string> cols, const ColumnRoles& roles,
                        const std::string& group_key) {
  RecordSchema s;
  s.columns = std::move(cols);
  s.id_column = IndexOf(s.columns, roles.id);
  s.group_column = IndexOf(s.columns, group_key);
  s.version_column = IndexOf(s.columns, roles.version);
  s.op_column = IndexOf(s.columns, roles.op);
  s.delete_values = roles.delete_values;
  s.version_format = roles.version_format;
  return s;
}

}  // namespace

RecordSchema RecordSchema::ForDocs(const PipelineConfig& c) {
  RecordSchema s = MakeSchema(c.DocProjection(), c.columns, c.group_key);
  s.require_group = true;
  return s;
}

RecordSchema RecordSchema::ForGroups(const PipelineConfig& c) {
  return MakeSchema(c.GroupProjection(), c.group_columns, "");
}

Result<int64_t> VersionOf(const ValueView& v, ColumnRoles::VersionFormat format) {
  const bool timestamp = format == ColumnRoles::VersionFormat::kTimestamp;
  switch (v.type) {
    case ValueType::kInt64:
      return v.i;
    case ValueType::kDouble:
      if (!timestamp && std::isfinite(v.d) && std::fabs(v.d) < 9.0e18 && v.d == std::floor(v.d)) {
        return static_cast<int64_t>(v.d);
      }
      break;
    case ValueType::kString:
      if (timestamp) {
        auto t = ParseTimestamp(v.s);
        if (t.ok()) return *t;
      }
      break;
    default:
      break;
  }
  return Status::InvalidArgument(timestamp ? "expected an RFC 3339 timestamp"
                                           : "expected an integer (version_format = \"integer\")");
}

Status ReduceRows(const RecordSchema& schema, BadRecordPolicy policy,
                  const std::function<Status(RowSink&)>& read, ParsedFile* out) {
  Status st;
  {
    ReducingSink sink(schema, policy, out);
    st = read(sink);
  }
  for (const KeyedRecord& r : out->reduced) {
    if (r.deleted) out->deletes.emplace_back(r.id, r.version);
  }
  return st;
}

Result<ParsedFile> ReadKeyedFile(ObjectStore& store, const ObjectInfo& file, TimeMicros partition,
                                 FileFormat format, const RecordSchema& schema,
                                 BadRecordPolicy policy, int reader_threads) {
  ParsedFile out;
  out.table = std::make_unique<RecordTable>(schema.columns.size());
  out.key = file.key;
  out.fingerprint = file.fingerprint;
  out.partition = partition;
  auto reader = RowReader::Create(format, reader_threads);
  if (!reader) {
    return Status::NotSupported(fmt::format("file '{}': format {} is not supported by this build",
                                            file.key, FileFormatName(format)));
  }
  Status st = ReduceRows(
      schema, policy,
      [&](RowSink& sink) { return reader->Read(store, file, schema.columns, sink); }, &out);
  if (!st.ok()) {
    bool damaged = st.code() == StatusCode::kCorruption;
    if ((damaged || st.code() == StatusCode::kNotSupported) && policy == BadRecordPolicy::kSkip) {
      // A file that cannot be decoded at all, because it is damaged or uses
      // what the reader does not support, is quarantined whole.
      ++out.bad_records;
      out.bad.push_back(fmt::format("{}: {} file: {}", file.key,
                                    damaged ? "unreadable" : "unsupported", st.message()));
      return out;
    }
    return st;
  }
  return out;
}

KeyedRecord MakeRecord(RecordTable& table, std::string_view id, std::string_view group,
                       int64_t version, bool deleted, const Row& values) {
  return KeyedRecord{.id = table.Store(id),
                     .group = table.Store(group),
                     .version = version,
                     .hash = Hash64(id),
                     .table = &table,
                     .row = table.Append(values),
                     .deleted = deleted};
}

void KeyIndex::Reserve(size_t n) {
  size_t capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  if (capacity > slots_.size()) Grow(capacity);
}

void KeyIndex::Grow(size_t capacity) {
  std::vector<Slot> old = std::move(slots_);
  slots_.reserve(capacity);
  AdviseHugePages(slots_.data(), capacity * sizeof(Slot));
  slots_.assign(capacity, Slot{0, 0});
  const size_t mask = capacity - 1;
  mask_ = mask;
  for (const Slot& s : old) {
    if (s.position == 0) continue;
    size_t i = s.hash & mask;
    while (slots_[i].position != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void NewestRecords::Offer(const KeyedRecord* rec) {
  const uint32_t position = static_cast<uint32_t>(records_.size());
  const uint32_t found =
      index_.FindOrAdd(rec->hash, rec->id, position, [&](uint32_t p) { return records_[p]->id; });
  if (found == position) {
    records_.push_back(rec);
  } else if (rec->version >= records_[found]->version) {
    records_[found] = rec;
  }
}

void NewestRecords::OfferAll(const std::vector<KeyedRecord>& records) {
  for (size_t i = 0; i < records.size(); ++i) {
    PrefetchAhead(
        index_, i, records.size(), [&](size_t j) { return records[j].hash; },
        [&](uint32_t p) { return records_[p]; });
    Offer(&records[i]);
  }
}

void NewestRecords::OfferDistinct(const std::vector<KeyedRecord>& records) {
  if (!records_.empty()) {
    OfferAll(records);
    return;
  }
  records_.reserve(records.size());
  index_.Reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (i + kPrefetchDistance < records.size())
      index_.Prefetch(records[i + kPrefetchDistance].hash);
    index_.AddNew(records[i].hash, static_cast<uint32_t>(i));
    records_.push_back(&records[i]);
  }
}

const KeyedRecord* NewestRecords::Find(std::string_view id) const {
  uint32_t found = index_.Find(Hash64(id), id, [&](uint32_t p) { return records_[p]->id; });
  return found == KeyIndex::kNone ? nullptr : records_[found];
}

NewestRecords ReduceNewest(const std::vector<std::shared_ptr<const ParsedFile>>& files) {
  NewestRecords newest;
  size_t total = 0;
  for (const auto& f : files) total += f->reduced.size();
  newest.Reserve(total);
  for (const auto& f : files) newest.OfferDistinct(f->reduced);
  return newest;
}

NewestRecords ReduceNewestFrom(const NewestRecords& earlier_newest,
                               const std::vector<std::shared_ptr<const ParsedFile>>& earlier,
                               const std::vector<std::shared_ptr<const ParsedFile>>& files) {
  if (earlier.size() > files.size() || !std::equal(earlier.begin(), earlier.end(), files.begin())) {
    return ReduceNewest(files);
  }
  NewestRecords newest = earlier_newest;
  for (size_t i = earlier.size(); i < files.size(); ++i) newest.OfferDistinct(files[i]->reduced);
  return newest;
}

}  // namespace freshet
