#include "serve/http_address.h"

#include <fmt/format.h>

#include <charconv>

namespace freshet {

Result<HttpAddress> ParseHttpAddress(std::string_view text) {
  HttpAddress out;
  auto bad = [&] {
    return Status::InvalidArgument(
        fmt::format("address '{}': expected HOST:PORT, :PORT or PORT (port 0 to 65535)", text));
  };
  std::string_view port = text;
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (!host.empty()) out.host = std::string(host);
    port = text.substr(colon + 1);
  }
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || out.port < 0 ||
      out.port > 65535) {
    return bad();
  }
  return out;
}

}  // namespace freshet
