// Deterministic pseudo-random numbers for the workload generator.
//
// Every draw is defined here, bit for bit, so that the same seed gives the
// same workload with any compiler and standard library: the std::
// distributions are deliberately not used (their algorithms are unspecified
// and differ between libstdc++ and libc++). The only floating-point library
// call is std::pow in ZipfDistribution's constructor.
//
// Not thread-safe: give each thread (or each logical stream) its own Random.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace freshet::gen {

// The splitmix64 finaliser: a bijective 64-bit mix. Stable forever.
uint64_t Mix64(uint64_t x);

// Mixes several values into one seed, order-sensitive: DeriveSeed(s, a, b)
// names an independent stream (e.g. seed, "ad events", partition 7).
uint64_t DeriveSeed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0);

// xoshiro256** (Blackman and Vigna), seeded through splitmix64.
class Random {
 public:
  explicit Random(uint64_t seed);

  uint64_t Next();

  // Uniform in [0, n). REQUIRES: n > 0. Unbiased (Lemire's multiply-shift
  // with rejection).
  uint64_t Uniform(uint64_t n);

  // Uniform in [lo, hi], both inclusive. REQUIRES: lo <= hi.
  int64_t UniformRange(int64_t lo, int64_t hi);

  // Uniform in [0, 1), 53 random bits.
  double UniformDouble();

  // True with probability p (p <= 0: never, p >= 1: always).
  bool Bernoulli(double p);

  // One element, uniformly. REQUIRES: !items.empty(). The reference is valid
  // as long as `items` is.
  template <typename T>
  const T& Choice(std::span<const T> items) {
    return items[Uniform(items.size())];
  }

  // Fisher-Yates shuffle, uniform over permutations.
  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) {
      size_t j = Uniform(i);
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  uint64_t s_[4];
};

// Zipf over ranks [0, n): P(rank = k) proportional to 1 / (k + 1)^exponent.
// Sampling is a binary search in a precomputed table (8 bytes per rank).
// Immutable after construction, so one instance may be shared by threads,
// each with its own Random.
class ZipfDistribution {
 public:
  // REQUIRES: n > 0, exponent >= 0.
  ZipfDistribution(uint64_t n, double exponent);

  uint64_t Sample(Random& rng) const;
  uint64_t size() const { return cdf_.size(); }

 private:
  std::vector<double> cdf_;  // cdf_[k] = P(rank <= k); cdf_.back() == 1
};

}  // namespace freshet::gen
