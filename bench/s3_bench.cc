// s3_bench: the S3 store's figures against a live S3-compatible server.
//
//   s3_bench put  URL --keys N --size BYTES [--threads T] [--seed S]
//   s3_bench list URL [--repeat R]
//   s3_bench get  URL [--threads T] [--repeat R]
//
// `put` writes N objects "obj-000000".. of BYTES pseudo-random bytes (fixed
// seed); `list` lists URL R times; `get` reads every object under URL with T
// threads, R times. Each prints one line of figures (best of the repeats):
//   list keys=10000 seconds=0.412 keys_per_s=24271
// bench/s3_bench.py runs it beside boto3 on the same server and prints both.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/object_store.h"

namespace freshet {
namespace {

struct Args {
  std::string op, url;
  size_t keys = 1000, size = 1024, threads = 8, repeat = 3;
  uint64_t seed = 42;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "s3_bench: %s\nusage: s3_bench put|list|get URL [--keys N] [--size BYTES] "
               "[--threads T] [--repeat R] [--seed S]\n",
               why);
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  if (argc < 3) Usage("missing arguments");
  Args a;
  a.op = argv[1];
  a.url = argv[2];
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    size_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--keys") {
      a.keys = v;
    } else if (flag == "--size") {
      a.size = v;
    } else if (flag == "--threads") {
      a.threads = std::max<size_t>(1, v);
    } else if (flag == "--repeat") {
      a.repeat = std::max<size_t>(1, v);
    } else if (flag == "--seed") {
      a.seed = v;
    } else {
      Usage("unknown flag");
    }
  }
  return a;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Runs fn(i) for i in [0, n) on `threads` threads; false if any call failed.
template <typename Fn>
bool ParallelFor(size_t n, size_t threads, Fn fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> ok{true};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        Status st = fn(i);
        if (!st.ok()) {
          std::fprintf(stderr, "s3_bench: %s\n", st.ToString().c_str());
          ok = false;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  return ok;
}

int Main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  auto opened = ObjectStore::Open(a.url);
  if (!opened.ok()) Usage(opened.status().ToString().c_str());
  ObjectStore& store = **opened;

  if (a.op == "put") {
    auto began = std::chrono::steady_clock::now();
    bool ok = ParallelFor(a.keys, a.threads, [&](size_t i) {
      std::mt19937_64 rng(a.seed * 1'000'003 + i);
      std::string data(a.size, '\0');
      for (char& c : data) c = static_cast<char>(rng());
      return store.Put(fmt::format("obj-{:06}", i), data);
    });
    double s = Seconds(began);
    std::printf("put objects=%zu bytes=%zu seconds=%.3f objects_per_s=%.0f\n", a.keys,
                a.keys * a.size, s, a.keys / s);
    return ok ? 0 : 1;
  }
  if (a.op == "list") {
    double best = 1e300;
    size_t keys = 0;
    for (size_t r = 0; r < a.repeat; ++r) {
      auto began = std::chrono::steady_clock::now();
      auto listed = store.List("");
      double s = Seconds(began);
      if (!listed.ok()) Usage(listed.status().ToString().c_str());
      keys = listed->size();
      best = std::min(best, s);
    }
    std::printf("list keys=%zu seconds=%.3f keys_per_s=%.0f\n", keys, best, keys / best);
    return 0;
  }
  if (a.op == "get") {
    auto listed = store.List("");
    if (!listed.ok()) Usage(listed.status().ToString().c_str());
    const std::vector<ObjectInfo>& objects = *listed;
    double best = 1e300;
    uint64_t bytes = 0;
    for (size_t r = 0; r < a.repeat; ++r) {
      std::atomic<uint64_t> got{0};
      auto began = std::chrono::steady_clock::now();
      bool ok = ParallelFor(objects.size(), a.threads, [&](size_t i) {
        auto data = store.Get(objects[i].key);
        if (!data.ok()) return data.status();
        got += data->size();
        return Status::OK();
      });
      double s = Seconds(began);
      if (!ok) return 1;
      bytes = got;
      best = std::min(best, s);
    }
    std::printf("get objects=%zu bytes=%llu seconds=%.3f objects_per_s=%.0f mib_per_s=%.1f\n",
                objects.size(), static_cast<unsigned long long>(bytes), best, objects.size() / best,
                bytes / best / (1 << 20));
    return 0;
  }
  Usage("unknown operation");
}

}  // namespace
}  // namespace freshet

int main(int argc, char** argv) { return freshet::Main(argc, argv); }
