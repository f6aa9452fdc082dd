// The Thrift field ids of the Parquet footer and page header structs
// (parquet.thrift), one namespace per struct, named once for the reader and
// the writer of parquet_metadata.cc. Frozen: they are the file format.
#pragma once

#include <cstdint>

namespace freshet::parquet::thrift_id {

namespace file_meta_data {
inline constexpr int16_t kVersion = 1;
inline constexpr int16_t kSchema = 2;
inline constexpr int16_t kNumRows = 3;
inline constexpr int16_t kRowGroups = 4;
inline constexpr int16_t kKeyValueMetadata = 5;
inline constexpr int16_t kCreatedBy = 6;
inline constexpr int16_t kColumnOrders = 7;
inline constexpr int16_t kEncryptionAlgorithm = 8;
}  // namespace file_meta_data

namespace key_value {
inline constexpr int16_t kKey = 1;
inline constexpr int16_t kValue = 2;
}  // namespace key_value

namespace schema_element {
inline constexpr int16_t kType = 1;
inline constexpr int16_t kTypeLength = 2;
inline constexpr int16_t kRepetitionType = 3;
inline constexpr int16_t kName = 4;
inline constexpr int16_t kNumChildren = 5;
inline constexpr int16_t kConvertedType = 6;
inline constexpr int16_t kScale = 7;
inline constexpr int16_t kPrecision = 8;
inline constexpr int16_t kLogicalType = 10;
}  // namespace schema_element

// LogicalType is a union: the id of its one set field is the kind.
namespace logical_type {
inline constexpr int16_t kString = 1;
inline constexpr int16_t kMap = 2;
inline constexpr int16_t kList = 3;
inline constexpr int16_t kEnum = 4;
inline constexpr int16_t kDecimal = 5;
inline constexpr int16_t kDate = 6;
inline constexpr int16_t kTime = 7;
inline constexpr int16_t kTimestamp = 8;
inline constexpr int16_t kInteger = 10;
inline constexpr int16_t kUnknown = 11;
inline constexpr int16_t kJson = 12;
inline constexpr int16_t kBson = 13;
inline constexpr int16_t kUuid = 14;
inline constexpr int16_t kFloat16 = 15;
inline constexpr int16_t kVariant = 16;
inline constexpr int16_t kGeometry = 17;
inline constexpr int16_t kGeography = 18;
}  // namespace logical_type

namespace decimal_type {
inline constexpr int16_t kScale = 1;
inline constexpr int16_t kPrecision = 2;
}  // namespace decimal_type

// TimeType and TimestampType.
namespace time_type {
inline constexpr int16_t kIsAdjustedToUtc = 1;
inline constexpr int16_t kUnit = 2;
}  // namespace time_type

// TimeUnit is a union.
namespace time_unit {
inline constexpr int16_t kMillis = 1;
inline constexpr int16_t kMicros = 2;
inline constexpr int16_t kNanos = 3;
}  // namespace time_unit

namespace int_type {
inline constexpr int16_t kBitWidth = 1;
inline constexpr int16_t kIsSigned = 2;
}  // namespace int_type

namespace statistics {
inline constexpr int16_t kMax = 1;
inline constexpr int16_t kMin = 2;
inline constexpr int16_t kNullCount = 3;
inline constexpr int16_t kDistinctCount = 4;
inline constexpr int16_t kMaxValue = 5;
inline constexpr int16_t kMinValue = 6;
}  // namespace statistics

namespace column_meta_data {
inline constexpr int16_t kType = 1;
inline constexpr int16_t kEncodings = 2;
inline constexpr int16_t kPathInSchema = 3;
inline constexpr int16_t kCodec = 4;
inline constexpr int16_t kNumValues = 5;
inline constexpr int16_t kTotalUncompressedSize = 6;
inline constexpr int16_t kTotalCompressedSize = 7;
inline constexpr int16_t kDataPageOffset = 9;
inline constexpr int16_t kDictionaryPageOffset = 11;
inline constexpr int16_t kStatistics = 12;
}  // namespace column_meta_data

namespace column_chunk {
inline constexpr int16_t kFilePath = 1;
inline constexpr int16_t kFileOffset = 2;
inline constexpr int16_t kMetaData = 3;
inline constexpr int16_t kCryptoMetadata = 8;
inline constexpr int16_t kEncryptedColumnMetadata = 9;
}  // namespace column_chunk

namespace row_group {
inline constexpr int16_t kColumns = 1;
inline constexpr int16_t kTotalByteSize = 2;
inline constexpr int16_t kNumRows = 3;
}  // namespace row_group

// ColumnOrder is a union.
namespace column_order {
inline constexpr int16_t kTypeOrder = 1;
}  // namespace column_order

namespace page_header {
inline constexpr int16_t kType = 1;
inline constexpr int16_t kUncompressedPageSize = 2;
inline constexpr int16_t kCompressedPageSize = 3;
inline constexpr int16_t kCrc = 4;
inline constexpr int16_t kDataPageHeader = 5;
inline constexpr int16_t kDictionaryPageHeader = 7;
inline constexpr int16_t kDataPageHeaderV2 = 8;
}  // namespace page_header

namespace data_page_header {
inline constexpr int16_t kNumValues = 1;
inline constexpr int16_t kEncoding = 2;
inline constexpr int16_t kDefinitionLevelEncoding = 3;
inline constexpr int16_t kRepetitionLevelEncoding = 4;
inline constexpr int16_t kStatistics = 5;
}  // namespace data_page_header

namespace dictionary_page_header {
inline constexpr int16_t kNumValues = 1;
inline constexpr int16_t kEncoding = 2;
inline constexpr int16_t kIsSorted = 3;
}  // namespace dictionary_page_header

namespace data_page_header_v2 {
inline constexpr int16_t kNumValues = 1;
inline constexpr int16_t kNumNulls = 2;
inline constexpr int16_t kNumRows = 3;
inline constexpr int16_t kEncoding = 4;
inline constexpr int16_t kDefinitionLevelsByteLength = 5;
inline constexpr int16_t kRepetitionLevelsByteLength = 6;
inline constexpr int16_t kIsCompressed = 7;
}  // namespace data_page_header_v2

}  // namespace freshet::parquet::thrift_id
