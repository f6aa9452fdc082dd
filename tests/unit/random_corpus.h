// Random text over a small vocabulary, and queries over it, for tests that
// build random corpora of ads (ad_id, title, status, bid) grouped by item
// (item_name, item_brand, item_price; aggregates item_count, item_max_bid)
// and compare two indexes of them.
#pragma once

#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace freshet {

inline constexpr const char* kRandomWords[] = {"red",  "blue",   "shoe", "hat",  "lamp",
                                               "desk", "mug",    "kite", "hose", "reel",
                                               "cafe", "garden", "set",  "card"};

// Up to `max_words` words of kRandomWords, space-separated.
inline std::string RandomWords(std::mt19937& rng, int max_words) {
  std::string out;
  const int n = static_cast<int>(rng() % static_cast<unsigned>(max_words + 1));
  for (int i = 0; i < n; ++i) {
    if (i) out += ' ';
    out += kRandomWords[rng() % std::size(kRandomWords)];
  }
  return out;
}

// Queries over such corpora: terms, keywords, ranges and equality on group
// fields and aggregates, with doc fields, NOT and OR.
inline const std::vector<std::string>& GroupFieldQueries() {
  static const std::vector<std::string> queries = {"lamp",
                                                   "item_name:lamp",
                                                   "item_name:\"red lamp\"",
                                                   "item_brand:\"Brand 7\"",
                                                   "item_brand:brand",
                                                   "lamp OR kite",
                                                   "item_name:mug shoe",
                                                   "item_name:cafe -status:paused",
                                                   "item_price:[10 TO 20]",
                                                   "item_price:[* TO 3]",
                                                   "item_count:[3 TO *]",
                                                   "item_max_bid:[2 TO *] hat",
                                                   "item_count:0",
                                                   "* -item_name:red",
                                                   "garden item_brand:brand",
                                                   "(item_name:desk OR title:desk) status:active",
                                                   "item_price:25"};
  return queries;
}

}  // namespace freshet
