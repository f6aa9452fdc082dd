#include "index/segment/group_docs_iterator.h"

#include <algorithm>

namespace freshet {
namespace {

class GroupDocsIterator final : public PostingsIterator {
 public:
  GroupDocsIterator(std::unique_ptr<PostingsIterator> groups, GroupStarts starts,
                    const DocHeaders* headers)
      : groups_(std::move(groups)), starts_(starts), headers_(headers) {}

  uint32_t Next() override {
    if (doc_ != kNoMoreDocs && doc_ + 1 < end_) return ++doc_;
    return EnterGroup(groups_->Next());
  }

  uint32_t Advance(uint32_t target) override {
    if (doc_ != kNoMoreDocs && target < end_) return doc_ = std::max(doc_, target);
    if (target >= headers_->size()) return doc_ = end_ = kNoMoreDocs;
    // Docs are sorted by group: the target's own group is the first that
    // can hold it.
    const uint32_t group = headers_->Group(target);
    const uint32_t found = groups_->Advance(group);
    if (found == group && starts_[group + 1] > target) {
      end_ = starts_[group + 1];
      return doc_ = target;
    }
    return EnterGroup(found);
  }

  uint64_t cost() const override {
    const uint64_t groups = std::max<uint64_t>(1, starts_.size() - 1);
    return std::max<uint64_t>(1, groups_->cost() * headers_->size() / groups);
  }

  uint32_t freq() override { return groups_->freq(); }

  PostingsBound BlockBound(uint32_t target) override {
    if (target >= headers_->size()) return {kNoMoreDocs, 0, 0};
    return OnDocs(groups_->BlockBound(headers_->Group(target)));
  }

  PostingsBound ListBound() const override { return OnDocs(groups_->ListBound()); }

  Status status() const override { return groups_->status(); }

 private:
  // Positions on the first doc of `group` or, if it has none, of the next
  // group of the list that has docs.
  uint32_t EnterGroup(uint32_t group) {
    for (; group != kNoMoreDocs; group = groups_->Next()) {
      if (starts_[group] == starts_[group + 1]) continue;  // no docs
      doc_ = starts_[group];
      end_ = starts_[group + 1];
      return doc_;
    }
    return doc_ = end_ = kNoMoreDocs;
  }

  // A bound over group ordinals as one over the docs of those groups.
  PostingsBound OnDocs(PostingsBound b) const {
    if (b.last_doc == kNoMoreDocs) return b;
    if (b.last_doc + 1 >= starts_.size()) {  // an upper bound past the groups: the last doc
      b.last_doc = headers_->size() == 0 ? 0 : headers_->size() - 1;
      return b;
    }
    const uint32_t end = starts_[b.last_doc + 1];
    b.last_doc = end == 0 ? 0 : end - 1;
    return b;
  }

  std::unique_ptr<PostingsIterator> groups_;
  GroupStarts starts_;
  const DocHeaders* headers_;
  uint32_t end_ = kNoMoreDocs;  // one past the current group's last doc
};

}  // namespace

std::unique_ptr<PostingsIterator> ExpandGroupPostings(std::unique_ptr<PostingsIterator> groups,
                                                      GroupStarts starts,
                                                      const DocHeaders* headers) {
  return std::make_unique<GroupDocsIterator>(std::move(groups), starts, headers);
}

Result<uint64_t> CountGroupDocs(PostingsIterator& groups, GroupStarts starts) {
  uint64_t docs = 0;
  for (uint32_t g = groups.Next(); g != kNoMoreDocs; g = groups.Next()) {
    docs += starts[g + 1] - starts[g];
  }
  RETURN_IF_ERROR(groups.status());
  return docs;
}

}  // namespace freshet
