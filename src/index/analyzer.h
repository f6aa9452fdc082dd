// Analyzers: turn text into terms. The same analyzer runs at index time and
// on query terms, so each one's behaviour is part of the on-disk format; a
// segment records the analyzer of each text field (segment_schema.h), and a
// query analyzes its words with the analyzer of the segment and field it
// searches. Ids and names are frozen (they reach disk and configs):
//
//   1 "ascii" (the only one before per-field analyzers; the default):
//     - tokens are maximal runs of ASCII letters and digits and of bytes
//       >= 0x80 (so UTF-8 letters stay inside tokens); everything else
//       separates;
//     - ASCII letters are lowercased; other bytes are kept as they are.
//   2 "unicode":
//     - words by the Unicode word boundaries (UAX #29, as ICU implements
//       them, with its dictionaries for runs of Chinese, Japanese, Thai, Lao,
//       Khmer and Burmese); a segment is a word when it holds a letter, a
//       digit, kana or an ideograph (ICU's rule status), so punctuation,
//       symbols and emoji alone are never terms;
//     - a word is cut in two at an apostrophe (U+0027 or U+2019): "GNOME’s"
//       gives "gnome" and "s", "l’homme" gives "l" and "homme";
//     - each term is normalized with NFKC_Casefold (full case folding and
//       compatibility normalization in one step: "SCHRÖDINGER" and
//       "schrödinger" give the same term, "Straße" gives "strasse", "ﬁ" gives
//       "fi").
//   3 "unicode_fold": "unicode", then accents dropped: decomposed (NFD),
//     nonspacing marks (general category Mn) removed, recomposed (NFC):
//     "Crème" gives "creme".
//
// Every analyzer cuts a term longer than kMaxTokenBytes to that length
// ("unicode" and "unicode_fold" at the last whole character that fits, so a
// term is always valid UTF-8 when its text was).
//
// Thread-safe: "unicode" keeps one ICU break iterator per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace freshet {

inline constexpr size_t kMaxTokenBytes = 64;

// Analyzer ids, recorded in segments (frozen).
inline constexpr uint32_t kAsciiAnalyzer = 1;
inline constexpr uint32_t kUnicodeAnalyzer = 2;
inline constexpr uint32_t kUnicodeFoldAnalyzer = 3;

bool IsKnownAnalyzer(uint64_t id);
// "ascii", "unicode", "unicode_fold"; "?" for an unknown id.
std::string_view AnalyzerName(uint32_t id);
// The id of the analyzer named `name` (as configs write it), if any.
std::optional<uint32_t> AnalyzerByName(std::string_view name);
// "1 (ascii), 2 (unicode), 3 (unicode_fold)", for error messages about ids.
std::string KnownAnalyzers();
// "ascii, unicode, unicode_fold", for error messages about names.
std::string KnownAnalyzerNames();

// Appends the terms `analyzer` makes of `text` to `out`, in order, with
// repetitions. REQUIRES: IsKnownAnalyzer(analyzer).
void Tokenize(uint32_t analyzer, std::string_view text, std::vector<std::string>* out);
// The same with the ascii analyzer.
inline void Tokenize(std::string_view text, std::vector<std::string>* out) {
  Tokenize(kAsciiAnalyzer, text, out);
}

// Calls fn(std::string_view term) for each term of the ascii analyzer; the
// view is valid during the call. `scratch` is reused from call to call.
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

// The Unicode analyzers (2 and 3): calls sink(context, term) for each term
// of `text`; the view is valid during the call. No allocation per term once
// the calling thread's buffers have grown. REQUIRES: analyzer is 2 or 3.
using TermSink = void (*)(void* context, std::string_view term);
void ForEachUnicodeToken(uint32_t analyzer, std::string_view text, TermSink sink, void* context);

// Calls fn(std::string_view term) for each term `analyzer` makes of `text`;
// the view is valid during the call. REQUIRES: IsKnownAnalyzer(analyzer).
template <typename Fn>
void ForEachToken(uint32_t analyzer, std::string_view text, std::string& scratch, Fn&& fn) {
  if (analyzer == kAsciiAnalyzer) {
    ForEachToken(text, scratch, fn);
    return;
  }
  using Callable = std::remove_reference_t<Fn>;
  ForEachUnicodeToken(
      analyzer, text,
      [](void* context, std::string_view term) { (*static_cast<Callable*>(context))(term); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace freshet
