// serve_load_client: an open-loop HTTP/1.1 load generator for
// bench/serve_latency_bench.py.
//
//   serve_load_client --port P --rate R [--connections C] [--host 127.0.0.1] < paths
//
// Reads one request path per line from stdin; request i is scheduled at
// start + i / R and sent as `GET path` on the first of C keep-alive
// connections (one thread each, TCP_NODELAY) that is free. Its latency is
// measured from that scheduled time, not from the moment it could be sent,
// so a server that falls behind is charged for the queue it causes
// (coordinated omission avoided). Prints one line per request, in request
// order:
//
//   INDEX STATUS LATENCY_US SERVER_MS
//
// STATUS is the HTTP code, 0 when the connection failed (it is then reopened
// for the next request, as after a response that closes it); SERVER_MS is the `took_ms` the body
// ends with (what `/search` reports), -1 without one. Exit code 2 on bad arguments or when the
// server cannot be reached at all.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Outcome {
  int status = 0;
  int64_t latency_us = 0;
  double server_ms = -1;
};

int Connect(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads one response with a Content-Length body from `fd`. `buffer` carries
// bytes read past the end of the previous response. Returns the status code
// and fills `body`; 0 if the connection failed or the response is not one
// this client understands. `*closing` tells whether the server closes the
// connection after this response (it does after a number of requests).
int ReadResponse(int fd, std::string& buffer, std::string& body, bool* closing) {
  char chunk[16384];
  size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return 0;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  const std::string_view head(buffer.data(), header_end);
  if (!head.starts_with("HTTP/1.1 ") || head.size() < 12) return 0;
  const int status = std::atoi(std::string(head.substr(9, 3)).c_str());
  size_t length_at = std::string_view::npos;
  for (std::string_view name : {"\r\nContent-Length:", "\r\ncontent-length:"}) {
    length_at = head.find(name);
    if (length_at != std::string_view::npos) {
      length_at += name.size();
      break;
    }
  }
  if (length_at == std::string_view::npos) return 0;
  *closing = head.find("\r\nConnection: close") != std::string_view::npos;
  const size_t length = std::strtoull(buffer.c_str() + length_at, nullptr, 10);
  const size_t total = header_end + 4 + length;
  while (buffer.size() < total) {
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return 0;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  body.assign(buffer, header_end + 4, length);
  buffer.erase(0, total);
  return status;
}

double TookMs(const std::string& body) {
  constexpr std::string_view kKey = "\"took_ms\":";
  size_t at = body.rfind(kKey);
  if (at == std::string::npos) return -1;
  return std::strtod(body.c_str() + at + kKey.size(), nullptr);
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "serve_load_client: %s\nusage: serve_load_client --port P --rate R "
               "[--connections C] [--host 127.0.0.1] < paths\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0, connections = 8;
  double rate = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) Usage("each option takes a value");
    const char* value = argv[++i];
    if (arg == "--host") {
      host = value;
    } else if (arg == "--port") {
      port = std::atoi(value);
    } else if (arg == "--rate") {
      rate = std::atof(value);
    } else if (arg == "--connections") {
      connections = std::atoi(value);
    } else {
      Usage("unknown option");
    }
  }
  if (port <= 0 || rate <= 0 || connections <= 0) Usage("--port, --rate and --connections > 0");

  std::vector<std::string> requests;
  for (std::string path; std::getline(std::cin, path);) {
    if (!path.empty())
      requests.push_back("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }
  std::vector<Outcome> outcomes(requests.size());
  for (int c = 0; c < connections; ++c) {
    int fd = Connect(host, port);
    if (fd < 0) Usage("cannot connect to the server");
    close(fd);
  }

  std::atomic<size_t> next{0};
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  auto worker = [&] {
    int fd = Connect(host, port);
    std::string buffer, body;
    auto reconnect = [&] {
      if (fd >= 0) close(fd);
      buffer.clear();
      fd = Connect(host, port);
    };
    bool reused = false;  // fd has answered a request already
    for (size_t i; (i = next.fetch_add(1)) < requests.size();) {
      const auto scheduled =
          start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
      std::this_thread::sleep_until(scheduled);
      Outcome& out = outcomes[i];
      bool closing = false;
      // A reused connection may have been closed by the server, idle, as the
      // request left: then once more on a new one, as HTTP clients do.
      for (int attempt = reused ? 2 : 1; attempt > 0 && out.status == 0; --attempt) {
        if (attempt == 1 && reused) reconnect();
        if (fd >= 0 && SendAll(fd, requests[i])) {
          out.status = ReadResponse(fd, buffer, body, &closing);
        }
      }
      out.latency_us =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - scheduled).count();
      if (out.status != 0) out.server_ms = TookMs(body);
      reused = out.status != 0 && !closing;
      if (!reused) reconnect();
    }
    if (fd >= 0) close(fd);
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  for (size_t i = 0; i < outcomes.size(); ++i) {
    std::printf("%zu %d %lld %.3f\n", i, outcomes[i].status,
                static_cast<long long>(outcomes[i].latency_us), outcomes[i].server_ms);
  }
  return 0;
}
