#include "index/segment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>

#include "common/coding.h"
#include "common/crash_point.h"
#include "common/hash.h"
#include "format/number.h"
#include "index/analyzer.h"

namespace freshet {
namespace {

constexpr size_t kHeaderBytes = 16;
constexpr size_t kTrailerBytes = 4 + 8 + 8 + 8;
constexpr size_t kTableEntryBytes = 4 + 8 + 8 + 8;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

uint16_t DecodeU16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
}

void PutValue(std::string* out, const Value& v) {
  out->push_back(static_cast<char>(v.type));
  switch (v.type) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
      out->push_back(v.b ? 1 : 0);
      break;
    case ValueType::kInt64:
      PutVarint(out, ZigZag(v.i));
      break;
    case ValueType::kDouble:
      PutDouble(out, v.d);
      break;
    case ValueType::kString:
      PutLengthPrefixed(out, v.s);
      break;
    case ValueType::kStringList:
      PutVarint(out, v.list.size());
      for (const auto& s : v.list) PutLengthPrefixed(out, s);
      break;
  }
}

bool GetValue(Cursor& c, Value* v) {
  uint8_t type;
  if (!c.GetByte(&type) || type > static_cast<uint8_t>(ValueType::kStringList)) return false;
  *v = Value();
  v->type = static_cast<ValueType>(type);
  std::string_view s;
  uint64_t u;
  switch (v->type) {
    case ValueType::kNull:
      return true;
    case ValueType::kBool: {
      uint8_t b;
      if (!c.GetByte(&b)) return false;
      v->b = b != 0;
      return true;
    }
    case ValueType::kInt64:
      if (!c.GetVarint(&u)) return false;
      v->i = UnZigZag(u);
      return true;
    case ValueType::kDouble:
      return c.GetDouble(&v->d);
    case ValueType::kString:
      if (!c.GetLengthPrefixed(&s)) return false;
      v->s = std::string(s);
      return true;
    case ValueType::kStringList:
      if (!c.GetVarint(&u) || u > c.remaining()) return false;
      for (uint64_t i = 0; i < u; ++i) {
        if (!c.GetLengthPrefixed(&s)) return false;
        v->list.emplace_back(s);
      }
      return true;
  }
  return false;
}

bool GetRow(Cursor& c, Row* row) {
  uint64_t n;
  if (!c.GetVarint(&n) || n > c.remaining()) return false;
  row->resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!GetValue(c, &(*row)[i])) return false;
  }
  return true;
}

// Appends offsets[n+1] then the entries, from a list of encoded entries.
void PutOffsetTable(std::string* out, const std::string& blob, const std::vector<uint64_t>& ends) {
  PutFixed64(out, 0);
  for (uint64_t e : ends) PutFixed64(out, e);
  out->append(blob);
}

void PutSchemaColumns(std::string* out, const std::vector<std::string>& names,
                      const std::vector<uint8_t>& roles) {
  PutVarint(out, names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    PutLengthPrefixed(out, names[i]);
    out->push_back(static_cast<char>(roles[i]));
  }
}

struct PostingList {
  std::vector<uint32_t> docs;
  std::vector<uint32_t> freqs;
  void Add(uint32_t doc) {
    if (!docs.empty() && docs.back() == doc) {
      ++freqs.back();
    } else {
      docs.push_back(doc);
      freqs.push_back(1);
    }
  }
};

// The build-time term map, keyed by 2 bytes of field id then the term: open
// addressing over XXH3 hashes (the hottest loop of a build). Adding an
// existing term allocates nothing: the key is assembled in a scratch buffer.
class TermTable {
 public:
  TermTable() : slots_(1024) {}

  // The list of (field, term), created empty if new. The pointer stays valid
  // for the table's life (lists live in a deque).
  PostingList* Get(size_t field, std::string_view term) {
    key_.assign({static_cast<char>(field >> 8), static_cast<char>(field & 0xff)});
    key_.append(term);
    const uint64_t hash = Hash64(key_);
    if ((keys_.size() + 1) * 4 > slots_.size() * 3) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.index == kEmpty) {
        slot = {hash, static_cast<uint32_t>(keys_.size())};
        keys_.push_back(key_);
        return &lists_.emplace_back();
      }
      if (slot.hash == hash && keys_[slot.index] == key_) return &lists_[slot.index];
    }
  }
  size_t size() const { return keys_.size(); }
  // The i-th term added (key as above) and its list.
  std::string_view key(size_t i) const { return keys_[i]; }
  const PostingList& list(size_t i) const { return lists_[i]; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = kEmpty;  // into keys_ and lists_
  };
  void Grow() {
    std::vector<Slot> bigger(slots_.size() * 2);
    const size_t mask = bigger.size() - 1;
    for (const Slot& slot : slots_) {
      if (slot.index == kEmpty) continue;
      size_t i = slot.hash & mask;
      while (bigger[i].index != kEmpty) i = (i + 1) & mask;
      bigger[i] = slot;
    }
    slots_ = std::move(bigger);
  }

  std::string key_;
  std::vector<Slot> slots_;  // a power of two, at most 3/4 full
  std::vector<std::string> keys_;
  std::deque<PostingList> lists_;
};

}  // namespace

std::string SegmentSchema::FieldName(size_t field) const {
  if (field < doc_columns.size()) return doc_columns[field];
  field -= doc_columns.size();
  if (field < group_columns.size()) return group_prefix + group_columns[field];
  field -= group_columns.size();
  return aggregate_names[field];
}

uint8_t SegmentSchema::FieldRoles(size_t field) const {
  if (field < doc_columns.size()) return doc_roles[field];
  field -= doc_columns.size();
  if (field < group_columns.size()) return group_roles[field];
  return kRoleNumeric | kRoleStored;
}

std::optional<size_t> SegmentSchema::FindField(std::string_view name) const {
  for (size_t f = 0; f < field_count(); ++f) {
    if (FieldName(f) == name) return f;
  }
  return std::nullopt;
}

std::string WriteSegment(const SegmentData& data) {
  const SegmentSchema& schema = data.schema;
  const size_t num_doc_cols = schema.doc_columns.size();
  const size_t num_group_cols = schema.group_columns.size();
  std::vector<std::pair<SectionId, std::string>> sections;

  // META
  {
    std::string meta;
    meta.push_back(static_cast<char>(data.kind));
    PutVarint(&meta, data.docs.size());
    PutVarint(&meta, data.groups.size());
    PutSchemaColumns(&meta, schema.doc_columns, schema.doc_roles);
    PutSchemaColumns(&meta, schema.group_columns, schema.group_roles);
    PutLengthPrefixed(&meta, schema.group_prefix);
    PutVarint(&meta, schema.aggregate_names.size());
    for (const auto& a : schema.aggregate_names) PutLengthPrefixed(&meta, a);
    sections.emplace_back(SectionId::kMeta, std::move(meta));
  }
  // DOCS
  {
    std::string blob;
    std::vector<uint64_t> ends;
    ends.reserve(data.docs.size());
    for (const SegmentDoc& d : data.docs) {
      PutLengthPrefixed(&blob, d.id);
      PutVarint(&blob, d.group);
      PutVarint(&blob, ZigZag(d.version));
      PutVarint(&blob, d.row.size());
      for (const Value& v : d.row) PutValue(&blob, v);
      ends.push_back(blob.size());
    }
    std::string section;
    PutOffsetTable(&section, blob, ends);
    sections.emplace_back(SectionId::kDocs, std::move(section));
  }
  // GROUPS
  {
    std::string blob;
    std::vector<uint64_t> ends;
    for (const SegmentGroup& g : data.groups) {
      PutLengthPrefixed(&blob, g.key);
      PutVarint(&blob, g.first_doc);
      PutVarint(&blob, g.doc_count);
      blob.push_back(g.has_record ? 1 : 0);
      PutVarint(&blob, ZigZag(g.version));
      PutVarint(&blob, g.has_record ? g.row.size() : 0);
      if (g.has_record) {
        for (const Value& v : g.row) PutValue(&blob, v);
      }
      PutVarint(&blob, g.aggregates.size());
      for (double a : g.aggregates) PutDouble(&blob, a);
      ends.push_back(blob.size());
    }
    std::string section;
    PutOffsetTable(&section, blob, ends);
    sections.emplace_back(SectionId::kGroups, std::move(section));
  }
  // TERMS + POSTINGS
  {
    TermTable table;
    std::string scratch;
    // Calls emit(term) for each term `v` holds in a field with `roles`.
    auto for_each_term = [&](uint8_t roles, const Value& v, auto&& emit) {
      if (v.is_null()) return;
      if (roles & kRoleText) {
        auto add = [&](std::string_view text) { ForEachToken(text, scratch, emit); };
        if (v.type == ValueType::kStringList) {
          for (const auto& s : v.list) add(s);
        } else {
          add(v.type == ValueType::kString ? std::string_view(v.s) : ValueToText(v));
        }
      }
      if (roles & kRoleKeyword) {
        if (v.type == ValueType::kStringList) {
          for (const auto& s : v.list) emit(std::string_view(s));
        } else {
          emit(v.type == ValueType::kString ? std::string_view(v.s) : ValueToText(v));
        }
      }
    };
    // Group fields are analyzed once per group: its docs are consecutive, and
    // each gets the group's posting lists (the same terms, so the same tf).
    uint32_t cached_group = UINT32_MAX;
    std::vector<PostingList*> group_lists;
    for (uint32_t ord = 0; ord < data.docs.size(); ++ord) {
      const SegmentDoc& d = data.docs[ord];
      for (size_t c = 0; c < num_doc_cols && c < d.row.size(); ++c) {
        for_each_term(schema.doc_roles[c], d.row[c],
                      [&](std::string_view t) { table.Get(c, t)->Add(ord); });
      }
      if (d.group != cached_group) {
        cached_group = d.group;
        group_lists.clear();
        const SegmentGroup& g = data.groups[d.group];
        if (g.has_record) {
          for (size_t c = 0; c < num_group_cols && c < g.row.size(); ++c) {
            for_each_term(schema.group_roles[c], g.row[c], [&](std::string_view t) {
              group_lists.push_back(table.Get(num_doc_cols + c, t));
            });
          }
        }
      }
      for (PostingList* list : group_lists) list->Add(ord);
    }
    std::vector<std::pair<std::string_view, const PostingList*>> sorted;
    sorted.reserve(table.size());
    for (size_t i = 0; i < table.size(); ++i) sorted.emplace_back(table.key(i), &table.list(i));
    std::sort(sorted.begin(), sorted.end());
    std::string postings;
    std::string blob;
    std::vector<uint64_t> ends;
    ends.reserve(sorted.size());
    for (const auto& [key, list] : sorted) {
      size_t field = (static_cast<uint8_t>(key[0]) << 8) | static_cast<uint8_t>(key[1]);
      uint64_t start = postings.size();
      uint32_t prev = 0;
      for (size_t i = 0; i < list->docs.size(); ++i) {
        PutVarint(&postings, list->docs[i] - prev);
        PutVarint(&postings, list->freqs[i]);
        prev = list->docs[i];
      }
      PutVarint(&blob, field);
      PutLengthPrefixed(&blob, key.substr(2));
      PutVarint(&blob, start);
      PutVarint(&blob, postings.size() - start);
      PutVarint(&blob, list->docs.size());
      ends.push_back(blob.size());
    }
    std::string section;
    PutFixed64(&section, ends.size());
    PutOffsetTable(&section, blob, ends);
    sections.emplace_back(SectionId::kTerms, std::move(section));
    sections.emplace_back(SectionId::kPostings, std::move(postings));
  }
  // NUMERIC
  {
    std::string section;
    std::vector<size_t> fields;
    for (size_t f = 0; f < schema.field_count(); ++f) {
      if (schema.FieldRoles(f) & kRoleNumeric) fields.push_back(f);
    }
    PutVarint(&section, fields.size());
    for (size_t f : fields) {
      PutVarint(&section, f);
      for (const SegmentDoc& d : data.docs) {
        double v = kNaN;
        const SegmentGroup& g = data.groups[d.group];
        if (f < num_doc_cols) {
          if (f < d.row.size()) v = NumberOf(d.row[f]).value_or(kNaN);
        } else if (f < num_doc_cols + num_group_cols) {
          size_t c = f - num_doc_cols;
          if (g.has_record && c < g.row.size()) v = NumberOf(g.row[c]).value_or(kNaN);
        } else {
          size_t a = f - num_doc_cols - num_group_cols;
          if (a < g.aggregates.size()) v = g.aggregates[a];
        }
        PutDouble(&section, v);
      }
    }
    sections.emplace_back(SectionId::kNumeric, std::move(section));
  }
  // FIELD_LENGTHS: per text field, each doc's token count (u16, saturated).
  {
    std::string section;
    std::vector<size_t> fields;
    for (size_t f = 0; f < num_doc_cols + num_group_cols; ++f) {
      if (schema.FieldRoles(f) & kRoleText) fields.push_back(f);
    }
    std::string scratch;
    auto count_tokens = [&](const Value& v) {
      uint64_t n = 0;
      auto add = [&](std::string_view text) {
        ForEachToken(text, scratch, [&](std::string_view) { ++n; });
      };
      if (v.is_null()) return n;
      if (v.type == ValueType::kStringList) {
        for (const auto& s : v.list) add(s);
      } else {
        add(v.type == ValueType::kString ? std::string_view(v.s) : ValueToText(v));
      }
      return n;
    };
    PutVarint(&section, fields.size());
    for (size_t f : fields) {
      PutVarint(&section, f);
      uint32_t cached_group = UINT32_MAX;
      uint64_t group_length = 0;
      for (const SegmentDoc& d : data.docs) {
        uint64_t n = 0;
        if (f < num_doc_cols) {
          if (f < d.row.size()) n = count_tokens(d.row[f]);
        } else {
          if (d.group != cached_group) {
            cached_group = d.group;
            const SegmentGroup& g = data.groups[d.group];
            size_t c = f - num_doc_cols;
            group_length = g.has_record && c < g.row.size() ? count_tokens(g.row[c]) : 0;
          }
          n = group_length;
        }
        uint16_t saturated = static_cast<uint16_t>(std::min<uint64_t>(n, UINT16_MAX));
        section.push_back(static_cast<char>(saturated & 0xff));
        section.push_back(static_cast<char>(saturated >> 8));
      }
    }
    sections.emplace_back(SectionId::kFieldLengths, std::move(section));
  }
  // DOC ID INDEX
  {
    std::vector<uint32_t> order(data.docs.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return data.docs[a].id < data.docs[b].id; });
    std::string section;
    section.reserve(order.size() * 4);
    for (uint32_t o : order) PutFixed32(&section, o);
    sections.emplace_back(SectionId::kDocIdIndex, std::move(section));
  }

  std::string out;
  out.append(kSegmentMagic);
  PutFixed32(&out, kSegmentFormatVersion);
  PutFixed32(&out, 0);
  std::string table;
  for (const auto& [id, bytes] : sections) {
    PutFixed32(&table, static_cast<uint32_t>(id));
    PutFixed64(&table, out.size());
    PutFixed64(&table, bytes.size());
    PutFixed64(&table, Hash64(bytes));
    out.append(bytes);
  }
  uint64_t table_offset = out.size();
  out.append(table);
  PutFixed32(&out, static_cast<uint32_t>(sections.size()));
  PutFixed64(&out, table_offset);
  PutFixed64(&out, Hash64(table));
  out.append(kSegmentEndMagic);
  return out;
}

// ---------------------------------------------------------------------------
// Reader

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
  const std::string_view all(bytes_);
  auto corrupt = [&](std::string_view what, uint64_t offset) {
    return Status::Corruption(fmt::format("segment '{}': {} (offset {})", name_, what, offset));
  };
  if (all.size() < kHeaderBytes + kTrailerBytes) return corrupt("file too short", all.size());
  if (all.substr(0, 8) != kSegmentMagic) return corrupt("bad magic", 0);
  uint32_t version = DecodeFixed32(all.data() + 8);
  if (version < kOldestSegmentFormatVersion || version > kSegmentFormatVersion) {
    return Status::NotSupported(
        fmt::format("segment '{}': format version {} (this build reads {} to {})", name_, version,
                    kOldestSegmentFormatVersion, kSegmentFormatVersion));
  }
  format_version_ = version;
  if (DecodeFixed32(all.data() + 12) != 0) return corrupt("reserved header bytes are not zero", 12);
  const size_t trailer = all.size() - kTrailerBytes;
  if (all.substr(all.size() - 8) != kSegmentEndMagic) return corrupt("bad end magic", trailer + 20);
  uint32_t count = DecodeFixed32(all.data() + trailer);
  uint64_t table_offset = DecodeFixed64(all.data() + trailer + 4);
  uint64_t table_hash = DecodeFixed64(all.data() + trailer + 12);
  if (count > 64 || table_offset < kHeaderBytes || table_offset > trailer ||
      (trailer - table_offset) != uint64_t{count} * kTableEntryBytes) {
    return corrupt("bad section table", trailer);
  }
  std::string_view table = all.substr(table_offset, trailer - table_offset);
  const bool verify = !SafeguardDisabled("checksum");
  if (verify && Hash64(table) != table_hash)
    return corrupt("section table checksum mismatch", table_offset);
  std::string_view meta;
  for (uint32_t i = 0; i < count; ++i) {
    const char* e = table.data() + i * kTableEntryBytes;
    uint32_t id = DecodeFixed32(e);
    uint64_t off = DecodeFixed64(e + 4);
    uint64_t len = DecodeFixed64(e + 12);
    uint64_t hash = DecodeFixed64(e + 20);
    if (off < kHeaderBytes || off > table_offset || len > table_offset - off) {
      return corrupt(fmt::format("section {} out of bounds", id), off);
    }
    std::string_view s = all.substr(off, len);
    if (verify && Hash64(s) != hash)
      return corrupt(fmt::format("section {} checksum mismatch", id), off);
    switch (static_cast<SectionId>(id)) {
      case SectionId::kMeta:
        meta = s;
        break;
      case SectionId::kDocs:
        docs_ = s;
        break;
      case SectionId::kGroups:
        groups_ = s;
        break;
      case SectionId::kTerms:
        terms_ = s;
        break;
      case SectionId::kPostings:
        postings_ = s;
        break;
      case SectionId::kNumeric:
        numeric_ = s;
        break;
      case SectionId::kDocIdIndex:
        doc_index_ = s;
        break;
      case SectionId::kFieldLengths:
        field_lengths_ = s;
        break;
      default:
        break;  // unknown sections from newer writers are ignored
    }
  }
  if (meta.empty()) return corrupt("missing META section", 0);
  Cursor c(meta);
  uint8_t kind;
  uint64_t nd, ng;
  if (!c.GetByte(&kind) || (kind != 1 && kind != 2) || !c.GetVarint(&nd) || !c.GetVarint(&ng) ||
      nd > UINT32_MAX || ng > UINT32_MAX) {
    return corrupt("bad META", 0);
  }
  kind_ = static_cast<SegmentKind>(kind);
  num_docs_ = static_cast<uint32_t>(nd);
  num_groups_ = static_cast<uint32_t>(ng);
  auto get_columns = [&](std::vector<std::string>* names, std::vector<uint8_t>* roles) {
    uint64_t n;
    if (!c.GetVarint(&n) || n > 4096) return false;
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view s;
      uint8_t r;
      if (!c.GetLengthPrefixed(&s) || !c.GetByte(&r)) return false;
      names->emplace_back(s);
      roles->push_back(r);
    }
    return true;
  };
  std::string_view prefix;
  uint64_t na;
  if (!get_columns(&schema_.doc_columns, &schema_.doc_roles) ||
      !get_columns(&schema_.group_columns, &schema_.group_roles) || !c.GetLengthPrefixed(&prefix) ||
      !c.GetVarint(&na) || na > 4096) {
    return corrupt("bad schema in META", 0);
  }
  schema_.group_prefix = std::string(prefix);
  for (uint64_t i = 0; i < na; ++i) {
    std::string_view s;
    if (!c.GetLengthPrefixed(&s)) return corrupt("bad aggregate names in META", 0);
    schema_.aggregate_names.emplace_back(s);
  }
  // Offset tables: n+1 fixed64 entries, non-decreasing, within the blob.
  auto check_table = [&](std::string_view s, uint64_t n, std::string_view what) -> Status {
    if (s.size() < (n + 1) * 8) return corrupt(fmt::format("{} offsets truncated", what), 0);
    uint64_t blob = s.size() - (n + 1) * 8;
    uint64_t prev = 0;
    for (uint64_t i = 0; i <= n; ++i) {
      uint64_t v = DecodeFixed64(s.data() + i * 8);
      if (v < prev || v > blob) return corrupt(fmt::format("{} offset {} invalid", what, i), 0);
      prev = v;
    }
    return Status::OK();
  };
  RETURN_IF_ERROR(check_table(docs_, num_docs_, "DOCS"));
  RETURN_IF_ERROR(check_table(groups_, num_groups_, "GROUPS"));
  if (terms_.size() < 8) return corrupt("TERMS truncated", 0);
  {
    uint64_t n = DecodeFixed64(terms_.data());
    terms_.remove_prefix(8);
    if (n > terms_.size() / 8) return corrupt("TERMS count", 0);
    num_terms_ = static_cast<size_t>(n);
    RETURN_IF_ERROR(check_table(terms_, num_terms_, "TERMS"));
  }
  if (doc_index_.size() != uint64_t{num_docs_} * 4) return corrupt("doc id index size", 0);
  // Decode per-doc headers once.
  doc_ids_.resize(num_docs_);
  doc_groups_.resize(num_docs_);
  doc_versions_.resize(num_docs_);
  for (uint32_t d = 0; d < num_docs_; ++d) {
    Cursor dc(DocEntry(d));
    uint64_t g, v;
    if (!dc.GetLengthPrefixed(&doc_ids_[d]) || !dc.GetVarint(&g) || g >= num_groups_ ||
        !dc.GetVarint(&v)) {
      return corrupt(fmt::format("doc {} header", d), 0);
    }
    doc_groups_[d] = static_cast<uint32_t>(g);
    doc_versions_[d] = UnZigZag(v);
  }
  for (uint32_t i = 0; i < num_docs_; ++i) {
    if (DecodeFixed32(doc_index_.data() + i * 4) >= num_docs_) {
      return corrupt("doc id index entry out of range", i * 4);
    }
  }
  Cursor nc(numeric_);
  uint64_t nf;
  if (!nc.GetVarint(&nf) || nf > schema_.field_count()) return corrupt("bad NUMERIC", 0);
  for (uint64_t i = 0; i < nf; ++i) {
    uint64_t f;
    std::string_view col;
    if (!nc.GetVarint(&f) || f >= schema_.field_count() ||
        !nc.GetBytes(uint64_t{num_docs_} * 8, &col)) {
      return corrupt("bad NUMERIC column", 0);
    }
    numeric_columns_.emplace_back(static_cast<size_t>(f), col);
  }
  if (format_version_ >= 2) {
    Cursor lc(field_lengths_);
    uint64_t nl;
    if (!lc.GetVarint(&nl) || nl > schema_.field_count()) return corrupt("bad FIELD_LENGTHS", 0);
    for (uint64_t i = 0; i < nl; ++i) {
      uint64_t f;
      std::string_view col;
      if (!lc.GetVarint(&f) || f >= schema_.field_count() ||
          !lc.GetBytes(uint64_t{num_docs_} * 2, &col)) {
        return corrupt("bad FIELD_LENGTHS column", 0);
      }
      uint64_t total = 0;
      for (uint32_t d = 0; d < num_docs_; ++d) total += DecodeU16(col.data() + size_t{d} * 2);
      length_columns_.push_back({static_cast<size_t>(f), col, total});
    }
  }
  for (uint32_t g = 0; g < num_groups_; ++g) {
    Cursor gc(GroupEntry(g));
    std::string_view key;
    uint64_t first, n;
    if (!gc.GetLengthPrefixed(&key) || !gc.GetVarint(&first) || !gc.GetVarint(&n) ||
        first + n > num_docs_) {
      return corrupt(fmt::format("group {} header", g), 0);
    }
  }
  return Status::OK();
}

std::string_view SegmentReader::DocEntry(uint32_t ord) const {
  size_t table = (size_t{num_docs_} + 1) * 8;
  uint64_t b = DecodeFixed64(docs_.data() + size_t{ord} * 8);
  uint64_t e = DecodeFixed64(docs_.data() + (size_t{ord} + 1) * 8);
  return docs_.substr(table + b, e - b);
}

std::string_view SegmentReader::GroupEntry(uint32_t g) const {
  size_t table = (size_t{num_groups_} + 1) * 8;
  uint64_t b = DecodeFixed64(groups_.data() + size_t{g} * 8);
  uint64_t e = DecodeFixed64(groups_.data() + (size_t{g} + 1) * 8);
  return groups_.substr(table + b, e - b);
}

std::string_view SegmentReader::TermEntry(size_t i) const {
  size_t table = (num_terms_ + 1) * 8;
  uint64_t b = DecodeFixed64(terms_.data() + i * 8);
  uint64_t e = DecodeFixed64(terms_.data() + (i + 1) * 8);
  return terms_.substr(table + b, e - b);
}

std::string_view SegmentReader::DocId(uint32_t ord) const { return doc_ids_[ord]; }
uint32_t SegmentReader::DocGroup(uint32_t ord) const { return doc_groups_[ord]; }
int64_t SegmentReader::DocVersion(uint32_t ord) const { return doc_versions_[ord]; }

Result<Row> SegmentReader::DocRow(uint32_t ord) const {
  Cursor c(DocEntry(ord));
  std::string_view id;
  uint64_t g, v;
  Row row;
  if (!c.GetLengthPrefixed(&id) || !c.GetVarint(&g) || !c.GetVarint(&v) || !GetRow(c, &row)) {
    return Status::Corruption(fmt::format("segment '{}': doc {} record", name_, ord));
  }
  return row;
}

std::string_view SegmentReader::GroupKey(uint32_t g) const {
  Cursor c(GroupEntry(g));
  std::string_view key;
  c.GetLengthPrefixed(&key);
  return key;
}

uint32_t SegmentReader::GroupFirstDoc(uint32_t g) const {
  Cursor c(GroupEntry(g));
  std::string_view key;
  uint64_t first = 0;
  c.GetLengthPrefixed(&key);
  c.GetVarint(&first);
  return static_cast<uint32_t>(first);
}

uint32_t SegmentReader::GroupDocCount(uint32_t g) const {
  Cursor c(GroupEntry(g));
  std::string_view key;
  uint64_t first = 0, n = 0;
  c.GetLengthPrefixed(&key);
  c.GetVarint(&first);
  c.GetVarint(&n);
  return static_cast<uint32_t>(n);
}

Result<SegmentReader::GroupRecord> SegmentReader::Group(uint32_t g) const {
  Cursor c(GroupEntry(g));
  std::string_view key;
  uint64_t first, n, version, naggs;
  uint8_t has;
  GroupRecord out;
  if (!c.GetLengthPrefixed(&key) || !c.GetVarint(&first) || !c.GetVarint(&n) || !c.GetByte(&has) ||
      !c.GetVarint(&version) || !GetRow(c, &out.row) || !c.GetVarint(&naggs) ||
      naggs > c.remaining()) {
    return Status::Corruption(fmt::format("segment '{}': group {} record", name_, g));
  }
  out.has_record = has != 0;
  out.version = UnZigZag(version);
  for (uint64_t i = 0; i < naggs; ++i) {
    double d;
    if (!c.GetDouble(&d)) {
      return Status::Corruption(fmt::format("segment '{}': group {} aggregates", name_, g));
    }
    out.aggregates.push_back(d);
  }
  return out;
}

std::optional<uint32_t> SegmentReader::FindGroup(std::string_view key) const {
  uint32_t lo = 0, hi = num_groups_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (GroupKey(mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < num_groups_ && GroupKey(lo) == key) return lo;
  return std::nullopt;
}

std::optional<uint32_t> SegmentReader::FindDoc(std::string_view id) const {
  uint32_t lo = 0, hi = num_docs_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    uint32_t ord = DecodeFixed32(doc_index_.data() + size_t{mid} * 4);
    if (doc_ids_[ord] < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < num_docs_) {
    uint32_t ord = DecodeFixed32(doc_index_.data() + size_t{lo} * 4);
    if (doc_ids_[ord] == id) return ord;
  }
  return std::nullopt;
}

void SegmentReader::TermAt(size_t i, size_t* field, std::string_view* term,
                           uint32_t* doc_freq) const {
  Cursor c(TermEntry(i));
  uint64_t f = 0, off, len, df = 0;
  c.GetVarint(&f);
  c.GetLengthPrefixed(term);
  c.GetVarint(&off);
  c.GetVarint(&len);
  c.GetVarint(&df);
  *field = static_cast<size_t>(f);
  *doc_freq = static_cast<uint32_t>(df);
}

std::optional<size_t> SegmentReader::FindTerm(size_t field, std::string_view term) const {
  auto compare = [&](size_t i) {
    size_t f;
    std::string_view t;
    uint32_t df;
    TermAt(i, &f, &t, &df);
    if (f != field) return f < field ? -1 : 1;
    return t < term ? -1 : (t == term ? 0 : 1);
  };
  size_t lo = 0, hi = num_terms_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (compare(mid) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo >= num_terms_ || compare(lo) != 0) return std::nullopt;
  return lo;
}

uint32_t SegmentReader::DocFreq(size_t field, std::string_view term) const {
  auto i = FindTerm(field, term);
  if (!i) return 0;
  size_t f;
  std::string_view t;
  uint32_t df = 0;
  TermAt(*i, &f, &t, &df);
  return df;
}

Result<std::vector<uint32_t>> SegmentReader::Postings(size_t field, std::string_view term,
                                                      std::vector<uint32_t>* freqs) const {
  std::vector<uint32_t> out;
  if (freqs) freqs->clear();
  auto found = FindTerm(field, term);
  if (!found) return out;
  const size_t entry = *found;
  Cursor c(TermEntry(entry));
  uint64_t f, off, len, df;
  std::string_view t;
  c.GetVarint(&f);
  c.GetLengthPrefixed(&t);
  if (!c.GetVarint(&off) || !c.GetVarint(&len) || !c.GetVarint(&df) || off > postings_.size() ||
      len > postings_.size() - off || df > len) {
    return Status::Corruption(fmt::format("segment '{}': term entry {}", name_, entry));
  }
  Cursor pc(postings_.substr(off, len));
  out.reserve(df);
  if (freqs) freqs->reserve(df);
  uint64_t doc = 0;
  for (uint64_t i = 0; i < df; ++i) {
    uint64_t delta, tf;
    if (!pc.GetVarint(&delta) || !pc.GetVarint(&tf)) {
      return Status::Corruption(
          fmt::format("segment '{}': postings of term entry {}", name_, entry));
    }
    doc += delta;
    if (doc >= num_docs_ || (i > 0 && delta == 0) || tf > UINT32_MAX) {
      return Status::Corruption(
          fmt::format("segment '{}': postings of term entry {}", name_, entry));
    }
    out.push_back(static_cast<uint32_t>(doc));
    if (freqs) freqs->push_back(static_cast<uint32_t>(tf));
  }
  return out;
}

double SegmentReader::Numeric(size_t field, uint32_t ord) const {
  for (const auto& [f, col] : numeric_columns_) {
    if (f != field) continue;
    uint64_t bits = DecodeFixed64(col.data() + size_t{ord} * 8);
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  return kNaN;
}

const SegmentReader::LengthColumn* SegmentReader::FindLengthColumn(size_t field) const {
  for (const LengthColumn& c : length_columns_) {
    if (c.field == field) return &c;
  }
  return nullptr;
}

std::optional<uint32_t> SegmentReader::FieldLength(size_t field, uint32_t ord) const {
  const LengthColumn* c = FindLengthColumn(field);
  if (!c) return std::nullopt;
  return DecodeU16(c->column.data() + size_t{ord} * 2);
}

std::optional<uint64_t> SegmentReader::TotalFieldLength(size_t field) const {
  const LengthColumn* c = FindLengthColumn(field);
  if (!c) return std::nullopt;
  return c->total;
}

}  // namespace freshet
