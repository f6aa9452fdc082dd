#include "index/analyzer.h"

namespace freshet {

void Tokenize(std::string_view text, std::vector<std::string>* out) {
  std::string scratch;
  ForEachToken(text, scratch, [&](std::string_view t) { out->emplace_back(t); });
}

}  // namespace freshet
