// The freshet command.
#include <CLI/CLI.hpp>

#include "cli/gen_command.h"

int main(int argc, char** argv) {
  CLI::App app{"freshet: keeps search indexes fresh with micro-batches"};
  app.require_subcommand(1);
  freshet::AddGenCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
