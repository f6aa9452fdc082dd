#include "format/parquet/parquet_column_reader.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "format/parquet/parquet_codecs.h"

namespace freshet::parquet {

static_assert(std::endian::native == std::endian::little,
              "the decoder assumes a little-endian host");

namespace {

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 Uint128;

// Page headers carry int32 sizes; the decompressors bound what they
// allocate by what the compressed bytes can really produce.
constexpr int64_t kMaxPageBytes = INT32_MAX;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

double HalfToDouble(uint16_t h) {
  int sign = h >> 15;
  int exponent = (h >> 10) & 0x1f;
  int mantissa = h & 0x3ff;
  double v;
  if (exponent == 0) {
    v = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    v = mantissa ? std::numeric_limits<double>::quiet_NaN()
                 : std::numeric_limits<double>::infinity();
  } else {
    v = std::ldexp(mantissa + 1024, exponent - 25);
  }
  return sign ? -v : v;
}

const double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The nearest double to `digits` * 10^-scale, `digits` being decimal text.
double ParseScaled(const std::string& digits, bool negative, int32_t scale) {
  std::string text = (negative ? "-" : "") + digits + "e" + std::to_string(-int64_t{scale});
  return std::strtod(text.c_str(), nullptr);
}

double ScaleInt128(Int128 v, int32_t scale) {
  Uint128 mag = v < 0 ? -static_cast<Uint128>(v) : static_cast<Uint128>(v);
  if (mag < (Uint128{1} << 53) && scale >= 0 && scale <= 22) {
    double d = static_cast<double>(static_cast<uint64_t>(mag)) / kPow10[scale];
    return v < 0 ? -d : d;
  }
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  } while (mag != 0);
  std::reverse(digits.begin(), digits.end());
  return ParseScaled(digits, v < 0, scale);
}

// A big-endian two's complement integer of any length, scaled.
double DecimalBytesToDouble(std::string_view b, int32_t scale) {
  if (b.empty()) return 0;
  bool negative = static_cast<uint8_t>(b[0]) & 0x80;
  if (b.size() <= 16) {
    Uint128 u = negative ? ~Uint128{0} : 0;
    for (char c : b) u = (u << 8) | static_cast<uint8_t>(c);
    return ScaleInt128(static_cast<Int128>(u), scale);
  }
  // Longer than 128 bits: magnitude by schoolbook division.
  std::vector<uint8_t> mag(b.begin(), b.end());
  if (negative) {
    for (uint8_t& x : mag) x = static_cast<uint8_t>(~x);
    for (size_t i = mag.size(); i-- > 0;) {
      if (++mag[i] != 0) break;
    }
  }
  std::string digits;
  bool zero = false;
  while (!zero) {
    unsigned rem = 0;
    zero = true;
    for (uint8_t& x : mag) {
      unsigned cur = (rem << 8) | x;
      x = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
      if (x) zero = false;
    }
    digits.push_back(static_cast<char>('0' + rem));
  }
  std::reverse(digits.begin(), digits.end());
  return ParseScaled(digits, negative, scale);
}

// Days since 1970-01-01 to "YYYY-MM-DD" (proleptic Gregorian; years beyond
// 0000..9999 get a sign and more digits, as ISO 8601 allows).
std::string FormatDate(int64_t days) {
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  if (y >= 0 && y <= 9999) return fmt::format("{:04}-{:02}-{:02}", y, m, d);
  return fmt::format("{}{:04}-{:02}-{:02}", y < 0 ? "-" : "+", y < 0 ? -y : y, m, d);
}

int64_t ToMicros(int64_t v, TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillis:
      return WrapMul(v, 1000);
    case TimeUnit::kNanos:
      return FloorDiv(v, 1000);
    default:
      return v;
  }
}

bool IsIntClass(PhysicalType t) {
  return t == PhysicalType::kBoolean || t == PhysicalType::kInt32 || t == PhysicalType::kInt64;
}
bool IsDoubleClass(PhysicalType t) {
  return t == PhysicalType::kFloat || t == PhysicalType::kDouble;
}

size_t FixedWidth(const ColumnDescriptor& c) {
  switch (c.physical_type) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kInt96:
      return 12;
    case PhysicalType::kFixedLenByteArray:
      return static_cast<size_t>(c.type_length);
    default:
      return 0;
  }
}

}  // namespace

Status LevelStream::InitV1(Encoding encoding, std::string_view* data, int max_level,
                           size_t num_values) {
  int width = BitWidth(static_cast<uint64_t>(max_level));
  legacy_active_ = false;
  if (encoding == Encoding::kRle) {
    if (data->size() < 4) return Status::Corruption("levels length truncated");
    uint32_t len = Load<uint32_t>(data->data());
    if (len > data->size() - 4) {
      return Status::Corruption(
          fmt::format("levels of {} bytes exceed the page's {} bytes", len, data->size() - 4));
    }
    rle_ = RleBitPackedDecoder(data->substr(4, len), width);
    *data = data->substr(4 + len);
    return Status::OK();
  }
  if (encoding == Encoding::kBitPacked) {
    size_t needed = (num_values * static_cast<size_t>(width) + 7) / 8;
    if (needed > data->size()) return Status::Corruption("BIT_PACKED levels truncated");
    legacy_.resize(num_values);
    size_t used = 0;
    RETURN_IF_ERROR(DecodeLegacyBitPacked(*data, width, num_values, legacy_.data(), &used));
    legacy_pos_ = 0;
    legacy_active_ = true;
    *data = data->substr(used);
    return Status::OK();
  }
  return Status::NotSupported(fmt::format("level encoding {}", EncodingName(encoding)));
}

void LevelStream::InitV2(std::string_view levels, int max_level) {
  rle_ = RleBitPackedDecoder(levels, BitWidth(static_cast<uint64_t>(max_level)));
  legacy_active_ = false;
}

Status LevelStream::Get(uint32_t* out, size_t n) {
  if (!legacy_active_) return rle_.Get(out, n);
  if (n > legacy_.size() - legacy_pos_) {
    return Status::Corruption(
        fmt::format("{} levels wanted, {} left", n, legacy_.size() - legacy_pos_));
  }
  std::copy_n(legacy_.begin() + static_cast<ptrdiff_t>(legacy_pos_), n, out);
  legacy_pos_ += n;
  return Status::OK();
}

ColumnChunkReader::ColumnChunkReader(const ColumnDescriptor& column, const ColumnMetaData& meta,
                                     ChunkLocation location,
                                     std::shared_ptr<const std::string> bytes, int64_t num_rows,
                                     ColumnReadOptions options)
    : column_(column),
      codec_(meta.codec),
      location_(std::move(location)),
      chunk_(std::move(bytes)),
      rows_left_(num_rows),
      options_(options) {}

Status ColumnChunkReader::PageError(std::string_view what) const {
  return WithPageContext(Status::Corruption(std::string(what)));
}

Status ColumnChunkReader::WithPageContext(const Status& st) const {
  if (st.ok()) return st;
  return st.WithContext(fmt::format("{}: column '{}', row group {}, page at byte {}",
                                    location_.file, column_.name, location_.row_group,
                                    page_offset_));
}

Status ColumnChunkReader::NextPage() {
  while (true) {
    page_offset_ = location_.file_offset + pos_;
    if (pos_ >= chunk_->size()) {
      return PageError(fmt::format("column chunk ends with {} rows still to read", rows_left_));
    }
    std::string_view rest = std::string_view(*chunk_).substr(pos_);
    size_t header_size = 0;
    auto parsed = ParsePageHeader(rest, &header_size);
    if (!parsed.ok()) return WithPageContext(parsed.status().WithContext("page header"));
    const PageHeader& h = *parsed;
    if (h.compressed_page_size < 0 ||
        static_cast<uint64_t>(h.compressed_page_size) > rest.size() - header_size) {
      return PageError(fmt::format("page of {} bytes overruns the column chunk ({} bytes left)",
                                   h.compressed_page_size, rest.size() - header_size));
    }
    if (h.uncompressed_page_size < 0 || h.uncompressed_page_size > kMaxPageBytes) {
      return PageError(fmt::format("invalid uncompressed page size {}", h.uncompressed_page_size));
    }
    std::string_view page = rest.substr(header_size, h.compressed_page_size);
    pos_ += header_size + h.compressed_page_size;
    if (h.crc && options_.verify_checksums) {
      uint32_t actual = static_cast<uint32_t>(
          crc32(0, reinterpret_cast<const Bytef*>(page.data()), static_cast<uInt>(page.size())));
      if (actual != *h.crc) {
        return PageError(
            fmt::format("page CRC mismatch (stored {:08x}, computed {:08x})", *h.crc, actual));
      }
    }
    switch (h.type) {
      case PageType::kDictionaryPage:
        RETURN_IF_ERROR(WithPageContext(LoadDictionary(h, page)));
        continue;
      case PageType::kDataPage:
      case PageType::kDataPageV2:
        seen_data_page_ = true;
        RETURN_IF_ERROR(WithPageContext(StartDataPage(h, page)));
        if (page_values_left_ == 0) continue;
        return Status::OK();
      default:
        continue;  // index pages and future page types carry no values
    }
  }
}

Status ColumnChunkReader::LoadDictionary(const PageHeader& h, std::string_view page) {
  if (!h.dictionary_page_header) return Status::Corruption("dictionary page without its header");
  if (has_dictionary_ || seen_data_page_) {
    return Status::Corruption("dictionary page after the first page of the chunk");
  }
  const DictionaryPageHeader& d = *h.dictionary_page_header;
  if (d.encoding != Encoding::kPlain && d.encoding != Encoding::kPlainDictionary) {
    return Status::NotSupported(
        fmt::format("dictionary page encoding {}", EncodingName(d.encoding)));
  }
  if (!IsSupportedCodec(codec_)) {
    return Status::NotSupported(fmt::format("compression codec {}", CodecName(codec_)));
  }
  auto buffer = std::make_shared<std::string>();
  RETURN_IF_ERROR(Decompress(codec_, page, h.uncompressed_page_size, buffer.get()));
  std::string_view data(*buffer);
  if (d.num_values < 0)
    return Status::Corruption(fmt::format("dictionary of {} values", d.num_values));
  size_t n = static_cast<size_t>(d.num_values);
  PhysicalType pt = column_.physical_type;
  size_t width = FixedWidth(column_);
  // Bound the count by the bytes before allocating.
  size_t min_bytes = pt == PhysicalType::kByteArray ? 4 : width;
  if (pt == PhysicalType::kBoolean ? n > data.size() * 8
                                   : n > data.size() / std::max<size_t>(min_bytes, 1)) {
    return Status::Corruption(
        fmt::format("dictionary of {} values does not fit in {} bytes", n, data.size()));
  }
  dict_ints_.clear();
  dict_doubles_.clear();
  dict_strings_.clear();
  size_t pos = 0;
  switch (pt) {
    case PhysicalType::kBoolean: {
      BitReader bits(data);
      for (size_t i = 0; i < n; ++i) dict_ints_.push_back(static_cast<int64_t>(bits.Get(1)));
      break;
    }
    case PhysicalType::kInt32:
      for (size_t i = 0; i < n; ++i) dict_ints_.push_back(Load<int32_t>(data.data() + 4 * i));
      break;
    case PhysicalType::kInt64:
      for (size_t i = 0; i < n; ++i) dict_ints_.push_back(Load<int64_t>(data.data() + 8 * i));
      break;
    case PhysicalType::kFloat:
      for (size_t i = 0; i < n; ++i) dict_doubles_.push_back(Load<float>(data.data() + 4 * i));
      break;
    case PhysicalType::kDouble:
      for (size_t i = 0; i < n; ++i) dict_doubles_.push_back(Load<double>(data.data() + 8 * i));
      break;
    case PhysicalType::kInt96:
    case PhysicalType::kFixedLenByteArray:
      for (size_t i = 0; i < n; ++i) dict_strings_.push_back(data.substr(i * width, width));
      break;
    case PhysicalType::kByteArray:
      dict_strings_.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        if (data.size() - pos < 4) return Status::Corruption("dictionary entry length truncated");
        uint32_t len = Load<uint32_t>(data.data() + pos);
        pos += 4;
        if (len > data.size() - pos) {
          return Status::Corruption(
              fmt::format("dictionary entry {} of {} bytes exceeds the {} bytes left", i, len,
                          data.size() - pos));
        }
        dict_strings_.push_back(data.substr(pos, len));
        pos += len;
      }
      break;
  }
  dictionary_page_ = std::move(buffer);
  has_dictionary_ = true;
  return Status::OK();
}

Status ColumnChunkReader::StartDataPage(const PageHeader& h, std::string_view page) {
  int32_t num_values = 0;
  Encoding encoding;
  std::string_view levels;  // definition levels (v1: with their encoding's framing)
  std::string_view values;  // value section, decompressed
  page_buffer_.reset();
  if (!IsSupportedCodec(codec_)) {
    return Status::NotSupported(fmt::format("compression codec {}", CodecName(codec_)));
  }
  if (h.type == PageType::kDataPage) {
    if (!h.data_page_header) return Status::Corruption("data page without its header");
    const DataPageHeader& d = *h.data_page_header;
    num_values = d.num_values;
    encoding = d.encoding;
    if (num_values < 0) return Status::Corruption(fmt::format("page of {} values", num_values));
    if (!column_.is_list() && num_values > rows_left_) {
      return Status::Corruption(
          fmt::format("page holds {} values but only {} rows remain", num_values, rows_left_));
    }
    if (num_values == 0) {
      page_values_left_ = 0;
      return Status::OK();
    }
    std::string_view data = page;
    if (codec_ != Codec::kUncompressed) {
      auto buffer = std::make_shared<std::string>();
      RETURN_IF_ERROR(Decompress(codec_, page, h.uncompressed_page_size, buffer.get()));
      data = *buffer;
      page_buffer_ = std::move(buffer);
    }
    // Repetition levels come first (list columns only); definition levels
    // exist only when the column is optional or a list.
    if (column_.max_repetition_level > 0) {
      RETURN_IF_ERROR(rep_levels_
                          .InitV1(d.repetition_level_encoding, &data, column_.max_repetition_level,
                                  static_cast<size_t>(num_values))
                          .WithContext("repetition levels"));
    }
    if (column_.max_definition_level > 0) {
      RETURN_IF_ERROR(def_levels_
                          .InitV1(d.definition_level_encoding, &data, column_.max_definition_level,
                                  static_cast<size_t>(num_values))
                          .WithContext("definition levels"));
    }
    values = data;
  } else {
    if (!h.data_page_header_v2) return Status::Corruption("data page v2 without its header");
    const DataPageHeaderV2& d = *h.data_page_header_v2;
    num_values = d.num_values;
    encoding = d.encoding;
    if (num_values < 0) return Status::Corruption(fmt::format("page of {} values", num_values));
    if (!column_.is_list() && num_values > rows_left_) {
      return Status::Corruption(
          fmt::format("page holds {} values but only {} rows remain", num_values, rows_left_));
    }
    int64_t rep = d.repetition_levels_byte_length, def = d.definition_levels_byte_length;
    if (rep < 0 || def < 0 || rep + def > static_cast<int64_t>(page.size()) ||
        rep + def > h.uncompressed_page_size) {
      return Status::Corruption(
          fmt::format("level lengths {} + {} exceed the page's {} bytes", rep, def, page.size()));
    }
    if (num_values == 0) {
      page_values_left_ = 0;
      return Status::OK();
    }
    // v2 levels are never compressed; they precede the (maybe compressed) values.
    levels = page.substr(rep, def);
    std::string_view compressed = page.substr(rep + def);
    size_t values_size = static_cast<size_t>(h.uncompressed_page_size - rep - def);
    if (values_size == 0) {
      values = {};  // an empty value section is never decompressed
    } else if (d.is_compressed && codec_ != Codec::kUncompressed) {
      auto buffer = std::make_shared<std::string>();
      RETURN_IF_ERROR(Decompress(codec_, compressed, values_size, buffer.get()));
      values = *buffer;
      page_buffer_ = std::move(buffer);
    } else {
      values = compressed;
    }
    if (column_.max_repetition_level > 0) {
      rep_levels_.InitV2(page.substr(0, rep), column_.max_repetition_level);
    }
    if (column_.max_definition_level > 0) def_levels_.InitV2(levels, column_.max_definition_level);
  }
  page_values_left_ = static_cast<uint64_t>(num_values);
  return StartValues(encoding, values);
}

Status ColumnChunkReader::StartValues(Encoding encoding, std::string_view values) {
  encoding_ = encoding;
  values_ = values;
  values_pos_ = 0;
  PhysicalType pt = column_.physical_type;
  auto unsupported = [&] {
    return Status::NotSupported(
        fmt::format("encoding {} for a {} column", EncodingName(encoding), PhysicalTypeName(pt)));
  };
  switch (encoding) {
    case Encoding::kPlain:
      if (pt == PhysicalType::kBoolean) plain_bools_ = BitReader(values);
      return Status::OK();
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary: {
      if (!has_dictionary_)
        return Status::Corruption("dictionary-encoded page without a dictionary");
      if (values.empty())
        return Status::Corruption("dictionary-encoded page without index bit width");
      int width = static_cast<uint8_t>(values[0]);
      if (width > 32)
        return Status::Corruption(fmt::format("dictionary index bit width {}", width));
      indices_ = RleBitPackedDecoder(values.substr(1), width);
      return Status::OK();
    }
    case Encoding::kRle: {
      if (pt != PhysicalType::kBoolean) return unsupported();
      if (values.size() < 4) return Status::Corruption("RLE boolean length truncated");
      uint32_t len = Load<uint32_t>(values.data());
      if (len > values.size() - 4) {
        return Status::Corruption(fmt::format("RLE booleans of {} bytes exceed the page's {} bytes",
                                              len, values.size() - 4));
      }
      indices_ = RleBitPackedDecoder(values.substr(4, len), 1);
      return Status::OK();
    }
    case Encoding::kDeltaBinaryPacked:
      if (pt != PhysicalType::kInt32 && pt != PhysicalType::kInt64) return unsupported();
      return delta_ints_.Init(values, pt == PhysicalType::kInt32);
    case Encoding::kDeltaLengthByteArray:
      if (pt != PhysicalType::kByteArray) return unsupported();
      return delta_lengths_.Init(values);
    case Encoding::kDeltaByteArray:
      if (pt != PhysicalType::kByteArray && pt != PhysicalType::kFixedLenByteArray) {
        return unsupported();
      }
      return delta_bytes_.Init(values);
    case Encoding::kByteStreamSplit: {
      size_t width = FixedWidth(column_);
      if (width == 0 || pt == PhysicalType::kInt96) return unsupported();
      if (values.size() % width != 0) {
        return Status::Corruption(fmt::format(
            "BYTE_STREAM_SPLIT data of {} bytes is not a multiple of {}", values.size(), width));
      }
      split_count_ = values.size() / width;
      split_next_ = 0;
      return Status::OK();
    }
    default:
      return unsupported();
  }
}

Status ColumnChunkReader::DecodeValues(size_t m) {
  PhysicalType pt = column_.physical_type;
  if (IsIntClass(pt)) {
    phys_ints_.resize(m);
  } else if (IsDoubleClass(pt)) {
    phys_doubles_.resize(m);
  } else {
    phys_strings_.resize(m);
  }
  if (m == 0) return Status::OK();
  size_t width = FixedWidth(column_);
  switch (encoding_) {
    case Encoding::kPlain: {
      if (pt == PhysicalType::kBoolean) {
        if (plain_bools_.BitsLeft() < m) return Status::Corruption("PLAIN booleans truncated");
        for (size_t i = 0; i < m; ++i) phys_ints_[i] = static_cast<int64_t>(plain_bools_.Get(1));
        return Status::OK();
      }
      if (pt == PhysicalType::kByteArray) {
        for (size_t i = 0; i < m; ++i) {
          if (values_.size() - values_pos_ < 4) {
            return Status::Corruption(
                fmt::format("PLAIN byte array length truncated at value byte {}", values_pos_));
          }
          uint32_t len = Load<uint32_t>(values_.data() + values_pos_);
          values_pos_ += 4;
          if (len > values_.size() - values_pos_) {
            return Status::Corruption(fmt::format(
                "PLAIN byte array of {} bytes at value byte {} exceeds the {} bytes left", len,
                values_pos_, values_.size() - values_pos_));
          }
          phys_strings_[i] = values_.substr(values_pos_, len);
          values_pos_ += len;
        }
        return Status::OK();
      }
      if (m * width > values_.size() - values_pos_) {
        return Status::Corruption(
            fmt::format("PLAIN values truncated: {} values of {} bytes wanted, {} bytes left", m,
                        width, values_.size() - values_pos_));
      }
      const char* p = values_.data() + values_pos_;
      values_pos_ += m * width;
      switch (pt) {
        case PhysicalType::kInt32:
          for (size_t i = 0; i < m; ++i) phys_ints_[i] = Load<int32_t>(p + 4 * i);
          break;
        case PhysicalType::kInt64:
          for (size_t i = 0; i < m; ++i) phys_ints_[i] = Load<int64_t>(p + 8 * i);
          break;
        case PhysicalType::kFloat:
          for (size_t i = 0; i < m; ++i) phys_doubles_[i] = Load<float>(p + 4 * i);
          break;
        case PhysicalType::kDouble:
          for (size_t i = 0; i < m; ++i) phys_doubles_[i] = Load<double>(p + 8 * i);
          break;
        default:
          for (size_t i = 0; i < m; ++i) phys_strings_[i] = std::string_view(p + width * i, width);
          break;
      }
      return Status::OK();
    }
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary: {
      index_scratch_.resize(m);
      RETURN_IF_ERROR(indices_.Get(index_scratch_.data(), m));
      size_t dict_size = IsIntClass(pt)      ? dict_ints_.size()
                         : IsDoubleClass(pt) ? dict_doubles_.size()
                                             : dict_strings_.size();
      for (size_t i = 0; i < m; ++i) {
        uint32_t idx = index_scratch_[i];
        if (idx >= dict_size) {
          return Status::Corruption(fmt::format(
              "dictionary index {} out of range (the dictionary has {} entries)", idx, dict_size));
        }
        if (IsIntClass(pt)) {
          phys_ints_[i] = dict_ints_[idx];
        } else if (IsDoubleClass(pt)) {
          phys_doubles_[i] = dict_doubles_[idx];
        } else {
          phys_strings_[i] = dict_strings_[idx];
        }
      }
      return Status::OK();
    }
    case Encoding::kRle: {
      index_scratch_.resize(m);
      RETURN_IF_ERROR(indices_.Get(index_scratch_.data(), m));
      for (size_t i = 0; i < m; ++i) phys_ints_[i] = index_scratch_[i] & 1;
      return Status::OK();
    }
    case Encoding::kDeltaBinaryPacked:
      return delta_ints_.Get(phys_ints_.data(), m);
    case Encoding::kDeltaLengthByteArray:
      return delta_lengths_.Get(phys_strings_.data(), m);
    case Encoding::kDeltaByteArray:
      RETURN_IF_ERROR(delta_bytes_.Get(phys_strings_.data(), m, *arena_));
      if (pt == PhysicalType::kFixedLenByteArray) {
        for (size_t i = 0; i < m; ++i) {
          if (phys_strings_[i].size() != width) {
            return Status::Corruption(
                fmt::format("DELTA_BYTE_ARRAY value of {} bytes in a column of {}",
                            phys_strings_[i].size(), width));
          }
        }
      }
      return Status::OK();
    case Encoding::kByteStreamSplit: {
      if (m > split_count_ - split_next_) {
        return Status::Corruption(fmt::format("BYTE_STREAM_SPLIT holds {} values, {} wanted",
                                              split_count_, split_next_ + m));
      }
      char buf[16];
      std::string tmp;
      for (size_t i = 0; i < m; ++i, ++split_next_) {
        switch (pt) {
          case PhysicalType::kInt32:
            GatherByteStreamSplit(values_, 4, split_next_, buf);
            phys_ints_[i] = Load<int32_t>(buf);
            break;
          case PhysicalType::kInt64:
            GatherByteStreamSplit(values_, 8, split_next_, buf);
            phys_ints_[i] = Load<int64_t>(buf);
            break;
          case PhysicalType::kFloat:
            GatherByteStreamSplit(values_, 4, split_next_, buf);
            phys_doubles_[i] = Load<float>(buf);
            break;
          case PhysicalType::kDouble:
            GatherByteStreamSplit(values_, 8, split_next_, buf);
            phys_doubles_[i] = Load<double>(buf);
            break;
          default:
            tmp.resize(width);
            GatherByteStreamSplit(values_, width, split_next_, tmp.data());
            phys_strings_[i] = arena_->Append(tmp);
            break;
        }
      }
      return Status::OK();
    }
    default:
      return Status::NotSupported(fmt::format("encoding {}", EncodingName(encoding_)));
  }
}

void ColumnChunkReader::ConvertInto(size_t src, size_t row, ColumnBatch* out) {
  switch (column_.conversion) {
    case Conversion::kBool:
      out->types[row] = ValueType::kBool;
      out->ints[row] = phys_ints_[src];
      return;
    case Conversion::kInt:
      out->types[row] = ValueType::kInt64;
      out->ints[row] = phys_ints_[src];
      return;
    case Conversion::kUint32:
      out->types[row] = ValueType::kInt64;
      out->ints[row] = static_cast<uint32_t>(phys_ints_[src]);
      return;
    case Conversion::kUint64:
      if (phys_ints_[src] < 0) {
        out->types[row] = ValueType::kDouble;
        out->doubles[row] = static_cast<double>(static_cast<uint64_t>(phys_ints_[src]));
      } else {
        out->types[row] = ValueType::kInt64;
        out->ints[row] = phys_ints_[src];
      }
      return;
    case Conversion::kFloat:
      out->types[row] = ValueType::kDouble;
      out->doubles[row] = phys_doubles_[src];
      return;
    case Conversion::kFloat16:
      out->types[row] = ValueType::kDouble;
      out->doubles[row] =
          HalfToDouble(static_cast<uint16_t>(static_cast<uint8_t>(phys_strings_[src][0]) |
                                             (static_cast<uint8_t>(phys_strings_[src][1]) << 8)));
      return;
    case Conversion::kBytes:
      out->types[row] = ValueType::kString;
      out->strings[row] = phys_strings_[src];
      return;
    case Conversion::kDecimal:
      out->types[row] = ValueType::kDouble;
      out->doubles[row] = IsIntClass(column_.physical_type)
                              ? ScaleInt128(phys_ints_[src], column_.scale)
                              : DecimalBytesToDouble(phys_strings_[src], column_.scale);
      return;
    case Conversion::kDate:
      out->types[row] = ValueType::kString;
      out->strings[row] = arena_->Append(FormatDate(phys_ints_[src]));
      return;
    case Conversion::kTimestamp:
    case Conversion::kTime:
      out->types[row] = ValueType::kInt64;
      out->ints[row] = ToMicros(phys_ints_[src], column_.unit);
      return;
    case Conversion::kInt96: {
      std::string_view b = phys_strings_[src];
      int64_t nanos = Load<int64_t>(b.data());
      int64_t julian = Load<int32_t>(b.data() + 8);
      out->types[row] = ValueType::kInt64;
      out->ints[row] = WrapAdd(WrapMul(julian - 2440588, 86400000000LL), FloorDiv(nanos, 1000));
      return;
    }
    case Conversion::kNull:
      return;
  }
}

Status ColumnChunkReader::Read(size_t n, ColumnBatch* out) {
  if (static_cast<int64_t>(n) > rows_left_) {
    return PageError(fmt::format("{} rows wanted but the row group has {} left", n, rows_left_));
  }
  if (column_.is_list()) return ReadLists(n, out);
  // Only the vector the column's values go to is sized (kUint64 may need
  // both ints and doubles): a kept batch holds no unused storage.
  const Conversion conversion = column_.conversion;
  const bool to_ints = conversion == Conversion::kBool || conversion == Conversion::kInt ||
                       conversion == Conversion::kUint32 || conversion == Conversion::kUint64 ||
                       conversion == Conversion::kTimestamp || conversion == Conversion::kTime ||
                       conversion == Conversion::kInt96;
  const bool to_doubles = conversion == Conversion::kUint64 || conversion == Conversion::kFloat ||
                          conversion == Conversion::kFloat16 || conversion == Conversion::kDecimal;
  const bool to_strings = conversion == Conversion::kBytes || conversion == Conversion::kDate;
  out->types.assign(n, ValueType::kNull);
  out->ints.resize(to_ints ? n : 0);
  out->doubles.resize(to_doubles ? n : 0);
  out->strings.resize(to_strings ? n : 0);
  out->pins.clear();
  out->pinned_bytes = 0;
  arena_ = std::make_shared<ByteArena>();
  // Strings view the pages they were decoded from (kBytes), the dictionary
  // or the arena: those are pinned, and only those.
  const bool views_pages = conversion == Conversion::kBytes;
  auto pin_page = [&] {
    if (!views_pages) return;
    if (page_buffer_) {
      out->pins.push_back(page_buffer_);
      if (!page_counted_) out->pinned_bytes += page_buffer_->size();
    } else if (!chunk_pinned_by_batch_) {
      out->pins.push_back(chunk_);  // the page's values live in the chunk
      chunk_pinned_by_batch_ = true;
      if (!chunk_counted_) out->pinned_bytes += chunk_->size();
      chunk_counted_ = true;
    }
    page_counted_ = true;
  };
  chunk_pinned_by_batch_ = false;
  if (page_values_left_ > 0) pin_page();
  bool dictionary_pinned = false;
  size_t filled = 0;
  while (filled < n) {
    if (page_values_left_ == 0) {
      RETURN_IF_ERROR(NextPage());
      page_counted_ = false;
      pin_page();
      continue;
    }
    if (!dictionary_pinned && dictionary_page_ && views_pages) {
      out->pins.push_back(dictionary_page_);
      if (!dictionary_counted_) out->pinned_bytes += dictionary_page_->size();
      dictionary_counted_ = true;
      dictionary_pinned = true;
    }
    size_t k = std::min<uint64_t>(n - filled, page_values_left_);
    size_t m = k;
    if (column_.max_definition_level > 0) {
      levels_.resize(k);
      RETURN_IF_ERROR(
          WithPageContext(def_levels_.Get(levels_.data(), k).WithContext("definition levels")));
      // A value is present when every level of its path is defined (a
      // nested leaf has more than one).
      const uint32_t max_def = static_cast<uint32_t>(column_.max_definition_level);
      m = 0;
      for (size_t i = 0; i < k; ++i) {
        if (levels_[i] > max_def) {
          return PageError(
              fmt::format("definition level {} above the maximum {}", levels_[i], max_def));
        }
        levels_[i] = levels_[i] == max_def ? 1 : 0;
        m += levels_[i];
      }
    }
    RETURN_IF_ERROR(WithPageContext(DecodeValues(m)));
    if (column_.max_definition_level == 0) {
      for (size_t i = 0; i < k; ++i) ConvertInto(i, filled + i, out);
    } else {
      size_t j = 0;
      for (size_t i = 0; i < k; ++i) {
        if (levels_[i]) ConvertInto(j++, filled + i, out);
      }
    }
    page_values_left_ -= k;
    filled += k;
    rows_left_ -= static_cast<int64_t>(k);
  }
  if (arena_->total() > 0) {
    out->pins.push_back(arena_);
    out->pinned_bytes += arena_->total();
  }
  return Status::OK();
}

Status ColumnChunkReader::RefillListLevels() {
  if (page_values_left_ == 0) RETURN_IF_ERROR(NextPage());
  size_t k = static_cast<size_t>(std::min<uint64_t>(page_values_left_, 4096));
  list_reps_.resize(k);
  list_defs_.resize(k);
  RETURN_IF_ERROR(
      WithPageContext(rep_levels_.Get(list_reps_.data(), k).WithContext("repetition levels")));
  RETURN_IF_ERROR(
      WithPageContext(def_levels_.Get(list_defs_.data(), k).WithContext("definition levels")));
  const uint32_t max_def = static_cast<uint32_t>(column_.max_definition_level);
  size_t m = 0;
  for (size_t i = 0; i < k; ++i) {
    if (list_reps_[i] > 1) {
      return PageError(fmt::format("repetition level {} above the maximum 1", list_reps_[i]));
    }
    if (list_defs_[i] > max_def) {
      return PageError(
          fmt::format("definition level {} above the maximum {}", list_defs_[i], max_def));
    }
    m += list_defs_[i] == max_def;
  }
  RETURN_IF_ERROR(WithPageContext(DecodeValues(m)));
  ColumnBatch& scratch = element_scratch_;
  scratch.types.assign(m, ValueType::kNull);
  scratch.ints.resize(m);
  scratch.doubles.resize(m);
  scratch.strings.resize(m);
  element_texts_.resize(m);
  element_present_.assign(m, 1);
  for (size_t i = 0; i < m; ++i) {
    ConvertInto(i, i, &scratch);
    switch (scratch.types[i]) {
      case ValueType::kString:
        element_texts_[i].assign(scratch.strings[i]);
        break;
      case ValueType::kBool:
        element_texts_[i] = ValueToText(Value::Bool(scratch.ints[i] != 0));
        break;
      case ValueType::kInt64:
        element_texts_[i] = ValueToText(Value::Int64(scratch.ints[i]));
        break;
      case ValueType::kDouble:
        element_texts_[i] = ValueToText(Value::Double(scratch.doubles[i]));
        break;
      default:
        element_present_[i] = 0;  // a NULL-typed element
        break;
    }
  }
  page_values_left_ -= k;
  list_level_pos_ = 0;
  element_pos_ = 0;
  return Status::OK();
}

Status ColumnChunkReader::ReadLists(size_t n, ColumnBatch* out) {
  out->types.assign(n, ValueType::kNull);
  out->lists.resize(n);
  out->pins.clear();  // list elements are copied out of the pages
  arena_ = std::make_shared<ByteArena>();
  const uint32_t list_def = static_cast<uint32_t>(column_.list_definition_level);
  const uint32_t element_def = static_cast<uint32_t>(column_.element_definition_level);
  const uint32_t max_def = static_cast<uint32_t>(column_.max_definition_level);
  // A row ends at the next row's first level (repetition 0) or at the end
  // of the chunk, so a row opened in this call always ends in it.
  size_t done = 0;
  bool open = false;
  uint64_t batch_bytes = 0;
  while (done < n) {
    if (list_level_pos_ == list_reps_.size()) {
      if (page_values_left_ == 0 && pos_ >= chunk_->size()) {
        if (open) {
          open = false;
          ++done;
          continue;
        }
        return PageError(fmt::format("column chunk ends with {} rows still to read", rows_left_));
      }
      RETURN_IF_ERROR(RefillListLevels());
      continue;
    }
    uint32_t rep = list_reps_[list_level_pos_];
    uint32_t def = list_defs_[list_level_pos_];
    if (rep == 0) {
      if (open) {
        open = false;
        ++done;
        continue;
      }
      if (rows_left_ == 0) return PageError("the chunk holds more rows than its row group");
      --rows_left_;
      open = true;
      out->lists[done].clear();
      if (def >= list_def) out->types[done] = ValueType::kStringList;
    } else if (!open || (def < element_def)) {
      return PageError(fmt::format("repetition level 1 with definition level {} {}", def,
                                   open ? "continues an empty or null list" : "starts a row"));
    }
    if (def >= element_def) {
      if (out->types[done] != ValueType::kStringList) {
        return PageError("a list element in a null list");
      }
      if (def == max_def) {
        if (element_present_[element_pos_]) {
          batch_bytes += sizeof(std::string) + element_texts_[element_pos_].size();
          if (batch_bytes > options_.max_list_batch_bytes) {
            return WithPageContext(Status::NotSupported(
                fmt::format("the list elements of {} rows take more than {} bytes", done + 1,
                            options_.max_list_batch_bytes)));
          }
          out->lists[done].push_back(std::move(element_texts_[element_pos_]));
        }
        ++element_pos_;
      }
    }
    ++list_level_pos_;
  }
  return Status::OK();
}

}  // namespace freshet::parquet
