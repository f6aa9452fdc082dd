// Keyed records: input rows reduced to what the build needs, and the rule
// that picks the newest version of each key.
//
// Newest wins by version; at equal versions the record read later wins,
// "later" meaning a later position in (partition start, file key, line)
// order. Base (snapshot) records come before every window record.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/hash.h"
#include "common/status.h"
#include "format/record_table.h"
#include "format/row_reader.h"
#include "pipeline/config.h"
#include "storage/object_store.h"

namespace freshet {

// One record: its key, version and deletion flag, and where its values
// are. The views and the table belong to the ParsedFile (or whoever built
// the record) and stay valid as long as it lives.
//
// 64 bytes: `deleted` shares the word after `row` (a file's `reduced` holds
// one per kept id, so its size is most of the reduction's fresh memory).
struct KeyedRecord {
  std::string_view id;     // doc id, or group key for group records
  std::string_view group;  // doc records: group key (may be empty for deletes)
  int64_t version = 0;
  uint64_t hash = 0;  // Hash64(id)
  const RecordTable* table = nullptr;
  uint32_t row = 0;  // the values of the stream's projection: table->RowAt(row)
  bool deleted = false;

  Row Values() const { return table->RowAt(row); }
};

// A record over `values` (of table->columns() values), stored in `table`
// with its id and group: for records built outside ReadKeyedFile.
KeyedRecord MakeRecord(RecordTable& table, std::string_view id, std::string_view group,
                       int64_t version, bool deleted, const Row& values);

// Positions of records by key: open addressing on the keys' hashes, one
// 8-byte slot per position, no allocation per key. The keys stay with the
// caller, which passes an accessor from position to key. Not thread-safe
// while it grows.
class KeyIndex {
 public:
  // Room for `n` keys without regrowing.
  void Reserve(size_t n);
  // The position of `key` (whose hash is `hash`), or `position` after
  // recording it there if `key` is new. `key_of(p)` returns the key at
  // position p; REQUIRES: positions are added in increasing order from 0.
  template <typename KeyOf>
  uint32_t FindOrAdd(uint64_t hash, std::string_view key, uint32_t position, const KeyOf& key_of);
  // Records `position` under `hash` without comparing keys. REQUIRES: the
  // key at `position` is not in the index yet; positions are added in
  // increasing order from 0.
  void AddNew(uint64_t hash, uint32_t position);
  // Starts loading the slot where a key of hash `hash` would be: a caller
  // looking up keys in a row hides the memory latency by prefetching a few
  // keys ahead.
  void Prefetch(uint64_t hash) const {
    // Through `mask_`: GCC 12 drops a prefetch whose index it derives from
    // the vector's size.
    if (mask_ != 0) __builtin_prefetch(slots_.data() + (hash & mask_));
  }
  // The position of `key`, or kNone.
  template <typename KeyOf>
  uint32_t Find(uint64_t hash, std::string_view key, const KeyOf& key_of) const;
  // The first position recorded under `hash`'s lower half, or kNone, without
  // comparing keys: a guess (usually the key's own position, or kNone for a
  // new key) that lets a caller prefetch the key FindOrAdd will compare.
  uint32_t Candidate(uint64_t hash) const {
    if (mask_ == 0) return kNone;
    const uint32_t low = static_cast<uint32_t>(hash);
    for (size_t i = low & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.position == 0) return kNone;
      if (s.hash == low) return s.position - 1;
    }
  }

  static constexpr uint32_t kNone = UINT32_MAX;

 private:
  struct Slot {
    uint32_t hash;      // lower half of the key's hash (capacity <= 2^32)
    uint32_t position;  // + 1; 0: empty
  };
  void Grow(size_t capacity);

  std::vector<Slot> slots_;
  size_t mask_ = 0;  // slots_.size() - 1, once there are slots
  size_t used_ = 0;
};

// One input file, parsed and reduced (newest record per id, in line order).
struct ParsedFile {
  std::string key;
  std::string fingerprint;  // the listing's (ObjectInfo::fingerprint)
  TimeMicros partition = 0;
  int64_t records = 0;  // good records read
  int64_t bad_records = 0;
  std::vector<std::string> bad;  // "file:line (offset N): reason", at most kMaxBadListed
  std::vector<KeyedRecord> reduced;
  // The ids whose newest record in the file deletes them, with that
  // record's version, in `reduced`'s order; the ids are views into `table`.
  std::vector<std::pair<std::string_view, int64_t>> deletes;
  std::unique_ptr<RecordTable> table;  // the values (and keys) of `reduced`
};

inline constexpr size_t kMaxBadListed = 1000;

// How to turn rows of one stream into keyed records.
struct RecordSchema {
  std::vector<std::string> columns;  // projection
  int id_column = -1;
  int group_column = -1;  // docs only
  int version_column = -1;
  int op_column = -1;
  std::vector<std::string> delete_values;
  ColumnRoles::VersionFormat version_format = ColumnRoles::VersionFormat::kInteger;
  bool require_group = false;

  static RecordSchema ForDocs(const PipelineConfig& c);
  static RecordSchema ForGroups(const PipelineConfig& c);
};

// Reduces the rows that `read` delivers to the sink it is given into `*out`,
// as ReadKeyedFile reduces a file's rows: `out->key` names the rows in
// bad-record reports ("KEY:ROW: reason"), `out->table` must have
// schema.columns.size() columns and `out->reduced` must be empty (one call
// per ParsedFile; ReduceNewest reduces across them); `out->deletes` is set
// from what was reduced, even when `read` fails. Row numbers are the ones
// `read` gives the sink. Returns `read`'s status, or, with
// BadRecordPolicy::kStop, Corruption naming the first bad record.
Status ReduceRows(const RecordSchema& schema, BadRecordPolicy policy,
                  const std::function<Status(RowSink&)>& read, ParsedFile* out);

// Reads and reduces one file. With BadRecordPolicy::kStop the first bad
// record fails the read with Corruption naming the file, line and offset, and
// a file that cannot be read (Corruption, NotSupported) fails it with the
// reader's error. With kSkip bad records are counted and listed, and such a
// file is quarantined whole ("KEY: unreadable file: ..." or
// "KEY: unsupported file: ...").
// `reader_threads` decode the file (see RowReader::Create); `reduced` holds
// one record per id, in the order ids first appear in the file.
Result<ParsedFile> ReadKeyedFile(ObjectStore& store, const ObjectInfo& file, TimeMicros partition,
                                 FileFormat format, const RecordSchema& schema,
                                 BadRecordPolicy policy, int reader_threads = 2);

// The newest record of each id among records offered in position order: a
// record replaces the one kept for its id unless that one's version is
// higher (at equal versions the later offered wins). Pointers are kept, not
// records: they must outlive this. Not thread-safe while offered records.
class NewestRecords {
 public:
  void Reserve(size_t n) {
    records_.reserve(n);
    index_.Reserve(n);
  }
  // REQUIRES: rec->hash == Hash64(rec->id).
  void Offer(const KeyedRecord* rec);
  // Offer() for each of `records`, in order.
  void OfferAll(const std::vector<KeyedRecord>& records);
  // OfferAll(records) for records of distinct ids (a ParsedFile's
  // `reduced`): into an empty NewestRecords, keys are added without being
  // compared.
  void OfferDistinct(const std::vector<KeyedRecord>& records);
  // The record kept for `id`, or nullptr.
  const KeyedRecord* Find(std::string_view id) const;
  size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  // The kept records, in the order their ids were first offered.
  auto begin() const { return records_.begin(); }
  auto end() const { return records_.end(); }

 private:
  std::vector<const KeyedRecord*> records_;
  KeyIndex index_;
};

// Newest record per id over files given in position order.
NewestRecords ReduceNewest(const std::vector<std::shared_ptr<const ParsedFile>>& files);

// ReduceNewest(files) from an earlier window's reduction: when `earlier`
// is the start of `files` (the same files, in the same order) and
// `earlier_newest` is ReduceNewest(earlier), a copy of it is offered only
// the files after it, in time proportional to them. Else every file is, as
// ReduceNewest does (and `earlier_newest` is not copied).
NewestRecords ReduceNewestFrom(const NewestRecords& earlier_newest,
                               const std::vector<std::shared_ptr<const ParsedFile>>& earlier,
                               const std::vector<std::shared_ptr<const ParsedFile>>& files);

// Version column value as an integer. kInteger: integers (and whole
// doubles) as they are. kTimestamp: RFC 3339 strings, or integers taken as
// microseconds since the epoch (as Parquet timestamps are read), as
// microseconds. InvalidArgument, saying what was expected, otherwise.
Result<int64_t> VersionOf(const ValueView& v, ColumnRoles::VersionFormat format);
inline Result<int64_t> VersionOf(const Value& v, ColumnRoles::VersionFormat format) {
  return VersionOf(ViewOf(v), format);
}

template <typename KeyOf>
uint32_t KeyIndex::FindOrAdd(uint64_t hash, std::string_view key, uint32_t position,
                             const KeyOf& key_of) {
  if ((used_ + 1) * 2 > slots_.size()) Grow(std::max<size_t>(slots_.size() * 2, 16));
  const size_t mask = slots_.size() - 1;
  const uint32_t low = static_cast<uint32_t>(hash);
  for (size_t i = low & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.position == 0) {
      s = {low, position + 1};
      ++used_;
      return position;
    }
    if (s.hash == low && key_of(s.position - 1) == key) return s.position - 1;
  }
}

inline void KeyIndex::AddNew(uint64_t hash, uint32_t position) {
  if ((used_ + 1) * 2 > slots_.size()) Grow(std::max<size_t>(slots_.size() * 2, 16));
  const size_t mask = slots_.size() - 1;
  const uint32_t low = static_cast<uint32_t>(hash);
  size_t i = low & mask;
  while (slots_[i].position != 0) i = (i + 1) & mask;
  slots_[i] = {low, position + 1};
  ++used_;
}

template <typename KeyOf>
uint32_t KeyIndex::Find(uint64_t hash, std::string_view key, const KeyOf& key_of) const {
  if (slots_.empty()) return kNone;
  const size_t mask = slots_.size() - 1;
  const uint32_t low = static_cast<uint32_t>(hash);
  for (size_t i = low & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.position == 0) return kNone;
    if (s.hash == low && key_of(s.position - 1) == key) return s.position - 1;
  }
}

}  // namespace freshet
