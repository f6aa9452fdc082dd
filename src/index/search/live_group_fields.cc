#include "index/search/live_group_fields.h"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace freshet {
namespace {

// A group of the segment that matches a group-field clause, with its live
// record's term frequency and field length.
struct GroupMatch {
  uint32_t group;
  uint32_t freq;
  uint32_t length;
};

// A posting list over group ordinals held in memory: each group is a block
// of its own, bounded by its exact (frequency, length).
class GroupMatchList final : public PostingsIterator {
 public:
  explicit GroupMatchList(std::vector<GroupMatch> matches) : matches_(std::move(matches)) {}

  uint32_t Next() override { return Land(started_ ? pos_ + 1 : 0); }
  uint32_t Advance(uint32_t target) override {
    const size_t from = started_ ? pos_ : 0;
    auto it = std::lower_bound(matches_.begin() + static_cast<std::ptrdiff_t>(from), matches_.end(),
                               target, [](const GroupMatch& m, uint32_t t) { return m.group < t; });
    return Land(static_cast<size_t>(it - matches_.begin()));
  }
  uint64_t cost() const override { return matches_.size(); }
  uint32_t freq() override { return matches_[pos_].freq; }
  PostingsBound BlockBound(uint32_t target) override {
    auto it = std::lower_bound(matches_.begin(), matches_.end(), target,
                               [](const GroupMatch& m, uint32_t t) { return m.group < t; });
    if (it == matches_.end()) return {kNoMoreDocs, 0, 0};
    return {it->group, it->freq, it->length};
  }
  PostingsBound ListBound() const override {
    if (matches_.empty()) return {kNoMoreDocs, 0, 0};
    PostingsBound b{matches_.back().group, 0, std::numeric_limits<uint32_t>::max()};
    for (const GroupMatch& m : matches_) {
      b.max_freq = std::max(b.max_freq, m.freq);
      b.min_length = std::min(b.min_length, m.length);
    }
    return b;
  }

 private:
  uint32_t Land(size_t pos) {
    started_ = true;
    pos_ = std::min(pos, matches_.size());
    return doc_ = pos_ < matches_.size() ? matches_[pos_].group : kNoMoreDocs;
  }

  std::vector<GroupMatch> matches_;
  size_t pos_ = 0;
  bool started_ = false;
};

// The segment's own group list without the groups whose record another
// segment serves (their docs take that record's terms): filtered as it is
// read, so that a conjunction leapfrogging through it decodes only the
// blocks it lands in. Its bounds are the list's (an upper bound still).
class OwnRecordsList final : public PostingsIterator {
 public:
  OwnRecordsList(std::unique_ptr<PostingsIterator> list, const GroupDirectory& directory,
                 size_t segment)
      : list_(std::move(list)), directory_(directory), segment_(segment) {}

  uint32_t Next() override { return Skip(list_->Next()); }
  uint32_t Advance(uint32_t target) override { return Skip(list_->Advance(target)); }
  uint64_t cost() const override { return list_->cost(); }
  uint32_t freq() override { return list_->freq(); }
  PostingsBound BlockBound(uint32_t target) override { return list_->BlockBound(target); }
  PostingsBound ListBound() const override { return list_->ListBound(); }
  Status status() const override { return list_->status(); }

 private:
  uint32_t Skip(uint32_t g) {
    while (g != kNoMoreDocs && directory_.LiveRecord(segment_, g).segment != segment_) {
      g = list_->Next();
    }
    return doc_ = g;
  }

  std::unique_ptr<PostingsIterator> list_;
  const GroupDirectory& directory_;
  size_t segment_;
};

// The union of two posting lists over group ordinals that share no group
// (a segment's own live records and the groups it imports).
class DisjointUnion final : public PostingsIterator {
 public:
  DisjointUnion(std::unique_ptr<PostingsIterator> a, std::unique_ptr<PostingsIterator> b)
      : a_(std::move(a)), b_(std::move(b)) {}

  uint32_t Next() override {
    if (!started_) {
      started_ = true;
      a_->Next();
      b_->Next();
    } else if (doc_ != kNoMoreDocs) {
      (a_->doc() == doc_ ? a_ : b_)->Next();
    }
    return doc_ = std::min(a_->doc(), b_->doc());
  }
  uint32_t Advance(uint32_t target) override {
    if (!started_ || a_->doc() < target) a_->Advance(target);
    if (!started_ || b_->doc() < target) b_->Advance(target);
    started_ = true;
    return doc_ = std::min(a_->doc(), b_->doc());
  }
  uint64_t cost() const override { return a_->cost() + b_->cost(); }
  uint32_t freq() override { return (a_->doc() == doc_ ? a_ : b_)->freq(); }
  PostingsBound BlockBound(uint32_t target) override {
    return Combine(a_->BlockBound(target), b_->BlockBound(target));
  }
  PostingsBound ListBound() const override { return Combine(a_->ListBound(), b_->ListBound()); }
  Status status() const override {
    RETURN_IF_ERROR(a_->status());
    return b_->status();
  }

 private:
  // Bounds over the docs both runs cover: up to the shorter run's end.
  static PostingsBound Combine(PostingsBound a, PostingsBound b) {
    if (a.last_doc == kNoMoreDocs) return b;
    if (b.last_doc == kNoMoreDocs) return a;
    return {std::min(a.last_doc, b.last_doc), std::max(a.max_freq, b.max_freq),
            std::min(a.min_length, b.min_length)};
  }

  std::unique_ptr<PostingsIterator> a_, b_;
  bool started_ = false;
};

// A range on a numeric group field over the live records: a conjunction
// checks its candidates with one live value each (Matches: the doc's group,
// where its live record is, that record's value, the field resolved in each
// segment once); led, it lists the docs of the groups in range
// (LiveGroupFields::GroupsInRange), made on the first move.
class LiveRange final : public DocIterator {
 public:
  LiveRange(const LiveGroupFields& live, const GroupDirectory& directory, size_t segment,
            std::vector<std::optional<size_t>> field_in, double lo, double hi)
      : live_(live),
        directory_(directory),
        segment_index_(segment),
        segment_(directory.segment(segment)),
        field_in_(std::move(field_in)),
        lo_(lo),
        hi_(hi) {}

  uint32_t Next() override { return doc_ = Listed().Next(); }
  uint32_t Advance(uint32_t target) override { return doc_ = Listed().Advance(target); }
  uint64_t cost() const override { return segment_.num_docs(); }
  bool CanMatch() const override { return true; }
  bool Matches(uint32_t doc) const override {
    const RecordLocation at = directory_.LiveRecord(segment_index_, segment_.DocGroup(doc));
    const std::optional<size_t>& f = field_in_[at.segment];
    if (!f) return false;  // no such column there: NaN, never in range
    const double v = directory_.segment(at.segment).GroupNumeric(*f, at.group);
    return v >= lo_ && v <= hi_;  // false for NaN
  }

 private:
  DocIterator& Listed() {
    if (!listed_) listed_ = live_.GroupsInRange(*field_in_[segment_index_], lo_, hi_);
    return *listed_;
  }

  const LiveGroupFields& live_;
  const GroupDirectory& directory_;
  size_t segment_index_;
  const SegmentReader& segment_;
  std::vector<std::optional<size_t>> field_in_;  // the field, per segment of the directory
  double lo_, hi_;
  std::unique_ptr<DocIterator> listed_;
};

}  // namespace

std::optional<size_t> LiveGroupFields::FieldIn(uint32_t other, size_t field) const {
  if (other == segment_index_) return field;
  // Cached: a search asks for every imported doc it scores or sorts.
  const size_t fields = segment_.schema().field_count();
  if (field_in_.empty()) field_in_.assign(directory_.size() * fields, kUnknown);
  int64_t& cached = field_in_[other * fields + field];
  if (cached == kUnknown) {
    const auto f = directory_.segment(other).schema().FindField(segment_.schema().FieldName(field));
    cached = f ? static_cast<int64_t>(*f) : kAbsent;
  }
  if (cached == kAbsent) return std::nullopt;
  return static_cast<size_t>(cached);
}

Result<std::unique_ptr<PostingsIterator>> LiveGroupFields::OpenPostings(
    size_t field, std::string_view term) const {
  // The segment's own live records holding the term, read lazily.
  ASSIGN_OR_RETURN(auto own, segment_.OpenGroupPostings(field, term));
  // The imported groups whose live record, elsewhere, holds it: each
  // serving segment's list, mapped onto the groups it serves here, so that
  // the cost follows the list, not the number of imported groups.
  std::vector<GroupMatch> matches;
  for (uint32_t holder_index = 0; holder_index < directory_.size(); ++holder_index) {
    const std::vector<uint32_t>& served = directory_.ServedGroups(segment_index_, holder_index);
    if (served.empty()) continue;
    const std::optional<size_t> f = FieldIn(holder_index, field);
    if (!f) continue;
    const SegmentReader& holder = directory_.segment(holder_index);
    ASSIGN_OR_RETURN(auto postings, holder.OpenGroupPostings(*f, term));
    if (!postings) continue;
    for (uint32_t h = postings->Next(); h != kNoMoreDocs; h = postings->Next()) {
      if (served[h] == GroupDirectory::kNoGroup) continue;
      matches.push_back({served[h], postings->freq(), holder.GroupFieldLength(*f, h).value_or(0)});
    }
    RETURN_IF_ERROR(postings->status());
  }
  std::sort(matches.begin(), matches.end(),
            [](const GroupMatch& a, const GroupMatch& b) { return a.group < b.group; });
  std::unique_ptr<PostingsIterator> groups;
  if (own) groups = std::make_unique<OwnRecordsList>(std::move(own), directory_, segment_index_);
  if (!matches.empty()) {
    std::unique_ptr<PostingsIterator> imported =
        std::make_unique<GroupMatchList>(std::move(matches));
    if (groups) imported = std::make_unique<DisjointUnion>(std::move(groups), std::move(imported));
    groups = std::move(imported);
  }
  if (!groups) return groups;
  return segment_.ExpandGroups(std::move(groups));
}

std::unique_ptr<DocIterator> LiveGroupFields::NumericRange(size_t field, double lo,
                                                           double hi) const {
  std::vector<std::optional<size_t>> field_in(directory_.size());
  for (uint32_t i = 0; i < directory_.size(); ++i) field_in[i] = FieldIn(i, field);
  return std::make_unique<LiveRange>(*this, directory_, segment_index_, std::move(field_in), lo,
                                     hi);
}

std::unique_ptr<DocIterator> LiveGroupFields::GroupsInRange(size_t field, double lo,
                                                            double hi) const {
  const std::vector<uint32_t>& imported = directory_.ImportedGroups(segment_index_);
  std::vector<GroupMatch> matches;
  auto next_import = imported.begin();
  const uint32_t first =
      segment_.num_groups() > 0 ? segment_.NextGroupInRange(field, 0, lo, hi) : kNoMoreDocs;
  for (uint32_t g = first; g != kNoMoreDocs;
       g = g + 1 < segment_.num_groups() ? segment_.NextGroupInRange(field, g + 1, lo, hi)
                                         : kNoMoreDocs) {
    next_import = std::lower_bound(next_import, imported.end(), g);
    if (next_import != imported.end() && *next_import == g) continue;
    matches.push_back({g, 1, 0});
  }
  // The imported groups, per serving segment: its records in range (block
  // min/max skip the rest) merged with the groups it serves here.
  const auto& imports = directory_.ImportsByRecord(segment_index_);
  for (size_t a = 0, b = 0; a < imports.size(); a = b) {
    const uint32_t holder_index = imports[a].record_segment;
    while (b < imports.size() && imports[b].record_segment == holder_index) ++b;
    const std::optional<size_t> f = FieldIn(holder_index, field);
    if (!f) continue;
    const SegmentReader& holder = directory_.segment(holder_index);
    auto from = imports.begin() + static_cast<std::ptrdiff_t>(a);
    const auto end = imports.begin() + static_cast<std::ptrdiff_t>(b);
    while (from != end) {
      const uint32_t h = holder.NextGroupInRange(*f, from->record_group, lo, hi);
      if (h == kNoMoreDocs) break;
      from = std::lower_bound(from, end, h, [](const GroupDirectory::Import& i, uint32_t t) {
        return i.record_group < t;
      });
      if (from != end && from->record_group == h) matches.push_back({(from++)->group, 1, 0});
    }
  }
  std::sort(matches.begin(), matches.end(),
            [](const GroupMatch& a, const GroupMatch& b) { return a.group < b.group; });
  return segment_.ExpandGroups(std::make_unique<GroupMatchList>(std::move(matches)));
}

double LiveGroupFields::Numeric(size_t field, uint32_t doc) const {
  if (!segment_.schema().IsGroupField(field)) return segment_.Numeric(field, doc);
  const RecordLocation loc = directory_.LiveRecord(segment_index_, segment_.DocGroup(doc));
  if (loc.segment == segment_index_) return segment_.Numeric(field, doc);
  const std::optional<size_t> f = FieldIn(loc.segment, field);
  return f ? directory_.segment(loc.segment).GroupNumeric(*f, loc.group)
           : std::numeric_limits<double>::quiet_NaN();
}

std::optional<uint32_t> LiveGroupFields::FieldLength(size_t field, uint32_t doc) const {
  if (!segment_.schema().IsGroupField(field)) return segment_.FieldLength(field, doc);
  const RecordLocation loc = directory_.LiveRecord(segment_index_, segment_.DocGroup(doc));
  if (loc.segment == segment_index_) return segment_.FieldLength(field, doc);
  const std::optional<size_t> f = FieldIn(loc.segment, field);
  return f ? directory_.segment(loc.segment).GroupFieldLength(*f, loc.group) : std::nullopt;
}

Result<GroupRecord> LiveGroupFields::Record(uint32_t doc) const {
  const RecordLocation loc = directory_.LiveRecord(segment_index_, segment_.DocGroup(doc));
  return directory_.segment(loc.segment).Group(loc.group);
}

}  // namespace freshet
