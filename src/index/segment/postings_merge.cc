#include "index/segment/postings_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string_view>

namespace freshet {

Result<std::string> PostingsMergeRefusal(const SegmentReader& source, const SegmentSchema& schema,
                                         uint32_t format) {
  if (format != 5) return fmt::format("the merged segments are written in format {}", format);
  if (source.format_version() != 5) {
    return fmt::format("segment '{}' is of format {}", source.name(), source.format_version());
  }
  if (!(source.schema() == schema)) {
    return fmt::format("segment '{}' was built with other columns or analyzers", source.name());
  }
  // A field whose positions the source does not keep, though the merged
  // segment does: refused if the source holds a term of it.
  for (const bool group_space : {false, true}) {
    std::vector<bool> missing(schema.field_count(), false);
    bool any = false;
    for (size_t f = 0; f < schema.field_count(); ++f) {
      if (schema.IsGroupField(f) != group_space) continue;
      missing[f] = schema.FieldPositions(f) && !source.HasPositions(f);
      any = any || missing[f];
    }
    if (!any) continue;
    std::string refusal;
    RETURN_IF_ERROR(source.ForEachTermEntry(group_space, [&](const TermEntry& e) {
      if (e.field < missing.size() && missing[e.field]) {
        refusal = fmt::format("segment '{}' holds terms of field '{}' without their positions",
                              source.name(), schema.FieldName(e.field));
      }
      return refusal.empty();
    }));
    if (!refusal.empty()) return refusal;
  }
  return std::string();
}

void MergedOrigins::AddRow(std::string_view row) {
  constexpr size_t kChunkBytes = 1 << 20;
  if (chunks_.empty() || row.size() > chunk_size_ - chunk_used_) {
    chunk_size_ = std::max(kChunkBytes, row.size());
    chunk_used_ = 0;
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(chunk_size_));
  }
  char* copy = chunks_.back().get() + chunk_used_;
  std::copy(row.begin(), row.end(), copy);
  chunk_used_ += row.size();
  rows.emplace_back(copy, row.size());
}

namespace {

constexpr uint32_t kNotTaken = std::numeric_limits<uint32_t>::max();

// The new ordinal of each ordinal [first, first + size) of one source takes;
// kNotTaken for those it does not.
struct Remap {
  uint32_t first = 0;
  std::vector<uint32_t> to;

  bool empty() const { return to.empty(); }
  uint32_t last() const { return first + static_cast<uint32_t>(to.size()) - 1; }
};

// Per source, the remap of the ordinals `origins` takes from it.
std::vector<Remap> RemapsOf(const std::vector<SourceOrdinal>& origins, size_t sources) {
  std::vector<uint32_t> lo(sources, kNotTaken), hi(sources, 0);
  for (const SourceOrdinal& o : origins) {
    lo[o.source] = std::min(lo[o.source], o.ord);
    hi[o.source] = std::max(hi[o.source], o.ord);
  }
  std::vector<Remap> remaps(sources);
  for (size_t s = 0; s < sources; ++s) {
    if (lo[s] == kNotTaken) continue;
    remaps[s].first = lo[s];
    remaps[s].to.assign(hi[s] - lo[s] + 1, kNotTaken);
  }
  for (uint32_t n = 0; n < origins.size(); ++n) {
    const SourceOrdinal& o = origins[n];
    remaps[o.source].to[o.ord - remaps[o.source].first] = n;
  }
  return remaps;
}

}  // namespace

// One source's posting lists of one space (doc or group fields), restricted
// to the ordinals the merged segment takes and remapped to its own, in
// (field, term) order; the lists without such an ordinal left out.
struct MergedPostings::Lists {
  struct Entry {
    uint32_t field;
    size_t term_end;      // in `terms`
    size_t posting_end;   // in `docs` and `freqs`
    size_t position_end;  // in `positions`
  };
  std::string terms;
  std::vector<Entry> entries;
  std::vector<uint32_t> docs, freqs, positions;

  std::string_view Term(size_t i) const {
    const size_t begin = i == 0 ? 0 : entries[i - 1].term_end;
    return std::string_view(terms).substr(begin, entries[i].term_end - begin);
  }
  size_t PostingBegin(size_t i) const { return i == 0 ? 0 : entries[i - 1].posting_end; }
  size_t PositionBegin(size_t i) const { return i == 0 ? 0 : entries[i - 1].position_end; }

  // Reads the lists of `space` (group fields or doc fields) of `source`.
  Status Read(const SegmentReader& source, bool group_space, const SegmentSchema& schema,
              const Remap& remap) {
    if (remap.empty()) return Status::OK();
    Status failed;
    std::vector<uint32_t> scratch, listed;
    auto fail = [&](Status st) {
      failed = std::move(st);
      return false;
    };
    RETURN_IF_ERROR(source.ForEachTermEntry(group_space, [&](const TermEntry& e) {
      auto opened = source.OpenTermEntry(group_space, e);
      if (!opened.ok()) return fail(opened.status());
      PostingsIterator& list = *opened->postings;
      const bool keep_positions = schema.FieldPositions(e.field);
      const size_t postings_before = docs.size();
      if (!keep_positions) {
        // The list's docs in range and their frequencies first, then each
        // remapped in a loop of independent loads: the remap is megabytes
        // read at random, so its cache misses overlap instead of each
        // waiting for the iterator's next call.
        listed.clear();
        scratch.clear();
        for (uint32_t d = list.Advance(remap.first); d != kNoMoreDocs && d <= remap.last();
             d = list.Next()) {
          listed.push_back(d - remap.first);
          scratch.push_back(list.freq());
        }
        docs.resize(postings_before + listed.size());
        freqs.resize(postings_before + listed.size());
        size_t n = postings_before;
        for (size_t i = 0; i < listed.size(); ++i) {
          const uint32_t to = remap.to[listed[i]];
          docs[n] = to;
          freqs[n] = scratch[i];
          n += to != kNotTaken;
        }
        docs.resize(n);
        freqs.resize(n);
      } else {
        for (uint32_t d = list.Advance(remap.first); d != kNoMoreDocs && d <= remap.last();
             d = list.Next()) {
          const uint32_t to = remap.to[d - remap.first];
          if (to == kNotTaken) continue;
          docs.push_back(to);
          freqs.push_back(list.freq());
          uint64_t index = 0, before = 0;
          if (!list.PositionsAddress(&index, &before) ||
              !opened->positions.Read(index, before, list.freq(), &scratch)) {
            return fail(list.status().ok() ? opened->positions.status() : list.status());
          }
          positions.insert(positions.end(), scratch.begin(), scratch.end());
        }
      }
      if (!list.status().ok()) return fail(list.status());
      if (docs.size() == postings_before) return true;
      terms.append(e.term);
      entries.push_back(
          Entry{static_cast<uint32_t>(e.field), terms.size(), docs.size(), positions.size()});
      return true;
    }));
    return failed;
  }
};

namespace {

// The lists of `lists` (one per source) merged by (field, term), each
// term's postings from every source that holds it merged by new ordinal,
// handed to `visit` in order.
template <typename Lists>
void VisitMerged(const std::vector<Lists>& lists, const CopiedContent::ListVisitor& visit) {
  std::vector<size_t> next(lists.size(), 0);
  PostingList list;
  // The postings of one holder of a term left to merge.
  struct Run {
    const Lists* list;
    size_t next, end;  // in list->docs
    size_t position;   // of the next posting's first position
    bool positioned;
  };
  std::vector<Run> runs;
  std::vector<size_t> holders;
  while (true) {
    // The smallest (field, term) the sources have left, and who holds it.
    holders.clear();
    for (size_t s = 0; s < lists.size(); ++s) {
      if (next[s] == lists[s].entries.size()) continue;
      if (holders.empty()) {
        holders.push_back(s);
        continue;
      }
      const Lists& best = lists[holders.front()];
      const auto& a = lists[s].entries[next[s]];
      const auto& b = best.entries[next[holders.front()]];
      const int order = a.field != b.field
                            ? (a.field < b.field ? -1 : 1)
                            : lists[s].Term(next[s]).compare(best.Term(next[holders.front()]));
      if (order < 0) holders.clear();
      if (order <= 0) holders.push_back(s);
    }
    if (holders.empty()) return;
    if (holders.size() == 1) {
      const Lists& l = lists[holders[0]];
      const size_t i = next[holders[0]];
      const auto at = [](const std::vector<uint32_t>& v, size_t k) {
        return v.begin() + static_cast<ptrdiff_t>(k);
      };
      list.docs.assign(at(l.docs, l.PostingBegin(i)), at(l.docs, l.entries[i].posting_end));
      list.freqs.assign(at(l.freqs, l.PostingBegin(i)), at(l.freqs, l.entries[i].posting_end));
      list.positions.assign(at(l.positions, l.PositionBegin(i)),
                            at(l.positions, l.entries[i].position_end));
      visit(l.entries[i].field, l.Term(i), list);
      ++next[holders[0]];
      continue;
    }
    list.docs.clear();
    list.freqs.clear();
    list.positions.clear();
    // Each holder's postings are in order: one run each, merged by
    // repeatedly taking the smallest head (the holders are few).
    runs.clear();
    for (const size_t s : holders) {
      const Lists& l = lists[s];
      const size_t i = next[s];
      runs.push_back(Run{&l, l.PostingBegin(i), l.entries[i].posting_end, l.PositionBegin(i),
                         l.entries[i].position_end > l.PositionBegin(i)});
    }
    while (true) {
      Run* head = nullptr;
      for (Run& r : runs) {
        if (r.next < r.end && (!head || r.list->docs[r.next] < head->list->docs[head->next])) {
          head = &r;
        }
      }
      if (!head) break;
      const uint32_t freq = head->list->freqs[head->next];
      list.docs.push_back(head->list->docs[head->next]);
      list.freqs.push_back(freq);
      if (head->positioned) {
        const auto from = head->list->positions.begin() + static_cast<ptrdiff_t>(head->position);
        list.positions.insert(list.positions.end(), from, from + freq);
        head->position += freq;
      }
      ++head->next;
    }
    const size_t first = holders.front();
    visit(lists[first].entries[next[first]].field, lists[first].Term(next[first]), list);
    for (const size_t s : holders) ++next[s];
  }
}

}  // namespace

MergedPostings::~MergedPostings() = default;

Result<std::unique_ptr<MergedPostings>> MergedPostings::Read(
    std::span<const SegmentReader* const> sources, const SegmentSchema& schema,
    const MergedOrigins& origins) {
  std::unique_ptr<MergedPostings> m(new MergedPostings());
  m->sources_.assign(sources.begin(), sources.end());
  m->origins_ = &origins;
  const std::vector<Remap> docs = RemapsOf(origins.docs, sources.size());
  const std::vector<Remap> groups = RemapsOf(origins.groups, sources.size());
  m->doc_lists_.resize(sources.size());
  m->group_lists_.resize(sources.size());
  for (size_t s = 0; s < sources.size(); ++s) {
    RETURN_IF_ERROR(m->doc_lists_[s].Read(*sources[s], /*group_space=*/false, schema, docs[s]));
    RETURN_IF_ERROR(m->group_lists_[s].Read(*sources[s], /*group_space=*/true, schema, groups[s]));
  }
  const MergedPostings* self = m.get();
  m->content_.doc_lists = [self](const CopiedContent::ListVisitor& visit) {
    VisitMerged(self->doc_lists_, visit);
  };
  m->content_.group_lists = [self](const CopiedContent::ListVisitor& visit) {
    VisitMerged(self->group_lists_, visit);
  };
  m->content_.doc_length = [self](size_t field, uint32_t ord) {
    const SourceOrdinal& o = self->origins_->docs[ord];
    return static_cast<uint16_t>(self->sources_[o.source]->FieldLength(field, o.ord).value_or(0));
  };
  m->content_.group_length = [self](size_t field, uint32_t ord) {
    const SourceOrdinal& o = self->origins_->groups[ord];
    return static_cast<uint16_t>(
        self->sources_[o.source]->GroupFieldLength(field, o.ord).value_or(0));
  };
  m->content_.stored_row = [self](uint32_t ord, std::string* out) {
    out->append(self->origins_->rows[ord]);
  };
  m->content_.doc_numeric = [self](size_t field, uint32_t ord) {
    const SourceOrdinal& o = self->origins_->docs[ord];
    return self->sources_[o.source]->Numeric(field, o.ord);
  };
  return m;
}

}  // namespace freshet
