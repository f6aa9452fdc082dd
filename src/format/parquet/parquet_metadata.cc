#include "format/parquet/parquet_metadata.h"

#include <fmt/format.h>

#include "format/parquet/thrift_compact.h"

namespace freshet::parquet {
namespace {

// No Parquet footer has lists this long; a bound keeps a hostile footer made
// of empty structs from expanding into gigabytes of C++ objects.
constexpr uint32_t kMaxListElements = 4u << 20;

// One field of a struct being decoded. Typed readers consume the value when
// the wire type matches and leave it to be skipped otherwise (as Thrift's own
// generated code does).
struct Field {
  ThriftCompactReader& r;
  int16_t id;
  ThriftType type;
  bool handled = false;

  bool Is(ThriftType t) const {
    if (t == ThriftType::kBoolTrue) {
      return type == ThriftType::kBoolTrue || type == ThriftType::kBoolFalse;
    }
    return type == t;
  }
  Status I32(int32_t* v) {
    if (!Is(ThriftType::kI32)) return Status::OK();
    handled = true;
    return r.ReadI32(v);
  }
  template <typename E>
  Status Enum(E* v) {
    int32_t raw = 0;
    RETURN_IF_ERROR(I32(&raw));
    if (handled) *v = static_cast<E>(raw);
    return Status::OK();
  }
  template <typename E>
  Status OptionalEnum(std::optional<E>* v) {
    int32_t raw = 0;
    RETURN_IF_ERROR(I32(&raw));
    if (handled) *v = static_cast<E>(raw);
    return Status::OK();
  }
  Status I64(int64_t* v) {
    if (!Is(ThriftType::kI64)) return Status::OK();
    handled = true;
    return r.ReadI64(v);
  }
  Status OptionalI64(std::optional<int64_t>* v) {
    int64_t x = 0;
    RETURN_IF_ERROR(I64(&x));
    if (handled) *v = x;
    return Status::OK();
  }
  Status Byte(int8_t* v) {
    if (!Is(ThriftType::kByte)) return Status::OK();
    handled = true;
    return r.ReadByte(v);
  }
  Status Bool(bool* v) {
    if (!Is(ThriftType::kBoolTrue)) return Status::OK();
    handled = true;
    return r.ReadBool(v);
  }
  Status String(std::string* v) {
    if (!Is(ThriftType::kBinary)) return Status::OK();
    handled = true;
    return r.ReadString(v);
  }
  Status OptionalString(std::optional<std::string>* v) {
    std::string s;
    RETURN_IF_ERROR(String(&s));
    if (handled) *v = std::move(s);
    return Status::OK();
  }
  // A nested struct decoded by `read(reader)`.
  template <typename F>
  Status Struct(F&& read) {
    if (!Is(ThriftType::kStruct)) return Status::OK();
    handled = true;
    return read(r);
  }
  // A list whose elements of type `element` are decoded by `read(reader)`.
  template <typename F>
  Status List(ThriftType element, F&& read) {
    if (!Is(ThriftType::kList)) return Status::OK();
    handled = true;
    ThriftType actual;
    uint32_t n = 0;
    RETURN_IF_ERROR(r.ReadListBegin(&actual, &n));
    if (n > kMaxListElements) {
      return Status::Corruption(
          fmt::format("thrift: list of {} elements at byte {}", n, r.position()));
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (actual == element) {
        RETURN_IF_ERROR(read(r));
      } else {
        RETURN_IF_ERROR(r.Skip(actual));
      }
    }
    r.ReadListEnd();
    return Status::OK();
  }
};

// Decodes one struct, calling `on_field(Field&)` for each field; fields the
// callback does not consume are skipped.
template <typename F>
Status ReadStruct(ThriftCompactReader& r, F&& on_field) {
  RETURN_IF_ERROR(r.ReadStructBegin());
  while (true) {
    int16_t id = 0;
    ThriftType type;
    RETURN_IF_ERROR(r.ReadFieldBegin(&id, &type));
    if (type == ThriftType::kStop) break;
    Field f{r, id, type};
    RETURN_IF_ERROR(on_field(f));
    if (!f.handled) RETURN_IF_ERROR(r.Skip(type));
  }
  return r.ReadStructEnd();
}

Status SkipStruct(ThriftCompactReader& r) {
  return ReadStruct(r, [](Field&) { return Status::OK(); });
}

Status ReadTimeUnit(ThriftCompactReader& r, TimeUnit* unit) {
  return ReadStruct(r, [&](Field& f) -> Status {
    TimeUnit u = f.id == 1   ? TimeUnit::kMillis
                 : f.id == 2 ? TimeUnit::kMicros
                 : f.id == 3 ? TimeUnit::kNanos
                             : TimeUnit::kNone;
    if (u == TimeUnit::kNone) return Status::OK();
    RETURN_IF_ERROR(f.Struct(SkipStruct));
    if (f.handled) *unit = u;
    return Status::OK();
  });
}

Status ReadLogicalType(ThriftCompactReader& r, LogicalType* lt) {
  using K = LogicalType::Kind;
  return ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case 1:
        lt->kind = K::kString;
        return f.Struct(SkipStruct);
      case 2:
        lt->kind = K::kMap;
        return f.Struct(SkipStruct);
      case 3:
        lt->kind = K::kList;
        return f.Struct(SkipStruct);
      case 4:
        lt->kind = K::kEnum;
        return f.Struct(SkipStruct);
      case 5:
        lt->kind = K::kDecimal;
        return f.Struct([&](ThriftCompactReader& rr) {
          return ReadStruct(rr, [&](Field& g) -> Status {
            if (g.id == 1) return g.I32(&lt->scale);
            if (g.id == 2) return g.I32(&lt->precision);
            return Status::OK();
          });
        });
      case 6:
        lt->kind = K::kDate;
        return f.Struct(SkipStruct);
      case 7:
      case 8:
        lt->kind = f.id == 7 ? K::kTime : K::kTimestamp;
        return f.Struct([&](ThriftCompactReader& rr) {
          return ReadStruct(rr, [&](Field& g) -> Status {
            if (g.id == 1) return g.Bool(&lt->adjusted_to_utc);
            if (g.id == 2)
              return g.Struct([&](ThriftCompactReader& r3) { return ReadTimeUnit(r3, &lt->unit); });
            return Status::OK();
          });
        });
      case 10:
        lt->kind = K::kInteger;
        return f.Struct([&](ThriftCompactReader& rr) {
          return ReadStruct(rr, [&](Field& g) -> Status {
            if (g.id == 1) return g.Byte(&lt->bit_width);
            if (g.id == 2) return g.Bool(&lt->is_signed);
            return Status::OK();
          });
        });
      case 11:
        lt->kind = K::kUnknown;
        return f.Struct(SkipStruct);
      case 12:
        lt->kind = K::kJson;
        return f.Struct(SkipStruct);
      case 13:
        lt->kind = K::kBson;
        return f.Struct(SkipStruct);
      case 14:
        lt->kind = K::kUuid;
        return f.Struct(SkipStruct);
      case 15:
        lt->kind = K::kFloat16;
        return f.Struct(SkipStruct);
      case 16:
      case 17:
      case 18:
        lt->kind = K::kOther;
        return f.Struct(SkipStruct);
      default:
        return Status::OK();  // a kind from the future: left as kNone
    }
  });
}

Status ReadSchemaElement(ThriftCompactReader& r, SchemaElement* e) {
  return ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case 1:
        return f.OptionalEnum(&e->type);
      case 2:
        return f.I32(&e->type_length);
      case 3:
        return f.OptionalEnum(&e->repetition);
      case 4:
        return f.String(&e->name);
      case 5:
        return f.I32(&e->num_children);
      case 6:
        return f.Enum(&e->converted_type);
      case 7:
        return f.I32(&e->scale);
      case 8:
        return f.I32(&e->precision);
      case 10:
        return f.Struct(
            [&](ThriftCompactReader& rr) { return ReadLogicalType(rr, &e->logical_type); });
      default:
        return Status::OK();
    }
  });
}

Status ReadStatistics(ThriftCompactReader& r, Statistics* s) {
  return ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case 1:
        return f.OptionalString(&s->max);
      case 2:
        return f.OptionalString(&s->min);
      case 3:
        return f.OptionalI64(&s->null_count);
      case 4:
        return f.OptionalI64(&s->distinct_count);
      case 5:
        return f.OptionalString(&s->max_value);
      case 6:
        return f.OptionalString(&s->min_value);
      default:
        return Status::OK();
    }
  });
}

Status ReadColumnMetaData(ThriftCompactReader& r, ColumnMetaData* m) {
  return ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case 1:
        return f.Enum(&m->type);
      case 2:
        return f.List(ThriftType::kI32, [&](ThriftCompactReader& rr) {
          int32_t v = 0;
          RETURN_IF_ERROR(rr.ReadI32(&v));
          m->encodings.push_back(static_cast<Encoding>(v));
          return Status::OK();
        });
      case 3:
        return f.List(ThriftType::kBinary, [&](ThriftCompactReader& rr) {
          return rr.ReadString(&m->path_in_schema.emplace_back());
        });
      case 4:
        return f.Enum(&m->codec);
      case 5:
        return f.I64(&m->num_values);
      case 6:
        return f.I64(&m->total_uncompressed_size);
      case 7:
        return f.I64(&m->total_compressed_size);
      case 9:
        return f.I64(&m->data_page_offset);
      case 11:
        return f.OptionalI64(&m->dictionary_page_offset);
      case 12:
        return f.Struct(
            [&](ThriftCompactReader& rr) { return ReadStatistics(rr, &m->statistics.emplace()); });
      default:
        return Status::OK();
    }
  });
}

Status ReadColumnChunk(ThriftCompactReader& r, ColumnChunk* c) {
  return ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case 1:
        return f.String(&c->file_path);
      case 2:
        return f.I64(&c->file_offset);
      case 3:
        return f.Struct([&](ThriftCompactReader& rr) {
          return ReadColumnMetaData(rr, &c->meta_data.emplace());
        });
      case 8:
      case 9:
        c->encrypted = true;
        return Status::OK();
      default:
        return Status::OK();
    }
  });
}

Status ReadRowGroup(ThriftCompactReader& r, RowGroup* g) {
  return ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case 1:
        return f.List(ThriftType::kStruct, [&](ThriftCompactReader& rr) {
          return ReadColumnChunk(rr, &g->columns.emplace_back());
        });
      case 2:
        return f.I64(&g->total_byte_size);
      case 3:
        return f.I64(&g->num_rows);
      default:
        return Status::OK();
    }
  });
}

Status ReadStatisticsInto(ThriftCompactReader& r, std::optional<Statistics>* s) {
  return ReadStatistics(r, &s->emplace());
}

}  // namespace

Result<FileMetaData> ParseFileMetaData(std::string_view bytes) {
  ThriftCompactReader r(bytes);
  FileMetaData md;
  Status st = ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case 1:
        return f.I32(&md.version);
      case 2:
        return f.List(ThriftType::kStruct, [&](ThriftCompactReader& rr) {
          return ReadSchemaElement(rr, &md.schema.emplace_back());
        });
      case 3:
        return f.I64(&md.num_rows);
      case 4:
        return f.List(ThriftType::kStruct, [&](ThriftCompactReader& rr) {
          return ReadRowGroup(rr, &md.row_groups.emplace_back());
        });
      case 5:
        return f.List(ThriftType::kStruct, [&](ThriftCompactReader& rr) {
          KeyValue& kv = md.key_value_metadata.emplace_back();
          return ReadStruct(rr, [&](Field& g) -> Status {
            if (g.id == 1) return g.String(&kv.key);
            if (g.id == 2) return g.OptionalString(&kv.value);
            return Status::OK();
          });
        });
      case 6:
        return f.String(&md.created_by);
      case 7:
        md.type_defined_column_orders = true;
        return Status::OK();  // skipped: every known order is TypeDefinedOrder
      case 8:
        return Status::NotSupported("encrypted Parquet files are not supported");
      default:
        return Status::OK();
    }
  });
  if (!st.ok()) return st;
  return md;
}

Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t* header_size) {
  ThriftCompactReader r(bytes);
  PageHeader h;
  Status st = ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case 1:
        return f.Enum(&h.type);
      case 2:
        return f.I32(&h.uncompressed_page_size);
      case 3:
        return f.I32(&h.compressed_page_size);
      case 4: {
        int32_t crc = 0;
        RETURN_IF_ERROR(f.I32(&crc));
        if (f.handled) h.crc = static_cast<uint32_t>(crc);
        return Status::OK();
      }
      case 5:
        return f.Struct([&](ThriftCompactReader& rr) {
          DataPageHeader& d = h.data_page_header.emplace();
          return ReadStruct(rr, [&](Field& g) -> Status {
            switch (g.id) {
              case 1:
                return g.I32(&d.num_values);
              case 2:
                return g.Enum(&d.encoding);
              case 3:
                return g.Enum(&d.definition_level_encoding);
              case 4:
                return g.Enum(&d.repetition_level_encoding);
              case 5:
                return g.Struct(
                    [&](ThriftCompactReader& r3) { return ReadStatisticsInto(r3, &d.statistics); });
              default:
                return Status::OK();
            }
          });
        });
      case 7:
        return f.Struct([&](ThriftCompactReader& rr) {
          DictionaryPageHeader& d = h.dictionary_page_header.emplace();
          return ReadStruct(rr, [&](Field& g) -> Status {
            switch (g.id) {
              case 1:
                return g.I32(&d.num_values);
              case 2:
                return g.Enum(&d.encoding);
              case 3:
                return g.Bool(&d.is_sorted);
              default:
                return Status::OK();
            }
          });
        });
      case 8:
        return f.Struct([&](ThriftCompactReader& rr) {
          DataPageHeaderV2& d = h.data_page_header_v2.emplace();
          return ReadStruct(rr, [&](Field& g) -> Status {
            switch (g.id) {
              case 1:
                return g.I32(&d.num_values);
              case 2:
                return g.I32(&d.num_nulls);
              case 3:
                return g.I32(&d.num_rows);
              case 4:
                return g.Enum(&d.encoding);
              case 5:
                return g.I32(&d.definition_levels_byte_length);
              case 6:
                return g.I32(&d.repetition_levels_byte_length);
              case 7:
                return g.Bool(&d.is_compressed);
              default:
                return Status::OK();
            }
          });
        });
      default:
        return Status::OK();
    }
  });
  if (!st.ok()) return st;
  *header_size = r.position();
  return h;
}

// ---------------------------------------------------------------------------

namespace {

void WriteStatistics(ThriftCompactWriter& w, const Statistics& s) {
  w.WriteStructBegin();
  if (s.max) w.WriteBinaryField(1, *s.max);
  if (s.min) w.WriteBinaryField(2, *s.min);
  if (s.null_count) w.WriteI64Field(3, *s.null_count);
  if (s.distinct_count) w.WriteI64Field(4, *s.distinct_count);
  if (s.max_value) w.WriteBinaryField(5, *s.max_value);
  if (s.min_value) w.WriteBinaryField(6, *s.min_value);
  w.WriteStructEnd();
}

void WriteEmptyStructField(ThriftCompactWriter& w, int16_t id) {
  w.WriteFieldBegin(id, ThriftType::kStruct);
  w.WriteStructBegin();
  w.WriteStructEnd();
}

void WriteLogicalType(ThriftCompactWriter& w, const LogicalType& lt) {
  using K = LogicalType::Kind;
  w.WriteStructBegin();
  switch (lt.kind) {
    case K::kString:
      WriteEmptyStructField(w, 1);
      break;
    case K::kDate:
      WriteEmptyStructField(w, 6);
      break;
    case K::kJson:
      WriteEmptyStructField(w, 12);
      break;
    case K::kTimestamp:
      w.WriteFieldBegin(8, ThriftType::kStruct);
      w.WriteStructBegin();
      w.WriteBoolField(1, lt.adjusted_to_utc);
      w.WriteFieldBegin(2, ThriftType::kStruct);
      w.WriteStructBegin();
      WriteEmptyStructField(w, lt.unit == TimeUnit::kMillis  ? 1
                               : lt.unit == TimeUnit::kNanos ? 3
                                                             : 2);
      w.WriteStructEnd();
      w.WriteStructEnd();
      break;
    case K::kDecimal:
      w.WriteFieldBegin(5, ThriftType::kStruct);
      w.WriteStructBegin();
      w.WriteI32Field(1, lt.scale);
      w.WriteI32Field(2, lt.precision);
      w.WriteStructEnd();
      break;
    default:
      break;  // the writer emits no other kinds
  }
  w.WriteStructEnd();
}

void WriteSchemaElement(ThriftCompactWriter& w, const SchemaElement& e) {
  w.WriteStructBegin();
  if (e.type) w.WriteI32Field(1, static_cast<int32_t>(*e.type));
  if (e.type_length > 0) w.WriteI32Field(2, e.type_length);
  if (e.repetition) w.WriteI32Field(3, static_cast<int32_t>(*e.repetition));
  w.WriteBinaryField(4, e.name);
  if (!e.type) w.WriteI32Field(5, e.num_children);
  if (e.converted_type != ConvertedType::kNone) {
    w.WriteI32Field(6, static_cast<int32_t>(e.converted_type));
  }
  if (e.converted_type == ConvertedType::kDecimal) {
    w.WriteI32Field(7, e.scale);
    w.WriteI32Field(8, e.precision);
  }
  if (e.logical_type.kind != LogicalType::Kind::kNone) {
    w.WriteFieldBegin(10, ThriftType::kStruct);
    WriteLogicalType(w, e.logical_type);
  }
  w.WriteStructEnd();
}

void WriteColumnMetaData(ThriftCompactWriter& w, const ColumnMetaData& m) {
  w.WriteStructBegin();
  w.WriteI32Field(1, static_cast<int32_t>(m.type));
  w.WriteFieldBegin(2, ThriftType::kList);
  w.WriteListBegin(ThriftType::kI32, static_cast<uint32_t>(m.encodings.size()));
  for (Encoding e : m.encodings) w.WriteI32(static_cast<int32_t>(e));
  w.WriteFieldBegin(3, ThriftType::kList);
  w.WriteListBegin(ThriftType::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
  for (const std::string& p : m.path_in_schema) w.WriteBinary(p);
  w.WriteI32Field(4, static_cast<int32_t>(m.codec));
  w.WriteI64Field(5, m.num_values);
  w.WriteI64Field(6, m.total_uncompressed_size);
  w.WriteI64Field(7, m.total_compressed_size);
  w.WriteI64Field(9, m.data_page_offset);
  if (m.dictionary_page_offset) w.WriteI64Field(11, *m.dictionary_page_offset);
  if (m.statistics) {
    w.WriteFieldBegin(12, ThriftType::kStruct);
    WriteStatistics(w, *m.statistics);
  }
  w.WriteStructEnd();
}

}  // namespace

std::string SerializeFileMetaData(const FileMetaData& md) {
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteI32Field(1, md.version);
  w.WriteFieldBegin(2, ThriftType::kList);
  w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(md.schema.size()));
  size_t leaves = 0;
  for (const SchemaElement& e : md.schema) {
    WriteSchemaElement(w, e);
    if (e.type) ++leaves;
  }
  w.WriteI64Field(3, md.num_rows);
  w.WriteFieldBegin(4, ThriftType::kList);
  w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(md.row_groups.size()));
  for (const RowGroup& g : md.row_groups) {
    w.WriteStructBegin();
    w.WriteFieldBegin(1, ThriftType::kList);
    w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(g.columns.size()));
    for (const ColumnChunk& c : g.columns) {
      w.WriteStructBegin();
      w.WriteI64Field(2, c.file_offset);
      if (c.meta_data) {
        w.WriteFieldBegin(3, ThriftType::kStruct);
        WriteColumnMetaData(w, *c.meta_data);
      }
      w.WriteStructEnd();
    }
    w.WriteI64Field(2, g.total_byte_size);
    w.WriteI64Field(3, g.num_rows);
    w.WriteStructEnd();
  }
  if (!md.key_value_metadata.empty()) {
    w.WriteFieldBegin(5, ThriftType::kList);
    w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(md.key_value_metadata.size()));
    for (const KeyValue& kv : md.key_value_metadata) {
      w.WriteStructBegin();
      w.WriteBinaryField(1, kv.key);
      if (kv.value) w.WriteBinaryField(2, *kv.value);
      w.WriteStructEnd();
    }
  }
  if (!md.created_by.empty()) w.WriteBinaryField(6, md.created_by);
  if (md.type_defined_column_orders) {
    w.WriteFieldBegin(7, ThriftType::kList);
    w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(leaves));
    for (size_t i = 0; i < leaves; ++i) {
      w.WriteStructBegin();
      WriteEmptyStructField(w, 1);
      w.WriteStructEnd();
    }
  }
  w.WriteStructEnd();
  return w.Release();
}

std::string SerializePageHeader(const PageHeader& h) {
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteI32Field(1, static_cast<int32_t>(h.type));
  w.WriteI32Field(2, h.uncompressed_page_size);
  w.WriteI32Field(3, h.compressed_page_size);
  if (h.crc) w.WriteI32Field(4, static_cast<int32_t>(*h.crc));
  if (h.data_page_header) {
    const DataPageHeader& d = *h.data_page_header;
    w.WriteFieldBegin(5, ThriftType::kStruct);
    w.WriteStructBegin();
    w.WriteI32Field(1, d.num_values);
    w.WriteI32Field(2, static_cast<int32_t>(d.encoding));
    w.WriteI32Field(3, static_cast<int32_t>(d.definition_level_encoding));
    w.WriteI32Field(4, static_cast<int32_t>(d.repetition_level_encoding));
    if (d.statistics) {
      w.WriteFieldBegin(5, ThriftType::kStruct);
      WriteStatistics(w, *d.statistics);
    }
    w.WriteStructEnd();
  }
  if (h.dictionary_page_header) {
    const DictionaryPageHeader& d = *h.dictionary_page_header;
    w.WriteFieldBegin(7, ThriftType::kStruct);
    w.WriteStructBegin();
    w.WriteI32Field(1, d.num_values);
    w.WriteI32Field(2, static_cast<int32_t>(d.encoding));
    w.WriteStructEnd();
  }
  if (h.data_page_header_v2) {
    const DataPageHeaderV2& d = *h.data_page_header_v2;
    w.WriteFieldBegin(8, ThriftType::kStruct);
    w.WriteStructBegin();
    w.WriteI32Field(1, d.num_values);
    w.WriteI32Field(2, d.num_nulls);
    w.WriteI32Field(3, d.num_rows);
    w.WriteI32Field(4, static_cast<int32_t>(d.encoding));
    w.WriteI32Field(5, d.definition_levels_byte_length);
    w.WriteI32Field(6, d.repetition_levels_byte_length);
    w.WriteBoolField(7, d.is_compressed);
    w.WriteStructEnd();
  }
  w.WriteStructEnd();
  return w.Release();
}

std::string_view PhysicalTypeName(PhysicalType type) {
  switch (type) {
    case PhysicalType::kBoolean:
      return "BOOLEAN";
    case PhysicalType::kInt32:
      return "INT32";
    case PhysicalType::kInt64:
      return "INT64";
    case PhysicalType::kInt96:
      return "INT96";
    case PhysicalType::kFloat:
      return "FLOAT";
    case PhysicalType::kDouble:
      return "DOUBLE";
    case PhysicalType::kByteArray:
      return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray:
      return "FIXED_LEN_BYTE_ARRAY";
  }
  return "UNKNOWN";
}

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlain:
      return "PLAIN";
    case Encoding::kPlainDictionary:
      return "PLAIN_DICTIONARY";
    case Encoding::kRle:
      return "RLE";
    case Encoding::kBitPacked:
      return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary:
      return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
  }
  return "UNKNOWN";
}

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
      return "UNCOMPRESSED";
    case Codec::kSnappy:
      return "SNAPPY";
    case Codec::kGzip:
      return "GZIP";
    case Codec::kLzo:
      return "LZO";
    case Codec::kBrotli:
      return "BROTLI";
    case Codec::kLz4Hadoop:
      return "LZ4";
    case Codec::kZstd:
      return "ZSTD";
    case Codec::kLz4Raw:
      return "LZ4_RAW";
  }
  return "UNKNOWN";
}

std::string LogicalTypeName(const SchemaElement& e) {
  using K = LogicalType::Kind;
  const LogicalType& lt = e.logical_type;
  auto unit = [&] {
    return lt.unit == TimeUnit::kMillis  ? "MILLIS"
           : lt.unit == TimeUnit::kNanos ? "NANOS"
                                         : "MICROS";
  };
  switch (lt.kind) {
    case K::kString:
      return "STRING";
    case K::kMap:
      return "MAP";
    case K::kList:
      return "LIST";
    case K::kEnum:
      return "ENUM";
    case K::kDecimal:
      return fmt::format("DECIMAL({},{})", lt.precision, lt.scale);
    case K::kDate:
      return "DATE";
    case K::kTime:
      return fmt::format("TIME({})", unit());
    case K::kTimestamp:
      return fmt::format("TIMESTAMP({})", unit());
    case K::kInteger:
      return fmt::format("INT({},{})", lt.bit_width, lt.is_signed ? "signed" : "unsigned");
    case K::kUnknown:
      return "NULL";
    case K::kJson:
      return "JSON";
    case K::kBson:
      return "BSON";
    case K::kUuid:
      return "UUID";
    case K::kFloat16:
      return "FLOAT16";
    case K::kOther:
      return "OTHER";
    case K::kNone:
      break;
  }
  switch (e.converted_type) {
    case ConvertedType::kNone:
      return "";
    case ConvertedType::kUtf8:
      return "UTF8";
    case ConvertedType::kDecimal:
      return fmt::format("DECIMAL({},{})", e.precision, e.scale);
    case ConvertedType::kDate:
      return "DATE";
    case ConvertedType::kTimestampMillis:
      return "TIMESTAMP_MILLIS";
    case ConvertedType::kTimestampMicros:
      return "TIMESTAMP_MICROS";
    default:
      return fmt::format("CONVERTED({})", static_cast<int>(e.converted_type));
  }
}

}  // namespace freshet::parquet
