// Analyzer: turns text into terms. The same analyzer runs at index time and
// on query terms, so its behaviour is part of the on-disk format (frozen for
// segment format version 1):
//   - tokens are maximal runs of ASCII letters and digits and of bytes >= 0x80
//     (so UTF-8 letters stay inside tokens); everything else separates;
//   - ASCII letters are lowercased; other bytes are kept as they are;
//   - tokens longer than kMaxTokenBytes are cut to that length.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace freshet {

inline constexpr size_t kMaxTokenBytes = 64;

// Analyzer ids, recorded in every segment (frozen): 1 is the analyzer
// described above, the only one so far.
inline constexpr uint32_t kAsciiAnalyzer = 1;
inline bool IsKnownAnalyzer(uint64_t id) { return id == kAsciiAnalyzer; }
inline const char* KnownAnalyzers() { return "1 (ASCII letters and digits, ASCII lowercased)"; }

// Appends the terms of `text` to `out`, in order, with repetitions.
void Tokenize(std::string_view text, std::vector<std::string>* out);

// Calls fn(std::string_view term) for each term; the view is valid during the call.
template <typename Fn>
void ForEachToken(std::string_view text, std::string& scratch, Fn&& fn) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool word =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    if (!word) {
      ++i;
      continue;
    }
    scratch.clear();
    while (i < n) {
      c = static_cast<unsigned char>(text[i]);
      bool w =
          (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
      if (!w) break;
      if (scratch.size() < kMaxTokenBytes) {
        scratch.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32)
                                                 : static_cast<char>(c));
      }
      ++i;
    }
    fn(std::string_view(scratch));
  }
}

}  // namespace freshet
