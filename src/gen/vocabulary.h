// The words generated text is made of: a synthetic term vocabulary and brand
// names built from the seed, and a fixed list of product categories.
//
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gen/random.h"

namespace freshet::gen {

struct Category {
  std::string_view path;                    // "home/kitchen"
  std::span<const std::string_view> nouns;  // product nouns: "kettle", "pan"
};

class Vocabulary {
 public:
  // Builds `words` distinct lowercase terms and `brands` distinct brand names
  // (capitalised), disjoint from each other and from the category nouns.
  // Term ranks follow generation order, so rank 0 is the most common term.
  Vocabulary(uint64_t seed, uint32_t words, uint32_t brands, double term_skew);

  // A term drawn from the Zipf distribution over the vocabulary. The view is
  // valid as long as this Vocabulary.
  std::string_view Term(Random& rng) const { return words_[term_zipf_.Sample(rng)]; }

  const std::vector<std::string>& words() const { return words_; }
  const std::vector<std::string>& brands() const { return brands_; }
  static std::span<const Category> Categories();

 private:
  std::vector<std::string> words_;
  std::vector<std::string> brands_;
  ZipfDistribution term_zipf_;
};

}  // namespace freshet::gen
