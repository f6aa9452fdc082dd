#include "storage/s3_xml.h"

#include <fmt/format.h>

#include <charconv>

#include "storage/s3_signing.h"

namespace freshet {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x110000) {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string DecodeEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += text[i];
      continue;
    }
    std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out += '&';
    } else if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::string_view digits = entity.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (ec != std::errc() || end != digits.data() + digits.size()) {
        out += text[i];
        continue;
      }
      AppendUtf8(cp, &out);
    } else {
      out += text[i];
      continue;
    }
    i = semi;
  }
  return out;
}

// Finds the next element `name` at or after `from`. On success sets the
// range of its inner XML and the position after it.
bool FindElement(std::string_view xml, std::string_view name, size_t from, size_t* inner_begin,
                 size_t* inner_end, size_t* after) {
  std::string open = "<" + std::string(name);
  size_t pos = from;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    size_t next = pos + open.size();
    if (next >= xml.size()) return false;
    char c = xml[next];
    if (c != '>' && c != ' ' && c != '/' && c != '\t' && c != '\n' && c != '\r') {
      pos = next;  // a longer name, e.g. <KeyCount> when looking for <Key>
      continue;
    }
    size_t gt = xml.find('>', next);
    if (gt == std::string_view::npos) return false;
    if (xml[gt - 1] == '/') {  // <name/>
      *inner_begin = *inner_end = gt + 1;
      *after = gt + 1;
      return true;
    }
    std::string close = "</" + std::string(name) + ">";
    size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) return false;
    *inner_begin = gt + 1;
    *inner_end = end;
    *after = end + close.size();
    return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> XmlElementText(std::string_view xml, std::string_view name) {
  size_t b, e, after;
  if (!FindElement(xml, name, 0, &b, &e, &after)) return std::nullopt;
  return DecodeEntities(xml.substr(b, e - b));
}

std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> out;
  size_t pos = 0, b, e, after;
  while (FindElement(xml, name, pos, &b, &e, &after)) {
    out.push_back(xml.substr(b, e - b));
    pos = after;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Result<S3ListPage> ParseListObjectsV2(std::string_view xml, bool url_encoded) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return Status::Corruption("ListObjectsV2 response is not a ListBucketResult document");
  }
  S3ListPage page;
  // The page's own fields come after or before the entries; read them from
  // the document with the entries cut out, so that no entry can shadow them.
  std::string outer;
  size_t pos = 0, b, e, after;
  while (FindElement(xml, "Contents", pos, &b, &e, &after)) {
    std::string_view entry = xml.substr(b, e - b);
    std::optional<std::string> key = XmlElementText(entry, "Key");
    std::optional<std::string> size = XmlElementText(entry, "Size");
    if (!key || !size) {
      return Status::Corruption("ListObjectsV2 response has an entry without Key or Size");
    }
    S3ListEntry item;
    item.key = url_encoded ? UriDecode(*key, true) : *key;
    auto [end, ec] = std::from_chars(size->data(), size->data() + size->size(), item.size);
    if (ec != std::errc() || end != size->data() + size->size()) {
      return Status::Corruption(
          fmt::format("ListObjectsV2 response: entry '{}' has a bad Size '{}'", item.key, *size));
    }
    std::string etag = XmlElementText(entry, "ETag").value_or("");
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    item.etag = std::move(etag);
    page.entries.push_back(std::move(item));
    // Keep the text before this entry, so that page fields remain findable.
    outer.append(xml.substr(pos, b - pos));
    pos = after;
  }
  outer.append(xml.substr(pos));
  page.truncated = XmlElementText(outer, "IsTruncated").value_or("false") == "true";
  page.next_continuation_token = XmlElementText(outer, "NextContinuationToken").value_or("");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Status::Corruption(
        "ListObjectsV2 response is truncated but has no NextContinuationToken");
  }
  return page;
}

S3Error ParseS3Error(std::string_view xml) {
  S3Error error;
  std::vector<std::string_view> errors = XmlElements(xml, "Error");
  if (errors.empty()) return error;
  error.code = XmlElementText(errors.front(), "Code").value_or("");
  error.message = XmlElementText(errors.front(), "Message").value_or("");
  return error;
}

std::string CompleteMultipartUploadXml(const std::vector<std::string>& etags) {
  std::string out = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    out += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", i + 1,
                       XmlEscape(etags[i]));
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

}  // namespace freshet
