#include "metastore/database_url.h"

#include <cctype>
#include <optional>

#include "common/crash_point.h"

namespace freshet {
namespace {

constexpr std::string_view kRedacted = "***";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Redacts the values of "password=" parameters in a query string
// ("a=1&password=x&b=2").
std::string RedactQuery(std::string_view query) {
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    size_t end = amp == std::string_view::npos ? query.size() : amp;
    std::string_view param = query.substr(start, end - start);
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && EqualsIgnoreCase(param.substr(0, eq), "password")) {
      out.append(param.substr(0, eq + 1));
      out.append(kRedacted);
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    start = amp + 1;
  }
  return out;
}

// Where the user info's password lies in `url`: [begin, end), or nullopt.
// The query starts at the first '?' after the scheme; the user info ends at
// the last '@' before it, since a password may hold '/' or '@' unescaped.
struct PasswordRange {
  size_t begin;
  size_t end;
};

std::optional<PasswordRange> FindUserInfoPassword(std::string_view url) {
  size_t authority = url.find("://");
  if (authority == std::string_view::npos) return std::nullopt;
  authority += 3;
  std::string_view before_query = url.substr(0, url.find('?', authority));
  size_t at = before_query.rfind('@');
  if (at == std::string_view::npos || at < authority) return std::nullopt;
  size_t colon = before_query.substr(0, at).find(':', authority);
  if (colon == std::string_view::npos) return std::nullopt;
  return PasswordRange{colon + 1, at};
}

}  // namespace

std::string UrlScheme(std::string_view url) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return "";
  std::string scheme;
  for (char c : url.substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return "";
    }
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return scheme;
}

std::string RedactUrl(std::string_view url) {
  if (SafeguardDisabled("secret_redaction")) return std::string(url);
  std::string out;
  size_t rest = 0;
  if (auto password = FindUserInfoPassword(url)) {
    out.append(url.substr(0, password->begin));
    out.append(kRedacted);
    rest = password->end;
  }
  size_t authority = url.find("://");
  size_t question =
      authority == std::string_view::npos ? std::string_view::npos : url.find('?', authority + 3);
  if (question == std::string_view::npos) {
    out.append(url.substr(rest));
  } else {
    out.append(url.substr(rest, question + 1 - rest));
    out.append(RedactQuery(url.substr(question + 1)));
  }
  return out;
}

std::string_view UrlUserInfoPassword(std::string_view url) {
  auto password = FindUserInfoPassword(url);
  if (!password) return {};
  return url.substr(password->begin, password->end - password->begin);
}

}  // namespace freshet
