// "HOST:PORT" listening addresses of the HTTP endpoints (serve, run's metrics).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace freshet {

struct HttpAddress {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
};

// "HOST:PORT", ":PORT" (loopback) or "PORT" (loopback). InvalidArgument naming
// `text` otherwise. IPv6 hosts in brackets: "[::1]:8080".
Result<HttpAddress> ParseHttpAddress(std::string_view text);

}  // namespace freshet
