#include "index/segment/segment_reader.h"

#include <fmt/format.h>

#include "index/segment/postings.h"
#include "index/segment/section_container.h"

namespace freshet {

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(std::string name, std::string bytes) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->name_ = std::move(name);
  r->owned_ = std::move(bytes);
  r->bytes_ = r->owned_;
  RETURN_IF_ERROR(r->Parse());
  return r;
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(std::string name, std::string_view bytes,
                                                           std::shared_ptr<const void> owner) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->name_ = std::move(name);
  r->owner_ = std::move(owner);
  r->bytes_ = bytes;
  RETURN_IF_ERROR(r->Parse());
  return r;
}

Status SegmentReader::Parse() {
  ASSIGN_OR_RETURN(SectionContainer file, SectionContainer::Parse(name_, bytes_));
  format_version_ = file.format_version;
  ASSIGN_OR_RETURN(meta_, DecodeSegmentMeta(name_, file.Section(SectionId::kMeta), format_version_));
  RETURN_IF_ERROR(
      docs_.Open(name_, file.Section(SectionId::kDocs), meta_.num_docs, meta_.num_groups));
  RETURN_IF_ERROR(
      groups_.Open(name_, file.Section(SectionId::kGroups), meta_.num_groups, meta_.num_docs));
  RETURN_IF_ERROR(terms_.Open(name_, file.Section(SectionId::kTerms)));
  postings_ = file.Section(SectionId::kPostings);
  RETURN_IF_ERROR(doc_ids_.Open(name_, file.Section(SectionId::kDocIdIndex), &docs_.ids()));
  std::optional<SectionView> field_lengths;
  if (format_version_ >= 2) field_lengths = file.Section(SectionId::kFieldLengths);
  return doc_values_.Open(name_, file.Section(SectionId::kNumeric), field_lengths, meta_.num_docs,
                          meta_.schema.field_count());
}

void SegmentReader::TermAt(size_t i, size_t* field, std::string_view* term,
                           uint32_t* doc_freq) const {
  TermInfo info;
  terms_.At(i, &info);
  *field = info.field;
  *term = info.term;
  *doc_freq = static_cast<uint32_t>(info.doc_freq);
}

uint32_t SegmentReader::DocFreq(size_t field, std::string_view term) const {
  const auto i = terms_.Find(field, term);
  if (!i) return 0;
  TermInfo info;
  terms_.At(*i, &info);
  return static_cast<uint32_t>(info.doc_freq);
}

Result<std::unique_ptr<PostingsIterator>> SegmentReader::OpenPostings(size_t field,
                                                                      std::string_view term) const {
  const auto found = terms_.Find(field, term);
  if (!found) return std::unique_ptr<PostingsIterator>();
  TermInfo info;
  if (!terms_.At(*found, &info) || info.postings_offset > postings_.bytes.size() ||
      info.postings_length > postings_.bytes.size() - info.postings_offset ||
      info.doc_freq > info.postings_length) {
    return Status::Corruption(fmt::format("segment '{}': term entry {}", name_, *found));
  }
  const SectionView list{postings_.bytes.substr(info.postings_offset, info.postings_length),
                         postings_.offset + info.postings_offset};
  return OpenVarintPostings(name_, list, info.doc_freq, num_docs());
}

uint32_t SegmentReader::NextInRange(size_t field, uint32_t target, double lo, double hi) const {
  for (uint32_t d = target; d < num_docs(); ++d) {
    const double v = doc_values_.Numeric(field, d);
    if (v >= lo && v <= hi) return d;
  }
  return kNoMoreDocs;
}

Result<std::vector<uint32_t>> SegmentReader::Postings(size_t field, std::string_view term,
                                                      std::vector<uint32_t>* freqs) const {
  std::vector<uint32_t> out;
  if (freqs) freqs->clear();
  ASSIGN_OR_RETURN(auto postings, OpenPostings(field, term));
  if (!postings) return out;
  out.reserve(postings->cost());
  for (uint32_t d = postings->Next(); d != kNoMoreDocs; d = postings->Next()) {
    out.push_back(d);
    if (freqs) freqs->push_back(postings->freq());
  }
  RETURN_IF_ERROR(postings->status());
  return out;
}

}  // namespace freshet
