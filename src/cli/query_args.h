// The words of a query given on the command line, among `freshet query`'s
// options: `freshet query -c ads.toml -python` searches for docs without
// "python", as `freshet query -c ads.toml -- -python` does.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace freshet {

// Rewrites the arguments of `command` (args[from..], after its name) so that
// the words of the query, joined by spaces in order, stand as one argument
// behind a "--" at the end, where CLI11 reads it as the positional, as is
// (CLI11 would otherwise read "[1 TO 2]" as a list). A query word is every
// argument that is not one of the command's options or an option's value,
// including those starting with '-' ("-python"). Options are exactly their
// names ("-c", "--limit", "--limit=5"); glued short forms like "-n5" are
// query words here. Words already behind a "--" come after the others.
std::vector<std::string> JoinQueryWords(const CLI::App& command, std::vector<std::string> args,
                                        size_t from);

}  // namespace freshet
