#include "cli/query_args.h"

namespace freshet {

std::vector<std::string> JoinQueryWords(const CLI::App& command, std::vector<std::string> args,
                                        size_t from) {
  std::vector<std::string> kept(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(from));
  std::vector<std::string> words;
  size_t i = from;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-') {
      words.push_back(a);
      continue;
    }
    const std::string name = a.substr(0, a.find('='));
    const CLI::Option* option = command.get_option_no_throw(name);
    const bool named = option != nullptr && (name.starts_with("--") || name.size() == 2);
    if (!named) {
      words.push_back(a);
      continue;
    }
    kept.push_back(a);
    const bool takes_value = option->get_expected_min() > 0 && a.find('=') == std::string::npos;
    if (takes_value && i + 1 < args.size()) kept.push_back(args[++i]);
  }
  // Words the caller had already put behind "--" come last.
  for (++i; i < args.size(); ++i) words.push_back(args[i]);
  if (words.empty()) return kept;
  std::string query;
  for (const std::string& word : words) query += (query.empty() ? "" : " ") + word;
  kept.push_back("--");
  kept.push_back(std::move(query));
  return kept;
}

}  // namespace freshet
