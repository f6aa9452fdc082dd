#include "index/supersession_object.h"

#include <fmt/format.h>

#include <bit>

#include "common/coding.h"
#include "common/hash.h"
#include "index/manifest.h"

namespace freshet {
namespace {

constexpr std::string_view kMagic = "FSUP";
constexpr std::string_view kSuffix = ".sup";
constexpr std::string_view kSegmentSuffix = ".seg";

// The content hash of a segment key "segments/<hash>.seg": lowercase hex.
std::optional<std::string_view> SegmentHash(std::string_view key) {
  if (!key.starts_with(kSegmentsPrefix) || !key.ends_with(kSegmentSuffix)) return std::nullopt;
  key.remove_prefix(kSegmentsPrefix.size());
  key.remove_suffix(kSegmentSuffix.size());
  if (key.empty()) return std::nullopt;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return key;
}

}  // namespace

std::optional<std::string> SupersessionKey(std::string_view upper, std::string_view lower) {
  auto u = SegmentHash(upper), l = SegmentHash(lower);
  if (!u || !l) return std::nullopt;
  return fmt::format("{}r{}/{}-{}{}", kSupersessionsPrefix, kSupersessionRevision, *u, *l, kSuffix);
}

std::optional<std::pair<std::string, std::string>> SegmentsOfSupersessionKey(std::string_view key) {
  if (!key.starts_with(kSupersessionsPrefix) || !key.ends_with(kSuffix)) return std::nullopt;
  key.remove_prefix(kSupersessionsPrefix.size());
  key.remove_suffix(kSuffix.size());
  // "r<revision>/", any revision.
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos || slash < 2 || key[0] != 'r') return std::nullopt;
  for (char c : key.substr(1, slash - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  key.remove_prefix(slash + 1);
  const size_t dash = key.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto segment = [](std::string_view hash) {
    return fmt::format("{}{}{}", kSegmentsPrefix, hash, kSegmentSuffix);
  };
  std::pair<std::string, std::string> out{segment(key.substr(0, dash)),
                                          segment(key.substr(dash + 1))};
  if (!SegmentHash(out.first) || !SegmentHash(out.second)) return std::nullopt;
  return out;
}

std::string EncodeSupersession(const SupersessionObject& object) {
  std::string out(kMagic);
  PutVarint(&out, kSupersessionFormatVersion);
  PutLengthPrefixed(&out, object.upper);
  PutLengthPrefixed(&out, object.lower);
  PutVarint(&out, object.lower_docs);
  PutVarint(&out, object.lower_groups);
  PutVarint(&out, object.upper_groups);
  const Supersession& s = object.supersession;
  PutVarint(&out, s.groups.size());
  uint32_t previous = 0;
  for (const auto& [lower, upper] : s.groups) {
    PutVarint(&out, lower - previous);
    PutVarint(&out, upper);
    previous = lower;
  }
  std::string gaps;
  PutVarint(&gaps, s.docs.size());
  for (size_t i = 0; i < s.docs.size(); ++i) {
    PutVarint(&gaps, i == 0 ? s.docs[0] : s.docs[i] - s.docs[i - 1] - 1);
  }
  const size_t bitmap_bytes = (static_cast<size_t>(object.lower_docs) + 7) / 8;
  if (bitmap_bytes < gaps.size()) {
    out.push_back(1);
    std::string bits(bitmap_bytes, '\0');
    for (uint32_t d : s.docs) bits[d / 8] = static_cast<char>(bits[d / 8] | (1u << (d % 8)));
    out += bits;
  } else {
    out.push_back(0);
    out += gaps;
  }
  PutFixed64(&out, Hash64(out));
  return out;
}

Result<SupersessionObject> DecodeSupersession(std::string_view key, std::string_view bytes) {
  auto bad = [&](size_t offset, std::string_view what) {
    return Status::Corruption(
        fmt::format("supersession object '{}': {} at offset {}", key, what, offset));
  };
  if (bytes.size() < kMagic.size() + 8 || !bytes.starts_with(kMagic)) {
    return bad(0, "not a supersession object (no FSUP header, or shorter than one)");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  const uint64_t stored = DecodeFixed64(bytes.data() + body.size());
  if (const uint64_t actual = Hash64(body); actual != stored) {
    return bad(body.size(), fmt::format("checksum mismatch (stored {}, computed {})", Hex64(stored),
                                        Hex64(actual)));
  }
  Cursor c(body.substr(kMagic.size()));
  auto at = [&] { return kMagic.size() + c.position(); };
  uint64_t format = 0;
  if (!c.GetVarint(&format)) return bad(at(), "truncated format number");
  if (format != kSupersessionFormatVersion) {
    return Status::NotSupported(fmt::format(
        "supersession object '{}': format {} at offset {} is not one this freshet reads (1)", key,
        format, kMagic.size()));
  }
  SupersessionObject o;
  std::string_view upper, lower;
  if (!c.GetLengthPrefixed(&upper)) return bad(at(), "truncated upper segment key");
  if (!c.GetLengthPrefixed(&lower)) return bad(at(), "truncated lower segment key");
  o.upper = std::string(upper);
  o.lower = std::string(lower);
  auto get32 = [&](uint32_t* v, std::string_view what) -> Status {
    uint64_t x = 0;
    const size_t offset = at();
    if (!c.GetVarint(&x)) return bad(offset, fmt::format("truncated {}", what));
    if (x > UINT32_MAX) return bad(offset, fmt::format("{} {} out of range", what, x));
    *v = static_cast<uint32_t>(x);
    return Status::OK();
  };
  RETURN_IF_ERROR(get32(&o.lower_docs, "lower doc count"));
  RETURN_IF_ERROR(get32(&o.lower_groups, "lower group count"));
  RETURN_IF_ERROR(get32(&o.upper_groups, "upper group count"));
  uint32_t pairs = 0;
  RETURN_IF_ERROR(get32(&pairs, "group pair count"));
  // Each pair takes two bytes at least: a count beyond the bytes left is
  // refused before anything is allocated for it.
  if (pairs > c.remaining() / 2)
    return bad(at(), fmt::format("group pair count {} too large", pairs));
  Supersession& s = o.supersession;
  s.groups.reserve(pairs);
  uint64_t lower_group = 0;
  for (uint32_t i = 0; i < pairs; ++i) {
    uint32_t gap = 0, upper_group = 0;
    const size_t offset = at();
    RETURN_IF_ERROR(get32(&gap, "lower group"));
    RETURN_IF_ERROR(get32(&upper_group, "upper group"));
    lower_group += gap;
    if (lower_group >= o.lower_groups || upper_group >= o.upper_groups) {
      return bad(offset, fmt::format("group pair ({}, {}) out of range ({} lower, {} upper groups)",
                                     lower_group, upper_group, o.lower_groups, o.upper_groups));
    }
    // Both group tables are sorted by key, each key once: the pairs rise in
    // both groups.
    if (i > 0 && (gap == 0 || upper_group <= s.groups.back().second)) {
      return bad(offset, fmt::format("group pair ({}, {}) not after ({}, {})", lower_group,
                                     upper_group, s.groups.back().first, s.groups.back().second));
    }
    s.groups.emplace_back(static_cast<uint32_t>(lower_group), upper_group);
  }
  uint8_t encoding = 0;
  if (!c.GetByte(&encoding)) return bad(at(), "truncated doc encoding");
  if (encoding == 0) {
    uint32_t count = 0;
    RETURN_IF_ERROR(get32(&count, "doc count"));
    if (count > c.remaining() || count > o.lower_docs) {
      return bad(at(), fmt::format("doc count {} too large", count));
    }
    s.docs.reserve(count);
    uint64_t doc = 0;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t gap = 0;
      const size_t offset = at();
      RETURN_IF_ERROR(get32(&gap, "doc ordinal"));
      doc = i == 0 ? gap : doc + gap + 1;
      if (doc >= o.lower_docs) {
        return bad(offset, fmt::format("doc ordinal {} out of range ({} docs)", doc, o.lower_docs));
      }
      s.docs.push_back(static_cast<uint32_t>(doc));
    }
  } else if (encoding == 1) {
    const size_t n = (static_cast<size_t>(o.lower_docs) + 7) / 8;
    std::string_view bits;
    if (!c.GetBytes(n, &bits)) return bad(at(), "truncated doc bitmap");
    for (size_t i = 0; i < n; ++i) {
      for (uint8_t b = static_cast<uint8_t>(bits[i]); b; b &= b - 1) {
        const size_t d = i * 8 + static_cast<size_t>(std::countr_zero(b));
        if (d >= o.lower_docs) {
          return bad(at() - n + i,
                     fmt::format("doc bit {} out of range ({} docs)", d, o.lower_docs));
        }
        s.docs.push_back(static_cast<uint32_t>(d));
      }
    }
  } else {
    return bad(at() - 1, fmt::format("unknown doc encoding {}", encoding));
  }
  if (!c.done()) return bad(at(), "bytes after the docs");
  return o;
}

}  // namespace freshet
