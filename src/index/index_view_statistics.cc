// IndexView's ranking statistics over the live docs of a generation: the
// doc frequency of a term and the total and count of each field's lengths,
// computed on first use and kept with the view.
#include "index/index_view.h"
#include "index/search/live_group_fields.h"

namespace freshet {

Result<uint64_t> IndexView::LiveDocFreq(const std::string& field, const std::string& token) const {
  std::string key = field;
  key.push_back('\0');
  key += token;
  {
    std::lock_guard<std::mutex> lock(doc_freqs_mu_);
    auto it = doc_freqs_.find(key);
    if (it != doc_freqs_.end()) return it->second;
  }
  // Computed outside the lock: two threads may both count a term, to the
  // same result.
  uint64_t df = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const SegmentReader& seg = *segments_[i];
    auto f = seg.schema().FindField(field);
    if (!f || live_in_segment_[i] == 0) continue;
    const std::vector<bool>& hidden = directory_->HiddenDocs(i);
    if (seg.schema().IsGroupField(*f) && !directory_->ImportedGroups(i).empty()) {
      // The live docs whose live record holds the term.
      ASSIGN_OR_RETURN(auto postings, LiveGroupFields(*directory_, i).OpenPostings(*f, token));
      if (!postings) continue;
      for (uint32_t d = postings->Next(); d != kNoMoreDocs; d = postings->Next()) {
        df += hidden[d] ? 0 : 1;
      }
      RETURN_IF_ERROR(postings->status());
      continue;
    }
    const uint32_t all = seg.DocFreq(*f, token);
    if (all == 0 || live_in_segment_[i] == seg.num_docs()) {
      df += all;
      continue;
    }
    ASSIGN_OR_RETURN(auto postings, seg.OpenPostings(*f, token));
    const auto& runs = hidden_runs_[i];
    if (runs.size() < all) {
      // Fewer superseded runs than postings: take the superseded holders
      // off, jumping to each run by the skip data.
      uint64_t superseded = 0;
      uint32_t d = 0;
      bool started = false;
      for (const auto& [first, end] : runs) {
        if (!started || d < first) {
          d = postings->Advance(first);
          started = true;
        }
        for (; d < end; d = postings->Next()) ++superseded;
        if (d == kNoMoreDocs) break;
      }
      df += all - superseded;
    } else {
      for (uint32_t d = postings->Next(); d != kNoMoreDocs; d = postings->Next()) {
        df += hidden[d] ? 0 : 1;
      }
    }
    RETURN_IF_ERROR(postings->status());
  }
  std::lock_guard<std::mutex> lock(doc_freqs_mu_);
  // Bounded: a long-lived view searched for ever new terms starts over.
  constexpr size_t kMaxCachedDocFreqs = 1 << 16;
  if (doc_freqs_.size() >= kMaxCachedDocFreqs) doc_freqs_.clear();
  doc_freqs_.emplace(std::move(key), df);
  return df;
}

const std::map<std::string, IndexView::FieldLengthStats, std::less<>>& IndexView::LiveFieldLengths()
    const {
  std::call_once(field_lengths_once_, [this] {
    for (size_t i = 0; i < segments_.size(); ++i) {
      const SegmentReader& seg = *segments_[i];
      const std::vector<bool>& hidden = directory_->HiddenDocs(i);
      const uint32_t live = live_in_segment_[i];
      const std::vector<uint32_t>& imported = directory_->ImportedGroups(i);
      const SegmentSchema& schema = seg.schema();
      for (size_t f = 0; f < schema.field_count(); ++f) {
        auto total = seg.TotalFieldLength(f);
        if (!total) continue;
        // Whichever is fewer: add the live docs' lengths, or take the
        // superseded docs' off the segment's total.
        const uint32_t superseded = seg.num_docs() - live;
        const bool add_live = live < superseded;
        uint64_t tokens = add_live ? 0 : *total;
        for (uint32_t d = 0; d < seg.num_docs() && live > 0 && superseded > 0; ++d) {
          if (hidden[d] == add_live) continue;
          const uint64_t length = seg.FieldLength(f, d).value_or(0);
          tokens = add_live ? tokens + length : tokens - length;
        }
        if (schema.IsGroupField(f) && !imported.empty()) {
          // The live docs of groups served by another segment's record
          // hold that record's length, not their own group's.
          const LiveGroupFields fields(*directory_, i);
          for (uint32_t g : imported) {
            const uint32_t first = seg.GroupFirstDoc(g);
            for (uint32_t d = first; d < first + seg.GroupDocCount(g); ++d) {
              if (hidden[d]) continue;
              tokens += fields.FieldLength(f, d).value_or(0);
              tokens -= seg.FieldLength(f, d).value_or(0);
            }
          }
        }
        FieldLengthStats& stats = field_lengths_[schema.FieldName(f)];
        stats.total += tokens;
        stats.docs += live;
      }
    }
  });
  return field_lengths_;
}

}  // namespace freshet
