#include "pipeline/lease_holder.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace freshet {
namespace {

std::string HostName() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) return "";
  return host;
}

}  // namespace

std::string DefaultLeaseHolder() { return fmt::format("{}:{}", HostName(), getpid()); }

bool LocalHolderIsGone(std::string_view holder) {
  const size_t colon = holder.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string host = HostName();
  if (host.empty() || holder.substr(0, colon) != host) return false;
  std::string_view digits = holder.substr(colon + 1);
  pid_t pid = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) return false;
  // 0 and negative numbers name process groups, never one process.
  if (pid <= 0 || pid == getpid()) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace freshet
