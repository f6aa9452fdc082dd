#include "format/parquet/parquet_metadata.h"

#include <fmt/format.h>

#include "format/parquet/parquet_thrift_ids.h"
#include "format/parquet/thrift_compact.h"

namespace freshet::parquet {
namespace {

namespace id = thrift_id;

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
    TimeUnit u = f.id == id::time_unit::kMillis   ? TimeUnit::kMillis
                 : f.id == id::time_unit::kMicros ? TimeUnit::kMicros
                 : f.id == id::time_unit::kNanos  ? TimeUnit::kNanos
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
      case id::logical_type::kString:
        lt->kind = K::kString;
        return f.Struct(SkipStruct);
      case id::logical_type::kMap:
        lt->kind = K::kMap;
        return f.Struct(SkipStruct);
      case id::logical_type::kList:
        lt->kind = K::kList;
        return f.Struct(SkipStruct);
      case id::logical_type::kEnum:
        lt->kind = K::kEnum;
        return f.Struct(SkipStruct);
      case id::logical_type::kDecimal:
        lt->kind = K::kDecimal;
        return f.Struct([&](ThriftCompactReader& rr) {
          return ReadStruct(rr, [&](Field& g) -> Status {
            if (g.id == id::decimal_type::kScale) return g.I32(&lt->scale);
            if (g.id == id::decimal_type::kPrecision) return g.I32(&lt->precision);
            return Status::OK();
          });
        });
      case id::logical_type::kDate:
        lt->kind = K::kDate;
        return f.Struct(SkipStruct);
      case id::logical_type::kTime:
      case id::logical_type::kTimestamp:
        lt->kind = f.id == id::logical_type::kTime ? K::kTime : K::kTimestamp;
        return f.Struct([&](ThriftCompactReader& rr) {
          return ReadStruct(rr, [&](Field& g) -> Status {
            if (g.id == id::time_type::kIsAdjustedToUtc) return g.Bool(&lt->adjusted_to_utc);
            if (g.id == id::time_type::kUnit)
              return g.Struct([&](ThriftCompactReader& r3) { return ReadTimeUnit(r3, &lt->unit); });
            return Status::OK();
          });
        });
      case id::logical_type::kInteger:
        lt->kind = K::kInteger;
        return f.Struct([&](ThriftCompactReader& rr) {
          return ReadStruct(rr, [&](Field& g) -> Status {
            if (g.id == id::int_type::kBitWidth) return g.Byte(&lt->bit_width);
            if (g.id == id::int_type::kIsSigned) return g.Bool(&lt->is_signed);
            return Status::OK();
          });
        });
      case id::logical_type::kUnknown:
        lt->kind = K::kUnknown;
        return f.Struct(SkipStruct);
      case id::logical_type::kJson:
        lt->kind = K::kJson;
        return f.Struct(SkipStruct);
      case id::logical_type::kBson:
        lt->kind = K::kBson;
        return f.Struct(SkipStruct);
      case id::logical_type::kUuid:
        lt->kind = K::kUuid;
        return f.Struct(SkipStruct);
      case id::logical_type::kFloat16:
        lt->kind = K::kFloat16;
        return f.Struct(SkipStruct);
      case id::logical_type::kVariant:
      case id::logical_type::kGeometry:
      case id::logical_type::kGeography:
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
      case id::schema_element::kType:
        return f.OptionalEnum(&e->type);
      case id::schema_element::kTypeLength:
        return f.I32(&e->type_length);
      case id::schema_element::kRepetitionType:
        return f.OptionalEnum(&e->repetition);
      case id::schema_element::kName:
        return f.String(&e->name);
      case id::schema_element::kNumChildren:
        return f.I32(&e->num_children);
      case id::schema_element::kConvertedType:
        return f.Enum(&e->converted_type);
      case id::schema_element::kScale:
        return f.I32(&e->scale);
      case id::schema_element::kPrecision:
        return f.I32(&e->precision);
      case id::schema_element::kLogicalType:
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
      case id::statistics::kMax:
        return f.OptionalString(&s->max);
      case id::statistics::kMin:
        return f.OptionalString(&s->min);
      case id::statistics::kNullCount:
        return f.OptionalI64(&s->null_count);
      case id::statistics::kDistinctCount:
        return f.OptionalI64(&s->distinct_count);
      case id::statistics::kMaxValue:
        return f.OptionalString(&s->max_value);
      case id::statistics::kMinValue:
        return f.OptionalString(&s->min_value);
      default:
        return Status::OK();
    }
  });
}

Status ReadColumnMetaData(ThriftCompactReader& r, ColumnMetaData* m) {
  return ReadStruct(r, [&](Field& f) -> Status {
    switch (f.id) {
      case id::column_meta_data::kType:
        return f.Enum(&m->type);
      case id::column_meta_data::kEncodings:
        return f.List(ThriftType::kI32, [&](ThriftCompactReader& rr) {
          int32_t v = 0;
          RETURN_IF_ERROR(rr.ReadI32(&v));
          m->encodings.push_back(static_cast<Encoding>(v));
          return Status::OK();
        });
      case id::column_meta_data::kPathInSchema:
        return f.List(ThriftType::kBinary, [&](ThriftCompactReader& rr) {
          return rr.ReadString(&m->path_in_schema.emplace_back());
        });
      case id::column_meta_data::kCodec:
        return f.Enum(&m->codec);
      case id::column_meta_data::kNumValues:
        return f.I64(&m->num_values);
      case id::column_meta_data::kTotalUncompressedSize:
        return f.I64(&m->total_uncompressed_size);
      case id::column_meta_data::kTotalCompressedSize:
        return f.I64(&m->total_compressed_size);
      case id::column_meta_data::kDataPageOffset:
        return f.I64(&m->data_page_offset);
      case id::column_meta_data::kDictionaryPageOffset:
        return f.OptionalI64(&m->dictionary_page_offset);
      case id::column_meta_data::kStatistics:
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
      case id::column_chunk::kFilePath:
        return f.String(&c->file_path);
      case id::column_chunk::kFileOffset:
        return f.I64(&c->file_offset);
      case id::column_chunk::kMetaData:
        return f.Struct([&](ThriftCompactReader& rr) {
          return ReadColumnMetaData(rr, &c->meta_data.emplace());
        });
      case id::column_chunk::kCryptoMetadata:
      case id::column_chunk::kEncryptedColumnMetadata:
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
      case id::row_group::kColumns:
        return f.List(ThriftType::kStruct, [&](ThriftCompactReader& rr) {
          return ReadColumnChunk(rr, &g->columns.emplace_back());
        });
      case id::row_group::kTotalByteSize:
        return f.I64(&g->total_byte_size);
      case id::row_group::kNumRows:
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
      case id::file_meta_data::kVersion:
        return f.I32(&md.version);
      case id::file_meta_data::kSchema:
        return f.List(ThriftType::kStruct, [&](ThriftCompactReader& rr) {
          return ReadSchemaElement(rr, &md.schema.emplace_back());
        });
      case id::file_meta_data::kNumRows:
        return f.I64(&md.num_rows);
      case id::file_meta_data::kRowGroups:
        return f.List(ThriftType::kStruct, [&](ThriftCompactReader& rr) {
          return ReadRowGroup(rr, &md.row_groups.emplace_back());
        });
      case id::file_meta_data::kKeyValueMetadata:
        return f.List(ThriftType::kStruct, [&](ThriftCompactReader& rr) {
          KeyValue& kv = md.key_value_metadata.emplace_back();
          return ReadStruct(rr, [&](Field& g) -> Status {
            if (g.id == id::key_value::kKey) return g.String(&kv.key);
            if (g.id == id::key_value::kValue) return g.OptionalString(&kv.value);
            return Status::OK();
          });
        });
      case id::file_meta_data::kCreatedBy:
        return f.String(&md.created_by);
      case id::file_meta_data::kColumnOrders:
        md.type_defined_column_orders = true;
        return Status::OK();  // skipped: every known order is TypeDefinedOrder
      case id::file_meta_data::kEncryptionAlgorithm:
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
      case id::page_header::kType:
        return f.Enum(&h.type);
      case id::page_header::kUncompressedPageSize:
        return f.I32(&h.uncompressed_page_size);
      case id::page_header::kCompressedPageSize:
        return f.I32(&h.compressed_page_size);
      case id::page_header::kCrc: {
        int32_t crc = 0;
        RETURN_IF_ERROR(f.I32(&crc));
        if (f.handled) h.crc = static_cast<uint32_t>(crc);
        return Status::OK();
      }
      case id::page_header::kDataPageHeader:
        return f.Struct([&](ThriftCompactReader& rr) {
          DataPageHeader& d = h.data_page_header.emplace();
          return ReadStruct(rr, [&](Field& g) -> Status {
            switch (g.id) {
              case id::data_page_header::kNumValues:
                return g.I32(&d.num_values);
              case id::data_page_header::kEncoding:
                return g.Enum(&d.encoding);
              case id::data_page_header::kDefinitionLevelEncoding:
                return g.Enum(&d.definition_level_encoding);
              case id::data_page_header::kRepetitionLevelEncoding:
                return g.Enum(&d.repetition_level_encoding);
              case id::data_page_header::kStatistics:
                return g.Struct(
                    [&](ThriftCompactReader& r3) { return ReadStatisticsInto(r3, &d.statistics); });
              default:
                return Status::OK();
            }
          });
        });
      case id::page_header::kDictionaryPageHeader:
        return f.Struct([&](ThriftCompactReader& rr) {
          DictionaryPageHeader& d = h.dictionary_page_header.emplace();
          return ReadStruct(rr, [&](Field& g) -> Status {
            switch (g.id) {
              case id::dictionary_page_header::kNumValues:
                return g.I32(&d.num_values);
              case id::dictionary_page_header::kEncoding:
                return g.Enum(&d.encoding);
              case id::dictionary_page_header::kIsSorted:
                return g.Bool(&d.is_sorted);
              default:
                return Status::OK();
            }
          });
        });
      case id::page_header::kDataPageHeaderV2:
        return f.Struct([&](ThriftCompactReader& rr) {
          DataPageHeaderV2& d = h.data_page_header_v2.emplace();
          return ReadStruct(rr, [&](Field& g) -> Status {
            switch (g.id) {
              case id::data_page_header_v2::kNumValues:
                return g.I32(&d.num_values);
              case id::data_page_header_v2::kNumNulls:
                return g.I32(&d.num_nulls);
              case id::data_page_header_v2::kNumRows:
                return g.I32(&d.num_rows);
              case id::data_page_header_v2::kEncoding:
                return g.Enum(&d.encoding);
              case id::data_page_header_v2::kDefinitionLevelsByteLength:
                return g.I32(&d.definition_levels_byte_length);
              case id::data_page_header_v2::kRepetitionLevelsByteLength:
                return g.I32(&d.repetition_levels_byte_length);
              case id::data_page_header_v2::kIsCompressed:
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
  if (s.max) w.WriteBinaryField(id::statistics::kMax, *s.max);
  if (s.min) w.WriteBinaryField(id::statistics::kMin, *s.min);
  if (s.null_count) w.WriteI64Field(id::statistics::kNullCount, *s.null_count);
  if (s.distinct_count) w.WriteI64Field(id::statistics::kDistinctCount, *s.distinct_count);
  if (s.max_value) w.WriteBinaryField(id::statistics::kMaxValue, *s.max_value);
  if (s.min_value) w.WriteBinaryField(id::statistics::kMinValue, *s.min_value);
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
      WriteEmptyStructField(w, id::logical_type::kString);
      break;
    case K::kDate:
      WriteEmptyStructField(w, id::logical_type::kDate);
      break;
    case K::kJson:
      WriteEmptyStructField(w, id::logical_type::kJson);
      break;
    case K::kTimestamp:
      w.WriteFieldBegin(id::logical_type::kTimestamp, ThriftType::kStruct);
      w.WriteStructBegin();
      w.WriteBoolField(id::time_type::kIsAdjustedToUtc, lt.adjusted_to_utc);
      w.WriteFieldBegin(id::time_type::kUnit, ThriftType::kStruct);
      w.WriteStructBegin();
      WriteEmptyStructField(w, lt.unit == TimeUnit::kMillis  ? id::time_unit::kMillis
                               : lt.unit == TimeUnit::kNanos ? id::time_unit::kNanos
                                                             : id::time_unit::kMicros);
      w.WriteStructEnd();
      w.WriteStructEnd();
      break;
    case K::kDecimal:
      w.WriteFieldBegin(id::logical_type::kDecimal, ThriftType::kStruct);
      w.WriteStructBegin();
      w.WriteI32Field(id::decimal_type::kScale, lt.scale);
      w.WriteI32Field(id::decimal_type::kPrecision, lt.precision);
      w.WriteStructEnd();
      break;
    default:
      break;  // the writer emits no other kinds
  }
  w.WriteStructEnd();
}

void WriteSchemaElement(ThriftCompactWriter& w, const SchemaElement& e) {
  w.WriteStructBegin();
  if (e.type) w.WriteI32Field(id::schema_element::kType, static_cast<int32_t>(*e.type));
  if (e.type_length > 0) w.WriteI32Field(id::schema_element::kTypeLength, e.type_length);
  if (e.repetition)
    w.WriteI32Field(id::schema_element::kRepetitionType, static_cast<int32_t>(*e.repetition));
  w.WriteBinaryField(id::schema_element::kName, e.name);
  if (!e.type) w.WriteI32Field(id::schema_element::kNumChildren, e.num_children);
  if (e.converted_type != ConvertedType::kNone) {
    w.WriteI32Field(id::schema_element::kConvertedType, static_cast<int32_t>(e.converted_type));
  }
  if (e.converted_type == ConvertedType::kDecimal) {
    w.WriteI32Field(id::schema_element::kScale, e.scale);
    w.WriteI32Field(id::schema_element::kPrecision, e.precision);
  }
  if (e.logical_type.kind != LogicalType::Kind::kNone) {
    w.WriteFieldBegin(id::schema_element::kLogicalType, ThriftType::kStruct);
    WriteLogicalType(w, e.logical_type);
  }
  w.WriteStructEnd();
}

void WriteColumnMetaData(ThriftCompactWriter& w, const ColumnMetaData& m) {
  w.WriteStructBegin();
  w.WriteI32Field(id::column_meta_data::kType, static_cast<int32_t>(m.type));
  w.WriteFieldBegin(id::column_meta_data::kEncodings, ThriftType::kList);
  w.WriteListBegin(ThriftType::kI32, static_cast<uint32_t>(m.encodings.size()));
  for (Encoding e : m.encodings) w.WriteI32(static_cast<int32_t>(e));
  w.WriteFieldBegin(id::column_meta_data::kPathInSchema, ThriftType::kList);
  w.WriteListBegin(ThriftType::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
  for (const std::string& p : m.path_in_schema) w.WriteBinary(p);
  w.WriteI32Field(id::column_meta_data::kCodec, static_cast<int32_t>(m.codec));
  w.WriteI64Field(id::column_meta_data::kNumValues, m.num_values);
  w.WriteI64Field(id::column_meta_data::kTotalUncompressedSize, m.total_uncompressed_size);
  w.WriteI64Field(id::column_meta_data::kTotalCompressedSize, m.total_compressed_size);
  w.WriteI64Field(id::column_meta_data::kDataPageOffset, m.data_page_offset);
  if (m.dictionary_page_offset)
    w.WriteI64Field(id::column_meta_data::kDictionaryPageOffset, *m.dictionary_page_offset);
  if (m.statistics) {
    w.WriteFieldBegin(id::column_meta_data::kStatistics, ThriftType::kStruct);
    WriteStatistics(w, *m.statistics);
  }
  w.WriteStructEnd();
}

}  // namespace

std::string SerializeFileMetaData(const FileMetaData& md) {
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteI32Field(id::file_meta_data::kVersion, md.version);
  w.WriteFieldBegin(id::file_meta_data::kSchema, ThriftType::kList);
  w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(md.schema.size()));
  size_t leaves = 0;
  for (const SchemaElement& e : md.schema) {
    WriteSchemaElement(w, e);
    if (e.type) ++leaves;
  }
  w.WriteI64Field(id::file_meta_data::kNumRows, md.num_rows);
  w.WriteFieldBegin(id::file_meta_data::kRowGroups, ThriftType::kList);
  w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(md.row_groups.size()));
  for (const RowGroup& g : md.row_groups) {
    w.WriteStructBegin();
    w.WriteFieldBegin(id::row_group::kColumns, ThriftType::kList);
    w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(g.columns.size()));
    for (const ColumnChunk& c : g.columns) {
      w.WriteStructBegin();
      w.WriteI64Field(id::column_chunk::kFileOffset, c.file_offset);
      if (c.meta_data) {
        w.WriteFieldBegin(id::column_chunk::kMetaData, ThriftType::kStruct);
        WriteColumnMetaData(w, *c.meta_data);
      }
      w.WriteStructEnd();
    }
    w.WriteI64Field(id::row_group::kTotalByteSize, g.total_byte_size);
    w.WriteI64Field(id::row_group::kNumRows, g.num_rows);
    w.WriteStructEnd();
  }
  if (!md.key_value_metadata.empty()) {
    w.WriteFieldBegin(id::file_meta_data::kKeyValueMetadata, ThriftType::kList);
    w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(md.key_value_metadata.size()));
    for (const KeyValue& kv : md.key_value_metadata) {
      w.WriteStructBegin();
      w.WriteBinaryField(id::key_value::kKey, kv.key);
      if (kv.value) w.WriteBinaryField(id::key_value::kValue, *kv.value);
      w.WriteStructEnd();
    }
  }
  if (!md.created_by.empty()) w.WriteBinaryField(id::file_meta_data::kCreatedBy, md.created_by);
  if (md.type_defined_column_orders) {
    w.WriteFieldBegin(id::file_meta_data::kColumnOrders, ThriftType::kList);
    w.WriteListBegin(ThriftType::kStruct, static_cast<uint32_t>(leaves));
    for (size_t i = 0; i < leaves; ++i) {
      w.WriteStructBegin();
      WriteEmptyStructField(w, id::column_order::kTypeOrder);
      w.WriteStructEnd();
    }
  }
  w.WriteStructEnd();
  return w.Release();
}

std::string SerializePageHeader(const PageHeader& h) {
  ThriftCompactWriter w;
  w.WriteStructBegin();
  w.WriteI32Field(id::page_header::kType, static_cast<int32_t>(h.type));
  w.WriteI32Field(id::page_header::kUncompressedPageSize, h.uncompressed_page_size);
  w.WriteI32Field(id::page_header::kCompressedPageSize, h.compressed_page_size);
  if (h.crc) w.WriteI32Field(id::page_header::kCrc, static_cast<int32_t>(*h.crc));
  if (h.data_page_header) {
    const DataPageHeader& d = *h.data_page_header;
    w.WriteFieldBegin(id::page_header::kDataPageHeader, ThriftType::kStruct);
    w.WriteStructBegin();
    w.WriteI32Field(id::data_page_header::kNumValues, d.num_values);
    w.WriteI32Field(id::data_page_header::kEncoding, static_cast<int32_t>(d.encoding));
    w.WriteI32Field(id::data_page_header::kDefinitionLevelEncoding,
                    static_cast<int32_t>(d.definition_level_encoding));
    w.WriteI32Field(id::data_page_header::kRepetitionLevelEncoding,
                    static_cast<int32_t>(d.repetition_level_encoding));
    if (d.statistics) {
      w.WriteFieldBegin(id::data_page_header::kStatistics, ThriftType::kStruct);
      WriteStatistics(w, *d.statistics);
    }
    w.WriteStructEnd();
  }
  if (h.dictionary_page_header) {
    const DictionaryPageHeader& d = *h.dictionary_page_header;
    w.WriteFieldBegin(id::page_header::kDictionaryPageHeader, ThriftType::kStruct);
    w.WriteStructBegin();
    w.WriteI32Field(id::dictionary_page_header::kNumValues, d.num_values);
    w.WriteI32Field(id::dictionary_page_header::kEncoding, static_cast<int32_t>(d.encoding));
    w.WriteStructEnd();
  }
  if (h.data_page_header_v2) {
    const DataPageHeaderV2& d = *h.data_page_header_v2;
    w.WriteFieldBegin(id::page_header::kDataPageHeaderV2, ThriftType::kStruct);
    w.WriteStructBegin();
    w.WriteI32Field(id::data_page_header_v2::kNumValues, d.num_values);
    w.WriteI32Field(id::data_page_header_v2::kNumNulls, d.num_nulls);
    w.WriteI32Field(id::data_page_header_v2::kNumRows, d.num_rows);
    w.WriteI32Field(id::data_page_header_v2::kEncoding, static_cast<int32_t>(d.encoding));
    w.WriteI32Field(id::data_page_header_v2::kDefinitionLevelsByteLength,
                    d.definition_levels_byte_length);
    w.WriteI32Field(id::data_page_header_v2::kRepetitionLevelsByteLength,
                    d.repetition_levels_byte_length);
    w.WriteBoolField(id::data_page_header_v2::kIsCompressed, d.is_compressed);
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
