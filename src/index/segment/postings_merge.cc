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

// One source's dictionary entries of one space (doc or group fields), in
// (field, term) order: where each list is, not the lists themselves, which
// are read term by term as the writer takes them.
struct MergedPostings::Lists {
  const SegmentReader* source = nullptr;
  bool group_space = false;
  Remap remap;  // the source's ordinals the merged segment takes
  std::vector<TermEntry> entries;

  // Lists the entries of the group fields (`group`) or the doc fields of
  // `from`, none if the merged segment takes no ordinal of it.
  Status Read(const SegmentReader& from, bool group, Remap taken) {
    source = &from;
    group_space = group;
    remap = std::move(taken);
    if (remap.empty()) return Status::OK();
    return from.ForEachTermEntry(group, [&](const TermEntry& e) {
      entries.push_back(e);
      return true;
    });
  }

  // Appends entry i's postings of the ordinals taken, remapped, to `out`
  // (with their positions when `positions`). `listed` and `scratch` are
  // buffers.
  Status Append(size_t i, bool positions, PostingList* out, std::vector<uint32_t>* listed,
                std::vector<uint32_t>* scratch) const {
    ASSIGN_OR_RETURN(SegmentReader::PositionalList opened,
                     source->OpenTermEntry(group_space, entries[i]));
    PostingsIterator& list = *opened.postings;
    if (!positions) {
      // The list's docs in range and their frequencies first, then each
      // remapped in a loop of independent loads: the remap is megabytes
      // read at random, so its cache misses overlap instead of each
      // waiting for the iterator's next call.
      listed->clear();
      scratch->clear();
      for (uint32_t d = list.Advance(remap.first); d != kNoMoreDocs && d <= remap.last();
           d = list.Next()) {
        listed->push_back(d - remap.first);
        scratch->push_back(list.freq());
      }
      RETURN_IF_ERROR(list.status());
      const size_t before = out->docs.size();
      out->docs.resize(before + listed->size());
      out->freqs.resize(before + listed->size());
      size_t n = before;
      for (size_t k = 0; k < listed->size(); ++k) {
        const uint32_t to = remap.to[(*listed)[k]];
        out->docs[n] = to;
        out->freqs[n] = (*scratch)[k];
        n += to != kNotTaken;
      }
      out->docs.resize(n);
      out->freqs.resize(n);
      return Status::OK();
    }
    for (uint32_t d = list.Advance(remap.first); d != kNoMoreDocs && d <= remap.last();
         d = list.Next()) {
      const uint32_t to = remap.to[d - remap.first];
      if (to == kNotTaken) continue;
      out->docs.push_back(to);
      out->freqs.push_back(list.freq());
      uint64_t index = 0, before = 0;
      if (!list.PositionsAddress(&index, &before) ||
          !opened.positions.Read(index, before, list.freq(), scratch)) {
        return list.status().ok() ? opened.positions.status() : list.status();
      }
      out->positions.insert(out->positions.end(), scratch->begin(), scratch->end());
    }
    return list.status();
  }
};

namespace {

// The lists of `lists` (one per source) merged by (field, term), each
// term's postings from every source that holds it merged by new ordinal,
// handed to `visit` in order; the terms none of whose postings is taken
// left out. Reads one term's lists at a time. The first failure to read a
// list ends the visits and is returned.
template <typename Lists>
Status VisitMerged(const std::vector<Lists>& lists, const SegmentSchema& schema,
                   const CopiedContent::ListVisitor& visit) {
  std::vector<size_t> next(lists.size(), 0);
  PostingList list;
  std::vector<PostingList> held;  // by holder, when several hold the term
  std::vector<uint32_t> listed, scratch;
  // The postings of one holder of a term left to merge.
  struct Run {
    const PostingList* list;
    size_t next;      // in list->docs
    size_t position;  // of the next posting's first position
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
      const TermEntry& a = lists[s].entries[next[s]];
      const TermEntry& b = best.entries[next[holders.front()]];
      const int order = a.field != b.field ? (a.field < b.field ? -1 : 1) : a.term.compare(b.term);
      if (order < 0) holders.clear();
      if (order <= 0) holders.push_back(s);
    }
    if (holders.empty()) return Status::OK();
    const size_t first = holders.front();
    const size_t field = lists[first].entries[next[first]].field;
    const bool positions = schema.FieldPositions(field);
    list.docs.clear();
    list.freqs.clear();
    list.positions.clear();
    if (holders.size() == 1) {
      RETURN_IF_ERROR(lists[first].Append(next[first], positions, &list, &listed, &scratch));
    } else {
      // Each holder's postings are in order: one run each, merged by
      // repeatedly taking the smallest head (the holders are few).
      held.resize(std::max(held.size(), holders.size()));
      runs.clear();
      for (size_t h = 0; h < holders.size(); ++h) {
        PostingList& mine = held[h];
        mine.docs.clear();
        mine.freqs.clear();
        mine.positions.clear();
        const size_t s = holders[h];
        RETURN_IF_ERROR(lists[s].Append(next[s], positions, &mine, &listed, &scratch));
        runs.push_back(Run{&mine, 0, 0});
      }
      while (true) {
        Run* head = nullptr;
        for (Run& r : runs) {
          if (r.next < r.list->docs.size() &&
              (!head || r.list->docs[r.next] < head->list->docs[head->next])) {
            head = &r;
          }
        }
        if (!head) break;
        const uint32_t freq = head->list->freqs[head->next];
        list.docs.push_back(head->list->docs[head->next]);
        list.freqs.push_back(freq);
        if (positions) {
          const auto from = head->list->positions.begin() + static_cast<ptrdiff_t>(head->position);
          list.positions.insert(list.positions.end(), from, from + freq);
          head->position += freq;
        }
        ++head->next;
      }
    }
    if (!list.docs.empty()) visit(field, lists[first].entries[next[first]].term, list);
    for (const size_t s : holders) ++next[s];
  }
}

}  // namespace

MergedPostings::~MergedPostings() = default;

void MergedPostings::Note(Status st) {
  if (failed_.ok()) failed_ = std::move(st);
}

Result<std::unique_ptr<MergedPostings>> MergedPostings::Read(
    std::span<const SegmentReader* const> sources, const SegmentSchema& schema,
    const MergedOrigins& origins) {
  std::unique_ptr<MergedPostings> m(new MergedPostings());
  m->sources_.assign(sources.begin(), sources.end());
  m->origins_ = &origins;
  m->schema_ = &schema;
  std::vector<Remap> docs = RemapsOf(origins.docs, sources.size());
  std::vector<Remap> groups = RemapsOf(origins.groups, sources.size());
  m->doc_lists_.resize(sources.size());
  m->group_lists_.resize(sources.size());
  for (size_t s = 0; s < sources.size(); ++s) {
    RETURN_IF_ERROR(m->doc_lists_[s].Read(*sources[s], /*group_space=*/false, std::move(docs[s])));
    RETURN_IF_ERROR(
        m->group_lists_[s].Read(*sources[s], /*group_space=*/true, std::move(groups[s])));
  }
  MergedPostings* self = m.get();
  m->content_.doc_lists = [self](const CopiedContent::ListVisitor& visit) {
    self->Note(VisitMerged(self->doc_lists_, *self->schema_, visit));
  };
  m->content_.group_lists = [self](const CopiedContent::ListVisitor& visit) {
    self->Note(VisitMerged(self->group_lists_, *self->schema_, visit));
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
