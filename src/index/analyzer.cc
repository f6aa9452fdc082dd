#include "index/analyzer.h"

#include <fmt/format.h>
#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace freshet {
namespace {

struct AnalyzerInfo {
  uint32_t id;
  std::string_view name;
};
// Frozen: ids and names.
constexpr AnalyzerInfo kAnalyzers[] = {
    {kAsciiAnalyzer, "ascii"},
    {kUnicodeAnalyzer, "unicode"},
    {kUnicodeFoldAnalyzer, "unicode_fold"},
};

// ICU failing to build its word iterator or normalizers means its data is
// missing from the installation: no term could be right, so the process ends.
void CheckIcu(UErrorCode status, const char* what) {
  if (U_SUCCESS(status)) return;
  std::fprintf(stderr, "freshet: ICU %s failed: %s\n", what, u_errorName(status));
  std::abort();
}

// Appends the bytes a Normalizer2 writes to a std::string.
class AppendSink : public icu::ByteSink {
 public:
  explicit AppendSink(std::string* out) : out_(out) {}
  void Append(const char* bytes, int32_t n) override {
    out_->append(bytes, static_cast<size_t>(n));
  }

 private:
  std::string* out_;
};

void Normalize(const icu::Normalizer2& normalizer, std::string_view in, std::string* out) {
  out->clear();
  AppendSink sink(out);
  UErrorCode status = U_ZERO_ERROR;
  normalizer.normalizeUTF8(0, icu::StringPiece(in.data(), static_cast<int32_t>(in.size())), sink,
                           nullptr, status);
  CheckIcu(status, "normalization");
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// The length of `s` cut to kMaxTokenBytes at a character boundary.
size_t CutLength(std::string_view s) {
  if (s.size() <= kMaxTokenBytes) return s.size();
  size_t n = kMaxTokenBytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

// One thread's word iterator, normalizers and buffers, reused call to call.
class UnicodeAnalysis {
 public:
  UnicodeAnalysis() {
    UErrorCode status = U_ZERO_ERROR;
    words_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    CheckIcu(status, "word break iterator");
    nfkc_casefold_ = icu::Normalizer2::getNFKCCasefoldInstance(status);
    nfd_ = icu::Normalizer2::getNFDInstance(status);
    nfc_ = icu::Normalizer2::getNFCInstance(status);
    CheckIcu(status, "normalizer");
  }

  void Run(uint32_t analyzer, std::string_view text, TermSink sink, void* context) {
    if (text.empty()) return;
    UErrorCode status = U_ZERO_ERROR;
    UText utext = UTEXT_INITIALIZER;
    // UTF-8 in place: the iterator's positions are byte offsets into `text`.
    utext_openUTF8(&utext, text.data(), static_cast<int64_t>(text.size()), &status);
    words_->setText(&utext, status);
    CheckIcu(status, "word break iterator");
    int32_t start = words_->first();
    for (int32_t end = words_->next(); end != icu::BreakIterator::DONE;
         start = end, end = words_->next()) {
      if (words_->getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;  // not a word
      std::string_view word =
          text.substr(static_cast<size_t>(start), static_cast<size_t>(end - start));
      // Pieces between apostrophes.
      size_t piece = 0;
      for (size_t i = 0; i <= word.size();) {
        size_t width = 0;
        if (i == word.size()) {
          width = 1;
        } else if (word[i] == '\'') {
          width = 1;
        } else if (word.compare(i, 3, "\xE2\x80\x99") == 0) {  // U+2019
          width = 3;
        } else {
          ++i;
          continue;
        }
        if (i > piece) Emit(analyzer, word.substr(piece, i - piece), sink, context);
        i += width;
        piece = i;
      }
    }
    utext_close(&utext);
  }

 private:
  void Emit(uint32_t analyzer, std::string_view piece, TermSink sink, void* context) {
    if (IsAscii(piece)) {
      // NFKC_Casefold of ASCII text is its lower case, exactly: no
      // normalizer call for the commonest words.
      folded_.assign(piece);
      for (char& c : folded_) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
      }
    } else {
      Normalize(*nfkc_casefold_, piece, &folded_);
    }
    std::string* term = &folded_;
    if (analyzer == kUnicodeFoldAnalyzer && !IsAscii(folded_)) {
      Normalize(*nfd_, folded_, &decomposed_);
      stripped_.clear();
      const auto* bytes = reinterpret_cast<const uint8_t*>(decomposed_.data());
      const auto length = static_cast<int32_t>(decomposed_.size());
      for (int32_t i = 0; i < length;) {
        const int32_t from = i;
        UChar32 c;
        U8_NEXT(bytes, i, length, c);
        if (c >= 0 && u_charType(c) == U_NON_SPACING_MARK) continue;
        stripped_.append(decomposed_, static_cast<size_t>(from), static_cast<size_t>(i - from));
      }
      Normalize(*nfc_, stripped_, &decomposed_);
      term = &decomposed_;
    }
    if (term->empty()) return;  // only default-ignorable characters
    sink(context, std::string_view(*term).substr(0, CutLength(*term)));
  }

  std::unique_ptr<icu::BreakIterator> words_;
  const icu::Normalizer2* nfkc_casefold_ = nullptr;
  const icu::Normalizer2* nfd_ = nullptr;
  const icu::Normalizer2* nfc_ = nullptr;
  std::string folded_, decomposed_, stripped_;
};

}  // namespace

bool IsKnownAnalyzer(uint64_t id) {
  for (const AnalyzerInfo& a : kAnalyzers) {
    if (a.id == id) return true;
  }
  return false;
}

std::string_view AnalyzerName(uint32_t id) {
  for (const AnalyzerInfo& a : kAnalyzers) {
    if (a.id == id) return a.name;
  }
  return "?";
}

std::optional<uint32_t> AnalyzerByName(std::string_view name) {
  for (const AnalyzerInfo& a : kAnalyzers) {
    if (a.name == name) return a.id;
  }
  return std::nullopt;
}

std::string KnownAnalyzers() {
  std::string out;
  for (const AnalyzerInfo& a : kAnalyzers) {
    out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", a.id, a.name);
  }
  return out;
}

std::string KnownAnalyzerNames() {
  std::string out;
  for (const AnalyzerInfo& a : kAnalyzers) {
    if (!out.empty()) out += ", ";
    out += a.name;
  }
  return out;
}

void ForEachUnicodeToken(uint32_t analyzer, std::string_view text, TermSink sink, void* context) {
  thread_local UnicodeAnalysis analysis;
  analysis.Run(analyzer, text, sink, context);
}

void Tokenize(uint32_t analyzer, std::string_view text, std::vector<std::string>* out) {
  std::string scratch;
  ForEachToken(analyzer, text, scratch, [&](std::string_view t) { out->emplace_back(t); });
}

}  // namespace freshet
