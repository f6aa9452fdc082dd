#include "gen/random.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace freshet::gen {
namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

__extension__ typedef unsigned __int128 Uint128;

}  // namespace

uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t DeriveSeed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  uint64_t h = Mix64(seed + kGolden);
  h = Mix64(h ^ (a + kGolden));
  h = Mix64(h ^ (b + 2 * kGolden));
  h = Mix64(h ^ (c + 3 * kGolden));
  return h;
}

Random::Random(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& word : s_) {
    state += kGolden;
    word = Mix64(state);
  }
}

uint64_t Random::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Random::Uniform(uint64_t n) {
  assert(n > 0);
  Uint128 m = static_cast<Uint128>(Next()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(Next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

int64_t Random::UniformRange(int64_t lo, int64_t hi) {
  assert(lo <= hi);
  uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(Next());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + Uniform(span + 1));
}

double Random::UniformDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

bool Random::Bernoulli(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return UniformDouble() < p;
}

ZipfDistribution::ZipfDistribution(uint64_t n, double exponent) {
  assert(n > 0 && exponent >= 0);
  cdf_.resize(n);
  double sum = 0;
  for (uint64_t k = 0; k < n; ++k) {
    // Exact (no library call) for the common exponents 0 and 1.
    double rank = static_cast<double>(k + 1);
    double weight = exponent == 0   ? 1.0
                    : exponent == 1 ? 1.0 / rank
                                    : 1.0 / std::pow(rank, exponent);
    sum += weight;
    cdf_[k] = sum;
  }
  for (double& c : cdf_) c /= sum;
  cdf_.back() = 1.0;
}

uint64_t ZipfDistribution::Sample(Random& rng) const {
  double u = rng.UniformDouble();
  // First rank whose cumulative probability exceeds u.
  auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  if (it == cdf_.end()) --it;
  return static_cast<uint64_t>(it - cdf_.begin());
}

}  // namespace freshet::gen
